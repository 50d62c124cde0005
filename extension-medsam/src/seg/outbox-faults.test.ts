/**
 * The outbox under the faults a probe found: a tab closed during the POST, a PACS that never answers, a full or
 * missing store, two tabs retrying one entry, a retry of an entry another tab discarded. Each case failed before the
 * outbox became write-ahead.
 */
import { SegError, isSegError } from './errors';
import {
  Outbox,
  lazyStore,
  localLocks,
  memoryStore,
  saveToPacs,
  stowSender,
  type KeyValueStore,
  type OutboxEntry,
  type Sender,
} from './outbox';
import type { FetchLike, StowInstance, StowResult } from './stow';

const ROOT = 'http://pacs.test/dicom-web';
const SOP = '2.25.1';
const seg = (n = 1): StowInstance & { seriesInstanceUid: string; description: string } => ({
  sopInstanceUid: `2.25.${n}`,
  sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4',
  studyInstanceUid: '1.2.3',
  seriesInstanceUid: '2.25.100',
  description: `SEG ${n}`,
  bytes: new Uint8Array([n, 1, 2, 3]),
});
const stored = (uid: string): StowResult => ({
  status: 200,
  url: `${ROOT}/studies`,
  stored: [{ sopInstanceUid: uid }],
});
const referenced = (uid: string) =>
  JSON.stringify({ '00081199': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: [uid] } }] } });
const duplicate = (uid: string) =>
  JSON.stringify({
    '00081198': {
      vr: 'SQ',
      Value: [{ '00081155': { vr: 'UI', Value: [uid] }, '00081197': { vr: 'US', Value: [0x0111] } }],
    },
  });

/** A promise with its resolver outside: a STOW the test answers when it wants. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A PACS over fetch: answer(method, url) gives status and body, or null for "never answers". */
function pacs(answer: (method: string, url: string) => { status: number; body?: string } | null): {
  fetch: FetchLike;
  calls: string[];
} {
  const calls: string[] = [];
  const fetch: FetchLike = (url, init) => {
    calls.push(`${init.method} ${url}`);
    const a = answer(init.method, url);
    if (!a) return new Promise(() => undefined);
    return Promise.resolve({
      ok: a.status < 300,
      status: a.status,
      statusText: '',
      headers: { get: () => null },
      text: async () => a.body ?? '',
    });
  };
  return { fetch, calls };
}

/** A store whose writes fail with `error` (a full disk, a database that went away). */
function failingWrites(error: unknown): KeyValueStore<OutboxEntry> {
  const inner = memoryStore<OutboxEntry>();
  return { ...inner, set: async () => Promise.reject(error) };
}

const flush = () => new Promise(r => setTimeout(r, 0));

