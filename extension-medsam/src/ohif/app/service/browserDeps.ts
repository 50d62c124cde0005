/**
 * The service's ties to the browser page: the engine worker (a module-worker chunk loaded on demand), the manifest
 * fetch, where the extension was loaded from, and the Cache Storage the worker keeps model files in.
 */
import { fetchManifest } from '../../../engine/session/fetch-bytes';
import { evictCachedModelFiles } from '../../../worker/model-cache';
import type { MedsamServiceDeps } from './deps';

declare const __webpack_public_path__: string;

/** The folder the extension's index.js was loaded from (webpack's publicPath 'auto' computes it at run time). */
function extensionBaseUrl(): string {
  const href = globalThis.location?.href ?? 'http://localhost/';
  const publicPath = typeof __webpack_public_path__ === 'string' ? __webpack_public_path__ : '';
  return new URL(publicPath || '/medsam-plugin/extension-medsam/', href).href;
}

export const BROWSER_DEPS: MedsamServiceDeps = {
  createWorker: () =>
    import(/* webpackChunkName: "medsam-worker-factory" */ '../workerFactory').then(m => m.createEngineWorker()),
  loadManifest: url => fetchManifest(url),
  page: () => ({
    href: globalThis.location?.href ?? 'http://localhost/',
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency,
    extensionBaseUrl: extensionBaseUrl(),
  }),
  evictModelFiles: urls => evictCachedModelFiles(urls),
};
