/**
 * Dice and NSD against the references (goldens: models/reference/metrics_reference.py, format in
 * tests/fixtures/metrics/README.md): DeepMind's surface-distance algorithm in float64 and MONAI's compute_surface_dice
 * (use_subvoxels=True). Target |diff| <= 1e-6; the largest difference is printed.
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import * as ts from 'typescript';
import { gunzipSync } from 'zlib';
import { squaredDistanceTransform } from './edt';
import { dice, normalizedSurfaceDistance, normalizedSurfaceDistances, surfaceDistances, type MaskShape } from './index';

const FIXTURES = join(__dirname, '../../../../tests/fixtures/metrics');

interface Case {
  name: string;
  shape: number[];
  spacingMm: number[];
  maskA: string;
  maskB: string;
  voxelsA: number;
  voxelsB: number;
  dice: number | null;
  borderMeasureA: number;
  borderMeasureB: number;
  nsd: Array<{ tauMm: number; deepmind: number | null; monai: number | null }>;
}

const meta: { cases: Case[] } = JSON.parse(readFileSync(join(FIXTURES, 'cases.json'), 'utf8'));

function readMask(name: string, n: number): Uint8Array {
  const bits = gunzipSync(readFileSync(join(FIXTURES, name)));
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (bits[i >> 3] >> (i & 7)) & 1;
  return out;
}

describe('Dice and NSD parity with DeepMind surface-distance (algorithm) and MONAI', () => {
  const report: string[] = [];
  let worstDeepmind = 0;
  let worstMonai = 0;
  afterAll(() =>
    console.log(
      `metrics vs references:\n${report.join('\n')}\n  max |NSD - deepmind| ${worstDeepmind.toExponential(2)}, ` +
        `max |NSD - monai| ${worstMonai.toExponential(2)}`,
    ),
  );

  it.each(meta.cases.map(c => [c.name, c] as const))('%s', (_name, c) => {
    const n = c.shape.reduce((p, q) => p * q, 1);
    const a = readMask(c.maskA, n);
    const b = readMask(c.maskB, n);
    const shape = c.shape as unknown as MaskShape;
    expect(a.reduce((s, v) => s + v, 0)).toBe(c.voxelsA);

    const d = dice(a, b, shape);
    if (c.dice === null) expect(d).toBe(1);
    else expect(Math.abs(d - c.dice)).toBeLessThanOrEqual(1e-12);

    const t0 = performance.now();
    const got = normalizedSurfaceDistances(
      a,
      b,
      shape,
      c.spacingMm,
      c.nsd.map(x => x.tauMm),
    );
    const ms = performance.now() - t0;
    const sd = surfaceDistances(a, b, shape, c.spacingMm);
    const sum = (x: Float64Array) => x.reduce((p, q) => p + q, 0);
    expect(Math.abs(sum(sd.measureA) - c.borderMeasureA)).toBeLessThanOrEqual(1e-9 * Math.max(1, c.borderMeasureA));
    expect(Math.abs(sum(sd.measureB) - c.borderMeasureB)).toBeLessThanOrEqual(1e-9 * Math.max(1, c.borderMeasureB));

    const parts: string[] = [];
    c.nsd.forEach((ref, k) => {
      if (ref.deepmind === null) {
        expect(got[k]).toBe(1); // both empty: the engine's definition
        parts.push(`tau ${ref.tauMm}: ${got[k]} (references NaN)`);
        return;
      }
      const dd = Math.abs(got[k] - ref.deepmind);
      const dm = Math.abs(got[k] - (ref.monai as number));
      worstDeepmind = Math.max(worstDeepmind, dd);
      worstMonai = Math.max(worstMonai, dm);
      parts.push(`tau ${ref.tauMm}: ${got[k].toFixed(6)} |diff| ${dd.toExponential(1)} / ${dm.toExponential(1)}`);
      expect(dd).toBeLessThanOrEqual(1e-6);
      expect(dm).toBeLessThanOrEqual(1e-6);
    });
    report.push(`  ${c.name} [${c.shape.join('x')}] dice ${d.toFixed(6)}; ${parts.join('; ')} (${ms.toFixed(0)} ms)`);
  });
});

describe('metrics behaviour', () => {
  it('defines both-empty as 1 and one-empty as 0', () => {
    const z = new Uint8Array(12);
    const one = new Uint8Array(12);
    one[5] = 1;
    expect(dice(z, z)).toBe(1);
    expect(normalizedSurfaceDistance(z, z, [3, 4], [1, 1], 2)).toBe(1);
    expect(dice(one, z)).toBe(0);
    expect(normalizedSurfaceDistance(one, z, [3, 4], [1, 1], 2)).toBe(0);
    expect(normalizedSurfaceDistance(z, one, [3, 4], [1, 1], 2)).toBe(0);
  });

  it('is 1 for identical masks and symmetric', () => {
    const a = new Uint8Array(5 * 6 * 7);
    const b = new Uint8Array(5 * 6 * 7);
    for (let i = 0; i < a.length; i++) {
      a[i] = (i * 7919) % 5 === 0 ? 1 : 0;
      b[i] = (i * 104729) % 3 === 0 ? 1 : 0;
    }
    expect(normalizedSurfaceDistance(a, a, [5, 6, 7], [2, 0.7, 0.7], 0)).toBe(1);
    expect(dice(a, a)).toBe(1);
    const ab = normalizedSurfaceDistance(a, b, [5, 6, 7], [2, 0.7, 0.9], 1);
    const ba = normalizedSurfaceDistance(b, a, [5, 6, 7], [2, 0.7, 0.9], 1);
    expect(Math.abs(ab - ba)).toBeLessThan(1e-12);
    expect(dice(a, b)).toBeCloseTo(dice(b, a), 15);
  });

  it('measures a 2D square contour with the spacing (4 sides, corners cut)', () => {
    // a 2x3 block of pixels, spacing 0.5 (rows) x 2 (cols): straight runs 1 x s0 per side column, 2 x s1 per side row,
    // plus 4 corner cuts of 0.5 * hypot(s0, s1)
    const m = new Uint8Array(6 * 7);
    for (let r = 2; r < 4; r++) for (let c = 2; c < 5; c++) m[r * 7 + c] = 1;
    const sd = surfaceDistances(m, m, [6, 7], [0.5, 2]);
    const len = sd.measureA.reduce((p, q) => p + q, 0);
    expect(len).toBeCloseTo(2 * 1 * 0.5 + 2 * 2 * 2 + 4 * 0.5 * Math.hypot(0.5, 2), 12);
  });

  it('computes exact anisotropic Euclidean distances', () => {
    const f = new Uint8Array(4 * 5 * 6);
    f[(1 * 5 + 2) * 6 + 3] = 1;
    const d2 = squaredDistanceTransform(f, [4, 5, 6], [2.5, 0.7, 1.1]);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 5; j++)
        for (let k = 0; k < 6; k++) {
          const want = ((i - 1) * 2.5) ** 2 + ((j - 2) * 0.7) ** 2 + ((k - 3) * 1.1) ** 2;
          expect(d2[(i * 5 + j) * 6 + k]).toBeCloseTo(want, 10);
        }
    expect(squaredDistanceTransform(new Uint8Array(8), [2, 2, 2], [1, 1, 1]).every(v => v === Infinity)).toBe(true);
  });

  it('refuses mismatched shapes and bad spacing or tolerance', () => {
    const a = new Uint8Array(12);
    expect(() => dice(a, new Uint8Array(11))).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => normalizedSurfaceDistance(a, a, [3, 5], [1, 1], 2)).toThrow(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }),
    );
    expect(() => normalizedSurfaceDistance(a, a, [3, 4], [1, 1, 1], 2)).toThrow(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }),
    );
    expect(() => normalizedSurfaceDistance(a, a, [3, 4], [0, 1], 2)).toThrow(
      expect.objectContaining({ code: 'INVALID_IMAGE' }),
    );
    expect(() => normalizedSurfaceDistance(a, a, [3, 4], [1, 1], -1)).toThrow(
      expect.objectContaining({ code: 'INVALID_IMAGE' }),
    );
  });
});

describe('metrics speed', () => {
  it('handles a 20x512x512 volume in well under a few seconds (timed in a plain Node process)', () => {
    // Inside Jest's vm context V8 runs Math.* builtins (sqrt here) many times slower than in a normal context (a worker,
    // the CLI), so the parity timings above overstate the engine's cost; this times it as callers run it.
    const dir = mkdtempSync(join(tmpdir(), 'medsam-metrics-'));
    const engine = join(__dirname, '..');
    for (const f of [
      'coded-error.ts',
      'errors.ts',
      'metrics/edt.ts',
      'metrics/surface.ts',
      'metrics/surfelNormals.ts',
      'metrics/dice.ts',
    ]) {
      const js = ts.transpileModule(readFileSync(join(engine, f), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f.replace(/\.ts$/, '.js')), js);
    }
    const c = meta.cases.find(x => x.shape.length === 3 && x.shape[0] === 20 && x.shape[1] === 512) as Case;
    const bench = `
      const { normalizedSurfaceDistances } = require(${JSON.stringify(join(dir, 'metrics/surface.js'))});
      const { dice } = require(${JSON.stringify(join(dir, 'metrics/dice.js'))});
      const fs = require('fs'), zlib = require('zlib');
      const read = (f, n) => { const bits = zlib.gunzipSync(fs.readFileSync(f)); const o = new Uint8Array(n);
        for (let i = 0; i < n; i++) o[i] = (bits[i >> 3] >> (i & 7)) & 1; return o; };
      const shape = ${JSON.stringify(c.shape)}, n = shape[0] * shape[1] * shape[2];
      const a = read(${JSON.stringify(join(FIXTURES, c.maskA))}, n), b = read(${JSON.stringify(join(FIXTURES, c.maskB))}, n);
      const t = [];
      for (let k = 0; k < 5; k++) { const t0 = performance.now(); normalizedSurfaceDistances(a, b, shape, ${JSON.stringify(c.spacingMm)}, [2]); dice(a, b); t.push(performance.now() - t0); }
      console.log(JSON.stringify({ first: t[0], median: t.sort((p, q) => p - q)[2] }));`;
    const run = spawnSync(process.execPath, ['-e', bench], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(run.stderr).toBe('');
    const res: { first: number; median: number } = JSON.parse(run.stdout);
    console.log(
      `Dice + NSD on ${c.name} [${c.shape.join('x')}] (Node ${process.version}, separate process): ` +
        `first call ${res.first.toFixed(0)} ms, median of 5 ${res.median.toFixed(0)} ms`,
    );
    expect(res.first).toBeLessThan(5000);
  });
});
