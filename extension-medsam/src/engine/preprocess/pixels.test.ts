import { isMedsamError, MedsamError } from '../errors';
import { decodeNativePixelData, MAX_IMAGE_SIDE, validateSliceImage } from './pixels';
import type { SliceImage } from './types';

function grey(rows: number, columns: number, pixels = new Int16Array(rows * columns)): SliceImage {
  return { rows, columns, samplesPerPixel: 1, pixels };
}

function errorOf(fn: () => void): MedsamError {
  try {
    fn();
  } catch (e) {
    if (isMedsamError(e)) return e;
    throw e;
  }
  throw new Error('expected a MedsamError');
}

describe('decodeNativePixelData', () => {
  test('16-bit signed little endian', () => {
    const bytes = new Uint8Array([0x18, 0xfc, 0xe8, 0x03]); // -1000, 1000
    const out = decodeNativePixelData(bytes, {
      rows: 1,
      columns: 2,
      samplesPerPixel: 1,
      bitsAllocated: 16,
      pixelRepresentation: 1,
    });
    expect(out).toBeInstanceOf(Int16Array);
    expect(Array.from(out)).toEqual([-1000, 1000]);
  });

  test('12 bits stored in 16: bits above are ignored and the sign is extended from bit 11', () => {
    // 0xF800 | 0x0FFF = stored -1 with garbage in the high nibble; 0x0800 = -2048; 0x07FF = 2047
    const bytes = new Uint8Array([0xff, 0xff, 0x00, 0x08, 0xff, 0x07]);
    const signed = decodeNativePixelData(bytes, {
      rows: 1,
      columns: 3,
      samplesPerPixel: 1,
      bitsAllocated: 16,
      bitsStored: 12,
      pixelRepresentation: 1,
    });
    expect(Array.from(signed)).toEqual([-1, -2048, 2047]);
    const unsigned = decodeNativePixelData(bytes, {
      rows: 1,
      columns: 3,
      samplesPerPixel: 1,
      bitsAllocated: 16,
      bitsStored: 12,
      pixelRepresentation: 0,
    });
    expect(unsigned).toBeInstanceOf(Uint16Array);
    expect(Array.from(unsigned)).toEqual([4095, 2048, 2047]);
  });

  test('8-bit signed and unsigned, RGB keeps its sample order', () => {
    const bytes = new Uint8Array([0, 127, 128, 255, 1, 2]);
    expect(
      Array.from(
        decodeNativePixelData(bytes, {
          rows: 1,
          columns: 2,
          samplesPerPixel: 3,
          bitsAllocated: 8,
          pixelRepresentation: 0,
        }),
      ),
    ).toEqual([0, 127, 128, 255, 1, 2]);
    expect(
      Array.from(
        decodeNativePixelData(bytes, {
          rows: 2,
          columns: 3,
          samplesPerPixel: 1,
          bitsAllocated: 8,
          pixelRepresentation: 1,
        }),
      ),
    ).toEqual([0, 127, -128, -1, 1, 2]);
  });

  test('too few bytes and unsupported depths are INVALID_IMAGE', () => {
    expect(
      errorOf(() =>
        decodeNativePixelData(new Uint8Array(3), {
          rows: 1,
          columns: 2,
          samplesPerPixel: 1,
          bitsAllocated: 16,
          pixelRepresentation: 0,
        }),
      ).code,
    ).toBe('INVALID_IMAGE');
    expect(
      errorOf(() =>
        decodeNativePixelData(new Uint8Array(8), {
          rows: 1,
          columns: 2,
          samplesPerPixel: 1,
          bitsAllocated: 32 as 16,
          pixelRepresentation: 0,
        }),
      ).code,
    ).toBe('INVALID_IMAGE');
  });
});

