/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * The accuracy benchmark's protocol (issue 12): the box jitter (range, model-input space, seed), one box per
 * component or per target, key slices every k, the propagation padding per profile, NSD units (mm, or pixels for
 * images without spacing), the review-queue check; and the whole benchmark with the box oracle test model, whose
 * answer is known: the mask is the prompt box on the model's 4-pixel grid, so a box-shaped reference prompted with
 * its own bounding box gives Dice 1, and a jittered box gives exactly the jittered rectangle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { connectedComponents } from '../../extension-medsam/src/engine/benchmark/components';
import {
  keySliceIndices,
  markerKeySlices,
  middleKeySlice,
} from '../../extension-medsam/src/engine/benchmark/keyslices';
import { defaultJitterPx, modelScale, referencePrompts } from '../../extension-medsam/src/engine/benchmark/prompts';
import { seededRandom } from '../../extension-medsam/src/engine/benchmark/random';
import { rankingQuality } from '../../extension-medsam/src/engine/benchmark/review-rank';
import { runSlices } from '../../extension-medsam/src/engine/benchmark/run';
import { boxStats } from '../../extension-medsam/src/engine/benchmark/stats';
import type { BenchCase, BenchOptions, BenchSegment } from '../../extension-medsam/src/engine/benchmark/types';
import { propagatePadPxFor } from '../../extension-medsam/src/engine/volume/padding';
import { planVolumeRun } from '../../extension-medsam/src/engine/volume/plan';
import { dice } from '../../extension-medsam/src/engine/metrics';
import type { SliceInput } from '../../extension-medsam/src/engine/session/pipeline';
import { runBenchmark } from '../../extension-medsam/src/cli/benchmark';
import { runCli } from '../seg/run-cli';

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, 'tests/out/accuracy-test');
const MANIFEST = path.join(ROOT, 'models/manifest.json');
const quietIo = { stdout: () => undefined, stderr: { isTTY: false, write: () => true } };

/** A [H, W] mask with the rectangle of pixels c0..c1, r0..r1 (inclusive) set. */
function rect(w: number, h: number, c0: number, r0: number, c1: number, r1: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let r = Math.max(0, r0); r <= Math.min(h - 1, r1); r++)
    for (let c = Math.max(0, c0); c <= Math.min(w - 1, c1); c++) m[r * w + c] = 1;
  return m;
}

const OPTIONS: BenchOptions = {
  profile: 'medsam-1024-stretch',
  seed: 7,
  boxMode: 'component',
  maxJitterPx: 20,
  marginPx: 0,
  tau: 2,
  keySteps: [3, 5],
  propagate: true,
  reviewFraction: 0.1,
};

