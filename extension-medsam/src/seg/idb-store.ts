/**
 * The outbox's store in the browser: one IndexedDB object store, so that SEGs waiting for the PACS survive a reload
 * and a crash. Values are structured-cloned (Uint8Array included). Only this file touches indexedDB; the outbox
 * logic (outbox.ts) is tested against the in-memory store, this adapter by the viewer's end-to-end tests.
 */
import type { KeyValueStore } from './outbox';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function committed(t: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error ?? new Error('IndexedDB transaction failed'));
    t.onabort = () => reject(t.error ?? new Error('IndexedDB transaction was aborted'));
  });
}

export async function indexedDbStore<V>(dbName = 'medsam-outbox', storeName = 'seg', factory: IDBFactory = globalThis.indexedDB): Promise<KeyValueStore<V>> {
  if (!factory) throw new Error('IndexedDB is not available in this context');
  const open = factory.open(dbName, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(storeName)) open.result.createObjectStore(storeName);
  };
  const db = await request(open);
  const tx = (mode: IDBTransactionMode): IDBObjectStore => db.transaction(storeName, mode).objectStore(storeName);
  // A write counts as done when its transaction commits, not when its request succeeds: the transaction may still
  // abort (quota, a crash) after the request's success event.
  const write = (op: (store: IDBObjectStore) => IDBRequest): Promise<void> => {
    const t = db.transaction(storeName, 'readwrite');
    const done = committed(t);
    op(t.objectStore(storeName));
    return done;
  };
  return {
    get: async (key) => (await request(tx('readonly').get(key))) as V | undefined,
    set: (key, value) => write((store) => store.put(value, key)),
    delete: (key) => write((store) => store.delete(key)),
    keys: async () => (await request(tx('readonly').getAllKeys())).map(String),
  };
}
