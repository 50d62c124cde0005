/**
 * After a volume run: which slices a human should check first, and the segment's volume.
 */
import { MedsamError } from '../errors';
import type { VolumeRunResult } from './run';

export interface ReviewItem {
  slice: number;
  /** Higher = more worth checking: (1 - predicted IoU) + the largest relative area jump to a written neighbour. */
  score: number;
  iou: number;
  /** |area - neighbour area| / max(area, neighbour area), the largest over the written neighbours (0..1). */
  areaJump: number;
  area: number;
}

/** Written slices ranked by score, highest first (ties: lower slice first); `limit` keeps the first ones. */
export function reviewQueue(result: Pick<VolumeRunResult, 'done' | 'iou' | 'area'>, limit = Infinity): ReviewItem[] {
  const items: ReviewItem[] = [];
  const n = result.done.length;
  for (let z = 0; z < n; z++) {
    if (!result.done[z]) continue;
    const area = result.area[z];
    let areaJump = 0;
    for (const w of [z - 1, z + 1]) {
      if (w < 0 || w >= n || !result.done[w]) continue;
      const m = Math.max(area, result.area[w]);
      if (m > 0) areaJump = Math.max(areaJump, Math.abs(area - result.area[w]) / m);
    }
    const iou = result.iou[z];
    const lowIou = Number.isFinite(iou) ? Math.min(1, Math.max(0, 1 - iou)) : 1;
    items.push({ slice: z, score: lowIou + areaJump, iou, areaJump, area });
  }
  items.sort((a, b) => b.score - a.score || a.slice - b.slice);
  return items.slice(0, limit);
}

/**
 * Volume in millilitres of the voxels equal to `label` (nonzero when omitted); spacing is [column, row, slice] in mm
 * (slice = the distance between slice centres, not the slice thickness).
 */
export function volumeMl(
  mask: ArrayLike<number>,
  spacingMm: readonly [number, number, number],
  label?: number,
): number {
  if (!spacingMm.every(s => Number.isFinite(s) && s > 0)) {
    throw new MedsamError(
      'SHAPE_MISMATCH',
      `Voxel spacing must be three positive millimetre values, got ${spacingMm.join(', ')}`,
      { spacingMm },
    );
  }
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (label === undefined ? mask[i] !== 0 : mask[i] === label) count++;
  return (count * spacingMm[0] * spacingMm[1] * spacingMm[2]) / 1000;
}
