/**
 * The IndexedDB adapter over a minimal hand-made IDBFactory whose transactions commit only when the test says so:
 * a write must count as done on the transaction's commit, not on its request's success.
 */
import { indexedDbStore } from './idb-store';

type Handler = (() => void) | null;

class FakeRequest {
  result: unknown = undefined;
  error: unknown = null;
  onsuccess: Handler = null;
  onerror: Handler = null;
  onupgradeneeded: Handler = null;
}

class FakeTransaction {
  oncomplete: Handler = null;
  onerror: Handler = null;
  onabort: Handler = null;
  error: unknown = null;
  constructor(
    readonly mode: string,
    private readonly data: Map<string, unknown>,
  ) {}
  objectStore() {
    const op = (apply: () => unknown): FakeRequest => {
      const r = new FakeRequest();
      setTimeout(() => {
        r.result = apply();
        r.onsuccess?.();
      }, 0);
      return r;
    };
    return {
      get: (key: string) => op(() => this.data.get(key)),
      put: (value: unknown, key: string) => op(() => void this.data.set(key, value)),
      delete: (key: string) => op(() => void this.data.delete(key)),
      getAllKeys: () => op(() => [...this.data.keys()]),
    };
  }
  complete(): void {
    this.oncomplete?.();
  }
  abort(reason: string): void {
    this.error = new Error(reason);
    this.onabort?.();
  }
}

function fakeFactory() {
  const data = new Map<string, unknown>();
  const writes: FakeTransaction[] = [];
  const db = {
    objectStoreNames: { contains: () => true },
    createObjectStore: () => undefined,
    transaction: (_store: string, mode: string) => {
      const t = new FakeTransaction(mode, data);
      if (mode === 'readwrite') writes.push(t);
      return t;
    },
  };
  const factory = {
    open: () => {
      const r = new FakeRequest();
      setTimeout(() => {
        r.result = db;
        r.onsuccess?.();
      }, 0);
      return r;
    },
  };
  return { factory: factory as unknown as IDBFactory, writes, data };
}

const tick = () => new Promise(r => setTimeout(r, 5));

describe('indexedDbStore', () => {
  it('resolves set and delete when the transaction commits, not when the request succeeds', async () => {
    const { factory, writes, data } = fakeFactory();
    const store = await indexedDbStore<string>('db', 'seg', factory);
    let stored = false;
    const setting = store.set('k', 'v').then(() => (stored = true));
    await tick();
    expect(data.get('k')).toBe('v'); // the request succeeded...
    expect(stored).toBe(false); // ...but the write is not committed yet
    writes[0].complete();
    await setting;
    expect(stored).toBe(true);
    expect(await store.get('k')).toBe('v');

    let deleted = false;
    const deleting = store.delete('k').then(() => (deleted = true));
    await tick();
    expect(deleted).toBe(false);
    writes[1].complete();
    await deleting;
    expect(await store.keys()).toEqual([]);
  });

  it('rejects a write whose transaction aborts after its request succeeded', async () => {
    const { factory, writes } = fakeFactory();
    const store = await indexedDbStore<string>('db', 'seg', factory);
    const setting = store.set('k', 'v');
    await tick();
    writes[0].abort('QuotaExceededError');
    await expect(setting).rejects.toThrow('QuotaExceededError');
  });
});