describe('benchmark protocol (pure)', () => {
  test('jitter: whole numbers 0..20 per side in the MODEL input, converted to image pixels per profile', () => {
    const image = { width: 512, height: 512 };
    const ref = rect(512, 512, 100, 120, 199, 259);
    const random = seededRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const [p] = referencePrompts(
        ref,
        image,
        'litemedsam-256-longest-pad',
        { mode: 'target', maxJitterPx: 20, marginPx: 0 },
        random,
      );
      for (const d of p.jitter) {
        expect(Number.isInteger(d) && d >= 0 && d <= 20).toBe(true);
        seen.add(d);
      }
      // LiteMedSAM: 256 / 512 model pixels per image pixel, so each model pixel of jitter is 2 image pixels.
      expect([p.box.x0, p.box.y0, p.box.x1, p.box.y1]).toEqual([
        100 - 2 * p.jitter[0],
        120 - 2 * p.jitter[1],
        200 + 2 * p.jitter[2],
        260 + 2 * p.jitter[3],
      ]);
    }
    expect(seen.size).toBe(21);
    // MedSAM stretches to 1024 x 1024: x and y scale differently on a non-square image.
    expect(modelScale({ width: 400, height: 200 }, 'medsam-1024-stretch')).toEqual({ x: 1024 / 400, y: 1024 / 200 });
    const [m] = referencePrompts(
      rect(400, 200, 50, 50, 99, 99),
      { width: 400, height: 200 },
      'medsam-1024-stretch',
      { mode: 'target', maxJitterPx: 20, marginPx: 4 },
      seededRandom(3),
    );
    expect(m.box.x0).toBeCloseTo(50 - ((m.jitter[0] + 4) * 400) / 1024, 10);
    expect(m.box.y1).toBeCloseTo(100 + ((m.jitter[3] + 4) * 200) / 1024, 10);
  });

  test("default jitter: the paper's 0-20 px of 1024 at the model's scale (MedSAM 20, LiteMedSAM 5 of 256)", () => {
    expect(defaultJitterPx('medsam-1024-stretch')).toBe(20);
    expect(defaultJitterPx('litemedsam-256-longest-pad')).toBe(5);
  });

  test('seed: the same seed gives the same boxes, another seed other boxes', () => {
    const ref = rect(64, 64, 10, 10, 30, 40);
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from(
        { length: 20 },
        () =>
          referencePrompts(
            ref,
            { width: 64, height: 64 },
            'medsam-1024-stretch',
            { mode: 'target', maxJitterPx: 20, marginPx: 0 },
            random,
          )[0].jitter,
      );
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  test('one box per connected component (8-connected), or one per target', () => {
    const m = rect(40, 40, 2, 2, 6, 6);
    m.set(rect(40, 40, 20, 20, 30, 25).map((v, i) => v || m[i]));
    m[7 * 40 + 7] = 1; // touches the first square diagonally: the same component
    expect(
      connectedComponents(m, { width: 40, height: 40 }).map(c => [c.size, c.box.x0, c.box.y0, c.box.x1, c.box.y1]),
    ).toEqual([
      [26, 2, 2, 8, 8],
      [66, 20, 20, 31, 26],
    ]);
    const o = { maxJitterPx: 0, marginPx: 0 };
    expect(
      referencePrompts(
        m,
        { width: 40, height: 40 },
        'medsam-1024-stretch',
        { mode: 'component', ...o },
        seededRandom(0),
      ),
    ).toHaveLength(2);
    const [one] = referencePrompts(
      m,
      { width: 40, height: 40 },
      'medsam-1024-stretch',
      { mode: 'target', ...o },
      seededRandom(0),
    );
    expect([one.box.x0, one.box.y0, one.box.x1, one.box.y1]).toEqual([2, 2, 31, 26]);
  });

  test('key slices every k over the target extent, always the last one; the middle slice for propagation', () => {
    expect(keySliceIndices([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toEqual([0, 3, 6, 9]);
    expect(keySliceIndices([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5)).toEqual([0, 5, 9]);
    expect(keySliceIndices([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], 10)).toEqual([2, 12, 13]);
    expect(keySliceIndices([0, 1, 2, 4, 5], 3)).toEqual([0, 5]); // slice 3 is a gap: nothing to draw a box around
    const w = 16,
      h = 16,
      px = w * h;
    const vol = new Uint8Array(px * 6);
    for (let z = 1; z <= 4; z++) vol.set(rect(w, h, 2, 3, 8 + z, 9), z * px);
    const keys = markerKeySlices(vol, { width: w, height: h }, 6, 2, 'medsam-1024-stretch');
    expect(keys.map(k => k.slice)).toEqual([1, 3, 4]);
    expect(keys[0]).toEqual({ slice: 1, box: { space: 'image', x0: 2, y0: 3, x1: 10, y1: 10 } });
    expect(middleKeySlice(vol, { width: w, height: h }, 6, 'medsam-1024-stretch')?.slice).toBe(2);
  });

  test('propagation padding follows the profile: MedSAM 5 image px, LiteMedSAM 3 px in 256 space', () => {
    expect(propagatePadPxFor('medsam-1024-stretch', { width: 512, height: 512 })).toBe(5);
    expect(propagatePadPxFor('litemedsam-256-longest-pad', { width: 512, height: 512 })).toBe(6);
    expect(propagatePadPxFor('litemedsam-256-longest-pad', { width: 1348, height: 1070 })).toBeCloseTo(
      (3 * 1348) / 256,
      12,
    );
    // planVolumeRun takes the profile's padding unless told otherwise (medsam segment --markers passes the model's).
    const key = [{ slice: 2, box: { space: 'image' as const, x0: 100, y0: 100, x1: 200, y1: 200 } }];
    const pad = (o: object) =>
      (
        planVolumeRun(key, 5, { width: 512, height: 512 }, { mode: 'propagate', ...o }).steps[1].source as {
          padPx: number;
        }
      ).padPx;
    expect(pad({ profile: 'litemedsam-256-longest-pad' })).toBe(6);
    expect(pad({ profile: 'medsam-1024-stretch' })).toBe(5);
    expect(pad({ profile: 'litemedsam-256-longest-pad', propagatePadPx: 2 })).toBe(2);
    expect(pad({})).toBe(5);
  });

  test('NSD units: tau in mm with a pixel spacing, in pixels without', async () => {
    const w = 48,
      h = 48;
    const ref = rect(w, h, 10, 10, 29, 29);
    const shifted = rect(w, h, 13, 10, 32, 29); // 3 px to the right
    const fake: BenchSegment<null> = async () => ({ masks: [shifted], iou: [1] });
    const mk = (spacing: [number, number] | null): BenchCase<null> => ({
      name: 'c',
      modality: 'X',
      slices: [{ id: String(spacing), size: { width: w, height: h }, pixelSpacingMm: spacing, load: async () => null }],
      targets: [{ name: 't', mask: () => ref }],
      sliceSpacingMm: null,
    });
    const o = { ...OPTIONS, maxJitterPx: 0 };
    const [mm] = await runSlices([mk([0.5, 0.5])], fake, o); // 3 px = 1.5 mm <= 2 mm: every border point within tau
    const [px] = await runSlices([mk(null)], fake, o); // 3 px > 2 px: the shifted vertical borders are not
    expect(mm.nsdUnit).toBe('mm');
    expect(mm.nsd).toBe(1);
    expect(px.nsdUnit).toBe('px');
    expect(px.nsd).toBeLessThan(1);
    expect(px.nsd).toBeGreaterThan(0.5);
    expect(px.dice).toBeCloseTo(dice(shifted, ref), 12);
  });

  test('review check: share of the worst 10% in the top 10% of the queue, against chance k / n', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ dice: i / 50, score: 1 - i / 50 }));
    expect(rankingQuality(items)).toMatchObject({ n: 50, k: 5, hits: 5, share: 1, chance: 0.1, lift: 10 });
    expect(rankingQuality(items.map(x => ({ ...x, score: -x.score })))).toMatchObject({ hits: 0, share: 0 });
    // A constant score finds nothing: ties go against the queue.
    expect(rankingQuality(items.map(x => ({ ...x, score: 0 }))).hits).toBe(0);
    expect(boxStats([1, 2, 3, 4, 100])).toMatchObject({ median: 3, q1: 2, q3: 4, whiskerHigh: 4, outliers: [100] });
  });
});

/** A 256 x 256 volume (the box oracle's grid is then one cell per pixel) with rectangles as targets. */
function syntheticCase(): BenchCase<SliceInput> {
  const w = 256,
    h = 256,
    n = 8;
  const pixels = new Uint8Array(w * h);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 251;
  const squares = Array.from({ length: n }, (_, z) =>
    z >= 1 && z <= 6 ? rect(w, h, 60, 70, 139, 149) : new Uint8Array(w * h),
  );
  const bars = Array.from({ length: n }, (_, z) => {
    if (z < 2 || z > 5) return new Uint8Array(w * h);
    const m = rect(w, h, 180, 20, 199, 79);
    m.set(rect(w, h, 180, 200, 199, 229).map((v, i) => v || m[i])); // two components on each slice
    return m;
  });
  return {
    name: 'synthetic',
    modality: 'CT',
    slices: Array.from({ length: n }, (_, z) => ({
      id: `synthetic:${z}`,
      size: { width: w, height: h },
      pixelSpacingMm: [0.8, 0.8] as const,
      load: async () => ({ slice: { rows: h, columns: w, samplesPerPixel: 1 as const, pixels, modality: 'OT' } }),
    })),
    targets: [
      { name: 'square', mask: (z: number) => squares[z] },
      { name: 'bars', mask: (z: number) => bars[z] },
    ],
    sliceSpacingMm: 2,
  };
}

describe('medsam benchmark with the box oracle test model', () => {
  const run = (options: Partial<BenchOptions>, out: string) =>
    runBenchmark(
      {
        cases: [syntheticCase()],
        manifest: MANIFEST,
        modelId: 'box-oracle',
        precision: 'fp32',
        options: { ...OPTIONS, ...options },
        out: path.join(OUT, out),
        png: false,
        quiet: true,
      },
      quietIo,
    );

  test('a box-shaped reference prompted with its own bounding box gives Dice 1 and NSD 1, in 2D and in 3D', async () => {
    const { report, files } = await run({ maxJitterPx: 0 }, 'exact');
    expect(report.model).toMatchObject({ id: 'box-oracle', testModel: true, profile: 'medsam-1024-stretch' });
    expect(report.twoD.records).toHaveLength(6 + 4);
    for (const r of report.twoD.records) {
      expect(r.dice).toBe(1);
      expect(r.nsd).toBe(1);
      expect(r.nsdUnit).toBe('mm');
    }
    // bars: two components on each slice -> two boxes each (the challenge's protocol)
    expect(report.twoD.records.filter(r => r.target === 'bars').every(r => r.boxes.length === 2)).toBe(true);
    const square3d = report.threeD.records.filter(r => r.target === 'square' && r.protocol.kind === 'markers');
    expect(square3d.map(r => [r.protocol, r.dice, r.nsd, r.userActions, r.slicesSegmented])).toEqual([
      [{ kind: 'markers', k: 3 }, 1, 1, 3, 6], // key slices 1, 4, 6
      [{ kind: 'markers', k: 5 }, 1, 1, 2, 6], // 1, 6
    ]);
    // Propagation with the box oracle grows each box by the MedSAM padding (5 px) per slice: below 1, one box drawn.
    const prop = report.threeD.records.find(r => r.target === 'square' && r.protocol.kind === 'propagate')!;
    expect(prop.protocol).toEqual({ kind: 'propagate', padPx: 5 });
    expect(prop.userActions).toBe(1);
    expect(prop.dice).toBeLessThan(1);
    // Propagation stays in the target's z extent (the 3D box's z range), slices 1..6, starting in its middle.
    expect(prop.keySlices).toEqual([3]);
    expect(prop.perSlice.map(s => s.slice)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(report.review).not.toBeNull();
    expect(files.map(f => path.basename(f))).toEqual(['benchmark.json', 'benchmark.svg']);
    expect(JSON.parse(fs.readFileSync(files[0], 'utf8')).protocol.seed).toBe(7);
    expect(fs.readFileSync(files[1], 'utf8')).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  test('a jittered box gives exactly the jittered rectangle: each side out by floor((d + 2) / 4) pixels for d model pixels', async () => {
    const { report } = await run({ maxJitterPx: 20, seed: 11 }, 'jitter');
    const w = 256;
    let grew = 0;
    for (const r of report.twoD.records.filter(x => x.target === 'square')) {
      const [dl, dt, dr, db] = r.jitter[0];
      const e = (d: number) => Math.floor((d + 2) / 4);
      const expected = rect(w, w, 60 - e(dl), 70 - e(dt), 139 + e(dr), 149 + e(db));
      const ref = rect(w, w, 60, 70, 139, 149);
      expect(r.dice).toBeCloseTo(dice(expected, ref), 12);
      expect(r.predPixels).toBe(expected.reduce((a, v) => a + v, 0));
      if (r.dice < 1) grew++;
    }
    expect(grew).toBeGreaterThan(0);
  });

  test('the same seed reproduces the report; another seed changes the boxes', async () => {
    const a = await run({ seed: 5, keySteps: [], propagate: false }, 'seed-a');
    const b = await run({ seed: 5, keySteps: [], propagate: false }, 'seed-b');
    const c = await run({ seed: 6, keySteps: [], propagate: false }, 'seed-c');
    const strip = (r: typeof a.report) => r.twoD.records.map(x => [x.boxes, x.dice, x.nsd]);
    expect(strip(b.report)).toEqual(strip(a.report));
    expect(strip(c.report)).not.toEqual(strip(a.report));
  });

  test('the command on the 3-slice CT: table, JSON, SVG and (with Chromium) PNG', async () => {
    const out = path.join(OUT, 'cli');
    const data = path.join(ROOT, 'tests/data/ct-liver-3slice');
    const r = await runCli([
      'benchmark',
      '--dicom',
      path.join(data, 'ct-3slice'),
      '--labels',
      path.join(data, 'liver.dcm'),
      '--labels',
      path.join(data, 'spine_seg.nrrd'),
      '--target',
      '1:liver',
      '--target',
      '2:spine',
      '--model',
      'box-oracle',
      '--k',
      '2',
      '--seed',
      '3',
      '--out',
      out,
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
    expect(r.stdout).toMatch(/TEST MODEL box-oracle/);
    expect(r.stdout).toMatch(/ct-3slice\s+CT\s+liver\s+3 /);
    expect(r.stdout).toMatch(/markers k=2/);
    expect(r.stderr).toMatch(/benchmark 2D: 3\/3/);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'benchmark.json'), 'utf8'));
    expect(json.protocol).toMatchObject({ seed: 3, maxJitterPx: 20, boxMode: 'component', tau: 2 });
    expect(json.twoD.perTarget.map((t: { target: string }) => t.target)).toEqual(['liver', 'spine']);
    if (fs.existsSync(process.env.CHROMIUM_PATH || '/usr/bin/chromium')) {
      const png = fs.readFileSync(path.join(out, 'benchmark.png'));
      expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    } else {
      expect(r.stderr).toMatch(/SVG only/);
    }
  });
});
