/**
 * MedsamSession: one model (manifest entry + precision) over an injected onnxruntime.
 *
 *  encode(imageId, input)  -> embedding, cached per (model, image); one encode runs at a time (EncodeScheduler).
 *  decode(imageId, boxes)  -> low-res logits per box + IoU score, on the decoder's own session and queue, so a decode
 *                             for an image that is already encoded never waits behind an encode of another slice.
 *  prefetch(imageId, getInput) -> an encode below every interactive one, for neighbouring slices.
 *
 * Whether a decode really runs while an encode computes depends on the runtime: onnxruntime-node runs each session
 * on native threads, so both proceed; onnxruntime-web's WASM backend computes on the calling JS thread, so within
 * one worker the decode starts only when the encoder's run returns (the engine's queues still put it first).
 */
import { MedsamError } from '../errors';
import type { ManifestEntry, Precision } from '../manifest';
import { modelBoxToFloat32, type ModelBox } from '../geometry/box';
import { EmbeddingCache, type Embedding, type EmbeddingCacheOptions } from './embedding-cache';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from './float16';
import {
  checkTensorNames,
  createSessionWithFallback,
  fetchModelBytes,
  type FetchBytes,
  type LoadProgress,
  type ModelBytes,
} from './model-loader';
import type { ExecutionProviderName, OrtSessionLike, OrtTensorLike, RuntimeConfig } from './runtime';
import { EncodeScheduler, Priority, cancelledError, type JobContext } from './scheduler';

/** The encoder input ([1, 3, S, S] float32 in [0, 1]) or a function that makes it when the encode starts. */
export type EncoderInputSource = Float32Array | (() => Float32Array | Promise<Float32Array>);

export interface EncodeOptions {
  signal?: AbortSignal;
  /** Interactive by default; prefetch() uses Priority.prefetch. */
  priority?: Priority;
}

export interface DecodeResult {
  /**
   * One [height x width] row-major array of logits per box, mask token 0, not cropped or upsampled. The boxes of one
   * decoder run are views onto one buffer: copy one (slice()) before transferring it on its own.
   */
  lowResLogits: Float32Array[];
  /** The decoder's IoU prediction per box. */
  iou: Float32Array;
  height: number;
  width: number;
}

export interface MedsamSessionOptions {
  runtime: RuntimeConfig;
  entry: ManifestEntry;
  precision: Precision;
  fetchBytes: FetchBytes;
  onProgress?: (p: LoadProgress) => void;
  /** A cache shared between sessions, or options for a private one. Default: 256 MiB, fp32. */
  cache?: EmbeddingCache | EmbeddingCacheOptions;
  /**
   * What to do with the result of an encode that was cancelled while running (it cannot be stopped): keep it in
   * the cache (default; the time is spent anyway and the user may come back) or discard it.
   */
  keepCancelledEncodes?: boolean;
}

export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;

interface Sessions {
  encoder: OrtSessionLike;
  decoder: OrtSessionLike;
  encoderProvider: ExecutionProviderName;
  decoderProvider: ExecutionProviderName;
}

export class MedsamSession {
  readonly entry: ManifestEntry;
  readonly precision: Precision;
  /** Cache key for this model's embeddings: embeddings of different precisions differ. */
  readonly cacheModelId: string;
  readonly cache: EmbeddingCache;
  private sessions: Sessions;
  private readonly options: MedsamSessionOptions;
  private readonly scheduler = new EncodeScheduler();
  private decodeChain: Promise<unknown> = Promise.resolve();
  private released = false;
  /**
   * A decoder with float16 inputs: the embedding it got last, already converted, so that the decodes of several boxes
   * on one slice convert the 1M-value embedding once. Keyed on the float32 array (the cache hands out the same one
   * for the same entry); one entry at most.
   */
  private lastHalfEmbedding: { source: Float32Array; half: Uint16Array } | null = null;

  private constructor(options: MedsamSessionOptions, sessions: Sessions, cache: EmbeddingCache) {
    this.options = options;
    this.entry = options.entry;
    this.precision = options.precision;
    this.cacheModelId = `${options.entry.id}@${options.precision}`;
    this.cache = cache;
    this.sessions = sessions;
  }

