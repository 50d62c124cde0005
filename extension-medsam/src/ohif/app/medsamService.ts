/**
 * The extension's OHIF service: the single owner of MedSAM's state in the page. It starts the engine worker, loads
 * the model named by the manifest (download progress, sha256 check in the engine, Cache Storage), segments boxes for
 * the box tool, encodes slices in the background, and holds what the panel shows.
 */
import { isMedsamError } from '../../engine/errors';
import type { SegmentTarget } from '../../seg/codes';
import type { ImageBox } from '../../engine/geometry/box';
import type { Manifest, ModelProvenance, PreprocessingProfileId } from '../../engine/manifest';
import { fetchManifest } from '../../engine/session/fetch-bytes';
import type { SliceInput } from '../../engine/session/pipeline';
import type { WorkerLike } from '../../worker/engine-client';
import { MedsamWorkerClient } from '../../worker/engine-client';
import { evictCachedModelFiles } from '../../worker/model-cache';
import type { InitResult, Progress, WorkerEvent } from '../../worker/protocol';
import { resolveMedsamConfig, type MedsamAppConfig, type MedsamConfig, type PageContext } from './config';
import { modelLoadMessage, segmentMessage } from './errorMessages';
import type { HostServiceRegistration, PubSubSubscription } from '../host/hostTypes';
import { SERVICE_NAME } from '../modules/ids';
import {
  describeIntensity,
  intensityFor,
  intensityKey,
  isIntensityPreset,
  type IntensityPreset,
} from './intensityPreset';
import { chooseModel, type ModelChoice } from './modelChoice';
import type { AcceptedBox } from '../host/hostVolume';
import type { LabelmapEdit } from './labelmapEdit';
import { MedsamLedger, type LedgerSliceRef } from './medsamLedger';
import { PreviewController, type PreviewTarget } from './previewController';
import { IDLE_VOLUME, VolumeController, type VolumeRunState, type VolumeScene } from './volumeController';
import type { RetryReport, SaveReport, SegSaver } from '../host/saveSegmentation';

/** Where inference runs; 'none' until the engine has chosen. */
export type MedsamDevice = 'none' | 'webgpu' | 'wasm';

export type MedsamStatus = 'idle' | 'loading-model' | 'ready' | 'encoding' | 'decoding' | 'error';

export interface MedsamModelInfo {
  id: string;
  label: string;
  /** Test models (box oracle, bright-in-box) say so in the panel: their masks are not clinical. */
  isTestModel: boolean;
  precision?: string;
  /** The checkpoint's sha256 and source (the SEG's AlgorithmIdentification names them); null for random weights. */
  weightsSha256?: string | null;
  weightsSource?: string;
  /** Where published weights came from (package, version, licence, checkpoint sha256, homepage); the panel shows it. */
  provenance?: ModelProvenance;
}

/** The SEG SOP class "Save to PACS" writes: classic binary (66.4, the default) or Label Map (66.7). */
export type MedsamSaveKind = 'binary' | 'labelmap';

/** The key of a segment's target choice. */
export const segmentKey = (segmentationId: string, segmentIndex: number): string => `${segmentationId}:${segmentIndex}`;

/** The last "Save to PACS" and what waits in the outbox. */
export interface MedsamSaveState {
  status: 'idle' | 'saving' | 'stored' | 'failed';
  /** Success: the new series; failure: the reason (the SEG is in the outbox, or was downloaded). */
  message: string | null;
  seriesInstanceUid: string | null;
  /** The file name when the outbox could not keep the SEG and it was downloaded instead: the user must keep it. */
  downloaded?: string;
}

export interface MedsamOutboxItem {
  id: string;
  description: string;
  attempts: number;
  error: string;
  /** The reason's code, e.g. STOW_INTERRUPTED for a store the page did not see finish. */
  code: string;
  bytesLength: number;
}

export interface MedsamSegmentInfo {
  segmentationId: string;
  segmentationLabel: string;
  segmentIndex: number;
  label: string;
  active: boolean;
  color: string | null;
  /** Volume in mL over the active viewport's slices (absent until measured, or without even slice spacing). */
  volumeMl?: number;
}

