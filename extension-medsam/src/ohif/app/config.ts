/**
 * The extension's settings: window.config.medsam (app-config.js), a few URL parameters for trying models and
 * devices, and where the extension's own onnxruntime files are served. Resolved once into absolute URLs.
 */
import type { Precision } from '../../engine/manifest';
import type { WorkerExecutionProvider } from '../../worker/protocol';

/** window.config.medsam as a site writes it. */
export interface MedsamAppConfig {
  /** Folder that holds manifest.json (or the manifest's own URL, ending in .json). Default '/medsam-models/'. */
  modelBaseUrl?: string;
  /** Model id from the manifest. Default: the first non-test model, else the first test model. */
  modelId?: string;
  /** fp32, fp16 or int8. Default fp32 where the model has it. */
  precision?: Precision;
  /** Execution providers to try in order. Default: WebGPU where the browser has it, then WASM. */
  executionProviders?: WorkerExecutionProvider[];
  /** WASM threads. Default: navigator.hardwareConcurrency (needs a cross-origin isolated page). */
  numThreads?: number;
  /** Keep downloaded model files in Cache Storage (default true). */
  cacheModels?: boolean;
  /** Let ?medsamModel= and ?medsamProvider= in the page URL override the settings above (default true). */
  allowUrlOverrides?: boolean;
  /** How long Save to PACS waits for the PACS to answer a STOW-RS (and the QIDO check of a retry). Default 120 s. */
  stowTimeoutSeconds?: number;
  /** A model download that receives no bytes for this long fails, naming the file's URL. Default 60 s. */
  modelDownloadIdleTimeoutSeconds?: number;
  /** A model download (one file) that takes longer than this fails, naming the file's URL. Default 30 min. */
  modelDownloadTimeoutSeconds?: number;
}

export interface MedsamConfig {
  manifestUrl: string;
  modelId: string | null;
  precision: Precision | null;
  executionProviders: WorkerExecutionProvider[] | null;
  numThreads: number;
  /** Folder URL (ending in /) of onnxruntime-web's runtimes (ort-wasm-simd-threaded[.jsep].{mjs,wasm}). */
  wasmPaths: string;
  cacheModels: boolean;
  stowTimeoutMs: number;
  modelDownloadIdleTimeoutMs: number;
  modelDownloadTimeoutMs: number;
}

/** Limits that keep "saving" and "loading model" from lasting for ever; generous for slow hospital links. */
export const DEFAULT_TIMEOUTS = Object.freeze({ stowSeconds: 120, modelIdleSeconds: 60, modelSeconds: 30 * 60 });

/** A positive number of seconds as ms; anything else (missing, 0, negative, not a number) gives the default. */
function secondsToMs(value: unknown, fallbackSeconds: number): number {
  const seconds = typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallbackSeconds;
  return Math.round(seconds * 1000);
}

export const DEFAULT_MODEL_BASE_URL = '/medsam-models/';
const PROVIDERS: readonly WorkerExecutionProvider[] = ['webgpu', 'wasm'];
const PRECISIONS: readonly Precision[] = ['fp32', 'fp16', 'int8'];

export interface PageContext {
  /** The page's URL (location.href): relative settings resolve against it. */
  href: string;
  hardwareConcurrency?: number;
  /** Where the extension's own files are served (the folder of index.js), ending in '/'. */
  extensionBaseUrl: string;
}

function manifestUrlFrom(modelBaseUrl: string, pageHref: string): string {
  const base = new URL(modelBaseUrl, pageHref);
  if (/\.json$/i.test(base.pathname)) return base.href;
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL('manifest.json', base).href;
}

function parseProviders(value: string | null | undefined): WorkerExecutionProvider[] | null {
  if (!value) return null;
  const list = value
    .split(',')
    .map(s => s.trim().toLowerCase())
    .filter((p): p is WorkerExecutionProvider => PROVIDERS.includes(p as WorkerExecutionProvider));
  return list.length ? list : null;
}

export function resolveMedsamConfig(app: MedsamAppConfig | undefined, page: PageContext): MedsamConfig {
  const settings = app ?? {};
  const params = settings.allowUrlOverrides === false ? new URLSearchParams() : new URL(page.href).searchParams;
  const precision = settings.precision && PRECISIONS.includes(settings.precision) ? settings.precision : null;
  const providers =
    parseProviders(params.get('medsamProvider')) ??
    (settings.executionProviders?.length ? [...settings.executionProviders] : null);
  const threads = settings.numThreads ?? page.hardwareConcurrency ?? 1;
  return {
    manifestUrl: manifestUrlFrom(settings.modelBaseUrl || DEFAULT_MODEL_BASE_URL, page.href),
    modelId: params.get('medsamModel') || settings.modelId || null,
    precision,
    executionProviders: providers,
    numThreads: Math.max(1, Math.floor(threads)),
    wasmPaths: new URL('ort/', page.extensionBaseUrl).href,
    cacheModels: settings.cacheModels !== false,
    stowTimeoutMs: secondsToMs(settings.stowTimeoutSeconds, DEFAULT_TIMEOUTS.stowSeconds),
    modelDownloadIdleTimeoutMs: secondsToMs(
      settings.modelDownloadIdleTimeoutSeconds,
      DEFAULT_TIMEOUTS.modelIdleSeconds,
    ),
    modelDownloadTimeoutMs: secondsToMs(settings.modelDownloadTimeoutSeconds, DEFAULT_TIMEOUTS.modelSeconds),
  };
}