describe('write-ahead save', () => {
  it('puts the SEG into the store, awaited, before the STOW starts, and removes it after the verified store', async () => {
    const store = memoryStore<OutboxEntry>();
    const outbox = new Outbox(store);
    const seenDuringSend: Array<OutboxEntry | undefined> = [];
    const send: Sender = async i => {
      seenDuringSend.push(await store.get(i.sopInstanceUid));
      return stored(i.sopInstanceUid);
    };
    const outcome = await outbox.save(seg(), send, ROOT);
    expect(outcome).toMatchObject({ stored: true, verifiedBy: 'stow' });
    expect(seenDuringSend[0]).toMatchObject({
      id: SOP,
      target: ROOT,
      attempts: 1,
      lastError: { code: 'STOW_INTERRUPTED' },
    });
    expect(seenDuringSend[0]?.bytes).toEqual(seg().bytes);
    expect(await store.keys()).toEqual([]);
  });

  it('a tab closed while the STOW is in flight leaves the SEG for the next tab, marked as interrupted', async () => {
    const store = memoryStore<OutboxEntry>(); // IndexedDB: shared by the tabs and surviving the closed one
    const hanging = deferred<StowResult>();
    void new Outbox(store).save(seg(), () => hanging.promise, ROOT); // the first tab, which then goes away
    await flush();
    const nextTab = new Outbox(store);
    const list = await nextTab.list();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: SOP,
      description: 'SEG 1',
      attempts: 1,
      bytesLength: 4,
      lastError: { code: 'STOW_INTERRUPTED' },
    });
    expect(list[0].lastError.message).toMatch(/closed or reloaded while the SEG was being sent/);
  });

  it('a tab closed during a retry leaves the entry marked as interrupted, not with the older reason', async () => {
    const store = memoryStore<OutboxEntry>();
    const refused = new SegError('STOW_HTTP', 'PACS answered 503', {});
    await new Outbox(store).save(seg(), async () => Promise.reject(refused), ROOT);
    expect((await new Outbox(store).list())[0]).toMatchObject({ attempts: 1, lastError: { code: 'STOW_HTTP' } });
    const hanging = deferred<StowResult>();
    void new Outbox(store).retry(SOP, () => hanging.promise); // the retrying tab goes away
    await flush();
    expect((await new Outbox(store).list())[0]).toMatchObject({ attempts: 2, lastError: { code: 'STOW_INTERRUPTED' } });
  });

  it('a STOW that never answers times out (STOW_TIMEOUT naming the URL) and the SEG waits in the outbox', async () => {
    const { fetch } = pacs(() => null);
    const outbox = new Outbox(memoryStore<OutboxEntry>());
    const outcome = await saveToPacs(seg(), { root: ROOT, fetch, timeoutMs: 30 }, outbox);
    expect(outcome).toMatchObject({ stored: false, outboxId: SOP, error: { code: 'STOW_TIMEOUT' } });
    if (outcome.stored) throw new Error('unreachable');
    expect(outcome.error.message).toMatch(
      /did not answer the STOW-RS at http:\/\/pacs\.test\/dicom-web\/studies within 0\.03 s/,
    );
    expect((await outbox.list())[0]).toMatchObject({ id: SOP, lastError: { code: 'STOW_TIMEOUT' } });
  });
});

describe('a store that cannot keep the SEG', () => {
  const full = new SegError('OUTBOX_FULL', "The browser's storage for this site is full (QuotaExceededError)");

  it('quota exceeded and the PACS down: the outcome says not kept, with both reasons, and nothing throws', async () => {
    const outbox = new Outbox(failingWrites(full));
    const down: Sender = async () =>
      Promise.reject(new SegError('STOW_NETWORK', 'Could not reach the PACS: ECONNREFUSED'));
    const outcome = await outbox.save(seg(), down, ROOT);
    expect(outcome).toMatchObject({
      stored: false,
      outboxId: null,
      error: { code: 'STOW_NETWORK' },
      notKept: { code: 'OUTBOX_FULL' },
    });
  });

  it('quota exceeded and the PACS up: stored at once, with a note that no copy was kept', async () => {
    const sent: string[] = [];
    const outbox = new Outbox(failingWrites(full));
    const outcome = await outbox.save(seg(), async i => (sent.push(i.sopInstanceUid), stored(i.sopInstanceUid)), ROOT);
    expect(outcome).toMatchObject({ stored: true, notKept: { code: 'OUTBOX_FULL' } });
    expect(sent).toEqual([SOP]);
  });

  it('no IndexedDB at all: a lazy store that cannot open still lets Save store at once', async () => {
    const unavailable = new SegError('OUTBOX_UNAVAILABLE', 'this browser context has no IndexedDB');
    const outbox = new Outbox(lazyStore<OutboxEntry>(() => Promise.reject(unavailable)));
    const outcome = await outbox.save(seg(), async i => stored(i.sopInstanceUid), ROOT);
    expect(outcome).toMatchObject({ stored: true, notKept: { code: 'OUTBOX_UNAVAILABLE' } });
  });

  it('an open that failed once is tried again on the next use (a refusal is not memoised)', async () => {
    let opens = 0;
    const backing = memoryStore<OutboxEntry>();
    const store = lazyStore<OutboxEntry>(async () => {
      opens++;
      if (opens === 1) throw new SegError('OUTBOX_UNAVAILABLE', 'blocked');
      return backing;
    });
    await expect(store.keys()).rejects.toMatchObject({ code: 'OUTBOX_UNAVAILABLE' });
    expect(await store.keys()).toEqual([]);
    await store.keys();
    expect(opens).toBe(2); // opened once it worked, and kept
  });

  it('a store that went unusable (OUTBOX_UNAVAILABLE) is opened afresh on the next use', async () => {
    let opens = 0;
    let broken = true;
    const store = lazyStore<OutboxEntry>(async () => {
      opens++;
      const inner = memoryStore<OutboxEntry>();
      return {
        ...inner,
        keys: async () => (broken ? Promise.reject(new SegError('OUTBOX_UNAVAILABLE', 'closed')) : inner.keys()),
      };
    });
    await expect(store.keys()).rejects.toBeDefined();
    broken = false;
    expect(await store.keys()).toEqual([]);
    expect(opens).toBe(2);
  });
});

