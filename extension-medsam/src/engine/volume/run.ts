/**
 * Runs a VolumePlan slice by slice with any per-slice segmenter (the worker's session, onnxruntime-node in the CLI, a
 * fake in tests) and assembles the 3D labelmap.
 *
 * Consistency under cancel and failure: a slice's mask is copied into the labelmap in one synchronous step after its
 * segmentation resolved and only if the run was not cancelled meanwhile, so every slice is either fully written or
 * untouched, and `done` says which.
 */
import { MedsamError } from '../errors';
import { maskBoundingBox, padImageBox, type ImageBox } from '../geometry/box';
import type { VolumePlan } from './plan';

export interface SliceSegmentation {
  /** Row-major [height, width], nonzero inside. */
  mask: ArrayLike<number>;
  /** The decoder's predicted IoU for this mask. */
  iou: number;
}

export type SegmentSlice = (slice: number, box: ImageBox, signal?: AbortSignal) => Promise<SliceSegmentation>;

export interface VolumeProgress {
  done: number;
  /** Slices the run still expects to visit plus those done (shrinks when propagation stops early). */
  total: number;
  slice: number;
  msPerSlice: number;
  msLeft: number;
}

export interface RunVolumeOptions {
  plan: VolumePlan;
  segmentSlice: SegmentSlice;
  onProgress?: (p: VolumeProgress) => void;
  signal?: AbortSignal;
  /** Value written for inside voxels. Default 1. */
  label?: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
  /**
   * Called synchronously as each slice is written (the viewer paints its preview here), so that a caller's copy
   * follows the same written-or-untouched rule as the result.
   */
  onSlice?: (slice: number, mask: Uint8Array, segmentation: SliceSegmentation) => void;
}

export type VolumeStatus = 'complete' | 'cancelled' | 'failed';

export interface VolumeRunResult {
  status: VolumeStatus;
  /** [sliceCount, height, width] row-major; untouched slices are 0. */
  labelmap: Uint8Array;
  width: number;
  height: number;
  sliceCount: number;
  /** Per slice: written by this run. */
  done: boolean[];
  /** Per slice: the box that was used (null where the slice was not run). */
  boxes: (ImageBox | null)[];
  /** Per slice: predicted IoU, NaN where not run. */
  iou: Float64Array;
  /** Per slice: mask voxel count, 0 where not run. */
  area: Float64Array;
  /** Slices where propagation stopped because the previous mask vanished (the direction ends before them). */
  stoppedAt: number[];
  error?: unknown;
}

const defaultNow = (): number => (globalThis.performance ?? Date).now();

export async function runVolume(options: RunVolumeOptions): Promise<VolumeRunResult> {
  const { plan, segmentSlice, onProgress, signal } = options;
  const now = options.now ?? defaultNow;
  const label = options.label ?? 1;
  const { width, height } = plan.image;
  const pixels = width * height;
  const n = plan.sliceCount;
  const result: VolumeRunResult = {
    status: 'complete',
    labelmap: new Uint8Array(n * pixels),
    width,
    height,
    sliceCount: n,
    done: new Array<boolean>(n).fill(false),
    boxes: new Array<ImageBox | null>(n).fill(null),
    iou: new Float64Array(n).fill(NaN),
    area: new Float64Array(n),
    stoppedAt: [],
  };
  const skipped = new Set<number>();
  let total = plan.steps.length;
  let done = 0;
  let busyMs = 0;

  for (const step of plan.steps) {
    if (signal?.aborted) {
      result.status = 'cancelled';
      break;
    }
    const z = step.slice;
    const src = step.source;
    let box: ImageBox | null;
    if (src.kind !== 'propagated') box = src.box;
    else if (skipped.has(src.from) || !result.done[src.from]) box = null;
    else {
      const prev = maskBoundingBox(result.labelmap.subarray(src.from * pixels, (src.from + 1) * pixels), plan.image);
      box = prev ? padImageBox(prev, plan.image, src.padPx) : src.fallback;
      if (!box) result.stoppedAt.push(z);
    }
    if (!box) {
      skipped.add(z);
      total--;
      continue;
    }
    const t0 = now();
    let seg: SliceSegmentation;
    try {
      seg = await segmentSlice(z, box, signal);
    } catch (e) {
      if (signal?.aborted || (e as MedsamError)?.code === 'CANCELLED' || (e as Error)?.name === 'AbortError')
        result.status = 'cancelled';
      else {
        result.status = 'failed';
        result.error = e;
      }
      break;
    }
    if (signal?.aborted) {
      result.status = 'cancelled';
      break;
    }
    if (seg.mask.length !== pixels) {
      result.status = 'failed';
      result.error = new MedsamError(
        'SHAPE_MISMATCH',
        `Slice ${z}: mask has ${seg.mask.length} pixels, expected ${pixels}`,
        { slice: z },
      );
      break;
    }
    const out = result.labelmap.subarray(z * pixels, (z + 1) * pixels);
    let area = 0;
    for (let p = 0; p < pixels; p++) {
      if (seg.mask[p]) {
        out[p] = label;
        area++;
      }
    }
    result.done[z] = true;
    result.boxes[z] = box;
    result.iou[z] = seg.iou;
    result.area[z] = area;
    options.onSlice?.(z, out, seg);
    busyMs += now() - t0;
    done++;
    const msPerSlice = busyMs / done;
    onProgress?.({ done, total, slice: z, msPerSlice, msLeft: msPerSlice * (total - done) });
  }
  return result;
}

/** The slices the run wrote, ascending. */
export const doneSlices = (r: VolumeRunResult): number[] => r.done.flatMap((d, z) => (d ? [z] : []));
