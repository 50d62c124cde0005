/**
 * The worker side of the protocol: receives requests on a port, runs them on a MedsamSession, answers with results,
 * progress and errors. It knows nothing of onnxruntime-web or of how images are described: engine-worker.ts injects
 * the runtime, the preprocessing and the device-loss watch, and tests inject fakes or onnxruntime-node.
 */
import { MedsamError, isMedsamError } from '../engine/errors';
import type { ImageSize } from '../engine/geometry/box';
import type { Manifest } from '../engine/manifest';
import { EmbeddingCache } from '../engine/session/embedding-cache';
import { fetchManifest, findModel, urlFetchBytes } from '../engine/session/fetch-bytes';
import type { FetchBytes, LoadProgress } from '../engine/session/model-loader';
import { segmentBoxes, type Preprocess } from '../engine/session/pipeline';
import type { RuntimeConfig } from '../engine/session/runtime';
import { DEFAULT_CACHE_BYTES, MedsamSession } from '../engine/session/session';
import {
  PROTOCOL_VERSION,
  isToWorkerMessage,
  resultTransferables,
  type FromWorkerMessage,
  type InitParams,
  type MethodName,
  type ParamsOf,
  type Progress,
  type RequestMessage,
  type ResultOf,
  type SerializedError,
  type WorkerEvent,
} from './protocol';

/** A DedicatedWorkerGlobalScope, a MessagePort (browser or Node) or anything with the same two methods. */
export interface PortLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  start?(): void;
}

export interface EngineHostDeps<Image> {
  createRuntime(params: InitParams): RuntimeConfig | Promise<RuntimeConfig>;
  /**
   * Called after sessions were built on WebGPU: watch the GPU device and call onLost when it goes away; the host then
   * rebuilds the sessions on WASM and sends a 'backend-changed' event.
   */
  watchDeviceLoss?(onLost: (reason: string) => void): void | Promise<void>;
  loadManifest?(url: string): Promise<Manifest>;
  fetchBytesFor?(manifestUrl: string, timeouts?: InitParams['download']): FetchBytes;
  preprocess: Preprocess<Image>;
  imageSize(image: Image): ImageSize;
}

type Handler<Image> = {
  [M in MethodName]: (params: ParamsOf<M, Image>, ctx: RequestContext) => Promise<ResultOf<M, Image>>;
};

interface RequestContext {
  signal: AbortSignal;
  progress(p: Progress): void;
}

export function toSerializedError(e: unknown): SerializedError {
  if (isMedsamError(e)) return e.toJSON();
  // Errors that are not ours are bugs or runtime failures; they still reach the caller with their message.
  return new MedsamError('INFERENCE_FAILED', String((e as Error)?.message ?? e)).toJSON();
}

