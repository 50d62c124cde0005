/**
 * The accuracy benchmark's protocol over any segmenter: 2D (every target on every slice, reference boxes jittered as
 * in the paper, Dice and NSD per slice) and 3D (the annotation study's marker boxes every k slices, interpolated,
 * and single-box propagation, through engine/volume). Pure: images come from the cases' loaders, masks from the
 * segmenter; nothing here touches files.
 */
import type { ImageBox } from '../geometry/box';
import { dice, normalizedSurfaceDistance } from '../metrics';
import { planVolumeRun, type KeySlice, type PlanOptions } from '../volume/plan';
import { propagatePadPxFor } from '../volume/padding';
import { reviewQueue } from '../volume/review';
import { doneSlices, runVolume, type VolumeRunResult } from '../volume/run';
import { MedsamError } from '../errors';
import { markerKeySlices, middleKeySlice, occupiedSlices } from './keyslices';
import { referencePrompts } from './prompts';
import { seededRandom } from './random';
import type { BenchCase, BenchOptions, BenchSegment, SliceRecord, VolumeProtocol, VolumeRecord } from './types';

export interface BenchProgress {
  phase: '2d' | '3d';
  done: number;
  total: number;
  detail: string;
}

const count = (m: ArrayLike<number>): number => {
  let n = 0;
  for (let i = 0; i < m.length; i++) if (m[i]) n++;
  return n;
};

/** 2D: every non-empty (target, slice) of every case; all boxes of one slice share one encode. */
export async function runSlices<I>(
  cases: readonly BenchCase<I>[],
  segment: BenchSegment<I>,
  o: BenchOptions,
  onProgress?: (p: BenchProgress) => void,
): Promise<SliceRecord[]> {
  // One generator for the whole run, drawn in a fixed order (case, slice, target, component): same seed, same boxes.
  const random = seededRandom(o.seed);
  const total = cases.reduce((n, c) => n + c.slices.length, 0);
  const records: SliceRecord[] = [];
  let done = 0;
  for (const c of cases) {
    for (let z = 0; z < c.slices.length; z++) {
      const slice = c.slices[z];
      const work = c.targets
        .map(t => ({ t, ref: t.mask(z) }))
        .filter(w => count(w.ref) > 0)
        .map(w => ({
          ...w,
          prompts: referencePrompts(
            w.ref,
            slice.size,
            o.profile,
            { mode: o.boxMode, maxJitterPx: o.maxJitterPx, marginPx: o.marginPx },
            random,
          ),
        }));
      const boxes = work.flatMap(w => w.prompts.map(p => p.box));
      if (boxes.length > 0) {
        const out = await segment(slice, boxes);
        let next = 0;
        const px = slice.size.width * slice.size.height;
        for (const w of work) {
          const pred = new Uint8Array(px);
          for (let b = 0; b < w.prompts.length; b++) {
            const m = out.masks[next++];
            for (let i = 0; i < px; i++) if (m[i]) pred[i] = 1;
          }
          const spacing = slice.pixelSpacingMm ?? [1, 1];
          records.push({
            case: c.name,
            modality: c.modality,
            target: w.t.name,
            slice: z,
            dice: dice(pred, w.ref),
            nsd: normalizedSurfaceDistance(pred, w.ref, [slice.size.height, slice.size.width], spacing, o.tau),
            nsdUnit: slice.pixelSpacingMm ? 'mm' : 'px',
            boxes: w.prompts.map(p => [p.box.x0, p.box.y0, p.box.x1, p.box.y1].map(v => Number(v.toFixed(3)))),
            jitter: w.prompts.map(p => [...p.jitter]),
            refPixels: count(w.ref),
            predPixels: count(pred),
          });
        }
      }
      onProgress?.({ phase: '2d', done: ++done, total, detail: `${c.name} ${z + 1}/${c.slices.length}` });
    }
  }
  return records;
}

/** A run over slices lo.. of a volume, placed back in the whole volume (slices outside it not run). */
function placeRun(r: VolumeRunResult, lo: number, sliceCount: number, px: number): VolumeRunResult {
  if (lo === 0 && r.sliceCount === sliceCount) return r;
  const out: VolumeRunResult = {
    ...r,
    labelmap: new Uint8Array(sliceCount * px),
    sliceCount,
    done: new Array<boolean>(sliceCount).fill(false),
    boxes: new Array(sliceCount).fill(null),
    iou: new Float64Array(sliceCount).fill(NaN),
    area: new Float64Array(sliceCount),
    stoppedAt: r.stoppedAt.map(z => z + lo),
  };
  out.labelmap.set(r.labelmap, lo * px);
  for (let z = 0; z < r.sliceCount; z++) {
    out.done[z + lo] = r.done[z];
    out.boxes[z + lo] = r.boxes[z];
    out.iou[z + lo] = r.iou[z];
    out.area[z + lo] = r.area[z];
  }
  return out;
}

