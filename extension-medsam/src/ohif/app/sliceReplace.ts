/**
 * A volume run's mask written into one labelmap slice of a segment, replacing what an earlier MedSAM run left there
 * (the box tool's paintMask only adds). Pixels of other segments are never taken, and with keepHandEdits the pixels
 * that the ledger shows were changed by hand since MedSAM last wrote them stay as they are: a re-run does not undo
 * the user's corrections unless asked to.
 */
import { ViewerError } from './errors';
import type { LabelmapSliceAccess } from './labelmapEdit';

/** What one slice write changed: enough to undo and redo it exactly. */
export interface SliceReplaceEdit {
  readonly value: number;
  readonly indices: Uint32Array;
  readonly before: Uint16Array;
  readonly after: Uint16Array;
}

export interface ReplaceOptions {
  /** The ledger's bits for this segment and slice (1 = MedSAM wrote it); null when MedSAM never wrote this slice. */
  medsamBits: Uint8Array | null;
  /** Leave pixels edited by hand (the labelmap disagrees with the ledger) untouched. */
  keepHandEdits: boolean;
}

export function replaceSegmentOnSlice(
  labelmap: LabelmapSliceAccess,
  mask: ArrayLike<number>,
  value: number,
  options: ReplaceOptions,
): SliceReplaceEdit {
  if (mask.length !== labelmap.length)
    throw new ViewerError(
      'LABELMAP_UNAVAILABLE',
      `mask has ${mask.length} pixels, the labelmap slice ${labelmap.length}`,
    );
  const bits = options.medsamBits;
  const indices: number[] = [];
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < mask.length; i++) {
    const current = labelmap.get(i);
    const mine = current === value;
    if (options.keepHandEdits && mine !== (bits ? bits[i] === 1 : false)) continue; // painted or erased by hand
    let next = current;
    if (mask[i]) {
      if (current === 0) next = value;
    } else if (mine) {
      next = 0; // the previous run's pixel that the new mask no longer covers
    }
    if (next === current) continue;
    labelmap.set(i, next);
    indices.push(i);
    before.push(current);
    after.push(next);
  }
  return {
    value,
    indices: Uint32Array.from(indices),
    before: Uint16Array.from(before),
    after: Uint16Array.from(after),
  };
}

/** Puts back the values the edit replaced, where the edit's value is still there (later edits win). */
export function revertSliceEdit(labelmap: LabelmapSliceAccess, edit: SliceReplaceEdit): void {
  for (let k = 0; k < edit.indices.length; k++) {
    const i = edit.indices[k];
    if (labelmap.get(i) === edit.after[k]) labelmap.set(i, edit.before[k]);
  }
}

export function reapplySliceEdit(labelmap: LabelmapSliceAccess, edit: SliceReplaceEdit): void {
  for (let k = 0; k < edit.indices.length; k++) {
    const i = edit.indices[k];
    if (labelmap.get(i) === edit.before[k]) labelmap.set(i, edit.after[k]);
  }
}