/** What the panel shows. */
export interface MedsamState {
  model: MedsamModelInfo | null;
  device: MedsamDevice;
  status: MedsamStatus;
  /** A message a user can act on (errors name the URL and the fix). */
  message: string | null;
  /** A hint about what to do next (e.g. Enter accepts the preview). */
  notice: string | null;
  /** Last encode (preprocess + encoder), last decode (decoder + postprocess), last box-to-mask round trip, model load. */
  timings: { encodeMs: number | null; decodeMs: number | null; maskMs?: number | null; loadMs?: number | null };
  download: { loadedBytes: number; totalBytes: number | null } | null;
  intensity: { preset: IntensityPreset; modality: string | null; description: string | null };
  segments: MedsamSegmentInfo[];
  /** True while a box preview waits for Enter or Esc. */
  previewPending: boolean;
  save: MedsamSaveState;
  outbox: MedsamOutboxItem[];
  /** "Segment volume": progress, the preview waiting for accept or reject, the review queue. */
  volume: VolumeRunState;
  /** A re-run keeps pixels edited by hand (brush, eraser) unless the user unticks it. */
  keepHandEdits: boolean;
  /** Targets chosen in the panel, by segmentKey; they code the saved SEG's segments. */
  targets: Readonly<Record<string, SegmentTarget>>;
  saveKind: MedsamSaveKind;
}

export const INITIAL_STATE: Readonly<MedsamState> = Object.freeze({
  model: null,
  device: 'none',
  status: 'idle',
  message: null,
  notice: null,
  timings: Object.freeze({ encodeMs: null, decodeMs: null, maskMs: null, loadMs: null }),
  download: null,
  intensity: Object.freeze({ preset: 'auto' as IntensityPreset, modality: null, description: null }),
  segments: [],
  previewPending: false,
  save: Object.freeze({ status: 'idle' as const, message: null, seriesInstanceUid: null }),
  outbox: [],
  volume: IDLE_VOLUME,
  keepHandEdits: true,
  targets: Object.freeze({}),
  saveKind: 'binary' as MedsamSaveKind,
});

export type MedsamServiceConfig = MedsamAppConfig;

/** The viewer side of "Segment volume" (set by the extension on mode entry). */
export interface VolumeHost {
  prepare(acceptedBoxes: () => Iterable<AcceptedBox>): Promise<VolumeScene>;
  jumpTo(viewportId: string | null, slice: number): void;
}

export interface MedsamServiceDeps {
  createWorker(): Promise<WorkerLike>;
  loadManifest(url: string): Promise<Manifest>;
  page(): PageContext;
  evictModelFiles(urls: readonly string[]): Promise<number>;
}

declare const __webpack_public_path__: string;

/** The folder the extension's index.js was loaded from (webpack's publicPath 'auto' computes it at run time). */
function extensionBaseUrl(): string {
  const href = globalThis.location?.href ?? 'http://localhost/';
  const publicPath = typeof __webpack_public_path__ === 'string' ? __webpack_public_path__ : '';
  return new URL(publicPath || '/medsam-plugin/extension-medsam/', href).href;
}

export const BROWSER_DEPS: MedsamServiceDeps = {
  createWorker: () =>
    import(/* webpackChunkName: "medsam-worker-factory" */ '../host/workerFactory').then(m => m.createEngineWorker()),
  loadManifest: url => fetchManifest(url),
  page: () => ({
    href: globalThis.location?.href ?? 'http://localhost/',
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency,
    extensionBaseUrl: extensionBaseUrl(),
  }),
  evictModelFiles: urls => evictCachedModelFiles(urls),
};

type Listener = (state: MedsamState) => void;

interface EngineHandle {
  client: MedsamWorkerClient<SliceInput>;
  worker: WorkerLike;
  choice: ModelChoice;
  init: InitResult;
}

const now = (): number => (globalThis.performance ?? Date).now();

export class MedsamService {
  static readonly REGISTRATION: HostServiceRegistration<MedsamService> = {
    name: SERVICE_NAME,
    create: ({ configuration, servicesManager }) => {
      const service = new MedsamService((configuration ?? {}) as MedsamServiceConfig);
      service.servicesManager = servicesManager ?? null;
      return service;
    },
  };

