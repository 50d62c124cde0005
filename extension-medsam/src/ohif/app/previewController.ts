/**
 * The live MedSAM preview of one box: while the user drags or adjusts the box, the latest box is segmented (one
 * request at a time, at most every minIntervalMs; boxes drawn meanwhile are coalesced into the newest, and results of
 * abandoned boxes are dropped) and the mask is shown in the labelmap as a preview that can be taken back exactly.
 * accept() keeps it and records it in the host's undo history; reject() restores the labelmap.
 *
 * While the box is being dragged (setDragging(true)) and the target has an overlay, masks go to the overlay instead:
 * each labelmap write makes the host re-render the viewport, far too slow to follow the mouse without a GPU. The
 * newest mask is written to the labelmap once, when the drag ends (or before an accept).
 *
 * Nothing here knows cornerstone: the box tool supplies the image, the labelmap slice and the render callback.
 */
import type { ImageBox } from '../../engine/geometry/box';
import { isMedsamError } from '../../engine/errors';
import { EMPTY_EDIT, paintMask, reapplyEdit, revertEdit, type LabelmapEdit } from './labelmapEdit';
import type { BoxContext, PreviewControllerOptions, PreviewEngine, PreviewTarget } from './previewTypes';

export type * from './previewTypes';

interface Live {
  token: number;
  context: BoxContext;
  box: ImageBox | null;
  /** The box waiting to be sent (newest wins). */
  pending: ImageBox | null;
  inFlight: AbortController | null;
  timer: unknown;
  target: Promise<PreviewTarget> | null;
  edit: LabelmapEdit;
  /** The box whose mask the labelmap (or, during a drag, the overlay) shows. */
  shownBox: ImageBox | null;
  /** The user is dragging the box: previews go to the overlay. */
  dragging: boolean;
  /** A mask shown on the overlay only, to be written to the labelmap when the drag ends. */
  sketch: Uint8Array | null;
  acceptWaiters: Array<(accepted: boolean) => void>;
}

