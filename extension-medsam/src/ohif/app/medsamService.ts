/**
 * The extension's OHIF service: the single owner of MedSAM's state in the page, and the one API the box tool, the
 * panel, the commands and the mode use. It composes small parts, each with its own job: the engine connection
 * (model load, box -> mask, encoding ahead), the box session (preview, accepted boxes), the volume run, saving and
 * the outbox, and the segment choices. State changes only through them; subscribers get each new immutable state.
 */
import type { ImageBox } from '../../engine/geometry/box';
import type { SliceInput } from '../../engine/session/pipeline';
import type { SegmentTarget } from '../../seg/codes';
import { resolveMedsamConfig, type MedsamAppConfig, type MedsamConfig } from './config';
import { ViewerError } from './errors';
import type { IntensityPreset } from './intensityPreset';
import { MedsamLedger } from './medsamLedger';
import type { PreviewController, PreviewTarget } from './previewController';
import type { VolumeController, VolumeRunState } from './volumeController';
import { BoxSession, type AcceptedBoxPlace } from './service/boxSession';
import { BROWSER_DEPS } from './service/browserDeps';
import type { MedsamServiceDeps, PreparedSlice } from './service/deps';
import { EngineConnection } from './service/engineConnection';
import { Saving, type SegSaver } from './service/saving';
import { SegmentChoices } from './service/segmentChoices';
import {
  EVENTS,
  StateStore,
  type MedsamSaveKind,
  type MedsamSegmentInfo,
  type MedsamState,
  type PubSubSubscription,
  type StateListener,
} from './service/state';
import { VolumeRun, type VolumeHost } from './service/volumeRun';

export * from './service/state';
export type { MedsamServiceDeps } from './service/deps';
export type { ExportModel, RetryReport, SaveOptions, SaveReport, SegSaver } from './service/saving';
export type { VolumeHost } from './service/volumeRun';
export { BROWSER_DEPS } from './service/browserDeps';
export type MedsamServiceConfig = MedsamAppConfig;

export class MedsamService {
  static readonly EVENTS = EVENTS;
  readonly EVENTS = EVENTS;

  readonly #store = new StateStore();
  readonly #engine: EngineConnection;
  readonly #boxes: BoxSession;
  readonly #volume: VolumeRun;
  readonly #saving: Saving;
  readonly #segments: SegmentChoices;
  #resolved: MedsamConfig | null = null;
  #hostProblem: string | null = null;
  /** What MedSAM wrote into each labelmap slice: tells hand edits apart (re-runs keep them; the SEG says MANUAL). */
  readonly ledger = new MedsamLedger();

