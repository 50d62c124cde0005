/**
 * "Segment volume" in the viewer: the paper's 3D workflow on the slices of one viewport. Key slices (bidirectional
 * markers, accepted MedSAM boxes) -> planVolumeRun -> runVolume, each slice's mask painted into the labelmap as it
 * arrives (a preview), then accepted as one undoable edit or rejected. Cancelling keeps the slices already done and
 * leaves the rest untouched, so the labelmap is consistent at any moment.
 *
 * Nothing here knows cornerstone or OHIF: hostVolume.ts reads the viewer and hands in a VolumeScene.
 */
import { isMedsamError } from '../../engine/errors';
import { planVolumeRun, type VolumePlan } from '../../engine/volume/plan';
import { reviewQueue, volumeMl } from '../../engine/volume/review';
import { runVolume } from '../../engine/volume/run';
import type { MedsamLedger } from './medsamLedger';
import { reapplySliceEdit, replaceSegmentOnSlice, revertSliceEdit, type SliceReplaceEdit } from './sliceReplace';
import {
  IDLE_VOLUME,
  type VolumeEngine,
  type VolumeRunOptions,
  type VolumeRunState,
  type VolumeScene,
} from './volumeTypes';

export * from './volumeTypes';

interface Pending {
  scene: VolumeScene;
  keepHandEdits: boolean;
  edits: Map<number, { labelmapImageId: string; edit: SliceReplaceEdit }>;
}

export class VolumeController {
  private state: VolumeRunState = { ...IDLE_VOLUME };
  private controller: AbortController | null = null;
  private pending: Pending | null = null;

  constructor(
    private readonly engine: VolumeEngine,
    private readonly ledger: MedsamLedger,
    private readonly onChange: (state: VolumeRunState) => void,
  ) {}

  getState(): VolumeRunState {
    return this.state;
  }

  private set(patch: Partial<VolumeRunState>): void {
    this.state = { ...this.state, ...patch };
    this.onChange(this.state);
  }

  get isRunning(): boolean {
    return this.state.phase === 'running';
  }

  get hasPreview(): boolean {
    return this.state.phase === 'preview';
  }

  /**
   * Runs the whole range. A preview still waiting is rejected first (a new run replaces it); a run in progress makes
   * this a no-op. Resolves when the run has ended (complete, cancelled or failed), its masks shown as a preview.
   */
  async run(prepare: () => Promise<VolumeScene>, options: VolumeRunOptions = {}): Promise<VolumeRunState> {
    if (this.isRunning) return this.state;
    if (this.hasPreview) this.reject();
    const controller = new AbortController();
    this.controller = controller;
    this.set({ ...IDLE_VOLUME, phase: 'running' });
    let scene: VolumeScene;
    let plan: VolumePlan;
    try {
      scene = await prepare();
      plan = planVolumeRun(scene.keys, scene.imageIds.length, scene.image, {
        mode: scene.keys.length === 1 ? 'propagate' : 'interpolate',
        profile: options.profile,
      });
    } catch (e) {
      this.controller = null;
      this.set({ ...IDLE_VOLUME, message: messageOf(e) });
      return this.state;
    }
    const keepHandEdits = options.keepHandEdits ?? true;
    const pending: Pending = { scene, keepHandEdits, edits: new Map() };
    this.pending = pending;
    // Callbacks of a run the user rejected meanwhile must not touch the state of the next one.
    const update = (patch: Partial<VolumeRunState>) => this.pending === pending && this.set(patch);
    update({
      sliceCount: scene.imageIds.length,
      keySlices: [...new Set(scene.keys.map(k => k.slice))].sort((a, b) => a - b),
      mode: plan.mode,
      total: plan.steps.length,
    });
    const order = plan.steps.map(s => s.slice);
    try {
      const result = await runVolume({
        plan,
        signal: controller.signal,
        segmentSlice: async (z, box, signal) => {
          update({ slice: z });
          const image = await scene.loadSlice(z);
          const next = order[order.indexOf(z) + 1];
          const work = timed('medsam:volume-slice-send', () =>
            this.engine.segment(scene.imageIds[z], image, box, signal ?? controller.signal),
          );
          if (next !== undefined) void this.prefetch(scene, next, controller.signal);
          return work;
        },
        onSlice: (z, mask) =>
          timed('medsam:volume-slice-write', () => {
            const { labelmapImageId, access } = scene.labelmap(z);
            const bits = this.ledger.bits({
              segmentationId: scene.segmentationId,
              segmentIndex: scene.segmentIndex,
              labelmapImageId,
            });
            const edit = replaceSegmentOnSlice(access, mask, scene.segmentIndex, { medsamBits: bits, keepHandEdits });
            pending.edits.set(z, { labelmapImageId, edit });
            if (edit.indices.length) scene.changed(z);
          }),
        onProgress: p => update({ done: p.done, total: p.total, msPerSlice: p.msPerSlice, msLeft: p.msLeft }),
      });
      if (this.pending !== pending) return this.state; // rejected while it ran
      scene.changed(); // one event for the whole run: the host's panels and other viewports catch up
      const review = reviewQueue(result, options.reviewLimit ?? 8).map(r => ({
        slice: r.slice,
        iou: r.iou,
        areaJump: r.areaJump,
        area: r.area,
      }));
      const ml = scene.spacingMm ? volumeMl(result.labelmap, scene.spacingMm) : null;
      const message =
        result.status === 'failed'
          ? `Segment volume stopped at slice ${(this.state.slice ?? 0) + 1}: ${messageOf(result.error)}. The slices done are kept as a preview.`
          : result.status === 'cancelled'
            ? `Cancelled after ${this.state.done} of ${this.state.total} slices; the slices done are a preview (Enter keeps them, Esc drops them).`
            : null;
      this.set({ phase: 'preview', outcome: result.status, slice: null, msLeft: 0, review, volumeMl: ml, message });
    } catch (e) {
      // Outside runVolume's own handling (the labelmap went away, a host call threw): what was written stays a
      // preview to keep or drop, and the panel says why.
      if (this.pending === pending) {
        this.set({
          phase: 'preview',
          outcome: 'failed',
          slice: null,
          msLeft: 0,
          message: `Segment volume stopped: ${messageOf(e)}. The slices done are kept as a preview.`,
        });
      }
    } finally {
      if (this.controller === controller) this.controller = null;
    }
    return this.state;
  }