describe('validateSliceImage', () => {
  test('a NaN or infinite pixel is INVALID_IMAGE naming the first bad index', () => {
    const pixels = new Float32Array(12);
    pixels[7] = Number.POSITIVE_INFINITY;
    pixels[9] = Number.NaN;
    const e = errorOf(() => validateSliceImage({ rows: 3, columns: 4, samplesPerPixel: 1, pixels }));
    expect(e.code).toBe('INVALID_IMAGE');
    expect(e.message).toContain('index 7');
    expect(e.message).toContain('row 1, column 3');
    expect(e.details).toMatchObject({ index: 7, row: 1, column: 3 });
  });

  test('a NaN in planar RGB names the sample (channel) too', () => {
    const pixels = new Float32Array(2 * 2 * 3);
    pixels[4 + 3] = Number.NaN; // plane 1 (green), pixel 3
    const e = errorOf(() => validateSliceImage({ rows: 2, columns: 2, samplesPerPixel: 3, planar: true, pixels }));
    expect(e.details).toMatchObject({ index: 7, row: 1, column: 1, sample: 1 });
  });

  test('1x1 and 1xN images are IMAGE_SIZE_UNSUPPORTED', () => {
    expect(errorOf(() => validateSliceImage(grey(1, 1))).code).toBe('IMAGE_SIZE_UNSUPPORTED');
    expect(errorOf(() => validateSliceImage(grey(1, 300))).code).toBe('IMAGE_SIZE_UNSUPPORTED');
    expect(() => validateSliceImage(grey(2, 2))).not.toThrow();
  });

  test(`sides above ${MAX_IMAGE_SIDE} and RGB beyond the sample limit are IMAGE_SIZE_UNSUPPORTED`, () => {
    // The check runs before the pixel array is touched, so no 16384 x 16384 array is needed.
    const fake = { length: 16384 * 16384 } as unknown as Int16Array;
    const e = errorOf(() => validateSliceImage({ rows: 16384, columns: 16384, samplesPerPixel: 1, pixels: fake }));
    expect(e.code).toBe('IMAGE_SIZE_UNSUPPORTED');
    expect(e.message).toContain('8192');
    expect(
      errorOf(() =>
        validateSliceImage({ rows: 8193, columns: 16, samplesPerPixel: 1, pixels: new Int16Array(8193 * 16) }),
      ).code,
    ).toBe('IMAGE_SIZE_UNSUPPORTED');
    const rgb = { length: 8192 * 8192 * 3 } as unknown as Uint8Array;
    expect(errorOf(() => validateSliceImage({ rows: 8192, columns: 8192, samplesPerPixel: 3, pixels: rgb })).code).toBe(
      'IMAGE_SIZE_UNSUPPORTED',
    );
  });

  test('a pixel array of the wrong length is INVALID_IMAGE', () => {
    const e = errorOf(() => validateSliceImage(grey(10, 10, new Int16Array(99))));
    expect(e.code).toBe('INVALID_IMAGE');
    expect(e.details).toMatchObject({ length: 99, expected: 100 });
    expect(
      errorOf(() => validateSliceImage({ rows: 10, columns: 10, samplesPerPixel: 3, pixels: new Uint8Array(100) }))
        .code,
    ).toBe('INVALID_IMAGE');
  });

  test('non-finite rescale parameters and unsupported sample counts are INVALID_IMAGE', () => {
    expect(errorOf(() => validateSliceImage({ ...grey(4, 4), rescaleSlope: Number.NaN })).code).toBe('INVALID_IMAGE');
    expect(errorOf(() => validateSliceImage({ ...grey(4, 4), samplesPerPixel: 4 as 3 })).code).toBe('INVALID_IMAGE');
  });

  test('errors survive the worker boundary as plain objects', () => {
    const e = errorOf(() => validateSliceImage(grey(1, 1)));
    const back = MedsamError.fromJSON(JSON.parse(JSON.stringify(e.toJSON())) as ReturnType<MedsamError['toJSON']>);
    expect(back.code).toBe('IMAGE_SIZE_UNSUPPORTED');
    expect(back.details).toEqual({ rows: 1, columns: 1 });
  });
});
