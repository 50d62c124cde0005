import { MedsamError } from '../errors';
import type { ImageBox, ImageSize } from '../geometry/box';
import { planVolumeRun } from './plan';
import { reviewQueue, volumeMl } from './review';
import { doneSlices, runVolume, type SegmentSlice } from './run';

const IMAGE: ImageSize = { width: 40, height: 30 };
const PX = IMAGE.width * IMAGE.height;
const box = (x0: number, y0: number, x1: number, y1: number): ImageBox => ({ space: 'image', x0, y0, x1, y1 });

/** Pixels whose centre lies inside the box: what a box-oracle model gives back. */
function rasterise(b: ImageBox): Uint8Array {
  const m = new Uint8Array(PX);
  for (let r = 0; r < IMAGE.height; r++)
    for (let c = 0; c < IMAGE.width; c++)
      if (c + 0.5 > b.x0 && c + 0.5 < b.x1 && r + 0.5 > b.y0 && r + 0.5 < b.y1) m[r * IMAGE.width + c] = 1;
  return m;
}

const boxOracle: SegmentSlice = async (_z, b) => ({ mask: rasterise(b), iou: 0.9 });

describe('planVolumeRun', () => {
  it('interpolate: marked slices become covering rectangles, slices between get interpolated boxes, largest first then up then down', () => {
    const plan = planVolumeRun(
      [
        { slice: 2, box: box(10, 10, 14, 14) },
        {
          slice: 6,
          markers: [
            { a: { x: 8, y: 12 }, b: { x: 24, y: 12 } },
            { a: { x: 16, y: 6 }, b: { x: 16, y: 20 } },
          ],
        },
        { slice: 10, box: box(12, 10, 20, 16) },
      ],
      12,
      IMAGE,
    );
    expect(plan.start).toBe(6);
    expect(plan.steps.map(s => s.slice)).toEqual([6, 7, 8, 9, 10, 5, 4, 3, 2]);
    expect(plan.steps[0].source).toEqual({ kind: 'key', box: box(8, 6, 24, 20) });
    const s8 = plan.steps.find(s => s.slice === 8)!.source;
    expect(s8).toEqual({ kind: 'interpolated', box: box(10, 8, 22, 18) });
    expect(plan.steps.find(s => s.slice === 4)!.source).toEqual({ kind: 'interpolated', box: box(9, 8, 19, 17) });
  });

  it('propagate: a single key slice runs to both edges, each box from the previous slice, no fallback outside the keys', () => {
    const plan = planVolumeRun([{ slice: 3, box: box(10, 10, 20, 20) }], 6, IMAGE, {
      mode: 'propagate',
      propagatePadPx: 3,
    });
    expect(plan.steps.map(s => [s.slice, s.source.kind === 'propagated' ? s.source.from : 'key'])).toEqual([
      [3, 'key'],
      [4, 3],
      [5, 4],
      [2, 3],
      [1, 2],
      [0, 1],
    ]);
    expect(plan.steps[1].source).toEqual({ kind: 'propagated', from: 3, padPx: 3, fallback: null });
  });

  it('propagate with several keys stays in the marked range (or beyondKeys more), key boxes take precedence, nearest key as fallback', () => {
    const keys = [
      { slice: 2, box: box(10, 10, 20, 20) },
      { slice: 5, box: box(5, 5, 25, 25) },
    ];
    const plan = planVolumeRun(keys, 10, IMAGE, { mode: 'propagate' });
    expect(plan.steps.map(s => s.slice)).toEqual([5, 4, 3, 2]);
    expect(plan.steps[1].source).toEqual({ kind: 'propagated', from: 5, padPx: 5, fallback: keys[1].box });
    expect(plan.steps[3].source).toEqual({ kind: 'key', box: keys[0].box });
    expect(planVolumeRun(keys, 10, IMAGE, { mode: 'propagate', beyondKeys: 2 }).steps.map(s => s.slice)).toEqual([
      5, 6, 7, 4, 3, 2, 1, 0,
    ]);
  });

  it('refuses key slices outside the stack, duplicates and an empty list', () => {
    expect(() => planVolumeRun([], 5, IMAGE)).toThrow(MedsamError);
    expect(() => planVolumeRun([{ slice: 5, box: box(1, 1, 5, 5) }], 5, IMAGE)).toThrow(/outside the 5-slice stack/);
    expect(() =>
      planVolumeRun(
        [
          { slice: 1, box: box(1, 1, 5, 5) },
          { slice: 1, box: box(1, 1, 6, 6) },
        ],
        5,
        IMAGE,
      ),
    ).toThrow(/Two key boxes/);
  });
});

