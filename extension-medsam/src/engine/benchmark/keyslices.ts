/**
 * The paper's 3D annotation study, simulated from a reference: a marker box on every k-th slice of the target's
 * extent (the rectangle a radiologist's long and short axes would span, here the reference bounding box), and the
 * single-box start of the official LiteMedSAM 3D script (the middle slice of the target's z range).
 */
import type { ImageSize } from '../geometry/box';
import { maskBoundingBox } from '../geometry/box';
import type { PreprocessingProfileId } from '../manifest';
import type { KeySlice } from '../volume/plan';
import { MedsamError } from '../errors';
import { jitterBox } from './prompts';

/** Slices (ascending) where a [sliceCount, H, W] mask has any voxel. */
export function occupiedSlices(volume: ArrayLike<number>, image: ImageSize, sliceCount: number): number[] {
  const px = image.width * image.height;
  const out: number[] = [];
  for (let z = 0; z < sliceCount; z++) {
    for (let i = z * px; i < (z + 1) * px; i++) {
      if (volume[i]) {
        out.push(z);
        break;
      }
    }
  }
  return out;
}

/**
 * Marked slices every k slices from the lowest occupied slice, and always the highest: the run only covers the range
 * between key slices, so leaving the last slice unmarked would cut the target short. A k-th slice the target skips
 * (a gap) is not marked: a user cannot draw a box around nothing.
 */
export function keySliceIndices(occupied: readonly number[], k: number): number[] {
  if (!(Number.isInteger(k) && k >= 1))
    throw new MedsamError('INVALID_BOX', `The key-slice step must be a whole number >= 1, got ${k}`, { k });
  if (occupied.length === 0) return [];
  const lo = occupied[0];
  const hi = occupied[occupied.length - 1];
  const has = new Set(occupied);
  const keys: number[] = [];
  for (let z = lo; z <= hi; z += k) if (has.has(z)) keys.push(z);
  if (keys[keys.length - 1] !== hi) keys.push(hi);
  return keys;
}

function sliceBox(
  volume: ArrayLike<number>,
  image: ImageSize,
  z: number,
  profile: PreprocessingProfileId,
  marginPx: number,
): KeySlice {
  const px = image.width * image.height;
  const view = Array.prototype.slice.call(volume, z * px, (z + 1) * px) as number[];
  const ref = maskBoundingBox(view, image);
  if (!ref) throw new MedsamError('INVALID_BOX', `Slice ${z} of the reference is empty: no box to draw`, { slice: z });
  // No jitter for marker boxes: the study's boxes cover the marks; the margin (model pixels) is the user's looseness.
  return { slice: z, box: jitterBox(ref, image, profile, { maxJitterPx: 0, marginPx }, () => 0).box };
}

/** Key slices with the reference bounding box on every k-th slice of the target. */
export function markerKeySlices(
  volume: ArrayLike<number>,
  image: ImageSize,
  sliceCount: number,
  k: number,
  profile: PreprocessingProfileId,
  marginPx = 0,
): KeySlice[] {
  return keySliceIndices(occupiedSlices(volume, image, sliceCount), k).map(z =>
    sliceBox(volume, image, z, profile, marginPx),
  );
}

/** One key slice: the middle of the target's z range (the nearest occupied slice when the middle is a gap). */
export function middleKeySlice(
  volume: ArrayLike<number>,
  image: ImageSize,
  sliceCount: number,
  profile: PreprocessingProfileId,
  marginPx = 0,
): KeySlice | null {
  const occ = occupiedSlices(volume, image, sliceCount);
  if (occ.length === 0) return null;
  const mid = Math.floor((occ[0] + occ[occ.length - 1]) / 2);
  const z = occ.reduce((best, v) => (Math.abs(v - mid) < Math.abs(best - mid) ? v : best), occ[0]);
  return sliceBox(volume, image, z, profile, marginPx);
}
