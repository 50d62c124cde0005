/**
 * Intensity normalisation on small inputs. Expected values were printed by the reference functions in
 * models/reference/preprocess_reference.py (numpy 2.4); the parity test covers whole slices.
 */
import { isMedsamError } from '../errors';
import { normaliseIntensity, numpyUint8, resolveIntensity } from './intensity';
import type { IntensityOptions, PixelArray, SliceImage } from './types';

function row(pixels: PixelArray, extra: Partial<SliceImage> = {}): SliceImage {
  return { rows: 1, columns: pixels.length, samplesPerPixel: 1, pixels, ...extra };
}

function run(image: SliceImage, options: IntensityOptions): number[] {
  return Array.from(normaliseIntensity(image, options).data);
}

describe('CT windows', () => {
  test('soft tissue (W400, L40) truncates like np.uint8', () => {
    expect(
      run(row(new Float32Array([-1000, -160, -159, 39, 40, 240, 1000])), { kind: 'ct-window', window: 'soft-tissue' }),
    ).toEqual([0, 0, 0, 126, 127, 255, 255]);
  });

  test('lung (W1500, L-160)', () => {
    expect(
      run(row(new Float32Array([-1000, -910, -160, 0, 590, 2000])), { kind: 'ct-window', window: 'lung' }),
    ).toEqual([0, 0, 127, 154, 255, 255]);
  });

  test('brain (W80, L40) and a custom window', () => {
    expect(run(row(new Int16Array([0, 40, 80])), { kind: 'ct-window', window: 'brain' })).toEqual([0, 127, 255]);
    expect(run(row(new Int16Array([-135, 50, 235])), { kind: 'ct-window', window: { width: 370, level: 50 } })).toEqual(
      [0, 127, 255],
    );
  });

  test('rescale slope and intercept are applied before the window', () => {
    // stored 1064 with intercept -1024 is 40 HU; stored 532 with slope 2 as well
    expect(
      run(row(new Uint16Array([1064]), { rescaleIntercept: -1024 }), { kind: 'ct-window', window: 'soft-tissue' }),
    ).toEqual([127]);
    expect(
      run(row(new Uint16Array([532]), { rescaleSlope: 2, rescaleIntercept: -1024 }), {
        kind: 'ct-window',
        window: 'soft-tissue',
      }),
    ).toEqual([127]);
  });

  test("'slice-min-max' rescales by the clipped slice's own range, 'window' by the window", () => {
    const slice = row(new Float32Array([-100, 0, 50, 100]));
    expect(run(slice, { kind: 'ct-window', window: 'soft-tissue', range: 'slice-min-max' })).toEqual([
      0, 127, 191, 255,
    ]);
    expect(run(slice, { kind: 'ct-window', window: 'soft-tissue' })).toEqual([38, 102, 133, 165]);
  });

  test('a window of zero width is rejected', () => {
    try {
      normaliseIntensity(row(new Int16Array([1, 2])), { kind: 'ct-window', window: { width: 0, level: 40 } });
      throw new Error('no error');
    } catch (e) {
      expect(isMedsamError(e, 'INVALID_IMAGE')).toBe(true);
    }
  });
});

describe('percentile clipping (numpy linear percentiles)', () => {
  test("0.5..99.5 over all pixels ('all')", () => {
    const image: SliceImage = {
      rows: 2,
      columns: 5,
      samplesPerPixel: 1,
      pixels: new Int16Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    };
    expect(run(image, { kind: 'percentile' })).toEqual([0, 27, 55, 84, 113, 141, 170, 199, 227, 255]);
  });

  test("'nonzero' ranks values > 0 only and keeps zeros at 0, as the official 3-D script", () => {
    const image: SliceImage = {
      rows: 3,
      columns: 3,
      samplesPerPixel: 1,
      pixels: new Float32Array([0, 0, 5, 7, 9, 100, 3, 0, -4]),
    };
    expect(run(image, { kind: 'percentile', percentileOf: 'nonzero' })).toEqual([0, 0, 5, 10, 15, 255, 0, 0, 0]);
  });

  test('integer and float storage rank the same way (histogram vs selection), also with a negative slope', () => {
    const values = [12, 7, 7, 300, -20, 0, 45, 45, 45, 1000, 3, 8];
    const ints = run(row(new Int16Array(values), { rescaleSlope: -0.5, rescaleIntercept: 10 }), {
      kind: 'percentile',
      lowerPercentile: 10,
      upperPercentile: 80,
    });
    const floats = run(row(new Float32Array(values), { rescaleSlope: -0.5, rescaleIntercept: 10 }), {
      kind: 'percentile',
      lowerPercentile: 10,
      upperPercentile: 80,
    });
    expect(ints).toEqual(floats);
    expect(ints).toEqual([247, 251, 251, 0, 255, 255, 216, 216, 216, 0, 255, 251]);
  });
});