  constructor(
    readonly config: MedsamServiceConfig = {},
    private readonly deps: MedsamServiceDeps = BROWSER_DEPS,
  ) {
    this.#engine = new EngineConnection(
      this.#store,
      deps,
      () => this.settings,
      () => this.#hostProblem,
    );
    this.#boxes = new BoxSession(this.#store, this.#engine, this.ledger);
    this.#volume = new VolumeRun(this.#store, this.#engine, this.#boxes, this.ledger);
    this.#saving = new Saving(
      this.#store,
      () =>
        this.previewBlocking() ??
        (this.preview.hasPreview ? 'A box preview waits: accept it (Enter) or reject it (Esc) first' : null),
    );
    this.#segments = new SegmentChoices(this.#store, deps.renameSegment);
  }

  /** The box tool's live preview (one per page: only one box is edited at a time). */
  get preview(): PreviewController {
    return this.#boxes.preview;
  }

  /** "Segment volume" runs. */
  get volume(): VolumeController {
    return this.#volume.controller;
  }

  getState(): MedsamState {
    return this.#store.get();
  }

  /** OHIF style `subscribe(EVENTS.STATE_CHANGED, listener)`, or `subscribe(listener)`. */
  subscribe(listener: StateListener): PubSubSubscription;
  subscribe(event: typeof EVENTS.STATE_CHANGED, listener: StateListener): PubSubSubscription;
  subscribe(a: StateListener | string, b?: StateListener): PubSubSubscription {
    if (typeof a === 'function') return this.#store.subscribe(a);
    if (a !== EVENTS.STATE_CHANGED || !b) throw new TypeError(`medsamService has no event ${String(a)}`);
    return this.#store.subscribe(b);
  }

  /** OHIF calls this on every service when a mode is entered. */
  onModeEnter(): void {
    // The viewer does not change within a page: what it lacks stays said.
    if (this.#hostProblem) this.#store.patch({ status: 'error', message: this.#hostProblem });
    else if (this.getState().status === 'error') this.#store.patch({ status: 'idle', message: null });
  }

  onModeExit(): void {
    this.#boxes.reset();
    this.volume.reset();
  }

  /** A segmentation was removed in the viewer: its key boxes, its ledger and a volume run on it go too. */
  forgetSegmentation(segmentationId: string): void {
    this.ledger.forget(segmentationId);
    this.#boxes.forgetSegmentation(segmentationId);
    this.volume.forgetSegmentation(segmentationId);
  }

  /** Why the labelmap cannot be saved or boxed now (a volume preview waits for Enter or Esc), or null. */
  previewBlocking(): string | null {
    return this.#volume.blocking();
  }

  /** The configuration with absolute URLs (page and URL overrides applied once). */
  get settings(): MedsamConfig {
    this.#resolved ??= resolveMedsamConfig(this.config, this.deps.page());
    return this.#resolved;
  }

  isReady(): boolean {
    return this.#engine.isReady();
  }

  /** Loads the model (once; again after a failure or a crashed worker). Resolves true when the engine is ready. */
  loadModel(): Promise<boolean> {
    return this.#engine.load();
  }

  /** The engine's input for a slice: the panel's intensity preset applied, and the embedding key that goes with it. */
  prepare(imageId: string, image: SliceInput): PreparedSlice {
    return this.#engine.prepare(imageId, image);
  }

  setIntensityPreset(preset: IntensityPreset): void {
    this.#boxes.setIntensityPreset(preset);
  }

  /** The mask of one box on one slice (encodes the slice first unless its embedding is cached). */
  async segmentBox(imageId: string, image: SliceInput, box: ImageBox, signal?: AbortSignal): Promise<Uint8Array> {
    return (await this.#engine.segment(imageId, image, box, { signal, interactive: true })).mask;
  }

  /** Encodes the current slice now and its neighbours once no box is being edited (see EngineConnection.warm). */
  warm(
    current: { imageId: string; image: SliceInput } | null,
    neighbours: Array<{ imageId: string; image: () => SliceInput | null }> = [],
  ): void {
    this.#engine.warm(current, neighbours, () => this.preview.hasPreview);
  }

  /** The box tool's preview target with MedSAM's bookkeeping (key slices, ledger, undo and redo). */
  trackAcceptedBox(target: PreviewTarget, where: AcceptedBoxPlace): PreviewTarget {
    return this.#boxes.track(target, where);
  }

  /** The viewer side of "Segment volume" (null: not available in this viewer). */
  setVolumeHost(host: VolumeHost | null): void {
    this.#volume.setHost(host);
  }

  /** "Segment volume": the key slices of the active viewport -> every slice of their range, as a preview. */
  segmentVolume(): Promise<VolumeRunState> {
    return this.#volume.run(async () => {
      if (!(await this.loadModel()))
        throw new ViewerError('MODEL_NOT_LOADED', this.getState().message ?? 'the MedSAM model is not loaded');
    });
  }

  setKeepHandEdits(keep: boolean): void {
    if (keep !== this.getState().keepHandEdits) this.#store.patch({ keepHandEdits: keep });
  }

  /** Shows a slice of the last volume run (the review queue's click). */
  jumpToVolumeSlice(slice: number): void {
    this.#volume.jumpTo(slice);
  }

  /** Shows an error in the panel (from the box tool: no segmentation, no pixel data...). */
  reportError(message: string): void {
    this.#store.patch({ message });
  }

  /**
   * The viewer lacks what MedSAM needs: said once in the console and kept in the panel (status error, so the box
   * button is disabled); no model is downloaded. The rest of the viewer is left to work.
   */
  reportUnsupportedHost(message: string): void {
    if (this.#hostProblem !== message) console.error(message);
    this.#hostProblem = message;
    this.#store.patch({ status: 'error', message });
  }

  /** Why this viewer cannot run MedSAM (null: it can, as far as the checks on mode entry saw). */
  get unsupportedHost(): string | null {
    return this.#hostProblem;
  }

  setSegments(segments: MedsamSegmentInfo[]): void {
    this.#segments.setSegments(segments);
  }

  setSegmentTarget(segmentationId: string, segmentIndex: number, target: SegmentTarget | null): void {
    this.#segments.setTarget(segmentationId, segmentIndex, target);
  }

  setSaveKind(kind: MedsamSaveKind): void {
    this.#segments.setSaveKind(kind);
  }

  /** The viewer side of "Save to PACS" (set by the extension on mode entry); the outbox list is read at once. */
  setSaver(saver: SegSaver | null): void {
    this.#saving.setSaver(saver);
  }

  refreshOutbox(): Promise<void> {
    return this.#saving.refreshOutbox();
  }

  /** Writes the active viewport's segmentation as a SEG and stores it; a failure leaves it in the outbox. */
  saveToPacs(): Promise<void> {
    return this.#saving.save();
  }

  /** Sends an outbox entry again; never rejects (a click handler has nobody to catch it). */
  retryOutbox(id: string): Promise<void> {
    return this.#saving.retry(id);
  }

  downloadOutbox(id: string): Promise<void> {
    return this.#saving.download(id);
  }

  /** Drops an outbox entry the user confirmed to discard (the panel asks first). */
  discardOutbox(id: string): Promise<void> {
    return this.#saving.discard(id);
  }

  /** Ends the worker (tests, and a site that unloads the extension). */
  dispose(): void {
    this.preview.reject();
    this.#engine.dispose();
  }
}