describe('runVolume', () => {
  it('interpolate: the labelmap is each planned box rasterised on its slice, with progress and time left', async () => {
    const plan = planVolumeRun(
      [
        { slice: 1, box: box(2, 2, 10, 10) },
        { slice: 5, box: box(10, 6, 30, 26) },
      ],
      8,
      IMAGE,
    );
    let t = 0;
    const progress: [number, number, number, number][] = [];
    const r = await runVolume({
      plan,
      segmentSlice: async (z, b) => {
        t += 100;
        return boxOracle(z, b);
      },
      now: () => t,
      onProgress: p => progress.push([p.done, p.total, p.slice, p.msLeft]),
    });
    expect(r.status).toBe('complete');
    expect(doneSlices(r)).toEqual([1, 2, 3, 4, 5]);
    for (const s of plan.steps) {
      const b = s.source.kind === 'propagated' ? null : s.source.box;
      expect(Array.from(r.labelmap.subarray(s.slice * PX, (s.slice + 1) * PX))).toEqual(Array.from(rasterise(b!)));
    }
    expect(r.labelmap.subarray(0, PX).some(v => v)).toBe(false);
    expect(r.labelmap.subarray(6 * PX).some(v => v)).toBe(false);
    expect(progress).toEqual([
      [1, 5, 5, 400],
      [2, 5, 4, 300],
      [3, 5, 3, 200],
      [4, 5, 2, 100],
      [5, 5, 1, 0],
    ]);
  });

  it('propagate: each box is the previous mask bounding box padded, and a direction stops where the mask vanishes', async () => {
    // The object: a square on slices 2..6 shrinking away from slice 4; the fake model returns object ∩ box.
    const half = [0, 0, 2, 5, 8, 5, 2, 0, 0];
    const object = (z: number) => (half[z] ? box(20 - half[z], 15 - half[z], 20 + half[z], 15 + half[z]) : null);
    const seen: [number, ImageBox][] = [];
    const segmentSlice: SegmentSlice = async (z, b) => {
      seen.push([z, b]);
      const o = object(z);
      const m = o ? rasterise(o) : new Uint8Array(PX);
      const inBox = rasterise(b);
      return { mask: m.map((v, i) => v & inBox[i]), iou: 0.8 };
    };
    const plan = planVolumeRun([{ slice: 4, box: box(10, 5, 30, 25) }], 9, IMAGE, {
      mode: 'propagate',
      propagatePadPx: 5,
    });
    const r = await runVolume({ plan, segmentSlice });
    expect(r.status).toBe('complete');
    expect(doneSlices(r)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.stoppedAt).toEqual([8, 0]);
    // Slice 5's box: slice 4's mask (12..28 x 7..23) padded by 5.
    expect(seen.find(([z]) => z === 5)![1]).toEqual(box(7, 2, 33, 28));
    expect(Array.from(r.area)).toEqual([0, 0, 16, 100, 256, 100, 16, 0, 0]);
  });

  it('propagate inside the marked range: after a vanished mask the nearest key box takes over (official fallback)', async () => {
    const keys = [
      { slice: 0, box: box(5, 5, 15, 15) },
      { slice: 4, box: box(10, 5, 30, 25) },
    ];
    const seen = new Map<number, ImageBox>();
    const r = await runVolume({
      plan: planVolumeRun(keys, 5, IMAGE, { mode: 'propagate' }),
      segmentSlice: async (z, b) => {
        seen.set(z, b);
        return { mask: z === 3 ? new Uint8Array(PX) : rasterise(b), iou: 0.9 };
      },
    });
    expect(doneSlices(r)).toEqual([0, 1, 2, 3, 4]);
    expect(r.stoppedAt).toEqual([]);
    expect(seen.get(2)).toEqual(keys[0].box); // slice 3 came back empty; slices 0 and 4 are equally near, the first wins
    expect(seen.get(1)).toEqual(box(0, 0, 20, 20)); // slice 2's mask padded by 5
    expect(seen.get(0)).toEqual(keys[0].box); // a key slice keeps its own box
  });

  it('cancel at any moment leaves every slice either fully written or untouched, and says which', async () => {
    for (const cancelAfter of [0, 1, 3, 5]) {
      const controller = new AbortController();
      let calls = 0;
      const plan = planVolumeRun(
        [
          { slice: 0, box: box(2, 2, 10, 10) },
          { slice: 7, box: box(4, 4, 30, 26) },
        ],
        8,
        IMAGE,
      );
      const r = await runVolume({
        plan,
        signal: controller.signal,
        segmentSlice: async (z, b) => {
          if (calls++ === cancelAfter) controller.abort(); // cancelled while this slice is in flight
          return boxOracle(z, b);
        },
      });
      expect(r.status).toBe('cancelled');
      expect(doneSlices(r)).toEqual(
        plan.steps
          .slice(0, cancelAfter)
          .map(s => s.slice)
          .sort((a, b) => a - b),
      );
      for (let z = 0; z < 8; z++) {
        const s = r.labelmap.subarray(z * PX, (z + 1) * PX);
        const b = plan.steps.find(p => p.slice === z)!.source;
        const expected = r.done[z] && b.kind !== 'propagated' ? rasterise(b.box) : new Uint8Array(PX);
        expect(Array.from(s)).toEqual(Array.from(expected));
      }
    }
  });

  it('a failing segmenter ends the run as failed with the slices done so far', async () => {
    const plan = planVolumeRun(
      [
        { slice: 0, box: box(2, 2, 10, 10) },
        { slice: 3, box: box(4, 4, 14, 14) },
      ],
      4,
      IMAGE,
    );
    const r = await runVolume({
      plan,
      segmentSlice: async (z, b) => {
        if (z === 1) throw new MedsamError('INFERENCE_FAILED', 'boom', {});
        return boxOracle(z, b);
      },
    });
    expect(r.status).toBe('failed');
    expect((r.error as MedsamError).code).toBe('INFERENCE_FAILED');
    expect(doneSlices(r)).toEqual([2, 3]);
  });
});

