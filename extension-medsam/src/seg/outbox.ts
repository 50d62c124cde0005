/**
 * The outbox: a write-ahead log of SEGs on their way to the PACS. A SEG is written here (and the write awaited)
 * before its STOW starts, and leaves only after a verified store (the STOW's stored list, or QIDO finding it) or an
 * explicit discard: closing the tab during the POST, a PACS that never answers or refuses, all leave it waiting
 * with the reason. Pure logic over an injected key-value store (IndexedDB in the browser so that the outbox survives
 * a reload; in memory in tests and the command line), an injected lock (one send per entry at a time, across tabs
 * in the browser) and an injected clock.
 */
import { SegError, isSegError, type SegErrorCode } from './errors';
import { isInstanceStored, stowInstances, type StowConfig, type StowInstance, type StowResult } from './stow';

export interface KeyValueStore<V> {
  get(key: string): Promise<V | undefined>;
  set(key: string, value: V): Promise<void>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

export function memoryStore<V>(): KeyValueStore<V> {
  const map = new Map<string, V>();
  return {
    get: async k => map.get(k),
    set: async (k, v) => void map.set(k, v),
    delete: async k => void map.delete(k),
    keys: async () => [...map.keys()],
  };
}

/**
 * A store opened on first use, and opened again on the next use after a failed open: a browser that refused
 * IndexedDB once (a blocked open, storage cleared under the page) must not make every later save fail.
 */
export function lazyStore<V>(open: () => Promise<KeyValueStore<V>>): KeyValueStore<V> {
  let opened: Promise<KeyValueStore<V>> | null = null;
  const store = (): Promise<KeyValueStore<V>> =>
    (opened ??= open().catch((e: unknown) => {
      opened = null;
      throw e;
    }));
  // A store that became unusable (its database closed under it) is opened afresh next time; a full one is not.
  const use = async <T>(op: (s: KeyValueStore<V>) => Promise<T>): Promise<T> => {
    const current = store();
    try {
      return await op(await current);
    } catch (e) {
      if (isSegError(e, 'OUTBOX_UNAVAILABLE') && opened === current) opened = null;
      throw e;
    }
  };
  return {
    get: k => use(s => s.get(k)),
    set: (k, v) => use(s => s.set(k, v)),
    delete: k => use(s => s.delete(k)),
    keys: () => use(s => s.keys()),
  };
}

/** Runs `fn` holding the exclusive lock `name`; other holders of the same name queue behind it. */
export type LockRunner = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Locks within this page only: the fallback where navigator.locks is absent. Two tabs are then not kept apart, but a
 * send still re-reads its entry under the lock and checks the PACS after a refusal, so no stored SEG stays listed.
 */
export function localLocks(): LockRunner {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const run = (tails.get(name) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    tails.set(name, tail);
    void tail.then(() => tails.get(name) === tail && tails.delete(name));
    return run;
  };
}

/** The lock that serialises every send and discard of one entry (navigator.locks names are per origin). */
export const outboxLockName = (id: string): string => `medsam-outbox:${id}`;

export interface OutboxError {
  code: SegErrorCode | 'UNKNOWN';
  message: string;
  at: string;
}

export interface OutboxEntry extends StowInstance {
  /** The SOP Instance UID: one entry per instance. */
  id: string;
  seriesInstanceUid: string;
  /** What the user sees in the list, e.g. the series description and segment labels. */
  description: string;
  /** The DICOMweb root it was meant for. */
  target: string;
  createdAt: string;
  /** Sends started (the first save counts). */
  attempts: number;
  /** Why it waits. Written ahead as STOW_INTERRUPTED: what stays true if the page dies during the send. */
  lastError: OutboxError;
}

export type OutboxSummary = Omit<OutboxEntry, 'bytes'> & { bytesLength: number };

type Addressed = StowInstance & { target?: string };

/**
 * Stores one instance. `target` is the DICOMweb root the entry was meant for (OutboxEntry.target; empty when none was
 * known): a sender should store there, as stowSender does. isStored, when given, asks the PACS whether it already
 * holds the instance; the outbox asks after a refusal that a duplicate could explain.
 */
export interface Sender {
  (instance: Addressed): Promise<StowResult>;
  isStored?(instance: Addressed): Promise<boolean>;
}

/** How a store was verified: the STOW's stored list, or (after a refused STOW) QIDO finding the instance. */
export type Verified =
  { ok: true; result: StowResult; verifiedBy: 'stow' } | { ok: true; result: null; verifiedBy: 'qido' };

/** A retry: stored; failed (the entry waits, with the reason); or gone (no such entry: another tab stored or discarded it). */
export type RetryOutcome = Verified | { ok: false; error: OutboxError; gone: boolean };

export type SaveOutcome =
  /** Stored and verified; notKept says the outbox could not hold the copy meanwhile (nothing waits anyway). */
  | { stored: true; result: StowResult | null; verifiedBy: 'stow' | 'qido'; notKept?: OutboxError }
  /** Not stored: the SEG waits in the outbox under outboxId. */
  | { stored: false; error: OutboxError; outboxId: string }
  /** Not stored and not kept (IndexedDB full or missing): the caller must hand the bytes to the user now. */
  | { stored: false; error: OutboxError; outboxId: null; notKept: OutboxError };

function toOutboxError(e: unknown, at: Date): OutboxError {
  if (isSegError(e)) return { code: e.code, message: e.message, at: at.toISOString() };
  return { code: 'UNKNOWN', message: e instanceof Error ? e.message : String(e), at: at.toISOString() };
}

const INTERRUPTED =
  'The store did not finish: the page was closed or reloaded while the SEG was being sent. Retry sends it again.';

/**
 * Failures after which the PACS may hold the instance anyway (a refused duplicate, a lost or odd answer). Not:
 * no endpoint, an unreachable PACS, a timeout (the QIDO would fail or hang the same way).
 */
function mayAlreadyBeStored(e: unknown): boolean {
  return (
    !isSegError(e) || ['STOW_FAILED_INSTANCE', 'STOW_HTTP', 'STOW_NOT_STORED', 'STOW_BAD_RESPONSE'].includes(e.code)
  );
}

export class Outbox {
  constructor(
    private readonly store: KeyValueStore<OutboxEntry>,
    private readonly now: () => Date = () => new Date(),
    private readonly lock: LockRunner = localLocks(),
  ) {}

