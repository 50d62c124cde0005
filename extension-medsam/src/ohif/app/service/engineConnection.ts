/**
 * The service's tie to the engine worker: loads the model the manifest names, turns a slice and a box into a mask,
 * encodes slices ahead of the user, and keeps the panel's status, device, download and timings up to date.
 */
import { isMedsamError } from '../../../engine/errors';
import type { ImageBox } from '../../../engine/geometry/box';
import type { Manifest, PreprocessingProfileId } from '../../../engine/manifest';
import type { SliceInput } from '../../../engine/session/pipeline';
import { MedsamWorkerClient } from '../../../worker/engine-client';
import type { InitResult, Progress, WorkerEvent } from '../../../worker/protocol';
import type { MedsamConfig } from '../config';
import { modelLoadMessage, segmentMessage } from '../errorMessages';
import { ViewerError } from '../errors';
import { describeIntensity, intensityFor, intensityKey } from '../intensityPreset';
import { chooseModel, modelInfoOf, type ModelChoice } from '../modelChoice';
import type { EngineDeps, PreparedSlice } from './deps';
import type { MedsamDevice, MedsamStatus, StateStore } from './state';

interface EngineHandle {
  client: MedsamWorkerClient<SliceInput>;
  choice: ModelChoice;
  init: InitResult;
}

const now = (): number => (globalThis.performance ?? Date).now();

export class EngineConnection {
  #engine: EngineHandle | null = null;
  #loading: Promise<boolean> | null = null;
  #profile: PreprocessingProfileId | null = null;
  readonly #counters = { encoding: 0, decoding: 0 };
  /** Embedding keys already asked for (the worker answers "cached" too, but the pixel copy is spared). */
  readonly #requested = new Set<string>();
  /** The slice warm() last encoded for, and the signal of its encodes: moving to another slice cancels them. */
  #warmed: { key: string; controller: AbortController } | null = null;

  constructor(
    private readonly store: StateStore,
    private readonly deps: EngineDeps,
    private readonly settings: () => MedsamConfig,
    /** Why this viewer cannot run MedSAM (null: it can): then no model is loaded and no box is segmented. */
    private readonly hostProblem: () => string | null,
  ) {}

  /** The loaded model's preprocessing profile (volume runs pad propagated boxes by it). */
  get profile(): PreprocessingProfileId | null {
    return this.#profile;
  }

  isReady(): boolean {
    this.#dropDeadEngine();
    return this.#engine !== null && this.store.get().status !== 'error';
  }