function referenceVolume<I>(c: BenchCase<I>, t: BenchCase<I>['targets'][number]): Uint8Array {
  const { width, height } = c.slices[0].size;
  const px = width * height;
  const v = new Uint8Array(px * c.slices.length);
  for (let z = 0; z < c.slices.length; z++) {
    const m = t.mask(z);
    for (let i = 0; i < px; i++) if (m[i]) v[z * px + i] = 1;
  }
  return v;
}

/** The 3D protocols of one case: for each target, marker runs for each k and one propagation run. */
export async function runVolumes<I>(
  cases: readonly BenchCase<I>[],
  segment: BenchSegment<I>,
  o: BenchOptions,
  onProgress?: (p: BenchProgress) => void,
): Promise<VolumeRecord[]> {
  const volumes = cases.filter(c => c.sliceSpacingMm !== null && c.slices.length > 1);
  const protocols = (c: BenchCase<I>): VolumeProtocol[] => [
    ...o.keySteps.map((k): VolumeProtocol => ({ kind: 'markers', k })),
    ...(o.propagate
      ? [{ kind: 'propagate', padPx: propagatePadPxFor(o.profile, c.slices[0].size) } as VolumeProtocol]
      : []),
  ];
  const total = volumes.reduce((n, c) => n + c.targets.length * protocols(c).length, 0);
  let done = 0;
  const records: VolumeRecord[] = [];
  for (const c of volumes) {
    const image = c.slices[0].size;
    if (c.slices.some(s => s.size.width !== image.width || s.size.height !== image.height)) {
      throw new MedsamError(
        'SHAPE_MISMATCH',
        `${c.name}: the slices of a volume must all be ${image.width}x${image.height}`,
        { case: c.name },
      );
    }
    const px = image.width * image.height;
    const spacing = c.slices[0].pixelSpacingMm;
    for (const t of c.targets) {
      const ref = referenceVolume(c, t);
      const occupied = occupiedSlices(ref, image, c.slices.length);
      for (const protocol of protocols(c)) {
        const label = protocol.kind === 'markers' ? `k=${protocol.k}` : 'propagate';
        onProgress?.({ phase: '3d', done, total, detail: `${c.name} ${t.name} ${label}` });
        if (occupied.length === 0) {
          done++;
          continue;
        }
        let keys: KeySlice[];
        let plan: PlanOptions;
        // Propagation runs inside the target's z extent: the official 3D scripts prompt with a 3D box (LiteMedSAM) or
        // marked range (MedSAM) whose z limits bound the run; unbounded, it would go on segmenting past the organ.
        let lo = 0;
        let hi = c.slices.length - 1;
        if (protocol.kind === 'markers') {
          keys = markerKeySlices(ref, image, c.slices.length, protocol.k, o.profile, o.marginPx);
          plan = { mode: 'interpolate' };
        } else {
          lo = occupied[0];
          hi = occupied[occupied.length - 1];
          const extent = ref.subarray(lo * px, (hi + 1) * px);
          keys = [middleKeySlice(extent, image, hi - lo + 1, o.profile, o.marginPx)!];
          plan = { mode: 'propagate', propagatePadPx: protocol.padPx };
        }
        const sub = await runVolume({
          plan: planVolumeRun(keys, hi - lo + 1, image, plan),
          segmentSlice: async (z: number, box: ImageBox) => {
            const r = await segment(c.slices[z + lo], [box]);
            return { mask: r.masks[0], iou: r.iou[0] };
          },
        });
        keys = keys.map(k => ({ ...k, slice: k.slice + lo }));
        const result = placeRun(sub, lo, c.slices.length, px);
        if (result.status === 'failed') throw result.error;
        const queue = new Map(reviewQueue(result).map(q => [q.slice, q]));
        const perSlice = doneSlices(result).map(z => {
          const q = queue.get(z)!;
          return {
            slice: z,
            dice: dice(result.labelmap.subarray(z * px, (z + 1) * px), ref.subarray(z * px, (z + 1) * px)),
            score: q.score,
            iou: q.iou,
            areaJump: q.areaJump,
          };
        });
        const sp = spacing ?? [1, 1];
        records.push({
          case: c.name,
          modality: c.modality,
          target: t.name,
          protocol,
          userActions: keys.length,
          keySlices: keys.map(k => k.slice),
          slicesSegmented: perSlice.length,
          referenceSlices: occupied.length,
          dice: dice(result.labelmap, ref),
          nsd: normalizedSurfaceDistance(
            result.labelmap,
            ref,
            [c.slices.length, image.height, image.width],
            [c.sliceSpacingMm!, sp[0], sp[1]],
            o.tau,
          ),
          nsdUnit: spacing ? 'mm' : 'px',
          status: result.status,
          perSlice,
        });
        done++;
      }
    }
  }
  onProgress?.({ phase: '3d', done, total, detail: '' });
  return records;
}