  private async prefetch(scene: VolumeScene, z: number, signal: AbortSignal): Promise<void> {
    try {
      const image = await scene.loadSlice(z);
      if (!signal.aborted) this.engine.prefetch(scene.imageIds[z], image, signal);
    } catch {
      /* the slice's own turn reports it */
    }
  }

  /** Stops the run after the slice in progress; the slices done stay as a preview. */
  cancel(): void {
    this.controller?.abort();
  }

  /**
   * Keeps the preview as one step of the host's undo history (ctrl+z, ctrl+y). The ledger learns what MedSAM owns now:
   * the pixels the run changed; with hand edits overwritten, every pixel of the segment on those slices. Undo puts the
   * labelmap and the ledger back as they were.
   */
  accept(): boolean {
    const pending = this.pending;
    if (!pending || this.isRunning) return false;
    this.pending = null;
    const { scene } = pending;
    const pixels = scene.image.width * scene.image.height;
    const slices = [...pending.edits.entries()].map(([z, { labelmapImageId, edit }]) => {
      const ref = { segmentationId: scene.segmentationId, segmentIndex: scene.segmentIndex, labelmapImageId };
      const before = this.ledger.bits(ref);
      const after = before ? before.slice() : new Uint8Array(pixels);
      if (pending.keepHandEdits) {
        for (let k = 0; k < edit.indices.length; k++) after[edit.indices[k]] = edit.after[k] === edit.value ? 1 : 0;
      } else {
        const { access } = scene.labelmap(z);
        for (let i = 0; i < pixels; i++) after[i] = access.get(i) === edit.value ? 1 : 0;
      }
      return { z, ref, edit, before: before ? before.slice() : null, after };
    });
    const undo = () => {
      for (const { z, ref, edit, before } of slices) {
        revertSliceEdit(scene.labelmap(z).access, edit);
        this.ledger.set(ref, before);
      }
      scene.changed();
      if (this.state.phase === 'accepted')
        this.set({ ...IDLE_VOLUME, message: 'The volume run was undone (ctrl+y redoes it).' });
    };
    const redo = () => {
      for (const { z, ref, edit, after } of slices) {
        reapplySliceEdit(scene.labelmap(z).access, edit);
        this.ledger.set(ref, after);
      }
      scene.changed();
    };
    for (const { ref, after } of slices) this.ledger.set(ref, after);
    scene.record({ undo, redo });
    this.set({ phase: 'accepted', message: 'Kept as one step: ctrl+z takes the whole run back.' });
    return true;
  }

  /** Drops the preview: every slice the run wrote goes back to what it was. */
  reject(): boolean {
    const pending = this.pending;
    if (!pending) return false;
    this.cancel();
    this.pending = null;
    for (const [z, { edit }] of pending.edits) revertSliceEdit(pending.scene.labelmap(z).access, edit);
    pending.scene.changed();
    this.set({ ...IDLE_VOLUME });
    return true;
  }

  /**
   * The segmentation was removed in the viewer: a run or preview on it stops and is forgotten (its labelmap is gone,
   * there is nothing to restore).
   */
  forgetSegmentation(segmentationId: string): void {
    if (this.pending?.scene.segmentationId !== segmentationId) return;
    this.cancel();
    this.pending = null;
    this.set({ ...IDLE_VOLUME, message: 'The segmentation of the volume run was removed.' });
  }

  /** Leaving the mode: a preview is dropped, the panel starts afresh. */
  reset(): void {
    this.reject();
    this.set({ ...IDLE_VOLUME });
  }
}

/**
 * Runs fn and records its main-thread time as a User Timing measure (DevTools' Performance panel shows it; the
 * end-to-end test reads the longest): what MedSAM itself costs the page, apart from the host's rendering.
 */
function timed<T>(name: string, fn: () => T): T {
  const perf = globalThis.performance;
  const start = perf?.now();
  try {
    return fn();
  } finally {
    try {
      if (start !== undefined) perf.measure?.(name, { start, end: perf.now() });
    } catch {
      /* a page without User Timing Level 3 */
    }
  }
}

function messageOf(e: unknown): string {
  if (isMedsamError(e)) return e.message;
  return e instanceof Error ? e.message : String(e);
}
