/**
 * The Web Worker entry: owns onnxruntime-web and the engine. The viewer creates it with
 *   new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module' })
 * and talks to it through MedsamWorkerClient. WebGPU is tried first where the browser offers a WebGPU adapter, WASM
 * otherwise; a WebGPU session that cannot be built falls back to WASM by itself, and a lost GPU device rebuilds the
 * sessions on WASM (the viewer gets a 'backend-changed' event).
 *
 * Which onnxruntime-web build is loaded depends on that: the WebGPU build (JSEP) runs its CPU kernels about 1.5x
 * slower than the WASM-only build (LiteMedSAM's encoder in headless Chromium, 2 threads: 4.4 s vs 2.9 s), so without a
 * WebGPU adapter, or when WASM is asked for, the WASM-only build is loaded instead. Each is a chunk of its own.
 */
import type { InitParams } from './protocol';
import { urlFetchBytes } from '../engine/session/fetch-bytes';
import { preprocessSlice, sliceSize } from '../engine/session/pipeline';
import { startEngineHost, type PortLike } from './engine-host';
import { cachingFetch } from './model-cache';
import type { WorkerImage } from './protocol';
import {
  createWebRuntime,
  detectWebPlatform,
  watchWebGpuDeviceLoss,
  wantsWebGpu,
  type OrtWebLike,
} from './web-runtime';

async function loadOrt(params: InitParams, hasWebGpu: boolean): Promise<{ ort: OrtWebLike; webgpu: boolean }> {
  const webgpu = hasWebGpu && wantsWebGpu(params) && (await hasWebGpuAdapter());
  const m = webgpu ? await import('onnxruntime-web') : await import('onnxruntime-web/wasm');
  return { ort: m as unknown as OrtWebLike, webgpu };
}

async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  try {
    return !!(await gpu?.requestAdapter());
  } catch {
    return false;
  }
}

export function startWebEngineWorker(port: PortLike): void {
  const platform = detectWebPlatform();
  // One build per worker: onnxruntime-web initialises its WASM module once.
  let loaded: Promise<{ ort: OrtWebLike; webgpu: boolean }> | undefined;
  startEngineHost<WorkerImage>(port, {
    createRuntime: async params => {
      const { ort, webgpu } = await (loaded ??= loadOrt(params, platform.hasWebGpu));
      return createWebRuntime(ort, params, { ...platform, hasWebGpu: webgpu });
    },
    watchDeviceLoss: async onLost => {
      if (loaded) await watchWebGpuDeviceLoss((await loaded).ort, onLost);
    },
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
