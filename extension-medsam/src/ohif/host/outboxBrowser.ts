/**
 * The outbox's ties to the page: IndexedDB opened lazily (a refusal is asked again next time, never memoised),
 * navigator.locks so that one tab at a time sends an entry (in-page locks where the browser has none), persistent
 * storage asked for once, a "leave the page?" prompt while a SEG is being sent, and the download that hands a SEG
 * to the user when the outbox cannot keep it. Everything DOM is injectable so that tests run in Node.
 */
import { indexedDbStore } from '../../seg/idb-store';
import { Outbox, lazyStore, localLocks, type LockRunner, type OutboxEntry } from '../../seg/outbox';

/** The part of navigator.locks (Web Locks API) the outbox uses. */
export interface LockManagerLike {
  request<T>(name: string, options: { mode: 'exclusive' }, callback: () => Promise<T>): Promise<T>;
}

/** The part of navigator.storage (Storage API) the outbox uses. */
export interface StorageManagerLike {
  persisted?(): Promise<boolean>;
  persist?(): Promise<boolean>;
}

export interface NavigatorLike {
  locks?: LockManagerLike;
  storage?: StorageManagerLike;
}

/** Locks across every tab of the origin (navigator.locks); in-page locks where the browser has none. */
export function browserLocks(
  nav: NavigatorLike | undefined = globalThis.navigator as NavigatorLike | undefined,
): LockRunner {
  const locks = nav?.locks;
  if (!locks || typeof locks.request !== 'function') return localLocks();
  return <T>(name: string, fn: () => Promise<T>) => locks.request(name, { mode: 'exclusive' }, fn);
}

/**
 * Asks once that the site's storage be persistent, so that the browser does not evict a waiting SEG under storage
 * pressure. Resolves whether it is; never throws (a refusal leaves best-effort storage, which usually suffices).
 */
export function persistentStorage(
  nav: NavigatorLike | undefined = globalThis.navigator as NavigatorLike | undefined,
): () => Promise<boolean> {
  let asked: Promise<boolean> | null = null;
  const ask = async (): Promise<boolean> => {
    const storage = nav?.storage;
    if (!storage?.persist) return false;
    if (await storage.persisted?.()) return true;
    return storage.persist();
  };
  return () => (asked ??= ask().catch(() => false));
}

export interface UnloadTarget {
  addEventListener(type: 'beforeunload', listener: (e: BeforeUnloadEvent) => void): void;
  removeEventListener(type: 'beforeunload', listener: (e: BeforeUnloadEvent) => void): void;
}

/**
 * While any hold is taken, leaving the page asks first (beforeunload): a SEG in flight is in the outbox already,
 * but the user should know a store was running. hold() returns the release; releasing twice is harmless.
 */
export function pageLeaveGuard(
  target: UnloadTarget | undefined = globalThis as unknown as UnloadTarget,
): () => () => void {
  let holds = 0;
  const ask = (e: BeforeUnloadEvent) => {
    e.preventDefault();
    // Older browsers show the prompt only when returnValue is set.
    e.returnValue = 'A SEG is being saved to the PACS';
  };
  return () => {
    if (holds++ === 0) target?.addEventListener?.('beforeunload', ask);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--holds === 0) target?.removeEventListener?.('beforeunload', ask);
    };
  };
}

/** Hands bytes to the user as a file (the browser's download). */
export function downloadFile(filename: string, bytes: Uint8Array, mimeType = 'application/dicom'): void {
  const blob = new Blob([new Uint8Array(bytes)], { type: mimeType });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The page's outbox: IndexedDB "medsam-outbox", opened on first use and again after a failed open. */
export function createBrowserOutbox(
  deps: { factory?: () => IDBFactory | undefined; nav?: NavigatorLike; now?: () => Date } = {},
): Outbox {
  const factory = deps.factory ?? (() => globalThis.indexedDB);
  const store = lazyStore(() => indexedDbStore<OutboxEntry>('medsam-outbox', 'seg', factory()));
  return new Outbox(store, deps.now, browserLocks(deps.nav));
}
