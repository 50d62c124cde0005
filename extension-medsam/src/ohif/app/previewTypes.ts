/**
 * What a box preview works with: the engine call that segments a box, the labelmap slice and segment it paints
 * (with the host's undo history and a light overlay for drags), and the slice the box is drawn on.
 */
import type { ImageBox } from '../../engine/geometry/box';
import type { SliceInput } from '../../engine/session/pipeline';
import type { LabelmapEdit, LabelmapSliceAccess } from './labelmapEdit';

/** A light drawing of a mask over the viewport, cheap enough for every preview of a drag. */
export interface PreviewOverlay {
  show(mask: Uint8Array): void;
  /** afterRender: keep it until the viewport has drawn the labelmap that replaces it. */
  clear(options?: { afterRender?: boolean }): void;
}

export interface PreviewEngine {
  /** The mask of one box ([rows, columns], 1 inside). Should reject with MedsamError('CANCELLED') when aborted. */
  segment(imageId: string, image: SliceInput, box: ImageBox, signal: AbortSignal): Promise<Uint8Array>;
}

/** Where the preview goes: one labelmap slice and the segment to paint. */
export interface PreviewTarget {
  labelmap: LabelmapSliceAccess;
  segmentIndex: number;
  /** Called after each change of the labelmap (re-render the segmentation). */
  changed(): void;
  /** Where previews go during a drag (none: straight to the labelmap). */
  overlay?: PreviewOverlay;
  /** Puts an accepted edit on the host's undo history; `accepted` says which pixels the box's mask took. */
  record?(edit: { undo(): void; redo(): void }, accepted: { edit: LabelmapEdit; box: ImageBox }): void;
}

/** The slice being annotated, fixed when the box is started. */
export interface BoxContext {
  viewportId: string;
  imageId: string;
  image: SliceInput;
  /** Resolved when the first mask arrives (creating a segmentation may take a moment). */
  target(): Promise<PreviewTarget>;
}

export interface PreviewControllerOptions {
  minIntervalMs?: number;
  /** A failure of a segment request (not cancellations). */
  onError?(error: unknown): void;
  /** Box, preview or busy state changed: redraw the box, update the panel. */
  onChange?(): void;
  now?(): number;
  setTimer?(fn: () => void, ms: number): unknown;
  clearTimer?(handle: unknown): void;
}