describe('RGB and other grey images', () => {
  test('RGB within 0..255 is unchanged (interleaved and planar give the same interleaved image)', () => {
    const interleaved = new Uint8Array([10, 20, 30, 40, 50, 60]);
    const planar = new Uint8Array([10, 40, 20, 50, 30, 60]);
    const a = normaliseIntensity({ rows: 1, columns: 2, samplesPerPixel: 3, pixels: interleaved }, { kind: 'auto' });
    const b = normaliseIntensity(
      { rows: 1, columns: 2, samplesPerPixel: 3, planar: true, pixels: planar },
      { kind: 'auto' },
    );
    expect(a.channels).toBe(3);
    expect(Array.from(a.data)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(Array.from(b.data)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  test('RGB beyond 0..255 is min-max rescaled over all samples', () => {
    expect(
      run(
        { rows: 1, columns: 4, samplesPerPixel: 1, pixels: new Uint16Array([0, 1000, 500, 250]) },
        { kind: 'unchanged-if-8bit' },
      ),
    ).toEqual([0, 255, 127, 63]);
  });

  test('min-max', () => {
    expect(run(row(new Int8Array([-100, 0, 50, 120])), { kind: 'min-max' })).toEqual([0, 115, 173, 255]);
  });

  test('a constant image becomes 0 (numpy: 0/0 is NaN, and NaN casts to 0)', () => {
    expect(run(row(new Uint16Array([7, 7, 7])), { kind: 'min-max' })).toEqual([0, 0, 0]);
  });
});

describe("'auto' by DICOM Modality", () => {
  test.each([
    ['CT', 1, 'ct-window'],
    ['MR', 1, 'percentile'],
    ['mr', 1, 'percentile'],
    ['CR', 1, 'percentile'],
    ['DX', 1, 'percentile'],
    ['MG', 1, 'percentile'],
    ['US', 1, 'percentile'],
    ['OPT', 1, 'percentile'],
    ['US', 3, 'unchanged-if-8bit'],
    ['XC', 3, 'unchanged-if-8bit'],
    ['OT', 1, 'min-max'],
    [undefined, 1, 'min-max'],
  ] as const)('%s with %i sample(s) -> %s', (modality, samplesPerPixel, kind) => {
    expect(resolveIntensity({ kind: 'auto' }, { modality, samplesPerPixel }).kind).toBe(kind);
  });

  test('CT means the soft-tissue window', () => {
    expect(resolveIntensity({ kind: 'auto' }, { modality: 'CT', samplesPerPixel: 1 })).toEqual({
      kind: 'ct-window',
      window: 'soft-tissue',
    });
  });
});

describe('numpyUint8 (float64 -> uint8 as numpy casts on x86-64)', () => {
  test.each([
    [0.7, 0],
    [254.999, 254],
    [255, 255],
    [255.7, 255],
    [-0.5, 0],
    [-1.5, 255],
    [256.3, 0],
    [300, 44],
    [1000, 232],
    [-200, 56],
    [Number.NaN, 0],
    [Number.POSITIVE_INFINITY, 0],
  ])('%f -> %i', (x, want) => {
    expect(numpyUint8(x)).toBe(want);
  });
});
