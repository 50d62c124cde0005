/**
 * Writing a mask into one slice of a labelmap so that it can be taken back exactly: every change records the pixel
 * and the value it had. A MedSAM mask only claims background (0) pixels and pixels already of its own segment, so a
 * box drawn across a neighbouring structure never erases that structure's segment.
 */
import { ViewerError } from './errors';

/** One slice of a labelmap, row-major, read and written by pixel index (a cornerstone voxel manager, or an array). */
export interface LabelmapSliceAccess {
  readonly length: number;
  get(index: number): number;
  set(index: number, value: number): void;
}

export interface LabelmapEdit {
  readonly value: number;
  /** Pixel indices that changed. */
  readonly indices: Uint32Array;
  /** Their values before the edit. */
  readonly before: Uint16Array;
}

export const EMPTY_EDIT: LabelmapEdit = Object.freeze({
  value: 0,
  indices: new Uint32Array(0),
  before: new Uint16Array(0),
});

/** Sets `value` where mask is nonzero and the labelmap holds background; returns what changed. */
export function paintMask(labelmap: LabelmapSliceAccess, mask: ArrayLike<number>, value: number): LabelmapEdit {
  if (mask.length !== labelmap.length) {
    throw new ViewerError(
      'LABELMAP_UNAVAILABLE',
      `mask has ${mask.length} pixels, the labelmap slice ${labelmap.length}`,
    );
  }
  const indices: number[] = [];
  const before: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const old = labelmap.get(i);
    if (old !== 0) continue; // its own segment already, or another segment that the box merely overlaps
    labelmap.set(i, value);
    indices.push(i);
    before.push(old);
  }
  return { value, indices: Uint32Array.from(indices), before: Uint16Array.from(before) };
}

/** Puts back the values an edit replaced (only where the edit's value is still there). */
export function revertEdit(labelmap: LabelmapSliceAccess, edit: LabelmapEdit): void {
  for (let k = 0; k < edit.indices.length; k++) {
    const i = edit.indices[k];
    if (labelmap.get(i) === edit.value) labelmap.set(i, edit.before[k]);
  }
}

/** Applies an edit again (redo). */
export function reapplyEdit(labelmap: LabelmapSliceAccess, edit: LabelmapEdit): void {
  for (let k = 0; k < edit.indices.length; k++) labelmap.set(edit.indices[k], edit.value);
}

/** A plain array as a labelmap slice (tests, and cornerstone images whose scalar data is written directly). */
export function arraySliceAccess(values: { length: number; [index: number]: number }): LabelmapSliceAccess {
  return { length: values.length, get: i => values[i], set: (i, v) => void (values[i] = v) };
}