  private state: MedsamState = { ...INITIAL_STATE };
  private readonly listeners = new Set<Listener>();
  private engine: EngineHandle | null = null;
  private loading: Promise<boolean> | null = null;
  private resolved: MedsamConfig | null = null;
  private readonly counters = { encoding: 0, decoding: 0 };
  /** Embedding keys already asked for (the worker answers "cached" too, but the pixel copy is spared). */
  private readonly requestedEncodes = new Set<string>();
  /** The slice warm() last encoded for, and the signal of its encodes: moving to another slice cancels them. */
  private warmed: { key: string; controller: AbortController } | null = null;
  private servicesManager: { services: Record<string, any> } | null = null;
  private saver: SegSaver | null = null;
  /** The loaded model's preprocessing profile (volume runs pad propagated boxes by it). */
  private modelProfile: PreprocessingProfileId | null = null;
  private volumeHost: VolumeHost | null = null;
  private volumeViewportId: string | null = null;
  /** Boxes accepted with the box tool, by source image and segment: key slices of "Segment volume". */
  private readonly acceptedBoxes = new Map<string, AcceptedBox>();
  private hostProblem: string | null = null;
  /** What MedSAM wrote into each labelmap slice: tells hand edits apart (re-runs keep them; the SEG says MANUAL). */
  readonly ledger = new MedsamLedger();
  /** "Segment volume" runs. */
  readonly volume: VolumeController;

  /** The box tool's live preview (one per page: only one box is edited at a time). */
  readonly preview: PreviewController;

  constructor(
    readonly config: MedsamServiceConfig = {},
    private readonly deps: MedsamServiceDeps = BROWSER_DEPS,
  ) {
    this.preview = new PreviewController(
      { segment: (imageId, image, box, signal) => this.segmentBox(imageId, image, box, signal) },
      {
        minIntervalMs: 40,
        onError: e => this.setState({ message: segmentMessage(e) }),
        onChange: () => {
          const pending = this.preview.hasPreview;
          if (pending !== this.state.previewPending) {
            this.setState({
              previewPending: pending,
              notice: pending ? 'Preview: Enter accepts, Esc rejects; drag the corners to adjust the box.' : null,
            });
          }
        },
      },
    );
    this.volume = new VolumeController(
      {
        segment: (imageId, image, box, signal) => this.segmentVolumeSlice(imageId, image, box, signal),
        prefetch: (imageId, image, signal) => {
          if (!this.engine) return;
          const prepared = this.prepare(imageId, image);
          this.requestedEncodes.add(prepared.key);
          void this.engine.client
            .encode({ imageId: prepared.key, image: prepared.image, priority: 'prefetch' }, { signal })
            .catch(() => this.requestedEncodes.delete(prepared.key));
        },
      },
      this.ledger,
      volume => this.setState({ volume }),
    );
  }

  getState(): MedsamState {
    return this.state;
  }

  /** Replaces the given fields and notifies subscribers with the new (immutable) state. */
  setState(patch: Partial<MedsamState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener(this.state);
  }

  subscribe(listener: Listener): PubSubSubscription {
    this.listeners.add(listener);
    return { unsubscribe: () => void this.listeners.delete(listener) };
  }

  /** OHIF calls this on every service when a mode is entered. */
  onModeEnter(): void {
    // The viewer does not change within a page: what it lacks stays said.
    if (this.hostProblem) this.setState({ status: 'error', message: this.hostProblem });
    else if (this.state.status === 'error') this.setState({ status: 'idle', message: null });
  }

  onModeExit(): void {
    this.preview.reject();
    this.volume.reset();
    this.acceptedBoxes.clear();
  }

  /** A segmentation was removed in the viewer: its key boxes, its ledger and a volume run on it go too. */
  forgetSegmentation(segmentationId: string): void {
    this.ledger.forget(segmentationId);
    for (const [key, box] of this.acceptedBoxes)
      if (box.segmentationId === segmentationId) this.acceptedBoxes.delete(key);
    this.volume.forgetSegmentation(segmentationId);
  }

  /** Why the labelmap cannot be saved or boxed now (a preview waits for Enter or Esc), or null. */
  previewBlocking(): string | null {
    if (this.volume.isRunning) return 'Segment volume is running: wait for it or cancel it (Esc) first';
    if (this.volume.hasPreview) return 'The volume run is a preview: accept it (Enter) or reject it (Esc) first';
    return null;
  }

  /** A worker that crashed (e.g. out of memory) rejects every call: forget it so that the next use starts a new one. */
  private dropDeadEngine(): void {
    if (!this.engine?.client.isClosed) return;
    this.engine.client.terminate();
    this.engine = null;
    this.requestedEncodes.clear();
    this.setState({ status: 'idle', device: 'none' });
  }

