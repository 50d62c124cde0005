/**
 * Starts the engine worker. A module of its own, loaded on demand: webpack turns the `new Worker(new URL(...,
 * import.meta.url))` below into a module-worker chunk next to index.js, found at run time wherever a site serves it.
 */
export function createEngineWorker(): Worker {
  return new Worker(new URL('./engineWorkerEntry.ts', import.meta.url), { type: 'module', name: 'medsam-engine' });
}
