/**
 * The Web Worker entry: owns onnxruntime-web and the engine. The viewer creates it with
 *   new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module' })
 * and talks to it through MedsamWorkerClient. WebGPU is tried first where navigator.gpu exists, WASM otherwise; a
 * WebGPU session that cannot be built falls back to WASM by itself, and a lost GPU device rebuilds the sessions on
 * WASM (the viewer gets a 'backend-changed' event).
 */
import * as ort from 'onnxruntime-web';
import { urlFetchBytes } from '../engine/session/fetch-bytes';
import { preprocessSlice, sliceSize } from '../engine/session/pipeline';
import { startEngineHost, type PortLike } from './engine-host';
import { cachingFetch } from './model-cache';
import type { WorkerImage } from './protocol';
import { createWebRuntime, detectWebPlatform, watchWebGpuDeviceLoss } from './web-runtime';

export function startWebEngineWorker(port: PortLike): void {
  const platform = detectWebPlatform();
  startEngineHost<WorkerImage>(port, {
    createRuntime: (params) => createWebRuntime(ort, params, platform),
    watchDeviceLoss: (onLost) => watchWebGpuDeviceLoss(ort, onLost),
    // Model files through Cache Storage: a second visit loads them without downloading (see model-cache.ts).
    fetchBytesFor: (manifestUrl, timeouts) => urlFetchBytes(manifestUrl, cachingFetch(), timeouts),
    preprocess: preprocessSlice,
    imageSize: sliceSize,
  });
}

// In a dedicated worker `self` is the port; imported elsewhere (tests, bundler analysis) nothing starts.
const scope = globalThis as unknown as { WorkerGlobalScope?: unknown; postMessage?: unknown };
if (typeof scope.WorkerGlobalScope !== 'undefined' && typeof scope.postMessage === 'function') {
  startWebEngineWorker(globalThis as unknown as PortLike);
}
