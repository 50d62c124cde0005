/**
 * The slice of onnxruntime's API that the engine uses. onnxruntime-web (browser, worker, Node WASM) and
 * onnxruntime-node both satisfy it structurally, so the engine never imports onnxruntime: an adapter passes the
 * module in together with the execution providers it wants (['webgpu', 'wasm'] in the browser, ['cpu'] in Node,
 * ['wasm'] for onnxruntime-web in Node).
 */

export type OrtTensorType = 'float32' | 'float16';

export interface OrtTensorLike {
  readonly type: string;
  readonly dims: readonly number[];
  /** Float32Array for float32; Uint16Array (raw IEEE half bits) or Float16Array for float16. */
  readonly data: unknown;
  dispose?(): void;
}

/** Present on onnxruntime >= 1.21 sessions; used to learn the real I/O dtypes of a variant (fp16 graphs). */
export interface OrtValueMetadataLike {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata?: readonly OrtValueMetadataLike[];
  readonly outputMetadata?: readonly OrtValueMetadataLike[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release?(): Promise<void>;
}

export type ExecutionProviderName = 'webgpu' | 'wasm' | 'cpu' | (string & {});

export interface OrtSessionOptionsLike {
  executionProviders?: ReadonlyArray<string | { name: string; [option: string]: unknown }>;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  [option: string]: unknown;
}

export interface OrtLike {
  InferenceSession: {
    create(model: Uint8Array, options?: OrtSessionOptionsLike): Promise<OrtSessionLike>;
  };
  Tensor: new (type: OrtTensorType, data: Float32Array | Uint16Array, dims: readonly number[]) => OrtTensorLike;
}

/**
 * What an adapter hands the engine: the onnxruntime module and the execution providers to try, in order.
 * Each provider is tried on its own (not as one list) so that a session that fails to build on WebGPU (an operator
 * it lacks, a device that cannot be created) falls back to the next provider, and the engine knows which one runs.
 */
export interface RuntimeConfig {
  ort: OrtLike;
  executionProviders: readonly ExecutionProviderName[];
  /** Extra session options (threads, optimisation level); executionProviders here is ignored. */
  sessionOptions?: Omit<OrtSessionOptionsLike, 'executionProviders'>;
}
