import { isMedsamError } from '../errors';
import type { PreprocessingProfileId } from '../manifest';
import { LITEMEDSAM_INPUT_SIZE, MEDSAM_INPUT_SIZE, preprocessForModel, preprocessUint8Image } from './preprocess';
import { resizeAreaUint8 } from './resize-area';
import { resizeSplineUint8 } from './resize-spline';
import type { SliceImage } from './types';

function gradient(rows: number, columns: number): SliceImage {
  const pixels = new Int16Array(rows * columns);
  for (let y = 0; y < rows; y++)
    for (let x = 0; x < columns; x++) pixels[y * columns + x] = -1000 + ((x * 7 + y * 3) % 1400);
  return { rows, columns, samplesPerPixel: 1, pixels, modality: 'CT' };
}

function range(a: Float32Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < min) min = a[i];
    if (a[i] > max) max = a[i];
  }
  return { min, max };
}

describe('preprocessForModel', () => {
  test('MedSAM: [1, 3, 1024, 1024] in [0, 1], box scale 1024 / side per axis', () => {
    const r = preprocessForModel(gradient(300, 200), 'medsam-1024-stretch');
    expect(r.inputSize).toBe(MEDSAM_INPUT_SIZE);
    expect(r.input.length).toBe(3 * 1024 * 1024);
    expect(range(r.input)).toEqual({ min: 0, max: 1 });
    expect(r.original).toEqual({ rows: 300, columns: 200 });
    expect(r.scale).toEqual({ x: 1024 / 200, y: 1024 / 300 });
    expect(r.resized).toEqual({ rows: 1024, columns: 1024 });
  });

  test('LiteMedSAM: longest side 256, int(side * scale + 0.5) for the other, zero padding bottom and right', () => {
    const r = preprocessForModel(gradient(300, 200), 'litemedsam-256-longest-pad');
    expect(r.inputSize).toBe(LITEMEDSAM_INPUT_SIZE);
    expect(r.input.length).toBe(3 * 256 * 256);
    expect(r.resized).toEqual({ rows: 256, columns: 171 }); // 200 * 256/300 = 170.67 -> 171
    expect(r.scale).toEqual({ x: 256 / 300, y: 256 / 300 });
    const area = 256 * 256;
    let padding = 0;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 256; y++)
        for (let x = 171; x < 256; x++) padding += Math.abs(r.input[c * area + y * 256 + x]);
    expect(padding).toBe(0);
    expect(range(r.input.subarray(0, area))).toEqual({ min: 0, max: 1 });
  });

  test('a grey slice gives the same input as the same slice given as RGB (grey repeated to 3 channels)', () => {
    const grey = preprocessUint8Image(
      { rows: 37, columns: 53, channels: 1, data: Uint8Array.from({ length: 37 * 53 }, (_, i) => (i * 37) % 256) },
      'medsam-1024-stretch',
    );
    const rgbData = new Uint8Array(37 * 53 * 3);
    for (let i = 0; i < 37 * 53; i++) rgbData[3 * i] = rgbData[3 * i + 1] = rgbData[3 * i + 2] = (i * 37) % 256;
    const rgb = preprocessUint8Image({ rows: 37, columns: 53, channels: 3, data: rgbData }, 'medsam-1024-stretch');
    expect(Buffer.from(grey.input.buffer).equals(Buffer.from(rgb.input.buffer))).toBe(true);
  });

  test('a constant slice becomes all zeros (numpy divides by clip(0, 1e-8))', () => {
    const pixels = new Uint16Array(40 * 30).fill(700);
    for (const profile of ['medsam-1024-stretch', 'litemedsam-256-longest-pad'] as const) {
      const r = preprocessForModel({ rows: 40, columns: 30, samplesPerPixel: 1, pixels }, profile);
      expect(range(r.input)).toEqual({ min: 0, max: 0 });
    }
  });

  test('bad images fail with typed errors before any work', () => {
    const nan = new Float32Array(16);
    nan[5] = Number.NaN;
    const cases: Array<[SliceImage, string]> = [
      [{ rows: 4, columns: 4, samplesPerPixel: 1, pixels: nan }, 'INVALID_IMAGE'],
      [{ rows: 1, columns: 1, samplesPerPixel: 1, pixels: new Uint8Array(1) }, 'IMAGE_SIZE_UNSUPPORTED'],
      [{ rows: 4, columns: 4, samplesPerPixel: 1, pixels: new Uint8Array(15) }, 'INVALID_IMAGE'],
    ];
    for (const [image, code] of cases) {
      expect(() => preprocessForModel(image, 'medsam-1024-stretch')).toThrow();
      try {
        preprocessForModel(image, 'medsam-1024-stretch');
      } catch (e) {
        expect(isMedsamError(e) && e.code).toBe(code);
      }
    }
  });

  test('an unknown profile is INVALID_MANIFEST', () => {
    try {
      preprocessForModel(gradient(4, 4), 'sam-1024-longest' as PreprocessingProfileId);
      throw new Error('no error');
    } catch (e) {
      expect(isMedsamError(e, 'INVALID_MANIFEST')).toBe(true);
    }
  });

  test('an 8192 x 8192 slice (the size limit) is processed', () => {
    const side = 8192;
    const pixels = new Uint16Array(side * side);
    for (let y = 0; y < side; y++) pixels.fill((y * 5) % 4096, y * side, y * side + (y % 2 === 0 ? side : side / 2));
    const r = preprocessForModel(
      { rows: side, columns: side, samplesPerPixel: 1, pixels, modality: 'MG' },
      'medsam-1024-stretch',
    );
    expect(r.input.length).toBe(3 * 1024 * 1024);
    expect(r.original).toEqual({ rows: side, columns: side });
    expect(range(r.input)).toEqual({ min: 0, max: 1 });
  }, 300_000);
});