describe('two tabs retrying one entry', () => {
  async function waiting(store: KeyValueStore<OutboxEntry>): Promise<void> {
    await new Outbox(store).enqueue(seg(), new SegError('STOW_NETWORK', 'down'), ROOT);
  }

  it('with a shared lock (navigator.locks): one STOW, the other retry finds the entry gone, no zombie', async () => {
    const store = memoryStore<OutboxEntry>();
    await waiting(store);
    const locks = localLocks(); // stands for navigator.locks, which every tab of the origin shares
    const tabA = new Outbox(store, undefined, locks);
    const tabB = new Outbox(store, undefined, locks);
    const posts: string[] = [];
    const slow: Sender = async i => {
      posts.push(i.sopInstanceUid);
      await flush();
      return stored(i.sopInstanceUid);
    };
    const [a, b] = await Promise.all([tabA.retry(SOP, slow), tabB.retry(SOP, slow)]);
    expect(posts).toEqual([SOP]);
    expect(a).toMatchObject({ ok: true, verifiedBy: 'stow' });
    expect(b).toMatchObject({ ok: false, gone: true, error: { code: 'OUTBOX_NO_ENTRY' } });
    expect(await store.keys()).toEqual([]);
  });

  it('without a shared lock: the refused duplicate is checked with QIDO and the entry cleared, not left as a zombie', async () => {
    const store = memoryStore<OutboxEntry>();
    await waiting(store);
    let stowed = false;
    const { fetch, calls } = pacs((method, _url) => {
      if (method === 'GET')
        return { status: 200, body: JSON.stringify(stowed ? [{ '00080018': { vr: 'UI', Value: [SOP] } }] : []) };
      if (stowed) return { status: 409, body: duplicate(SOP) };
      stowed = true;
      return { status: 200, body: referenced(SOP) };
    });
    const send = stowSender({ root: ROOT, fetch });
    // Each tab its own in-page lock (no navigator.locks): both read the entry before either sends.
    const tabA = new Outbox(store, undefined, localLocks());
    const tabB = new Outbox(store, undefined, localLocks());
    const [a, b] = await Promise.all([tabA.retry(SOP, send), tabB.retry(SOP, send)]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect(b).toMatchObject({ verifiedBy: 'qido' });
    expect(calls).toContain(`GET ${ROOT}/instances?SOPInstanceUID=${SOP}`);
    expect(await store.keys()).toEqual([]);
  });

  it('a retry of an entry another tab discarded resolves as gone instead of rejecting', async () => {
    const store = memoryStore<OutboxEntry>();
    await waiting(store);
    await new Outbox(store).discard(SOP);
    const sent: string[] = [];
    const r = await new Outbox(store).retry(SOP, async i => (sent.push(i.sopInstanceUid), stored(i.sopInstanceUid)));
    expect(r).toMatchObject({ ok: false, gone: true });
    if (r.ok) throw new Error('unreachable');
    expect(r.error.message).toMatch(/no entry 2\.25\.1 any more: it was stored or discarded/);
    expect(sent).toEqual([]);
  });

  it('a discard waits for a retry of the same entry in flight, which then cannot bring the entry back', async () => {
    const store = memoryStore<OutboxEntry>();
    await waiting(store);
    const locks = localLocks();
    const answer = deferred<StowResult>();
    const retrying = new Outbox(store, undefined, locks).retry(SOP, () => answer.promise);
    await flush();
    const discarding = new Outbox(store, undefined, locks).discard(SOP);
    answer.reject(new SegError('STOW_NETWORK', 'reset'));
    expect(await retrying).toMatchObject({ ok: false, gone: false });
    await discarding;
    expect(await store.keys()).toEqual([]);
  });
});

describe('the QIDO check after a refused STOW', () => {
  async function refusedOnce(
    qido: { status: number; body?: string } | null,
    error = { status: 409, body: duplicate(SOP) },
  ) {
    const store = memoryStore<OutboxEntry>();
    await new Outbox(store).enqueue(seg(), new Error('down'), ROOT);
    const { fetch, calls } = pacs(method => (method === 'GET' ? qido : error));
    const r = await new Outbox(store).retry(SOP, stowSender({ root: ROOT, fetch, timeoutMs: 50 }));
    return { r, calls, keys: await store.keys() };
  }

  it('clears the entry when QIDO by SOP Instance UID finds the instance', async () => {
    const { r, keys } = await refusedOnce({
      status: 200,
      body: JSON.stringify([{ '00080018': { vr: 'UI', Value: [SOP] } }]),
    });
    expect(r).toMatchObject({ ok: true, verifiedBy: 'qido', result: null });
    expect(keys).toEqual([]);
  });

  it('keeps the entry when QIDO lists only other instances (a server that ignores the filter), finds none, or fails', async () => {
    for (const qido of [
      { status: 200, body: JSON.stringify([{ '00080018': { vr: 'UI', Value: ['2.25.999'] } }]) },
      { status: 204 },
      { status: 500 },
      null,
    ]) {
      const { r, keys } = await refusedOnce(qido);
      expect(r).toMatchObject({ ok: false, gone: false, error: { code: 'STOW_FAILED_INSTANCE' } });
      expect(keys).toEqual([SOP]);
    }
  });

  it('does not ask QIDO after an unreachable PACS or a timeout (it would fail or hang the same way)', async () => {
    const store = memoryStore<OutboxEntry>();
    const outbox = new Outbox(store);
    let asked = 0;
    const send: Sender = Object.assign(async () => Promise.reject(new SegError('STOW_TIMEOUT', 'no answer')), {
      isStored: async () => (asked++, true),
    });
    expect(await outbox.save(seg(), send, ROOT)).toMatchObject({ stored: false, outboxId: SOP });
    expect(asked).toBe(0);
  });
});

describe('localLocks', () => {
  it('runs holders of one name one at a time, other names at once, and survives a failing holder', async () => {
    const locks = localLocks();
    const log: string[] = [];
    const step = (name: string, tag: string, fail = false) =>
      locks(name, async () => {
        log.push(`${tag}+`);
        await flush();
        log.push(`${tag}-`);
        if (fail) throw new Error(tag);
      });
    const runs = [step('a', 'a1', true), step('a', 'a2'), step('b', 'b1')];
    const results = await Promise.allSettled(runs);
    expect(results.map(r => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('a2+')).toBeGreaterThan(log.indexOf('a1-'));
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-'));
  });
});

it('a retry that fails with an error from the store itself rejects with a coded error the caller can show', async () => {
  const store = {
    ...memoryStore<OutboxEntry>(),
    get: async () => Promise.reject(new SegError('OUTBOX_UNAVAILABLE', 'gone')),
  };
  const e = await new Outbox(store).retry(SOP, async i => stored(i.sopInstanceUid)).catch(x => x);
  expect(isSegError(e, 'OUTBOX_UNAVAILABLE')).toBe(true);
});