export class EngineHost<Image> {
  private session: MedsamSession | null = null;
  private cache: EmbeddingCache | null = null;
  private readonly controllers = new Map<number, AbortController>();
  private switching: Promise<void> | null = null;
  /** Inits run one after another, so that two of them cannot both build a session and leak one. */
  private initChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly port: PortLike,
    private readonly deps: EngineHostDeps<Image>,
  ) {
    port.addEventListener('message', event => this.onMessage(event.data));
    port.start?.();
  }

  private post(message: FromWorkerMessage<Image>, transfer: ArrayBuffer[] = []): void {
    this.port.postMessage(message, transfer);
  }

  emit(event: WorkerEvent): void {
    this.post({ kind: 'event', event });
  }

  private onMessage(data: unknown): void {
    if (!isToWorkerMessage(data)) return; // not ours (e.g. a message of the WASM runtime's own threads)
    if (data.kind === 'cancel') {
      this.controllers.get(data.id)?.abort();
      return;
    }
    void this.handle(data as RequestMessage<Image>);
  }

  private async handle(request: RequestMessage<Image>): Promise<void> {
    const controller = new AbortController();
    this.controllers.set(request.id, controller);
    const ctx: RequestContext = {
      signal: controller.signal,
      progress: progress => this.post({ kind: 'progress', id: request.id, progress }),
    };
    try {
      const run = this.handlers[request.method] as (p: unknown, c: RequestContext) => Promise<unknown>;
      const result = await run(request.params, ctx);
      this.post(
        { kind: 'result', id: request.id, method: request.method, result } as FromWorkerMessage<Image>,
        resultTransferables(result),
      );
    } catch (e) {
      this.post({ kind: 'error', id: request.id, error: toSerializedError(e) });
    } finally {
      this.controllers.delete(request.id);
    }
  }

  private requireSession(): MedsamSession {
    if (!this.session) {
      throw new MedsamError('INFERENCE_FAILED', 'the engine has no model loaded: send init first', {
        reason: 'not-initialised',
      });
    }
    return this.session;
  }

  private readonly handlers: Handler<Image> = {
    init: (params, ctx) => {
      const run = this.initChain.then(() => this.initialise(params, ctx));
      this.initChain = run.catch(() => undefined);
      return run;
    },

    encode: async (params, ctx) => {
      const session = this.requireSession();
      await this.switching;
      if (session.hasEmbedding(params.imageId)) return { imageId: params.imageId, cached: true, encoded: true };
      const getInput = () => {
        ctx.progress({ stage: 'preprocess' });
        const input = this.deps.preprocess(params.image, session.entry.profile);
        ctx.progress({ stage: 'encode' });
        return input;
      };
      if (params.priority === 'prefetch') {
        const done = await session.prefetch(params.imageId, getInput, { signal: ctx.signal });
        return { imageId: params.imageId, cached: false, encoded: done !== undefined };
      }
      ctx.progress({ stage: 'queued' });
      await session.encode(params.imageId, getInput, { signal: ctx.signal });
      return { imageId: params.imageId, cached: false, encoded: true };
    },

    segment: async (params, ctx) => {
      const session = this.requireSession();
      await this.switching;
      const size = this.deps.imageSize(params.image);
      const r = await segmentBoxes(session, this.deps.preprocess, params.imageId, params.image, size, params.boxes, {
        signal: ctx.signal,
        onStage: stage => ctx.progress({ stage }),
      });
      return { imageId: params.imageId, ...r };
    },

    evict: async params => {
      const session = this.requireSession();
      if (!params.imageIds) return { evicted: session.cache.clear(session.cacheModelId) };
      let evicted = 0;
      for (const id of params.imageIds) if (session.cache.delete(session.cacheModelId, id)) evicted++;
      return { evicted };
    },

    status: async () => {
      const s = this.session;
      return {
        ready: s !== null,
        modelId: s?.entry.id ?? null,
        executionProviders: s ? { ...s.executionProviders } : null,
        cachedImages: this.cache?.size ?? 0,
        cacheBytes: this.cache?.bytesUsed ?? 0,
        pendingEncodes: s?.pendingEncodes ?? [],
      };
    },

    dispose: async () => {
      const s = this.session;
      this.session = null;
      await s?.release();
      this.cache?.clear();
      return { disposed: true };
    },
  };

  private async initialise(params: InitParams, ctx: RequestContext): Promise<ResultOf<'init', Image>> {
    const manifest = params.manifest ?? (await (this.deps.loadManifest ?? fetchManifest)(params.manifestUrl));
    const entry = findModel(manifest, params.modelId, params.manifestUrl);
    const runtime = await this.deps.createRuntime(params);
    const fetchBytes = this.deps.fetchBytesFor
      ? this.deps.fetchBytesFor(params.manifestUrl, params.download)
      : urlFetchBytes(params.manifestUrl, undefined, params.download);
    const cacheOptions = params.cache ?? { maxBytes: DEFAULT_CACHE_BYTES };
    const reuse =
      this.cache &&
      this.cache.maxBytes === cacheOptions.maxBytes &&
      this.cache.storage === (cacheOptions.storage ?? 'fp32');
    const cache = reuse && this.cache ? this.cache : new EmbeddingCache(cacheOptions);
    // The new session is built before the old one goes: when building fails, the model that worked stays loaded.
    const session = await MedsamSession.create({
      runtime,
      entry,
      precision: params.precision,
      fetchBytes,
      cache,
      keepCancelledEncodes: params.keepCancelledEncodes,
      onProgress: throttledProgress(ctx),
    });
    const previous = this.session;
    this.session = session;
    this.cache = cache;
    // release() drops the old model's embeddings synchronously, before any request can reach the new session, then
    // frees its runtime sessions.
    await previous?.release();
    const providers = session.executionProviders;
    ctx.progress({ stage: 'session', part: 'both', executionProvider: providers.encoder });
    if ((providers.encoder === 'webgpu' || providers.decoder === 'webgpu') && this.deps.watchDeviceLoss) {
      await this.deps.watchDeviceLoss(reason => void this.fallBackToWasm(session, reason));
    }
    return {
      protocolVersion: PROTOCOL_VERSION,
      modelId: entry.id,
      displayName: entry.displayName,
      testModel: entry.testModel,
      precision: params.precision,
      profile: entry.profile,
      inputSize: entry.inputSize,
      executionProviders: { ...providers },
    };
  }

  /** After a GPU device loss: the same model on WASM; embeddings stay valid (same weights). */
  private async fallBackToWasm(session: MedsamSession, reason: string): Promise<void> {
    if (this.session !== session || this.switching) return;
    const from = session.executionProviders.encoder;
    this.switching = session
      .switchExecutionProviders(['wasm'])
      .then(
        () => this.emit({ type: 'backend-changed', from, to: 'wasm', reason }),
        e => this.emit({ type: 'failure', error: toSerializedError(e) }),
      )
      .finally(() => {
        this.switching = null;
      });
    await this.switching;
  }
}

/** Download progress at most every 1% (a 360 MB encoder would otherwise send thousands of messages). */
function throttledProgress(ctx: RequestContext): (p: LoadProgress) => void {
  const last = new Map<string, number>();
  return p => {
    const step = Math.max(1, Math.floor(p.total / 100));
    const prev = last.get(p.part);
    if (prev !== undefined && p.loaded - prev < step && p.loaded < p.total) return;
    last.set(p.part, p.loaded);
    ctx.progress({ stage: 'download', part: p.part, path: p.path, loaded: p.loaded, total: p.total });
  };
}

export function startEngineHost<Image>(port: PortLike, deps: EngineHostDeps<Image>): EngineHost<Image> {
  return new EngineHost(port, deps);
}