  /** Fetches and verifies the variant's files (MODEL_UNAVAILABLE, MODEL_INTEGRITY), builds and checks sessions. */
  static async create(options: MedsamSessionOptions): Promise<MedsamSession> {
    const bytes = await fetchModelBytes(options.entry, options.precision, options.fetchBytes, options.onProgress);
    const sessions = await buildSessions(options.runtime, options.entry, bytes, options.runtime.executionProviders);
    const cache =
      options.cache instanceof EmbeddingCache
        ? options.cache
        : new EmbeddingCache(options.cache ?? { maxBytes: DEFAULT_CACHE_BYTES });
    return new MedsamSession(options, sessions, cache);
  }

  get executionProviders(): { encoder: ExecutionProviderName; decoder: ExecutionProviderName } {
    return { encoder: this.sessions.encoderProvider, decoder: this.sessions.decoderProvider };
  }

  hasEmbedding(imageId: string): boolean {
    return this.cache.has(this.cacheModelId, imageId);
  }

  /** Image ids queued or being encoded, the running one first. */
  get pendingEncodes(): string[] {
    return this.scheduler.pendingKeys;
  }

  encode(imageId: string, input: EncoderInputSource, options: EncodeOptions = {}): Promise<Embedding> {
    this.assertOpen();
    const cached = this.cache.get(this.cacheModelId, imageId);
    if (cached) return Promise.resolve(cached);
    return this.scheduler.submit(imageId, ctx => this.runEncoder(imageId, input, ctx), {
      priority: options.priority ?? Priority.interactive,
      signal: options.signal,
    });
  }

  /**
   * Encodes a slice the user has not asked for yet, after every interactive encode. getInput runs only when the
   * encode starts, so a dropped prefetch costs no preprocessing. Resolves to undefined when cancelled.
   */
  async prefetch(
    imageId: string,
    getInput: () => Float32Array | Promise<Float32Array>,
    options: { signal?: AbortSignal } = {},
  ): Promise<Embedding | undefined> {
    try {
      return await this.encode(imageId, getInput, { signal: options.signal, priority: Priority.prefetch });
    } catch (e) {
      if (e instanceof MedsamError && e.code === 'CANCELLED') return undefined;
      throw e;
    }
  }

  /**
   * Decodes boxes (model space) on an image's embedding. Waits for that image's encode if one is queued or running;
   * never for another image's. Several boxes go to the decoder as one batch when its box dimension is dynamic.
   */
  async decode(
    imageId: string,
    boxes: readonly ModelBox[],
    options: { signal?: AbortSignal } = {},
  ): Promise<DecodeResult> {
    this.assertOpen();
    let embedding = this.cache.get(this.cacheModelId, imageId);
    if (!embedding && this.scheduler.isPending(imageId)) {
      // Join the pending encode without adding work: an input source is not needed for a job that already exists.
      embedding = await this.scheduler.submit(
        imageId,
        () => Promise.reject(new Error('unreachable: joined an existing job')),
        { signal: options.signal },
      );
    }
    if (!embedding) {
      throw new MedsamError(
        'INFERENCE_FAILED',
        `image ${imageId} has no embedding for model ${this.cacheModelId}: encode it first (it may have been evicted from the cache)`,
        { imageId, modelId: this.cacheModelId, reason: 'not-encoded' },
      );
    }
    return this.decodeEmbedding(embedding, boxes, options);
  }

