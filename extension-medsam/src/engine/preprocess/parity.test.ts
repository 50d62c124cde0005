/**
 * Parity with the official Python preprocessing (goldens from models/reference/preprocess_reference.py): the
 * intensity image, the 1024 x 1024 uint8 image of MedSAM's skimage resize, LiteMedSAM's cv2 INTER_AREA image, and
 * the float32 encoder input. The bar is max |diff| <= 1 grey level; the figures printed at the end show
 * how far below it we are (the differing fraction is expected to be 0).
 */
import * as jpeg from 'jpeg-js';
import {
  type ExpectedArray,
  type FixtureCase,
  expectedFull,
  expectedSample,
  loadManifest,
  loadSlice,
  sha256,
} from '../../../../tests/fixtures/preprocess/load';
import { normaliseIntensity, preprocessForModel, validateSliceImage } from './index';

interface Figure {
  caseId: string;
  stage: string;
  compared: number;
  how: string;
  maxDiff: number;
  differing: number;
}

const figures: Figure[] = [];
const manifest = loadManifest();

function decodeJpeg(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  return { width: d.width, height: d.height, data: d.data };
}

/** Compares an actual array (numpy layout) with the fixture, in full or on the sample; records the figure. */
function compare(caseId: string, stage: string, actual: Uint8Array, expected: ExpectedArray): void {
  const n = expected.shape.reduce((a, b) => a * b, 1);
  expect(actual.length).toBe(n);
  const exact = sha256(actual) === expected.sha256;
  let maxDiff = 0;
  let differing = 0;
  let compared = 0;
  let how: string;
  const full = expectedFull(expected);
  if (full) {
    how = 'full';
    for (let i = 0; i < n; i++) {
      const d = Math.abs(actual[i] - full[i]);
      if (d > 0) differing++;
      if (d > maxDiff) maxDiff = d;
    }
    compared = n;
  } else {
    const sample = expectedSample(expected)!;
    how = exact ? 'sha256 (whole), sample' : 'sample';
    for (let k = 0; k < sample.positions.length; k++) {
      const d = Math.abs(actual[sample.positions[k]] - sample.values[k]);
      if (d > 0) differing++;
      if (d > maxDiff) maxDiff = d;
    }
    compared = sample.positions.length;
  }
  if (exact) {
    how = full ? 'full + sha256' : 'sha256 (whole) + sample';
    expect(differing).toBe(0);
  }
  figures.push({ caseId, stage, compared: exact ? n : compared, how, maxDiff, differing: exact ? 0 : differing });
  expect(maxDiff).toBeLessThanOrEqual(1);
}

/**
 * Recovers the uint8 image (numpy layout, H x W x 3) from the encoder input through numpy's float32 table, so that one
 * run of the public function checks both the resize and the float conversion. A value outside the table (or padding
 * that is not 0) becomes 256, which no expected value equals.
 */
function uint8FromInput(
  input: Float32Array,
  size: number,
  rows: number,
  columns: number,
  table: number[],
  min: number,
): Uint8Array {
  const level = new Map<number, number>();
  table.forEach((v, i) => level.set(v, min + i));
  const area = size * size;
  const out = new Uint8Array(rows * columns * 3);
  let bad = 0;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const v = input[c * area + y * size + x];
        if (y >= rows || x >= columns) {
          if (v !== 0) bad++;
          continue;
        }
        const l = level.get(v);
        if (l === undefined) bad++;
        else out[(y * columns + x) * 3 + c] = l;
      }
    }
  }
  expect(bad).toBe(0);
  return out;
}

function runCase(c: FixtureCase): void {
  const slice = loadSlice(c, decodeJpeg);
  if (!slice) {
    console.warn(`${c.id}: ${c.input.jpeg ?? 'input'} not found under ../shared/data; skipped`);
    return;
  }
  validateSliceImage(slice);
  if (c.input.source === 'jpeg') {
    // The same pixels the reference ran on (jpeg-js decodes differently from Pillow; see the fixture README).
    expect(sha256(slice.pixels)).toBe(c.input.decodedSha256);
  } else {
    expect(sha256(slice.pixels)).toBe(c.input.storedSha256);
  }

  const u8 = normaliseIntensity(slice, c.intensity);
  compare(c.id, 'intensity', u8.data, c.expected.intensity);

  const medsam = c.expected['medsam-1024-stretch'];
  if (medsam) {
    const result = preprocessForModel(slice, 'medsam-1024-stretch', c.intensity);
    expect(result.inputSize).toBe(1024);
    expect(result.original).toEqual({ rows: slice.rows, columns: slice.columns });
    expect(result.resized).toEqual({ rows: 1024, columns: 1024 });
    compare(
      c.id,
      'medsam 1024 (uint8)',
      uint8FromInput(result.input, 1024, 1024, 1024, medsam.table!, medsam.min),
      medsam,
    );
  }

  const lite = c.expected['litemedsam-256-longest-pad'];
  if (lite) {
    const result = preprocessForModel(slice, 'litemedsam-256-longest-pad', c.intensity);
    expect([result.resized.rows, result.resized.columns, 3]).toEqual(lite.shape);
    expect(result.scale).toEqual({ x: lite.scale, y: lite.scale });
    const { rows, columns } = result.resized;
    compare(
      c.id,
      'litemedsam 256 (uint8)',
      uint8FromInput(result.input, 256, rows, columns, lite.table!, lite.min),
      lite,
    );
  }
}

describe('preprocessing parity with the official Python steps', () => {
  afterAll(() => {
    const lines = figures.map(
      f =>
        `${f.caseId.padEnd(34)} ${f.stage.padEnd(20)} ${f.how.padEnd(24)} compared ${String(f.compared).padStart(8)}  max|diff| ${f.maxDiff}  differing ${(f.differing / Math.max(1, f.compared)).toExponential(2)}`,
    );
    console.log(`preprocessing parity (reference: ${JSON.stringify(manifest.versions)})\n${lines.join('\n')}`);
  });

  for (const c of manifest.cases) {
    test(`${c.id} (${c.input.rows}x${c.input.columns}x${c.input.samplesPerPixel} ${c.input.dtype}, ${c.intensity.kind})`, () =>
      runCase(c));
  }
});
