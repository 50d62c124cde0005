/**
 * Messages between the viewer and the engine worker. Every request carries an id; the worker answers it with
 * exactly one 'result' or 'error' message, and may send 'progress' messages for it before that. 'cancel' asks the
 * worker to abandon a request (queued work is dropped; a model run in progress cannot be stopped and finishes).
 * Errors travel as MedsamError.toJSON(). Typed arrays in results move as transferables (the worker keeps no copy).
 *
 * `Image` is the image description the worker's preprocessing takes: WorkerImage in the real worker, anything in
 * tests with their own preprocessing; the protocol does not look inside it. Pixel arrays in requests are copied unless the caller asks to transfer them,
 * because a viewer usually keeps its own pixel buffer.
 */
import type { MedsamErrorCode } from '../engine/errors';
import type { ImageBox } from '../engine/geometry/box';
import type { Manifest, Precision, PreprocessingProfileId } from '../engine/manifest';
import type { SliceInput } from '../engine/session/pipeline';

export const PROTOCOL_VERSION = 1;

/**
 * The image the engine worker takes: one slice's stored pixels (SliceImage) and how to normalise its intensities
 * (default { kind: 'auto' }: by modality: CT soft-tissue window, percentiles for MR/X-ray/US/..., RGB as is).
 */
export type WorkerImage = SliceInput;

export type WorkerExecutionProvider = 'webgpu' | 'wasm';

export interface InitParams {
  /** URL of the model manifest; file paths in it are relative to it. */
  manifestUrl: string;
  /** The manifest as the page already read it from manifestUrl: the worker does not download it a second time. */
  manifest?: Manifest;
  modelId: string;
  precision: Precision;
  /** Providers to try in order. Default: ['webgpu', 'wasm'] where navigator.gpu exists, else ['wasm']. */
  executionProviders?: WorkerExecutionProvider[];
  wasm?: {
    /** Threads for the WASM backend; >1 needs a cross-origin isolated page. Default: all cores up to 4. */
    numThreads?: number;
    /** Where onnxruntime-web's .wasm/.mjs files are served. */
    wasmPaths?: string;
  };
  cache?: { maxBytes: number; storage?: 'fp32' | 'fp16' };
  /** Time limits of each model file's download (idle and overall, ms); fetch-bytes.ts's defaults when absent. */
  download?: { idleTimeoutMs?: number; timeoutMs?: number };
  /** Keep the embedding of an encode cancelled while running (default true). */
  keepCancelledEncodes?: boolean;
}

export interface InitResult {
  protocolVersion: number;
  modelId: string;
  displayName: string;
  /** Test models (random weights, synthetic) must be labelled TEST MODEL wherever they are shown. */
  testModel: boolean;
  precision: Precision;
  profile: PreprocessingProfileId;
  inputSize: number;
  executionProviders: { encoder: string; decoder: string };
}

export interface EncodeParams<Image> {
  imageId: string;
  image: Image;
  /** 'prefetch' runs after every interactive encode (neighbouring slices). Default 'interactive'. */
  priority?: 'interactive' | 'prefetch';
}

export interface EncodeResult {
  imageId: string;
  /** True when the embedding was already cached (nothing ran). */
  cached: boolean;
  /** False when a prefetch was cancelled before it ran. */
  encoded: boolean;
}

export interface SegmentParams<Image> {
  imageId: string;
  /** Needed for its size, and for encoding when the image is not cached (then it is preprocessed and encoded). */
  image: Image;
  /** Boxes in image space (pixel-edge coordinates); one mask per box. */
  boxes: ImageBox[];
}

export interface SegmentResult {
  imageId: string;
  width: number;
  height: number;
  /** Row-major [height, width], 1 inside; one per box. */
  masks: Uint8Array[];
  iou: number[];
  timings: { preprocessMs: number; encodeMs: number; decodeMs: number; postprocessMs: number; cached: boolean };
}

export interface EvictParams {
  /** Images whose embeddings to drop; all of this model's when absent. */
  imageIds?: string[];
}

export interface StatusResult {
  ready: boolean;
  modelId: string | null;
  executionProviders: { encoder: string; decoder: string } | null;
  cachedImages: number;
  cacheBytes: number;
  pendingEncodes: string[];
}

/** Method name -> [params, result]. */
export interface WorkerMethods<Image> {
  init: [InitParams, InitResult];
  encode: [EncodeParams<Image>, EncodeResult];
  segment: [SegmentParams<Image>, SegmentResult];
  evict: [EvictParams, { evicted: number }];
  status: [Record<string, never>, StatusResult];
  dispose: [Record<string, never>, { disposed: true }];
}

export type MethodName = keyof WorkerMethods<unknown>;
export type ParamsOf<M extends MethodName, Image> = WorkerMethods<Image>[M][0];
export type ResultOf<M extends MethodName, Image> = WorkerMethods<Image>[M][1];

export type RequestMessage<Image = unknown> = {
  [M in MethodName]: { kind: 'request'; id: number; method: M; params: ParamsOf<M, Image> };
}[MethodName];

export interface CancelMessage {
  kind: 'cancel';
  /** The id of the request to abandon. */
  id: number;
}

export type ToWorkerMessage<Image = unknown> = RequestMessage<Image> | CancelMessage;

export type Progress =
  | { stage: 'download'; part: 'encoder' | 'decoder'; path: string; loaded: number; total: number }
  | { stage: 'session'; part: 'encoder' | 'decoder' | 'both'; executionProvider?: string }
  | { stage: 'queued' | 'preprocess' | 'encode' | 'decode' | 'postprocess' };

export interface SerializedError {
  code: MedsamErrorCode;
  message: string;
  details: Record<string, unknown>;
}

export type ResultMessage<Image = unknown> = {
  [M in MethodName]: { kind: 'result'; id: number; method: M; result: ResultOf<M, Image> };
}[MethodName];

export interface ProgressMessage {
  kind: 'progress';
  id: number;
  progress: Progress;
}

export interface ErrorMessage {
  kind: 'error';
  id: number;
  error: SerializedError;
}

/** Not tied to a request. */
export type WorkerEvent =
  /** The worker moved to another execution provider by itself (e.g. the WebGPU device was lost). */
  | { type: 'backend-changed'; from: string; to: string; reason: string }
  /** Something failed outside any request (e.g. re-creating sessions after a device loss). */
  | { type: 'failure'; error: SerializedError };

export interface EventMessage {
  kind: 'event';
  event: WorkerEvent;
}

export type FromWorkerMessage<Image = unknown> = ResultMessage<Image> | ProgressMessage | ErrorMessage | EventMessage;

/** The buffers of the typed arrays in a result, to pass as postMessage's transfer list. */
export function resultTransferables(result: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 4 || v === null || typeof v !== 'object') return;
    if (ArrayBuffer.isView(v)) {
      // A SharedArrayBuffer cannot be transferred (and needs not be).
      if (Object.prototype.toString.call(v.buffer) === '[object ArrayBuffer]') out.add(v.buffer as ArrayBuffer);
      return;
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) visit(x, depth + 1);
  };
  visit(result, 0);
  return [...out];
}

export function isToWorkerMessage(data: unknown): data is ToWorkerMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as { kind?: unknown; id?: unknown; method?: unknown };
  if (typeof m.id !== 'number') return false;
  return m.kind === 'cancel' || (m.kind === 'request' && typeof m.method === 'string');
}

export function isFromWorkerMessage(data: unknown): data is FromWorkerMessage {
  if (typeof data !== 'object' || data === null) return false;
  const k = (data as { kind?: unknown }).kind;
  return k === 'result' || k === 'progress' || k === 'error' || k === 'event';
}