  /** Decodes on an embedding the caller holds (e.g. the one encode() returned), whatever the cache has kept. */
  decodeEmbedding(
    embedding: Embedding,
    boxes: readonly ModelBox[],
    options: { signal?: AbortSignal } = {},
  ): Promise<DecodeResult> {
    this.assertOpen();
    this.checkBoxes(boxes);
    // Decodes run one after another on their own chain; an encode never sits on it.
    const run = this.decodeChain.then(() => {
      if (options.signal?.aborted) throw cancelledError('decoding');
      return this.runDecoder(embedding, boxes);
    });
    this.decodeChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Rebuilds both sessions on other execution providers (e.g. ['wasm'] after the WebGPU device was lost).
   * Embeddings stay valid: they depend on the weights, not on the provider. Files are fetched (and verified) again.
   * Work that starts from now on runs on the new sessions; the old ones are released only after the decodes queued
   * so far and the encode running now have finished with them.
   */
  async switchExecutionProviders(providers: readonly ExecutionProviderName[]): Promise<void> {
    this.assertOpen();
    const bytes = await fetchModelBytes(this.entry, this.precision, this.options.fetchBytes, this.options.onProgress);
    const next = await buildSessions(this.options.runtime, this.entry, bytes, providers);
    const previous = this.sessions;
    this.sessions = next;
    await Promise.all([this.decodeChain, this.scheduler.whenIdle()]);
    await releaseQuietly(previous.encoder);
    await releaseQuietly(previous.decoder);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.lastHalfEmbedding = null;
    this.cache.clear(this.cacheModelId);
    await releaseQuietly(this.sessions.encoder);
    await releaseQuietly(this.sessions.decoder);
  }

  private assertOpen(): void {
    if (this.released)
      throw new MedsamError('INFERENCE_FAILED', `the session of model ${this.cacheModelId} was released`);
  }

  private checkBoxes(boxes: readonly ModelBox[]): void {
    if (boxes.length === 0) throw new MedsamError('INVALID_BOX', 'no box to decode');
    for (const b of boxes) {
      if (b.space !== 'model' || b.inputSize !== this.entry.inputSize) {
        throw new MedsamError(
          'INVALID_BOX',
          `box is not in this model's input space (${this.entry.inputSize}px): got ${b.space} space, size ${b.inputSize}`,
          { box: { ...b } },
        );
      }
      if (![b.x0, b.y0, b.x1, b.y1].every(Number.isFinite) || !(b.x1 > b.x0) || !(b.y1 > b.y0)) {
        throw new MedsamError('INVALID_BOX', `model box [${b.x0}, ${b.y0}, ${b.x1}, ${b.y1}] has no area`, {
          box: { ...b },
        });
      }
    }
  }

  private async runEncoder(imageId: string, source: EncoderInputSource, ctx: JobContext): Promise<Embedding> {
    const input = typeof source === 'function' ? await source() : source;
    const spec = this.entry.encoder.inputs.image;
    const dims = spec.shape.map(d => (typeof d === 'number' ? d : 1));
    const expected = dims.reduce((a, b) => a * b, 1);
    if (input.length !== expected) {
      throw new MedsamError(
        'SHAPE_MISMATCH',
        `encoder input for image ${imageId} has ${input.length} values, expected ${dims.join('x')} = ${expected}`,
        { imageId, length: input.length, expected: dims },
      );
    }
    const { encoder } = this.sessions;
    const outName = this.entry.encoder.outputs.embedding.name;
    const feeds = { [spec.name]: this.makeTensor(encoder, spec.name, input, dims) };
    const outputs = await runModel(encoder, feeds, 'encoder');
    const embedding = { dims: [...outputs[outName].dims], data: tensorToFloat32(outputs[outName]) };
    disposeAll(outputs);
    if (ctx.wanted || this.options.keepCancelledEncodes !== false) {
      this.cache.set(this.cacheModelId, imageId, embedding);
    }
    return embedding;
  }

  private async runDecoder(embedding: Embedding, boxes: readonly ModelBox[]): Promise<DecodeResult> {
    const spec = this.entry.decoder;
    const batchDim = spec.inputs.boxes.shape[0];
    // A fixed box dimension (an export without a dynamic axis) takes one box per run.
    const perRun = typeof batchDim === 'number' ? batchDim : boxes.length;
    const lowResLogits: Float32Array[] = [];
    const iou = new Float32Array(boxes.length);
    let height = 0;
    let width = 0;
    for (let start = 0; start < boxes.length; start += perRun) {
      const batch = boxes.slice(start, start + perRun);
      const boxData = new Float32Array(batch.length * 4);
      batch.forEach((b, i) => modelBoxToFloat32(b, boxData, i * 4));
      const { decoder } = this.sessions;
      const feeds = {
        [spec.inputs.embedding.name]: this.makeTensor(
          decoder,
          spec.inputs.embedding.name,
          embedding.data,
          embedding.dims,
        ),
        [spec.inputs.boxes.name]: this.makeTensor(decoder, spec.inputs.boxes.name, boxData, [batch.length, 4]),
      };
      const outputs = await runModel(decoder, feeds, 'decoder');
      const logits = outputs[spec.outputs.lowResLogits.name];
      const scores = tensorToFloat32(outputs[spec.outputs.iou.name]);
      const [, , h, w] = logits.dims;
      height = h;
      width = w;
      // tensorToFloat32 already made a copy we own: each box gets a view of it, not a second copy. The worker posts
      // masks made from these logits, never the logits themselves, so no per-box buffer has to be transferable.
      const all = tensorToFloat32(logits);
      for (let i = 0; i < batch.length; i++) {
        lowResLogits.push(batch.length === 1 ? all : all.subarray(i * h * w, (i + 1) * h * w));
        iou[start + i] = scores[i];
      }
      disposeAll(outputs);
    }
    return { lowResLogits, iou, height, width };
  }

  /** fp16 graphs that keep float16 I/O get their inputs converted here; the engine works in float32 throughout. */
  private makeTensor(
    session: OrtSessionLike,
    name: string,
    data: Float32Array,
    dims: readonly number[],
  ): OrtTensorLike {
    const meta = session.inputMetadata?.find(m => m.name === name);
    const manifestSpec =
      name === this.entry.encoder.inputs.image.name
        ? this.entry.encoder.inputs.image
        : name === this.entry.decoder.inputs.embedding.name
          ? this.entry.decoder.inputs.embedding
          : this.entry.decoder.inputs.boxes;
    const dtype = meta?.type ?? manifestSpec.dtype;
    const { Tensor } = this.options.runtime.ort;
    if (dtype !== 'float16') return new Tensor('float32', data, dims);
    if (session === this.sessions.decoder && name === this.entry.decoder.inputs.embedding.name) {
      if (this.lastHalfEmbedding?.source !== data)
        this.lastHalfEmbedding = { source: data, half: float32ArrayToFloat16(data) };
      return new Tensor('float16', this.lastHalfEmbedding.half, dims);
    }
    return new Tensor('float16', float32ArrayToFloat16(data), dims);
  }
}

async function buildSessions(
  runtime: RuntimeConfig,
  entry: ManifestEntry,
  bytes: ModelBytes,
  providers: readonly ExecutionProviderName[],
): Promise<Sessions> {
  const enc = await createSessionWithFallback(runtime, bytes.encoder, `${entry.id} encoder`, providers);
  let dec;
  try {
    dec = await createSessionWithFallback(runtime, bytes.decoder, `${entry.id} decoder`, providers);
    checkTensorNames(`${entry.id} encoder`, enc.session, {
      inputs: [entry.encoder.inputs.image.name],
      outputs: [entry.encoder.outputs.embedding.name],
    });
    checkTensorNames(`${entry.id} decoder`, dec.session, {
      inputs: [entry.decoder.inputs.embedding.name, entry.decoder.inputs.boxes.name],
      outputs: [entry.decoder.outputs.lowResLogits.name, entry.decoder.outputs.iou.name],
    });
  } catch (e) {
    await releaseQuietly(enc.session);
    if (dec) await releaseQuietly(dec.session);
    throw e;
  }
  return {
    encoder: enc.session,
    decoder: dec.session,
    encoderProvider: enc.executionProvider,
    decoderProvider: dec.executionProvider,
  };
}

async function runModel(
  session: OrtSessionLike,
  feeds: Record<string, OrtTensorLike>,
  label: string,
): Promise<Record<string, OrtTensorLike>> {
  try {
    return await session.run(feeds);
  } catch (e) {
    if (e instanceof MedsamError) throw e;
    throw new MedsamError('INFERENCE_FAILED', `the ${label} failed to run: ${String((e as Error)?.message ?? e)}`, {
      model: label,
    });
  } finally {
    for (const t of Object.values(feeds)) t.dispose?.();
  }
}

/** float32 data as a Float32Array we own (outputs may be views onto runtime memory that dispose() frees). */
function tensorToFloat32(t: OrtTensorLike): Float32Array {
  const data = t.data as ArrayLike<number>;
  if (t.type === 'float16') {
    // Tag check rather than instanceof: a native runtime may hand out typed arrays of another JS realm.
    if (Object.prototype.toString.call(data) === '[object Uint16Array]')
      return float16ArrayToFloat32(data as Uint16Array);
    return new Float32Array(data); // Float16Array, where the platform has one
  }
  if (t.type !== 'float32') {
    throw new MedsamError('INFERENCE_FAILED', `model output has type ${t.type}, expected float32 or float16`, {
      type: t.type,
    });
  }
  // A typed-array copy (a memcpy for float32), not Float32Array.from's per-value iteration: the embedding has 1M values.
  return new Float32Array(data);
}

function disposeAll(outputs: Record<string, OrtTensorLike>): void {
  for (const t of Object.values(outputs)) t.dispose?.();
}

async function releaseQuietly(session: OrtSessionLike): Promise<void> {
  try {
    await session.release?.();
  } catch {
    // Releasing a session whose device is gone may throw; nothing to do about it.
  }
}
