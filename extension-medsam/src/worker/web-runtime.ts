/**
 * onnxruntime-web as the engine's runtime: provider choice, WASM settings, and the WebGPU device-loss watch.
 * The module is passed in (engine-worker.ts imports it), so Node scripts can use the same code with their own copy.
 */
import type { ExecutionProviderName, OrtLike, RuntimeConfig } from '../engine/session/runtime';
import type { InitParams, WorkerExecutionProvider } from './protocol';

/** The parts of onnxruntime-web's `env` used here. */
export interface OrtWebEnvLike {
  wasm: { numThreads?: number; wasmPaths?: unknown; proxy?: boolean };
  webgpu?: { readonly device?: Promise<unknown> | unknown };
}

export interface OrtWebLike extends OrtLike {
  env: OrtWebEnvLike;
}

export interface WebPlatform {
  /** navigator.gpu exists (WebGPU API present; an adapter may still be missing). */
  hasWebGpu: boolean;
  hardwareConcurrency: number;
  /** self.crossOriginIsolated: multithreaded WASM needs it. */
  crossOriginIsolated: boolean;
}

export function detectWebPlatform(): WebPlatform {
  const g = globalThis as {
    navigator?: { gpu?: unknown; hardwareConcurrency?: number };
    crossOriginIsolated?: boolean;
  };
  return {
    hasWebGpu: !!g.navigator?.gpu,
    hardwareConcurrency: g.navigator?.hardwareConcurrency ?? 1,
    // Node has no such flag and needs none (its WASM threads are worker_threads).
    crossOriginIsolated: g.crossOriginIsolated ?? typeof (globalThis as { process?: unknown }).process !== 'undefined',
  };
}

/** Whether the viewer's settings leave WebGPU in the running (default: yes, where it exists). */
export function wantsWebGpu(params: Pick<InitParams, 'executionProviders'>): boolean {
  return !params.executionProviders || params.executionProviders.includes('webgpu');
}

export function defaultProviders(platform: WebPlatform): WorkerExecutionProvider[] {
  return platform.hasWebGpu ? ['webgpu', 'wasm'] : ['wasm'];
}

/**
 * WASM threads: onnxruntime-web's own default is half the cores capped at 4 (1 thread on a 2-core machine), so it
 * is set deliberately: all cores up to 4, and 1 where the page is not cross-origin isolated (threads need
 * SharedArrayBuffer; onnxruntime would fall back to 1 anyway, with a console warning).
 */
export function wasmThreads(platform: WebPlatform, requested?: number): number {
  if (!platform.crossOriginIsolated) return 1;
  const n = requested ?? Math.min(4, platform.hardwareConcurrency);
  return Math.max(1, Math.floor(n));
}

export function createWebRuntime(
  ort: OrtWebLike,
  params: Pick<InitParams, 'executionProviders' | 'wasm'>,
  platform: WebPlatform,
): RuntimeConfig {
  ort.env.wasm.numThreads = wasmThreads(platform, params.wasm?.numThreads);
  if (params.wasm?.wasmPaths !== undefined) ort.env.wasm.wasmPaths = params.wasm.wasmPaths;
  const wanted = params.executionProviders ?? defaultProviders(platform);
  // Asking for WebGPU without the API only adds a failed attempt and a confusing message.
  const providers: ExecutionProviderName[] = wanted.filter(p => p !== 'webgpu' || platform.hasWebGpu);
  return {
    ort,
    executionProviders: providers.length ? providers : ['wasm'],
    sessionOptions: { graphOptimizationLevel: 'all' },
  };
}

/** Resolves the WebGPU device onnxruntime created and calls onLost when the device is lost (driver reset, GPU crash). */
export async function watchWebGpuDeviceLoss(ort: OrtWebLike, onLost: (reason: string) => void): Promise<void> {
  const device = (await ort.env.webgpu?.device) as
    { lost?: Promise<{ reason?: string; message?: string }> } | undefined;
  void device?.lost?.then(info =>
    onLost(`WebGPU device lost (${info?.reason ?? 'unknown'}): ${info?.message ?? ''}`.trim()),
  );
}