  /** The configuration with absolute URLs (page and URL overrides applied once). */
  get settings(): MedsamConfig {
    this.resolved ??= resolveMedsamConfig(this.config, this.deps.page());
    return this.resolved;
  }

  isReady(): boolean {
    this.dropDeadEngine();
    return this.engine !== null && this.state.status !== 'error';
  }

  /** Loads the model (once; again after a failure or a crashed worker). Resolves true when the engine is ready. */
  loadModel(): Promise<boolean> {
    if (this.hostProblem) {
      this.setState({ status: 'error', message: this.hostProblem });
      return Promise.resolve(false);
    }
    this.dropDeadEngine();
    if (this.engine) return Promise.resolve(true);
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<boolean> {
    const { manifestUrl } = this.settings;
    const started = now();
    this.setState({ status: 'loading-model', message: null, download: null });
    let choice: ModelChoice | null = null;
    try {
      const manifest = await this.deps.loadManifest(manifestUrl);
      choice = chooseModel(manifest, manifestUrl, this.settings);
      const found = choice;
      this.modelProfile = found.entry.profile;
      this.setState({
        model: {
          id: found.entry.id,
          label: found.entry.displayName,
          isTestModel: found.entry.testModel,
          precision: found.precision,
          weightsSha256: found.entry.weights?.sha256 ?? null,
          weightsSource: found.entry.weights?.source,
          ...(found.entry.provenance ? { provenance: found.entry.provenance } : {}),
        },
        download: { loadedBytes: 0, totalBytes: found.downloadBytes },
      });
      let handle: EngineHandle;
      try {
        handle = await this.startEngine(found, manifest);
      } catch (e) {
        if (!isMedsamError(e, 'MODEL_INTEGRITY')) throw e;
        // A cached copy from before the site replaced the model: drop it and download once more.
        const urls = [found.variant.encoder.path, found.variant.decoder.path].map(p => new URL(p, manifestUrl).href);
        if ((await this.deps.evictModelFiles(urls)) === 0) throw e;
        handle = await this.startEngine(found, manifest);
      }
      this.engine = handle;
      this.requestedEncodes.clear();
      const device: MedsamDevice = handle.init.executionProviders.encoder === 'webgpu' ? 'webgpu' : 'wasm';
      this.setState({
        device,
        status: this.statusNow(),
        download: { loadedBytes: found.downloadBytes, totalBytes: found.downloadBytes },
        timings: { ...this.state.timings, loadMs: now() - started },
      });
      return true;
    } catch (e) {
      this.setState({ status: 'error', device: 'none', message: modelLoadMessage(e, manifestUrl) });
      return false;
    }
  }

  private async startEngine(choice: ModelChoice, manifest: Manifest): Promise<EngineHandle> {
    const worker = await this.deps.createWorker();
    const client = new MedsamWorkerClient<SliceInput>(worker);
    client.onEvent(event => this.onWorkerEvent(event));
    const loaded = { encoder: 0, decoder: 0 };
    const s = this.settings;
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
            this.setState({
              download: { loadedBytes: loaded.encoder + loaded.decoder, totalBytes: choice.downloadBytes },
            });
          },
        },
      );
      return { client, worker, choice, init };
    } catch (e) {
      client.terminate();
      throw e;
    }
  }

  private onWorkerEvent(event: WorkerEvent): void {
    if (event.type === 'backend-changed') {
      this.setState({
        device: event.to === 'webgpu' ? 'webgpu' : 'wasm',
        notice: `MedSAM moved to ${event.to.toUpperCase()}: ${event.reason}`,
      });
    } else {
      this.setState({ message: segmentMessage(event.error) });
    }
  }

  private statusNow(): MedsamStatus {
    if (this.state.status === 'error') return 'error';
    if (!this.engine) return this.loading ? 'loading-model' : 'idle';
    if (this.counters.decoding > 0) return 'decoding';
    if (this.counters.encoding > 0) return 'encoding';
    return 'ready';
  }

  private track<T>(kind: 'encoding' | 'decoding', work: Promise<T>): Promise<T> {
    this.counters[kind]++;
    this.setState({ status: this.statusNow() });
    return work.finally(() => {
      this.counters[kind]--;
      this.setState({ status: this.statusNow() });
    });
  }

  /** The engine's input for a slice: the panel's intensity preset applied, and the embedding key that goes with it. */
  prepare(imageId: string, image: SliceInput): { key: string; image: SliceInput } {
    const intensity = intensityFor(this.state.intensity.preset, image.slice.modality);
    const modality = image.slice.modality ?? null;
    const description = describeIntensity(intensity, image.slice);
    if (modality !== this.state.intensity.modality || description !== this.state.intensity.description) {
      this.setState({ intensity: { ...this.state.intensity, modality, description } });
    }
    return { key: `${imageId}#${intensityKey(intensity)}`, image: { slice: image.slice, intensity } };
  }

  /** Changes the CT window of the encoder input; a box being previewed is segmented again with it. */
  setIntensityPreset(preset: IntensityPreset): void {
    if (!isIntensityPreset(preset) || preset === this.state.intensity.preset) return;
    this.setState({ intensity: { ...this.state.intensity, preset } });
    const box = this.preview.current?.box;
    if (box) this.preview.setBox(box, { force: true });
  }

  /** The mask of one box on one slice (encodes the slice first unless its embedding is cached). */
  async segmentBox(imageId: string, image: SliceInput, box: ImageBox, signal?: AbortSignal): Promise<Uint8Array> {
    if (!(await this.loadModel()) || !this.engine) {
      throw new Error(this.state.message ?? 'the MedSAM model is not loaded');
    }
    const { key, image: input } = this.prepare(imageId, image);
    this.requestedEncodes.add(key);
    const t0 = now();
    const result = await this.track(
      'decoding',
      this.engine.client.segment({ imageId: key, image: input, boxes: [box] }, { signal }),
    );
    const maskMs = now() - t0;
    const t = result.timings;
    this.setState({
      message: null,
      timings: {
        ...this.state.timings,
        encodeMs: t.cached ? this.state.timings.encodeMs : t.preprocessMs + t.encodeMs,
        decodeMs: t.decodeMs + t.postprocessMs,
        maskMs,
      },
    });
    return result.masks[0];
  }

  /**
   * Encodes the current slice now and, once that is done and no box preview is being edited, its neighbours
   * (prefetch), so that the first box on them only needs the decoder. A model run cannot be interrupted, so a
   * prefetch started while the user draws would delay the box's decoder on a slow device. Failures here are silent:
   * the box itself will report them.
   */
  warm(
    current: { imageId: string; image: SliceInput } | null,
    neighbours: Array<{ imageId: string; image: () => SliceInput | null }> = [],
  ): void {
    if (!this.engine) return;
    const client = this.engine.client;
    let currentDone: Promise<unknown> = Promise.resolve();
    if (current) {
      const { key, image } = this.prepare(current.imageId, current.image);
      // Scrolling through a stack must not queue one encode per slice passed ahead of the box the user then draws:
      // a new current slice cancels what is still queued for the previous one (a run already started finishes).
      if (this.warmed?.key !== key) {
        this.warmed?.controller.abort();
        this.warmed = { key, controller: new AbortController() };
      }
      if (!this.requestedEncodes.has(key)) {
        this.requestedEncodes.add(key);
        const t0 = now();
        currentDone = this.track(
          'encoding',
          client.encode({ imageId: key, image, priority: 'interactive' }, { signal: this.warmed.controller.signal }),
        ).then(
          r => {
            if (!r.cached) this.setState({ timings: { ...this.state.timings, encodeMs: now() - t0 } });
          },
          () => this.requestedEncodes.delete(key),
        );
      }
    }
    const signal = this.warmed?.controller.signal;
    void currentDone.then(() => {
      if (this.preview.hasPreview || this.engine?.client !== client || signal?.aborted) return;
      for (const n of neighbours) {
        const image = n.image();
        if (!image) continue;
        const prepared = this.prepare(n.imageId, image);
        if (this.requestedEncodes.has(prepared.key)) continue;
        this.requestedEncodes.add(prepared.key);
        void client.encode({ imageId: prepared.key, image: prepared.image, priority: 'prefetch' }, { signal }).then(
          r => {
            if (!r.encoded) this.requestedEncodes.delete(prepared.key);
          },
          () => this.requestedEncodes.delete(prepared.key),
        );
      }
    });
  }

  /** One slice of a volume run: its mask and the decoder's predicted IoU. */
  private async segmentVolumeSlice(
    imageId: string,
    image: SliceInput,
    box: ImageBox,
    signal: AbortSignal,
  ): Promise<{ mask: Uint8Array; iou: number }> {
    if (!(await this.loadModel()) || !this.engine)
      throw new Error(this.state.message ?? 'the MedSAM model is not loaded');
    const { key, image: input } = this.prepare(imageId, image);
    this.requestedEncodes.add(key);
    const result = await this.track(
      'decoding',
      this.engine.client.segment({ imageId: key, image: input, boxes: [box] }, { signal }),
    );
    const t = result.timings;
    this.setState({
      timings: {
        ...this.state.timings,
        encodeMs: t.cached ? this.state.timings.encodeMs : t.preprocessMs + t.encodeMs,
        decodeMs: t.decodeMs + t.postprocessMs,
      },
    });
    return { mask: result.masks[0], iou: result.iou[0] };
  }

  /**
   * The box tool's preview target with MedSAM's bookkeeping: an accepted box becomes a key slice of its segment and
   * its pixels enter the ledger; undo and redo keep both in step with the labelmap.
   */
  trackAcceptedBox(
    target: PreviewTarget,
    where: { imageId: string; segmentationId: string; labelmapImageId: string; pixels: number },
  ): PreviewTarget {
    const ref: LedgerSliceRef = {
      segmentationId: where.segmentationId,
      segmentIndex: target.segmentIndex,
      labelmapImageId: where.labelmapImageId,
    };
    const boxKey = `${where.imageId}\u0000${where.segmentationId}\u0000${target.segmentIndex}`;
    const mark = (edit: LabelmapEdit, owned: boolean) => this.ledger.mark(ref, where.pixels, edit.indices, () => owned);
    return {
      ...target,
      record: (entry, accepted) => {
        const box: AcceptedBox = {
          imageId: where.imageId,
          segmentationId: where.segmentationId,
          segmentIndex: target.segmentIndex,
          box: accepted.box,
        };
        const previousBox = this.acceptedBoxes.get(boxKey);
        mark(accepted.edit, true);
        this.acceptedBoxes.set(boxKey, box);
        target.record?.(
          {
            undo: () => {
              entry.undo();
              mark(accepted.edit, false);
              if (previousBox) this.acceptedBoxes.set(boxKey, previousBox);
              else this.acceptedBoxes.delete(boxKey);
            },
            redo: () => {
              entry.redo();
              mark(accepted.edit, true);
              this.acceptedBoxes.set(boxKey, box);
            },
          },
          accepted,
        );
      },
    };
  }

  /** The viewer side of "Segment volume" (null: not available in this viewer). */
  setVolumeHost(host: VolumeHost | null): void {
    this.volumeHost = host;
    if (!host && this.volume.isRunning) this.volume.cancel();
  }

  /**
   * "Segment volume": the key slices of the active viewport -> every slice of their range, shown as a preview
   * (Enter or Accept keeps it, Esc or Reject drops it). A box preview still pending is accepted first.
   */
  async segmentVolume(): Promise<VolumeRunState> {
    const host = this.volumeHost;
    if (!host) {
      this.setState({ volume: { ...this.state.volume, message: 'Segment volume is not available in this viewer' } });
      return this.state.volume;
    }
    // A box still previewed is the user's latest mark: it is kept (and becomes a key slice), not thrown away.
    if (this.preview.hasPreview) await this.preview.accept();
    return this.volume.run(
      async () => {
        if (!(await this.loadModel())) throw new Error(this.state.message ?? 'the MedSAM model is not loaded');
        const scene = await host.prepare(() => this.acceptedBoxes.values());
        this.volumeViewportId = scene.viewportId;
        return scene;
      },
      { keepHandEdits: this.state.keepHandEdits, profile: this.modelProfile ?? undefined },
    );
  }

  setKeepHandEdits(keep: boolean): void {
    if (keep !== this.state.keepHandEdits) this.setState({ keepHandEdits: keep });
  }

  /** Shows a slice of the last volume run (the review queue's click). */
  jumpToVolumeSlice(slice: number): void {
    this.volumeHost?.jumpTo(this.volumeViewportId, slice);
  }

  /** Shows an error in the panel (from the box tool: no segmentation, no pixel data...). */
  reportError(message: string): void {
    this.setState({ message });
  }

  /**
   * The viewer lacks what MedSAM needs: said once in the console and kept in the panel (status error, so the box
   * button is disabled); no model is downloaded. The rest of the viewer is left to work.
   */
  reportUnsupportedHost(message: string): void {
    if (this.hostProblem !== message) console.error(message);
    this.hostProblem = message;
    this.setState({ status: 'error', message });
  }

  /** Why this viewer cannot run MedSAM (null: it can, as far as the checks on mode entry saw). */
  get unsupportedHost(): string | null {
    return this.hostProblem;
  }

  /** Called on every segmentation event, preview paints included: the panel re-renders only when the list changed. */
  setSegments(segments: MedsamSegmentInfo[]): void {
    if (sameSegments(this.state.segments, segments)) return;
    // A removed segment's choice must not pass to a new segment that reuses its index.
    const present = new Set(segments.map(s => segmentKey(s.segmentationId, s.segmentIndex)));
    const kept = Object.entries(this.state.targets).filter(([key]) => present.has(key));
    const targets =
      kept.length === Object.keys(this.state.targets).length ? this.state.targets : Object.fromEntries(kept);
    this.setState({ segments, targets });
  }

  /**
   * The target that codes a segment in the saved SEG (null: back to its label's). The host's segment label follows
   * when the viewer can rename it; the SEG's coding does not depend on that.
   */
  setSegmentTarget(segmentationId: string, segmentIndex: number, target: SegmentTarget | null): void {
    const key = segmentKey(segmentationId, segmentIndex);
    const { [key]: _previous, ...others } = this.state.targets;
    this.setState({ targets: target ? { ...others, [key]: target } : others });
    if (!target) return;
    try {
      this.servicesManager?.services.segmentationService?.setSegmentLabel?.(segmentationId, segmentIndex, target.label);
    } catch {
      // Renaming is a convenience: the choice is kept and used when saving.
    }
  }

  setSaveKind(kind: MedsamSaveKind): void {
    if ((kind === 'binary' || kind === 'labelmap') && kind !== this.state.saveKind) this.setState({ saveKind: kind });
  }

  /** The viewer side of "Save to PACS" (set by the extension on mode entry); the outbox list is read at once. */
  setSaver(saver: SegSaver | null): void {
    this.saver = saver;
    void this.refreshOutbox();
  }

  async refreshOutbox(): Promise<void> {
    if (!this.saver) return;
    try {
      const list = await this.saver.list();
      this.setState({
        outbox: list.map(e => ({
          id: e.id,
          description: e.description,
          attempts: e.attempts,
          error: e.lastError.message,
          code: e.lastError.code,
          bytesLength: e.bytesLength,
        })),
      });
    } catch (e) {
      this.setState({
        save: { ...this.state.save, status: 'failed', message: `the outbox cannot be read: ${(e as Error).message}` },
      });
    }
  }

  /** Writes the active viewport's segmentation as a SEG and stores it; a failure leaves it in the outbox. */
  async saveToPacs(): Promise<void> {
    if (!this.saver)
      return void this.setState({
        save: { status: 'failed', message: 'Save to PACS is not available in this viewer', seriesInstanceUid: null },
      });
    if (this.state.save.status === 'saving') return;
    // A preview is not the user's segmentation yet: saving it would store masks nobody accepted.
    const blocking =
      this.previewBlocking() ??
      (this.preview.hasPreview ? 'A box preview waits: accept it (Enter) or reject it (Esc) first' : null);
    if (blocking)
      return void this.setState({
        save: { status: 'failed', message: `Not saved: ${blocking}`, seriesInstanceUid: null },
      });
    const model = this.state.model;
    this.setState({ save: { status: 'saving', message: null, seriesInstanceUid: null } });
    try {
      const report = await this.saver.save(
        {
          id: model?.id ?? 'unknown',
          weightsSha256: model?.weightsSha256 ?? null,
          weightsSource: model?.weightsSource,
          precision: model?.precision,
        },
        { targets: this.state.targets, kind: this.state.saveKind === 'labelmap' ? 'LABELMAP' : 'BINARY' },
      );
      this.setState({ save: saveStateOf(report) });
    } catch (e) {
      this.setState({
        save: { status: 'failed', message: `Cannot save: ${(e as Error).message}`, seriesInstanceUid: null },
      });
    }
    await this.refreshOutbox();
  }

  /** Sends an outbox entry again; never rejects (a click handler has nobody to catch it). */
  async retryOutbox(id: string): Promise<void> {
    if (!this.saver) return;
    try {
      const r = await this.saver.retry(id);
      this.setState({ save: retryStateOf(id, r) });
    } catch (e) {
      this.setState({
        save: {
          status: 'failed',
          message: `Retry failed: ${(e as Error)?.message ?? String(e)}`,
          seriesInstanceUid: null,
        },
      });
    }
    await this.refreshOutbox();
  }

  async downloadOutbox(id: string): Promise<void> {
    try {
      await this.saver?.download(id);
    } catch (e) {
      this.setState({
        save: {
          status: 'failed',
          message: `Cannot download ${id}: ${(e as Error)?.message ?? String(e)}`,
          seriesInstanceUid: null,
        },
      });
      await this.refreshOutbox();
    }
  }

  /** Drops an outbox entry the user confirmed to discard (the panel asks first). */
  async discardOutbox(id: string): Promise<void> {
    if (!this.saver) return;
    try {
      await this.saver.discard(id);
      this.setState({ save: { status: 'idle', message: `Discarded ${id} from the outbox`, seriesInstanceUid: null } });
    } catch (e) {
      this.setState({
        save: { status: 'failed', message: `Cannot discard ${id}: ${(e as Error).message}`, seriesInstanceUid: null },
      });
    }
    await this.refreshOutbox();
  }

  /** Ends the worker (tests, and a site that unloads the extension). */
  dispose(): void {
    this.preview.reject();
    this.engine?.client.terminate();
    this.engine = null;
  }
}

