/**
 * The entry of the engine worker chunk. It only imports engine-worker.ts, which starts itself inside a worker:
 * an entry without exports, because webpack's module-library output cannot render a worker entry whose exports
 * are unused (it fails with "p.charCodeAt is not a function" in production builds).
 */
import '../../worker/engine-worker';
