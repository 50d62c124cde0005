/**
 * Model files kept in the browser's Cache Storage, so that a second visit starts without downloading again.
 * The engine checks each file's sha256 against the manifest after reading it, cached or not; when a cached copy
 * no longer matches (the site replaced the model under the same URL), the viewer deletes the entries
 * (evictCachedModelFiles) and loads again from the network.
 */

export const MODEL_CACHE_NAME = 'medsam-models-v1';

type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

interface CacheLike {
  match(url: string): Promise<Response | undefined>;
  put(url: string, response: Response): Promise<void>;
  delete(url: string): Promise<boolean>;
}

interface CacheStorageLike {
  open(name: string): Promise<CacheLike>;
}

function defaultCaches(): CacheStorageLike | null {
  return (globalThis as { caches?: CacheStorageLike }).caches ?? null;
}

/**
 * A fetch that answers from Cache Storage when it can and stores successful answers. Without Cache Storage (an
 * insecure origin, a private window that refuses it) it is plain fetch.
 */
export function cachingFetch(
  cacheName = MODEL_CACHE_NAME,
  fetchFn: FetchFn = (u, i) => fetch(u, i),
  storage: CacheStorageLike | null = defaultCaches(),
): FetchFn {
  return async (url, init) => {
    let cache: CacheLike | null = null;
    try {
      cache = storage ? await storage.open(cacheName) : null;
      const hit = await cache?.match(url);
      if (hit) return hit;
    } catch {
      cache = null;
    }
    const response = await fetchFn(url, init);
    if (cache && response.ok && response.status === 200) {
      // The clone tees the body: the caller streams (with progress) while the cache stores the same bytes.
      cache.put(url, response.clone()).catch(() => {
        /* quota exceeded or storage refused: the model still loads, only the next visit downloads again */
      });
    }
    return response;
  };
}

/** Deletes cached copies of the given URLs (after an integrity failure). */
export async function evictCachedModelFiles(
  urls: readonly string[],
  cacheName = MODEL_CACHE_NAME,
  storage: CacheStorageLike | null = defaultCaches(),
): Promise<number> {
  if (!storage) return 0;
  try {
    const cache = await storage.open(cacheName);
    let n = 0;
    for (const url of urls) if (await cache.delete(url)) n++;
    return n;
  } catch {
    return 0;
  }
}