/** The panel's save line for a finished save: stored, waiting in the outbox, or downloaded because it could not wait. */
function saveStateOf(report: SaveReport): MedsamSaveState {
  const what = report.segments.map(s => `${s.label} (${s.voxels} voxels)`).join(', ');
  const notes = report.notes.length ? `\n${report.notes.join('\n')}` : '';
  const seriesInstanceUid = report.seriesInstanceUid;
  const outcome = report.outcome;
  if (outcome.stored) {
    const how = outcome.verifiedBy === 'qido' ? ' (the PACS already had it)' : '';
    const unkept = outcome.notKept ? `\nThe outbox could not keep a copy meanwhile (${outcome.notKept.message}).` : '';
    return {
      status: 'stored',
      message: `Stored ${what} as series ${seriesInstanceUid}${how}${notes}${unkept}`,
      seriesInstanceUid,
    };
  }
  const why = `Not stored (${outcome.error.code}): ${outcome.error.message}`;
  if (outcome.outboxId !== null)
    return {
      status: 'failed',
      message: `${why}\nThe SEG waits in the outbox: retry or download it.`,
      seriesInstanceUid,
    };
  const d = report.downloaded;
  const kept =
    d && !('error' in d)
      ? `The outbox cannot keep it (${outcome.notKept.message}), so it was downloaded as ${d.filename}: keep that file and store it later.`
      : `The outbox cannot keep it (${outcome.notKept.message}) and the download failed too${d && 'error' in d ? ` (${d.error})` : ''}: save again once the PACS is up.`;
  return {
    status: 'failed',
    message: `${why}\n${kept}`,
    seriesInstanceUid,
    ...(d && !('error' in d) ? { downloaded: d.filename } : {}),
  };
}

function retryStateOf(id: string, r: RetryReport): MedsamSaveState {
  if (r.ok)
    return {
      status: 'stored',
      message: `Stored ${id} from the outbox${r.alreadyStored ? ' (the PACS already had it)' : ''}`,
      seriesInstanceUid: null,
    };
  if (r.gone)
    return {
      status: 'idle',
      message: `${id} is no longer in the outbox: it was stored or discarded in another tab`,
      seriesInstanceUid: null,
    };
  return { status: 'failed', message: `Retry failed: ${r.message}`, seriesInstanceUid: null };
}

function sameSegments(a: readonly MedsamSegmentInfo[], b: readonly MedsamSegmentInfo[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (x, i) =>
        x.segmentationId === b[i].segmentationId &&
        x.segmentationLabel === b[i].segmentationLabel &&
        x.segmentIndex === b[i].segmentIndex &&
        x.label === b[i].label &&
        x.active === b[i].active &&
        x.color === b[i].color &&
        x.volumeMl === b[i].volumeMl,
    )
  );
}