describe('reviewQueue and volumeMl', () => {
  it('ranks low predicted IoU and area jumps first', () => {
    const q = reviewQueue({
      done: [true, true, true, true, false],
      iou: Float64Array.from([0.95, 0.95, 0.6, 0.95, NaN]),
      area: Float64Array.from([100, 100, 100, 300, 0]),
    });
    expect(q.map(i => i.slice)).toEqual([2, 3, 0, 1]);
    expect(q[0].score).toBeCloseTo(0.4 + 2 / 3, 10);
    expect(q[1].areaJump).toBeCloseTo(2 / 3, 10);
    expect(
      reviewQueue({ done: [true, true], iou: Float64Array.from([0.9, 0.5]), area: Float64Array.from([1, 1]) }, 1).map(
        i => i.slice,
      ),
    ).toEqual([1]);
  });

  it('volume in mL from voxel count and spacing', () => {
    const m = new Uint8Array(1000).fill(1);
    m[0] = 2;
    expect(volumeMl(m, [0.5, 0.5, 2])).toBeCloseTo(0.5, 12);
    expect(volumeMl(m, [1, 1, 1], 2)).toBeCloseTo(0.001, 12);
    expect(() => volumeMl(m, [0, 1, 1])).toThrow(MedsamError);
  });
});
