/**
 * The outbox's store in the browser: one IndexedDB object store, so that SEGs waiting for the PACS survive a reload
 * and a crash. Values are structured-cloned (Uint8Array included). Only this file touches indexedDB; the outbox
 * logic (outbox.ts) is tested against the in-memory store, this adapter against fake-indexeddb and hand-made
 * factories. Failures come out as SegErrors that name them: OUTBOX_UNAVAILABLE (no IndexedDB, open refused) and
 * OUTBOX_FULL (QuotaExceededError), so that the viewer can tell the user and hand the SEG over some other way.
 */
import { SegError } from './errors';
import type { KeyValueStore } from './outbox';

// IndexedDB reports failures as DOMExceptions; when an engine gives none, one of the same kind stands in. The callers
// below turn every failure into a SegError (OUTBOX_UNAVAILABLE, OUTBOX_FULL) that names it.
function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new DOMException('IndexedDB request failed', 'UnknownError'));
  });
}

function committed(t: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error ?? new DOMException('IndexedDB transaction failed', 'UnknownError'));
    t.onabort = () => reject(t.error ?? new DOMException('IndexedDB transaction was aborted', 'AbortError'));
  });
}

const nameOf = (e: unknown): string =>
  e && typeof e === 'object' && 'name' in e ? String((e as { name: unknown }).name) : '';
const messageOf = (e: unknown): string =>
  e instanceof Error || (e && typeof e === 'object' && 'message' in e)
    ? String((e as { message: unknown }).message)
    : String(e);

/** A write failure as the user should read it: a full disk is not the same problem as a broken database. */
export function storeError(e: unknown, dbName: string): SegError {
  const name = nameOf(e);
  if (name === 'QuotaExceededError' || /quota/i.test(messageOf(e))) {
    return new SegError(
      'OUTBOX_FULL',
      `The browser's storage for this site is full (QuotaExceededError), so the outbox (IndexedDB "${dbName}") cannot keep the SEG: ${messageOf(e)}`,
      { dbName, name },
    );
  }
  return new SegError(
    'OUTBOX_UNAVAILABLE',
    `The outbox (IndexedDB "${dbName}") cannot keep the SEG (${name || 'error'}): ${messageOf(e)}`,
    { dbName, name },
  );
}

function unavailable(dbName: string, why: string, name = ''): SegError {
  return new SegError('OUTBOX_UNAVAILABLE', `The outbox (IndexedDB "${dbName}") is not available: ${why}`, {
    dbName,
    name,
  });
}

async function openDb(factory: IDBFactory | undefined, dbName: string, storeName: string): Promise<IDBDatabase> {
  if (!factory || typeof factory.open !== 'function') {
    throw unavailable(
      dbName,
      'this browser context has no IndexedDB (a private window or storage blocked for the site?)',
    );
  }
  try {
    const open = factory.open(dbName, 1);
    open.onupgradeneeded = () => {
      if (!open.result.objectStoreNames.contains(storeName)) open.result.createObjectStore(storeName);
    };
    return await request(open);
  } catch (e) {
    throw unavailable(dbName, `opening it failed (${nameOf(e) || 'error'}: ${messageOf(e)})`, nameOf(e));
  }
}

export async function indexedDbStore<V>(
  dbName = 'medsam-outbox',
  storeName = 'seg',
  factory: IDBFactory | undefined = globalThis.indexedDB,
): Promise<KeyValueStore<V>> {
  const db = await openDb(factory, dbName, storeName);
  // Another tab upgrading the database, or the user clearing site data: let go, so that the next open succeeds.
  db.onversionchange = () => db.close();
  const tx = (mode: IDBTransactionMode): IDBObjectStore => db.transaction(storeName, mode).objectStore(storeName);
  // A write counts as done when its transaction commits, not when its request succeeds: the transaction may still
  // abort (quota, a crash) after the request's success event. put() may also throw at once (quota in some engines,
  // a value that cannot be cloned): that aborts the transaction and rejects the same way.
  const write = async (op: (store: IDBObjectStore) => IDBRequest): Promise<void> => {
    try {
      const t = db.transaction(storeName, 'readwrite');
      const done = committed(t);
      try {
        op(t.objectStore(storeName));
      } catch (e) {
        done.catch(() => undefined);
        t.abort();
        throw e;
      }
      await done;
    } catch (e) {
      throw storeError(e, dbName);
    }
  };
  const read = async <T>(op: () => IDBRequest<T>): Promise<T> => {
    try {
      return await request(op());
    } catch (e) {
      throw unavailable(dbName, `reading it failed (${nameOf(e) || 'error'}: ${messageOf(e)})`, nameOf(e));
    }
  };
  return {
    get: async key => (await read(() => tx('readonly').get(key))) as V | undefined,
    set: (key, value) => write(store => store.put(value, key)),
    delete: key => write(store => store.delete(key)),
    keys: async () => (await read(() => tx('readonly').getAllKeys())).map(String),
  };
}