export class PreviewController {
  private live: Live | null = null;
  private tokens = 0;
  private lastSentAt = -Infinity;
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(
    private readonly engine: PreviewEngine,
    private readonly options: PreviewControllerOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 50;
    this.now = options.now ?? (() => (globalThis.performance ?? Date).now());
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? (h => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  /** The slice and box being edited, or null. */
  get current(): { context: BoxContext; box: ImageBox | null; shownBox: ImageBox | null; busy: boolean } | null {
    const l = this.live;
    return l ? { context: l.context, box: l.box, shownBox: l.shownBox, busy: !!(l.inFlight || l.pending) } : null;
  }

  /** True while a preview is shown or being computed (Enter/Esc have something to act on). */
  get hasPreview(): boolean {
    return this.live !== null;
  }

  /** Starts a new box on a slice; a preview still pending on another box is rejected first. */
  start(context: BoxContext): void {
    this.reject();
    this.live = {
      token: ++this.tokens,
      context,
      box: null,
      pending: null,
      inFlight: null,
      timer: null,
      target: null,
      edit: EMPTY_EDIT,
      shownBox: null,
      dragging: false,
      sketch: null,
      acceptWaiters: [],
    };
    this.options.onChange?.();
  }

  /** The box changed (drawn, resized, moved): segment it as soon as allowed. `force` segments an unchanged box again. */
  setBox(box: ImageBox, options: { force?: boolean } = {}): void {
    const l = this.live;
    if (!l) return;
    if (sameBox(l.box, box) && !options.force) return; // a click inside the box, or a drag back to where it was
    l.box = box;
    l.pending = box;
    this.options.onChange?.();
    this.pump(l);
  }

  /**
   * The user started or stopped dragging the box. While dragging, previews are drawn on the target's overlay; when
   * the drag ends, the newest mask is written to the labelmap (at once when nothing is being computed, else when the
   * newest box's mask arrives).
   */
  setDragging(dragging: boolean): void {
    const l = this.live;
    if (!l || l.dragging === dragging) return;
    l.dragging = dragging;
    if (!dragging && !l.inFlight && !l.pending) void this.commitSketch(l);
  }

  /**
   * Keeps the preview: waits for the newest box's mask if it is still being computed, then records the edit in the
   * undo history. Resolves false when there was nothing to accept (or it was rejected meanwhile).
   */
  accept(): Promise<boolean> {
    const l = this.live;
    if (!l) return Promise.resolve(false);
    return new Promise(resolve => {
      l.acceptWaiters.push(resolve);
      this.settle(l);
    });
  }

  /** Drops the preview and restores the labelmap. */
  reject(): void {
    const l = this.live;
    if (!l) return;
    this.live = null;
    l.inFlight?.abort();
    if (l.timer !== null) this.clearTimer(l.timer);
    const edit = l.edit;
    if (l.target) {
      void l.target.then(t => {
        t.overlay?.clear();
        if (!edit.indices.length) return;
        revertEdit(t.labelmap, edit);
        t.changed();
      });
    }
    for (const w of l.acceptWaiters) w(false);
    this.options.onChange?.();
  }

  private pump(l: Live): void {
    if (this.live !== l || l.inFlight || !l.pending) return;
    const wait = this.lastSentAt + this.minIntervalMs - this.now();
    if (wait > 0) {
      if (l.timer === null) {
        l.timer = this.setTimer(() => {
          l.timer = null;
          this.pump(l);
        }, wait);
      }
      return;
    }
    const box = l.pending;
    l.pending = null;
    const controller = new AbortController();
    l.inFlight = controller;
    this.lastSentAt = this.now();
    void this.run(l, box, controller)
      .then(() => {
        // The newest box failed or was dropped after the drag ended: the labelmap gets what the overlay shows.
        if (this.live === l && l.inFlight === controller && !l.pending && !l.dragging) return this.commitSketch(l);
      })
      .finally(() => {
        if (l.inFlight === controller) l.inFlight = null;
        if (this.live !== l) return;
        this.options.onChange?.();
        if (l.pending) this.pump(l);
        else this.settle(l);
      });
  }

  private async run(l: Live, box: ImageBox, controller: AbortController): Promise<void> {
    let mask: Uint8Array;
    try {
      mask = await this.engine.segment(l.context.imageId, l.context.image, box, controller.signal);
    } catch (e) {
      if (!isMedsamError(e, 'CANCELLED') && this.live === l) this.options.onError?.(e);
      return;
    }
    if (this.live !== l || controller.signal.aborted) return; // abandoned while it ran
    l.target ??= l.context.target();
    let target: PreviewTarget;
    try {
      target = await l.target;
    } catch (e) {
      l.target = null; // try again with the next box (e.g. the segmentation could not be created yet)
      if (this.live === l) this.options.onError?.(e);
      return;
    }
    if (this.live !== l) return;
    if (l.dragging && target.overlay) {
      target.overlay.show(mask);
      if (l.edit.indices.length) {
        // The labelmap still shows the box's mask from before this drag: the overlay replaces it until the drag ends.
        revertEdit(target.labelmap, l.edit);
        l.edit = EMPTY_EDIT;
        target.changed();
      }
      l.sketch = mask;
      l.shownBox = box;
      return;
    }
    this.paint(l, target, mask);
    l.shownBox = box;
  }

  /** Writes a mask to the labelmap in place of the previous one; the overlay goes once the labelmap is drawn. */
  private paint(l: Live, target: PreviewTarget, mask: Uint8Array): void {
    revertEdit(target.labelmap, l.edit);
    l.edit = paintMask(target.labelmap, mask, target.segmentIndex);
    l.sketch = null;
    target.changed();
    target.overlay?.clear({ afterRender: true });
  }

  /** Moves the overlay's mask to the labelmap (the drag ended, or the preview is being accepted). */
  private async commitSketch(l: Live): Promise<void> {
    const sketch = l.sketch;
    if (!sketch || !l.target) return;
    const target = await l.target;
    if (this.live !== l || l.sketch !== sketch) return;
    this.paint(l, target, sketch);
  }

  /** Finishes an accept once nothing is pending or running. */
  private settle(l: Live): void {
    if (this.live !== l || !l.acceptWaiters.length || l.inFlight || l.pending) return;
    if (l.sketch) {
      // Accepted mid-drag: what the overlay shows becomes the labelmap's edit first.
      void this.commitSketch(l).then(() => this.settle(l));
      return;
    }
    this.live = null;
    if (l.timer !== null) this.clearTimer(l.timer);
    const edit = l.edit;
    // Only the newest box's own mask may be accepted: when its segment failed, the labelmap still shows an older
    // box's mask, which the user did not ask for; that preview is dropped and the error stays visible.
    const shownBox = l.shownBox;
    const accepted = shownBox !== null && sameBox(shownBox, l.box);
    const waiters = l.acceptWaiters;
    const done = () => {
      for (const w of waiters) w(accepted);
      this.options.onChange?.();
    };
    if (!edit.indices.length || !l.target) return done();
    if (!accepted || !shownBox) {
      void l.target.then(t => {
        revertEdit(t.labelmap, edit);
        t.changed();
        done();
      });
      return;
    }
    void l.target.then(t => {
      t.record?.(
        {
          undo: () => {
            revertEdit(t.labelmap, edit);
            t.changed();
          },
          redo: () => {
            reapplyEdit(t.labelmap, edit);
            t.changed();
          },
        },
        { edit, box: shownBox },
      );
      done();
    });
  }
}

function sameBox(a: ImageBox | null, b: ImageBox | null): boolean {
  return !!a && !!b && a.x0 === b.x0 && a.y0 === b.y0 && a.x1 === b.x1 && a.y1 === b.y1;
}