  private entryFor(
    instance: StowInstance & { seriesInstanceUid: string; description: string },
    target: string,
    previous: OutboxEntry | undefined,
    error: () => OutboxError,
  ): OutboxEntry {
    const createdAt = previous?.createdAt ?? this.now().toISOString();
    return {
      sopInstanceUid: instance.sopInstanceUid,
      sopClassUid: instance.sopClassUid,
      studyInstanceUid: instance.studyInstanceUid,
      seriesInstanceUid: instance.seriesInstanceUid,
      bytes: instance.bytes,
      description: instance.description,
      id: instance.sopInstanceUid,
      target,
      createdAt,
      attempts: (previous?.attempts ?? 0) + 1,
      lastError: error(),
    };
  }

  /** Keeps an instance that failed to store, with the reason. Re-enqueueing the same instance updates it. */
  async enqueue(
    instance: StowInstance & { seriesInstanceUid: string; description: string },
    error: unknown,
    target: string,
  ): Promise<OutboxEntry> {
    const previous = await this.store.get(instance.sopInstanceUid);
    const entry = this.entryFor(instance, target, previous, () => toOutboxError(error, this.now()));
    await this.store.set(entry.id, entry);
    return entry;
  }

  /**
   * Save to PACS, write-ahead: the SEG is in the store (awaited) before the send starts and leaves it only after a
   * verified store. When the store cannot keep it (full, missing), the send still happens at once; if that fails too
   * the outcome says so (outboxId null) and the caller must give the bytes to the user. Throws only if the lock does.
   */
  async save(
    seg: StowInstance & { seriesInstanceUid: string; description: string },
    send: Sender,
    target: string,
  ): Promise<SaveOutcome> {
    const id = seg.sopInstanceUid;
    return this.lock(outboxLockName(id), async () => {
      const ahead = this.entryFor(seg, target, undefined, () => this.interrupted());
      let notKept: OutboxError | undefined;
      try {
        await this.store.set(id, ahead);
      } catch (e) {
        notKept = toOutboxError(e, this.now());
      }
      const sent = await this.attempt(ahead, send);
      if (sent.ok) {
        if (!notKept) await this.forget(id);
        return { stored: true, result: sent.result, verifiedBy: sent.verifiedBy, ...(notKept ? { notKept } : {}) };
      }
      if (notKept) return { stored: false, error: sent.error, outboxId: null, notKept };
      // Failing to record the reason leaves the write-ahead copy: the SEG still waits, only its reason is vaguer.
      await this.store.set(id, { ...ahead, lastError: sent.error }).catch(() => undefined);
      return { stored: false, error: sent.error, outboxId: id };
    });
  }

  /** The reason an entry holds while it is being sent: true if the page dies before the answer. */
  private interrupted(): OutboxError {
    return { code: 'STOW_INTERRUPTED', message: INTERRUPTED, at: this.now().toISOString() };
  }