describe('resizeSplineUint8', () => {
  test('a flat image stays flat and an image already 1024 x 1024 is returned unchanged', () => {
    const flat = resizeSplineUint8({ rows: 20, columns: 30, channels: 1, data: new Uint8Array(600).fill(100) }, 64, 64);
    expect(flat.min).toBe(100);
    expect(flat.max).toBe(100);
    const data = Uint8Array.from({ length: 1024 * 1024 }, (_, i) => i % 251);
    const same = resizeSplineUint8({ rows: 1024, columns: 1024, channels: 1, data }, 1024, 1024);
    expect(Buffer.from(same.planes[0]).equals(Buffer.from(data))).toBe(true);
  });
});

describe('resizeAreaUint8 (cv2 INTER_AREA; expected values from cv2 5.0)', () => {
  test('2 x 2 blocks round half up ((sum + 2) >> 2), unlike cvRound', () => {
    const out = resizeAreaUint8(new Uint8Array([2, 2, 1, 1, 3, 3, 1, 2]), 2, 4, 1, 1, 2);
    expect(Array.from(out)).toEqual([3, 1]);
  });

  test('3 x 3 blocks, a non-integer factor, and integer enlarging', () => {
    const b = new Uint8Array([1, 1, 1, 3, 3, 3, 1, 1, 1, 3, 3, 3, 1, 1, 2, 3, 3, 4]);
    expect(Array.from(resizeAreaUint8(b, 3, 6, 1, 1, 2))).toEqual([1, 3]);
    const d = new Uint8Array([10, 20, 30, 40, 50, 60]);
    expect(Array.from(resizeAreaUint8(d, 2, 3, 1, 1, 2))).toEqual([28, 42]);
    expect(Array.from(resizeAreaUint8(d, 2, 3, 1, 4, 6))).toEqual([
      10, 10, 20, 20, 30, 30, 10, 10, 20, 20, 30, 30, 40, 40, 50, 50, 60, 60, 40, 40, 50, 50, 60, 60,
    ]);
  });
});
