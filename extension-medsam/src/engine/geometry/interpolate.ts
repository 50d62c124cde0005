/**
 * The paper's 3D annotation step 2: slices between two key slices get rectangles interpolated from their neighbours.
 *
 * Interpolation is linear in each of x0, y0, x1, y1 with t = (z - zA) / (zB - zA) between the nearest key slices
 * below and above; there is NO rounding: coordinates stay continuous pixel edges, since the box goes to the model as
 * floats (MedSAM scales to 1024 in floating point; the LiteMedSAM scaling truncates later, in toModelBox). Callers that
 * need whole pixels round where they display. Slices outside [first key, last key] get no box.
 */
import { MedsamError } from '../errors';
import { clampImageBox, imageBoxArea, type ImageBox, type ImageSize } from './box';

export interface SliceBox {
  /** Slice index along the stack (0-based). */
  readonly slice: number;
  readonly box: ImageBox;
}

function sortedKeys(keys: readonly SliceBox[]): SliceBox[] {
  const sorted = [...keys].sort((p, q) => p.slice - q.slice);
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isInteger(sorted[i].slice)) {
      throw new MedsamError('INVALID_BOX', `Key slice index ${sorted[i].slice} is not a whole number`, {
        slice: sorted[i].slice,
      });
    }
    if (i > 0 && sorted[i].slice === sorted[i - 1].slice) {
      throw new MedsamError('INVALID_BOX', `Two key boxes on slice ${sorted[i].slice}: keep one`, {
        slice: sorted[i].slice,
      });
    }
  }
  return sorted;
}

/** Linear blend of two boxes at t in [0, 1] (t = 0 gives a, t = 1 gives b), without rounding. */
export function lerpImageBox(a: ImageBox, b: ImageBox, t: number, image: ImageSize): ImageBox {
  const lerp = (p: number, q: number) => p + (q - p) * t;
  return clampImageBox(lerp(a.x0, b.x0), lerp(a.y0, b.y0), lerp(a.x1, b.x1), lerp(a.y1, b.y1), image);
}

/**
 * One box per slice from the first to the last key slice: key slices keep their own box, slices in between get the
 * linear interpolation of the two nearest key boxes. Ordered by slice. A single key gives just that slice.
 */
export function interpolateSliceBoxes(keys: readonly SliceBox[], image: ImageSize): SliceBox[] {
  if (keys.length === 0) return [];
  const sorted = sortedKeys(keys);
  const out: SliceBox[] = [{ slice: sorted[0].slice, box: sorted[0].box }];
  for (let k = 1; k < sorted.length; k++) {
    const lo = sorted[k - 1];
    const hi = sorted[k];
    const span = hi.slice - lo.slice;
    for (let z = lo.slice + 1; z < hi.slice; z++) {
      out.push({ slice: z, box: lerpImageBox(lo.box, hi.box, (z - lo.slice) / span, image) });
    }
    out.push({ slice: hi.slice, box: hi.box });
  }
  return out;
}

/**
 * Where the official sparse-marker script starts propagating: the key slice with the largest box area (the first
 * such slice on ties, in slice order). It then runs up to the last key slice and down to the first.
 */
export function largestBoxSlice(keys: readonly SliceBox[]): number {
  if (keys.length === 0) throw new MedsamError('INVALID_BOX', 'No key slices', { keys: 0 });
  const sorted = sortedKeys(keys);
  let best = sorted[0];
  for (const k of sorted) if (imageBoxArea(k.box) > imageBoxArea(best.box)) best = k;
  return best.slice;
}
