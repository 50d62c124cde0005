/**
 * The outbox: SEGs that could not be stored wait here, with the reason, until a retry succeeds or the user downloads
 * or discards them. Pure logic over an injected key-value store (IndexedDB in the browser so that the outbox
 * survives a reload; in memory in tests and the command line). An entry leaves the outbox only after a verified
 * store or an explicit discard: nothing is lost.
 */
import { SegError, isSegError, type SegErrorCode } from './errors';
import { stowInstances, type StowConfig, type StowInstance, type StowResult } from './stow';

export interface KeyValueStore<V> {
  get(key: string): Promise<V | undefined>;
  set(key: string, value: V): Promise<void>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

export function memoryStore<V>(): KeyValueStore<V> {
  const map = new Map<string, V>();
  return {
    get: async (k) => map.get(k),
    set: async (k, v) => void map.set(k, v),
    delete: async (k) => void map.delete(k),
    keys: async () => [...map.keys()],
  };
}

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
  attempts: number;
  lastError: OutboxError;
}

export type OutboxSummary = Omit<OutboxEntry, 'bytes'> & { bytesLength: number };

/**
 * Stores one instance. `target` is the DICOMweb root the entry was meant for (OutboxEntry.target; empty when none was
 * known): a sender should store there, as stowSender does.
 */
export type Sender = (instance: StowInstance & { target?: string }) => Promise<StowResult>;

export type RetryOutcome = { ok: true; result: StowResult } | { ok: false; error: OutboxError };

function toOutboxError(e: unknown, at: Date): OutboxError {
  if (isSegError(e)) return { code: e.code, message: e.message, at: at.toISOString() };
  return { code: 'UNKNOWN', message: e instanceof Error ? e.message : String(e), at: at.toISOString() };
}

export class Outbox {
  constructor(
    private readonly store: KeyValueStore<OutboxEntry>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Keeps an instance that failed to store, with the reason. Re-enqueueing the same instance updates it. */
  async enqueue(
    instance: StowInstance & { seriesInstanceUid: string; description: string },
    error: unknown,
    target: string,
  ): Promise<OutboxEntry> {
    const previous = await this.store.get(instance.sopInstanceUid);
    const entry: OutboxEntry = {
      sopInstanceUid: instance.sopInstanceUid,
      sopClassUid: instance.sopClassUid,
      studyInstanceUid: instance.studyInstanceUid,
      seriesInstanceUid: instance.seriesInstanceUid,
      bytes: instance.bytes,
      description: instance.description,
      id: instance.sopInstanceUid,
      target,
      createdAt: previous?.createdAt ?? this.now().toISOString(),
      attempts: (previous?.attempts ?? 0) + 1,
      lastError: toOutboxError(error, this.now()),
    };
    await this.store.set(entry.id, entry);
    return entry;
  }

  /** What waits, oldest first, without the bytes. */
  async list(): Promise<OutboxSummary[]> {
    const entries = await Promise.all((await this.store.keys()).map((k) => this.store.get(k)));
    return entries
      .filter((e): e is OutboxEntry => e !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map(({ bytes, ...rest }) => ({ ...rest, bytesLength: bytes.length }));
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    return this.store.get(id);
  }

  /** Sends one entry again (the sender gets the entry, with its target); it leaves the outbox only when the store is verified. */
  async retry(id: string, send: Sender): Promise<RetryOutcome> {
    const entry = await this.store.get(id);
    if (!entry) throw new SegError('STOW_BAD_RESPONSE', `No outbox entry ${id}`, { id });
    try {
      const result = await send(entry);
      await this.store.delete(id);
      return { ok: true, result };
    } catch (e) {
      const error = toOutboxError(e, this.now());
      await this.store.set(id, { ...entry, attempts: entry.attempts + 1, lastError: error });
      return { ok: false, error };
    }
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
    if (!entry) throw new SegError('STOW_BAD_RESPONSE', `No outbox entry ${id}`, { id });
    return { filename: `SEG-${entry.sopInstanceUid}.dcm`, mimeType: 'application/dicom', bytes: entry.bytes };
  }

  /** Removes an entry the user chose to discard (after downloading it, say). */
  async discard(id: string): Promise<void> {
    await this.store.delete(id);
  }
}

export type SaveOutcome =
  | { stored: true; result: StowResult }
  | { stored: false; error: OutboxError; outboxId: string };

/**
 * Save to PACS: store the SEG with verification; on any failure put it into the outbox and say why.
 * Never throws for a store failure (the outcome carries it); throws only if the outbox itself fails.
 */
export async function saveToPacs(
  seg: StowInstance & { seriesInstanceUid: string; description: string },
  config: StowConfig,
  outbox: Outbox,
): Promise<SaveOutcome> {
  try {
    const result = await stowInstances([seg], config);
    return { stored: true, result };
  } catch (e) {
    const entry = await outbox.enqueue(seg, e, config.root ?? '');
    return { stored: false, error: entry.lastError, outboxId: entry.id };
  }
}

/**
 * A Sender for Outbox.retry and retryAll over the same configuration: each entry goes to the root it was meant for
 * (its target), config.root only when it has none.
 */
export function stowSender(config: StowConfig): Sender {
  return (instance) => stowInstances([instance], { ...config, root: instance.target || config.root });
}