  /** Loads the model (once; again after a failure or a crashed worker). Resolves true when the engine is ready. */
  load(): Promise<boolean> {
    const problem = this.hostProblem();
    if (problem) {
      this.store.patch({ status: 'error', message: problem });
      return Promise.resolve(false);
    }
    this.#dropDeadEngine();
    if (this.#engine) return Promise.resolve(true);
    this.#loading ??= this.#load().finally(() => {
      this.#loading = null;
    });
    return this.#loading;
  }

  /** Loads the model if needed and throws the panel's reason when that fails. */
  async ready(): Promise<MedsamWorkerClient<SliceInput>> {
    if (!(await this.load()) || !this.#engine)
      throw new ViewerError('MODEL_NOT_LOADED', this.store.get().message ?? 'the MedSAM model is not loaded');
    return this.#engine.client;
  }

  prepare(imageId: string, image: SliceInput): PreparedSlice {
    const { intensity: shown } = this.store.get();
    const intensity = intensityFor(shown.preset, image.slice.modality);
    const modality = image.slice.modality ?? null;
    const description = describeIntensity(intensity, image.slice);
    if (modality !== shown.modality || description !== shown.description) {
      this.store.patch({ intensity: { ...shown, modality, description } });
    }
    return { key: `${imageId}#${intensityKey(intensity)}`, image: { slice: image.slice, intensity } };
  }

  /**
   * The mask of one box on one slice and the decoder's predicted IoU (the slice is encoded first unless its
   * embedding is cached). `interactive`: a box the user is drawing, whose round trip the panel shows.
   */
  async segment(
    imageId: string,
    image: SliceInput,
    box: ImageBox,
    { signal, interactive }: { signal?: AbortSignal; interactive: boolean },
  ): Promise<{ mask: Uint8Array; iou: number }> {
    const client = await this.ready();
    const { key, image: input } = this.prepare(imageId, image);
    this.#requested.add(key);
    const t0 = now();
    const result = await this.#track(
      'decoding',
      client.segment({ imageId: key, image: input, boxes: [box] }, { signal }),
    );
    const t = result.timings;
    const { timings } = this.store.get();
    this.store.patch({
      ...(interactive ? { message: null } : {}),
      timings: {
        ...timings,
        encodeMs: t.cached ? timings.encodeMs : t.preprocessMs + t.encodeMs,
        decodeMs: t.decodeMs + t.postprocessMs,
        ...(interactive ? { maskMs: now() - t0 } : {}),
      },
    });
    return { mask: result.masks[0], iou: result.iou[0] };
  }

  /** Encodes a slice in the background (a volume run's next slices); failures are left to the run itself. */
  encodeAhead(imageId: string, image: SliceInput, signal: AbortSignal): void {
    if (this.#engine) this.#prefetch(this.#engine.client, this.prepare(imageId, image), signal);
  }

  /**
   * Encodes the current slice now and, once that is done and no box is being edited, its neighbours, so that the
   * first box on them only needs the decoder. A model run cannot be interrupted, so a prefetch started while the
   * user draws would delay the box's decoder on a slow device. Failures here are silent: the box reports them.
   */
  warm(
    current: { imageId: string; image: SliceInput } | null,
    neighbours: Array<{ imageId: string; image: () => SliceInput | null }>,
    isEditing: () => boolean,
  ): void {
    const client = this.#engine?.client;
    if (!client) return;
    let currentDone: Promise<unknown> = Promise.resolve();
    if (current) {
      const { key, image } = this.prepare(current.imageId, current.image);
      // Scrolling through a stack must not queue one encode per slice passed ahead of the box the user then draws:
      // a new current slice cancels what is still queued for the previous one (a run already started finishes).
      if (this.#warmed?.key !== key) {
        this.#warmed?.controller.abort();
        this.#warmed = { key, controller: new AbortController() };
      }
      if (!this.#requested.has(key)) {
        this.#requested.add(key);
        const t0 = now();
        const work = client.encode(
          { imageId: key, image, priority: 'interactive' },
          { signal: this.#warmed.controller.signal },
        );
        currentDone = this.#track('encoding', work).then(
          r => {
            if (!r.cached) this.store.patch({ timings: { ...this.store.get().timings, encodeMs: now() - t0 } });
          },
          () => this.#requested.delete(key),
        );
      }
    }
    const signal = this.#warmed?.controller.signal;
    void currentDone.then(() => {
      if (isEditing() || this.#engine?.client !== client || signal?.aborted) return;
      for (const n of neighbours) {
        const image = n.image();
        if (!image) continue;
        const prepared = this.prepare(n.imageId, image);
        if (!this.#requested.has(prepared.key)) this.#prefetch(client, prepared, signal);
      }
    });
  }

  /** A background encode; its key is asked again later unless the worker encoded it. */
  #prefetch(client: MedsamWorkerClient<SliceInput>, { key, image }: PreparedSlice, signal?: AbortSignal): void {
    this.#requested.add(key);
    void client.encode({ imageId: key, image, priority: 'prefetch' }, { signal }).then(
      r => void (r.encoded || this.#requested.delete(key)),
      () => this.#requested.delete(key),
    );
  }

  /** Ends the worker (tests, and a site that unloads the extension). */
  dispose(): void {
    this.#engine?.client.terminate();
    this.#engine = null;
  }

  /** A worker that crashed (e.g. out of memory) rejects every call: forget it so that the next use starts a new one. */
  #dropDeadEngine(): void {
    if (!this.#engine?.client.isClosed) return;
    this.#engine.client.terminate();
    this.#engine = null;
    this.#requested.clear();
    this.store.patch({ status: 'idle', device: 'none' });
  }

  async #load(): Promise<boolean> {
    const { manifestUrl } = this.settings();
    const started = now();
    this.store.patch({ status: 'loading-model', message: null, download: null });
    try {
      const manifest = await this.deps.loadManifest(manifestUrl);
      const found = chooseModel(manifest, manifestUrl, this.settings());
      this.#profile = found.entry.profile;
      this.store.patch({
        model: modelInfoOf(found),
        download: { loadedBytes: 0, totalBytes: found.downloadBytes },
      });
      let handle: EngineHandle;
      try {
        handle = await this.#start(found, manifest);
      } catch (e) {
        if (!isMedsamError(e, 'MODEL_INTEGRITY')) throw e;
        // A cached copy from before the site replaced the model: drop it and download once more.
        const urls = [found.variant.encoder.path, found.variant.decoder.path].map(p => new URL(p, manifestUrl).href);
        if ((await this.deps.evictModelFiles(urls)) === 0) throw e;
        handle = await this.#start(found, manifest);
      }
      this.#engine = handle;
      this.#requested.clear();
      const device: MedsamDevice = handle.init.executionProviders.encoder === 'webgpu' ? 'webgpu' : 'wasm';
      this.store.patch({
        device,
        status: this.#statusNow(),
        download: { loadedBytes: found.downloadBytes, totalBytes: found.downloadBytes },
        timings: { ...this.store.get().timings, loadMs: now() - started },
      });
      return true;
    } catch (e) {
      this.store.patch({ status: 'error', device: 'none', message: modelLoadMessage(e, manifestUrl) });
      return false;
    }
  }

  async #start(choice: ModelChoice, manifest: Manifest): Promise<EngineHandle> {
    const client = new MedsamWorkerClient<SliceInput>(await this.deps.createWorker());
    client.onEvent(event => this.#onWorkerEvent(event));
    const loaded = { encoder: 0, decoder: 0 };
    const s = this.settings();
    try {
      const init = await client.init(
        {
          manifestUrl: s.manifestUrl,
          manifest, // read once by the page: the worker does not fetch it again
          modelId: choice.entry.id,
          precision: choice.precision,
          ...(s.executionProviders ? { executionProviders: s.executionProviders } : {}),
          wasm: { numThreads: s.numThreads, wasmPaths: s.wasmPaths },
          download: { idleTimeoutMs: s.modelDownloadIdleTimeoutMs, timeoutMs: s.modelDownloadTimeoutMs },
        },
        {
          onProgress: (p: Progress) => {
            if (p.stage !== 'download') return;
            loaded[p.part] = p.loaded;
            this.store.patch({
              download: { loadedBytes: loaded.encoder + loaded.decoder, totalBytes: choice.downloadBytes },
            });
          },
        },
      );
      return { client, choice, init };
    } catch (e) {
      client.terminate();
      throw e;
    }
  }

  #onWorkerEvent(event: WorkerEvent): void {
    if (event.type === 'backend-changed') {
      this.store.patch({
        device: event.to === 'webgpu' ? 'webgpu' : 'wasm',
        notice: `MedSAM moved to ${event.to.toUpperCase()}: ${event.reason}`,
      });
    } else {
      this.store.patch({ message: segmentMessage(event.error) });
    }
  }

  #statusNow(): MedsamStatus {
    if (this.store.get().status === 'error') return 'error';
    if (!this.#engine) return this.#loading ? 'loading-model' : 'idle';
    if (this.#counters.decoding > 0) return 'decoding';
    if (this.#counters.encoding > 0) return 'encoding';
    return 'ready';
  }

  #track<T>(kind: 'encoding' | 'decoding', work: Promise<T>): Promise<T> {
    this.#counters[kind]++;
    this.store.patch({ status: this.#statusNow() });
    return work.finally(() => {
      this.#counters[kind]--;
      this.store.patch({ status: this.#statusNow() });
    });
  }
}
