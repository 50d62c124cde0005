/**
 * Which slices a volume run visits, in which order, and where each slice's box comes from.
 *
 * Two modes, both from docs/pipeline.md ("3D"):
 *  - 'interpolate' (the paper's annotation study): each key slice's box is the rectangle covering its marks, slices
 *    between key slices get boxes interpolated from the neighbouring key slices, every slice of the range is run.
 *  - 'propagate' (the official sparse-marker script, and single-box propagation from one accepted slice): a slice's box
 *    is its key box when it has one, else the previous slice's mask bounding box padded; inside the key range a
 *    vanished mask falls back to the nearest key box (as the official script), beyond it the direction stops.
 * Both visit the slices in the official order: start at the key slice with the largest box, go up, then down, so that
 * a propagated box always follows a slice that has just been segmented.
 */
import { MedsamError } from '../errors';
import { assertImageSize, type ImageBox, type ImageSize } from '../geometry/box';
import { interpolateSliceBoxes, largestBoxSlice, type SliceBox } from '../geometry/interpolate';
import { boxCoveringMarkers, type ImageSegment } from '../geometry/markers';
import type { PreprocessingProfileId } from '../manifest';
import { propagatePadPxFor } from './padding';

/** A key slice: a box the user drew, or linear markers (long and short axes) that a box will cover. */
export type KeySlice =
  | { readonly slice: number; readonly box: ImageBox }
  | { readonly slice: number; readonly markers: readonly ImageSegment[] };

export type VolumeMode = 'interpolate' | 'propagate';

export interface PlanOptions {
  mode?: VolumeMode;
  /** Padding around linear markers when they become a box (the official sparse-marker script uses 5). Default 0. */
  markerPadPx?: number;
  /**
   * Padding of the previous mask's bounding box in propagate mode (image pixels). Default: the model profile's, as
   * the official 3D scripts (padding.ts: MedSAM 5 px, LiteMedSAM 3 px in 256 space); 5 when no profile is given.
   */
  propagatePadPx?: number;
  /** The model's preprocessing profile, for the default propagation padding. */
  profile?: PreprocessingProfileId;
  /**
   * Propagate mode: how many slices past the outermost key slices the run may go. Default: to the volume's edge for a
   * single key slice (single-box propagation), 0 for several (the official script stays within the marked range).
   */
  beyondKeys?: number;
}

export type BoxSource =
  /** The key slice's own box. */
  | { readonly kind: 'key'; readonly box: ImageBox }
  /** A box interpolated between key slices (interpolate mode). */
  | { readonly kind: 'interpolated'; readonly box: ImageBox }
  /**
   * The mask of slice `from` (visited earlier), its bounding box padded by padPx; `fallback` (the nearest key box) when
   * that mask is empty, or null: the direction stops there.
   */
  | { readonly kind: 'propagated'; readonly from: number; readonly padPx: number; readonly fallback: ImageBox | null };

export interface PlanStep {
  readonly slice: number;
  readonly source: BoxSource;
}

export interface VolumePlan {
  readonly mode: VolumeMode;
  readonly image: ImageSize;
  readonly sliceCount: number;
  /** The slice the run starts at (largest key box). */
  readonly start: number;
  /** Visit order: start, start + 1 .. top, start - 1 .. bottom. */
  readonly steps: readonly PlanStep[];
}

/** Key slices -> one box each (markers become the rectangle covering them), checked and sorted by slice. */
export function keySliceBoxes(
  keys: readonly KeySlice[],
  sliceCount: number,
  image: ImageSize,
  markerPadPx = 0,
): SliceBox[] {
  const boxes = keys.map(k => {
    if (!Number.isInteger(k.slice) || k.slice < 0 || k.slice >= sliceCount) {
      throw new MedsamError('INVALID_BOX', `Key slice ${k.slice} is outside the ${sliceCount}-slice stack`, {
        slice: k.slice,
        sliceCount,
      });
    }
    return { slice: k.slice, box: 'box' in k ? k.box : boxCoveringMarkers(k.markers, image, markerPadPx) };
  });
  return boxes.sort((p, q) => p.slice - q.slice);
}

function nearestKey(keys: readonly SliceBox[], z: number): ImageBox {
  let best = keys[0];
  for (const k of keys) if (Math.abs(k.slice - z) < Math.abs(best.slice - z)) best = k;
  return best.box;
}

export function planVolumeRun(
  keys: readonly KeySlice[],
  sliceCount: number,
  image: ImageSize,
  options: PlanOptions = {},
): VolumePlan {
  assertImageSize(image);
  if (!Number.isInteger(sliceCount) || sliceCount < 1) {
    throw new MedsamError('SHAPE_MISMATCH', `A volume needs at least one slice, got ${sliceCount}`, { sliceCount });
  }
  if (keys.length === 0) throw new MedsamError('INVALID_BOX', 'No key slices: mark at least one slice', { keys: 0 });
  const mode = options.mode ?? 'interpolate';
  const boxes = keySliceBoxes(keys, sliceCount, image, options.markerPadPx ?? 0);
  // interpolateSliceBoxes also refuses two boxes on one slice.
  const interpolated = interpolateSliceBoxes(boxes, image);
  const start = largestBoxSlice(boxes);
  const lo = boxes[0].slice;
  const hi = boxes[boxes.length - 1].slice;
  const isKey = new Map(boxes.map(b => [b.slice, b.box]));

  let bottom = lo;
  let top = hi;
  if (mode === 'propagate') {
    const beyond = options.beyondKeys ?? (boxes.length === 1 ? sliceCount : 0);
    if (!(beyond >= 0))
      throw new MedsamError('INVALID_BOX', `beyondKeys must be >= 0, got ${beyond}`, { beyondKeys: beyond });
    bottom = Math.max(0, lo - beyond);
    top = Math.min(sliceCount - 1, hi + beyond);
  }
  const padPx = options.propagatePadPx ?? (options.profile ? propagatePadPxFor(options.profile, image) : 5);
  const step = (z: number, from: number): PlanStep => {
    const key = isKey.get(z);
    if (key) return { slice: z, source: { kind: 'key', box: key } };
    if (mode === 'interpolate') return { slice: z, source: { kind: 'interpolated', box: interpolated[z - lo].box } };
    const fallback = z >= lo && z <= hi ? nearestKey(boxes, z) : null;
    return { slice: z, source: { kind: 'propagated', from, padPx, fallback } };
  };
  const steps: PlanStep[] = [step(start, start)];
  for (let z = start + 1; z <= top; z++) steps.push(step(z, z - 1));
  for (let z = start - 1; z >= bottom; z--) steps.push(step(z, z + 1));
  return { mode, image, sliceCount, start, steps };
}