  /** What waits, oldest first, without the bytes. */
  async list(): Promise<OutboxSummary[]> {
    const entries = await Promise.all((await this.store.keys()).map(k => this.store.get(k)));
    return entries
      .filter((e): e is OutboxEntry => e !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map(({ bytes, ...rest }) => ({ ...rest, bytesLength: bytes.length }));
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    return this.store.get(id);
  }

  /**
   * Sends one entry again (the sender gets the entry, with its target); it leaves the outbox only when the store is
   * verified. Under the entry's lock, re-read: a retry that waited for another tab's finds the entry gone and says so.
   */
  async retry(id: string, send: Sender): Promise<RetryOutcome> {
    return this.lock(outboxLockName(id), async () => {
      const found = await this.store.get(id);
      if (!found) return { ok: false, gone: true, error: toOutboxError(noEntry(id), this.now()) };
      // Write-ahead as in save(): if the page dies during this send, the entry says so, not the older reason.
      const entry = { ...found, attempts: found.attempts + 1, lastError: this.interrupted() };
      await this.store.set(id, entry).catch(() => undefined); // the old record still holds the SEG
      const sent = await this.attempt(entry, send);
      if (sent.ok) {
        await this.forget(id);
        return sent;
      }
      // Still under the lock: a discard elsewhere waits for it, so this write cannot bring a discarded entry back.
      await this.store.set(id, { ...entry, lastError: sent.error });
      return { ok: false, error: sent.error, gone: false };
    });
  }

  /** Retries every entry, oldest first; each goes to its own target when the sender honours it (stowSender does). */
  async retryAll(send: Sender): Promise<Record<string, RetryOutcome>> {
    const out: Record<string, RetryOutcome> = {};
    for (const { id } of await this.list()) out[id] = await this.retry(id, send);
    return out;
  }

  /** The file to save by hand (the same bytes that were to be stored). */
  async download(id: string): Promise<{ filename: string; mimeType: 'application/dicom'; bytes: Uint8Array }> {
    const entry = await this.store.get(id);
    if (!entry) throw noEntry(id);
    return { ...segFile(entry), bytes: entry.bytes };
  }

  /** Removes an entry the user chose to discard (after downloading it, say); waits for a send of it in progress. */
  async discard(id: string): Promise<void> {
    await this.lock(outboxLockName(id), () => this.store.delete(id));
  }

  /** One send with its verification: the STOW's own, or QIDO after a refusal a duplicate could explain. */
  private async attempt(entry: Addressed, send: Sender): Promise<Verified | { ok: false; error: OutboxError }> {
    try {
      return { ok: true, result: await send(entry), verifiedBy: 'stow' };
    } catch (e) {
      if (await this.alreadyStored(entry, e, send)) return { ok: true, result: null, verifiedBy: 'qido' };
      return { ok: false, error: toOutboxError(e, this.now()) };
    }
  }

  private async alreadyStored(entry: Addressed, e: unknown, send: Sender): Promise<boolean> {
    if (!send.isStored || !mayAlreadyBeStored(e)) return false;
    try {
      return await send.isStored(entry);
    } catch {
      return false; // the PACS cannot say: keep the entry
    }
  }

  /** Drops a stored entry. A failed delete leaves a listed copy of a stored SEG, which the next retry clears (QIDO). */
  private async forget(id: string): Promise<void> {
    await this.store.delete(id).catch(() => undefined);
  }
}

function noEntry(id: string): SegError {
  return new SegError(
    'OUTBOX_NO_ENTRY',
    `The outbox has no entry ${id} any more: it was stored or discarded (in another tab, perhaps)`,
    { id },
  );
}

/** The file name and type under which a SEG is handed to the user. */
export function segFile(instance: { sopInstanceUid: string }): { filename: string; mimeType: 'application/dicom' } {
  return { filename: `SEG-${instance.sopInstanceUid}.dcm`, mimeType: 'application/dicom' };
}

/**
 * Save to PACS: write-ahead into the outbox, store with verification, leave the outbox only when stored.
 * Never throws for a store failure (the outcome carries it).
 */
export async function saveToPacs(
  seg: StowInstance & { seriesInstanceUid: string; description: string },
  config: StowConfig,
  outbox: Outbox,
): Promise<SaveOutcome> {
  return outbox.save(seg, stowSender(config), config.root ?? '');
}

/**
 * A Sender for Outbox.save, retry and retryAll over the same configuration: each entry goes to the root it was meant
 * for (its target), config.root only when it has none; isStored asks that root with QIDO.
 */
export function stowSender(config: StowConfig): Sender {
  const at = (instance: Addressed): StowConfig => ({ ...config, root: instance.target || config.root });
  const send: Sender = instance => stowInstances([instance], at(instance));
  send.isStored = instance => isInstanceStored(instance.sopInstanceUid, at(instance));
  return send;
}
