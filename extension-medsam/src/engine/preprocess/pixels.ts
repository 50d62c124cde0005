/**
 * Stored pixel data -> typed arrays, and the checks every slice passes before any arithmetic. DICOM native pixel
 * data is little endian in every transfer syntax a browser viewer meets (explicit big endian is retired), signed
 * values may occupy fewer bits than allocated (BitsStored < BitsAllocated) and must be sign-extended, and colour
 * may be interleaved (PlanarConfiguration 0) or planar (1).
 */
import { MedsamError } from '../errors';
import type { PixelArray, SliceImage } from './types';

/** The largest side the engine accepts. */
export const MAX_IMAGE_SIDE = 8192;
/** A module binding for the per-pixel check (a global lookup per call is slow under a vm context such as Jest's). */
const finite = Number.isFinite;
/**
 * The most samples (rows * columns * samplesPerPixel) the engine accepts: an 8192 x 8192 grey slice. The resize
 * holds one float64 plane per channel (8 bytes a sample, 512 MiB at this limit) because SciPy's arithmetic must be
 * followed exactly; an RGB image of the same side would need three, more than a browser tab can count on.
 */
export const MAX_IMAGE_SAMPLES = MAX_IMAGE_SIDE * MAX_IMAGE_SIDE;

export interface PixelDataDescription {
  rows: number;
  columns: number;
  samplesPerPixel: 1 | 3;
  bitsAllocated: 8 | 16;
  /** Defaults to bitsAllocated. */
  bitsStored?: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  /**
   * 0 interleaved (default), 1 planar. Not needed to decode (samples keep their stored order); callers describe the
   * frame with it and pass it on as SliceImage.planar.
   */
  planarConfiguration?: 0 | 1;
}

/** Decodes native (uncompressed, little-endian) DICOM pixel data of one frame into the typed array it holds. */
export function decodeNativePixelData(bytes: Uint8Array, d: PixelDataDescription): PixelArray {
  const count = d.rows * d.columns * d.samplesPerPixel;
  const bytesPerSample = d.bitsAllocated / 8;
  if (d.bitsAllocated !== 8 && d.bitsAllocated !== 16) {
    throw new MedsamError('INVALID_IMAGE', `BitsAllocated ${String(d.bitsAllocated)} is not supported (8 or 16 only)`, {
      bitsAllocated: d.bitsAllocated,
    });
  }
  const bitsStored = d.bitsStored ?? d.bitsAllocated;
  if (!Number.isInteger(bitsStored) || bitsStored < 1 || bitsStored > d.bitsAllocated) {
    throw new MedsamError(
      'INVALID_IMAGE',
      `BitsStored ${String(bitsStored)} does not fit BitsAllocated ${d.bitsAllocated}`,
      { bitsStored },
    );
  }
  if (bytes.length < count * bytesPerSample) {
    throw new MedsamError(
      'INVALID_IMAGE',
      `pixel data has ${bytes.length} bytes; ${d.rows}x${d.columns}x${d.samplesPerPixel} at ${d.bitsAllocated} bits needs ${count * bytesPerSample}`,
      { bytes: bytes.length, expected: count * bytesPerSample },
    );
  }
  const signed = d.pixelRepresentation === 1;
  const mask = (1 << bitsStored) - 1;
  const signBit = 1 << (bitsStored - 1);
  const out: PixelArray =
    d.bitsAllocated === 8
      ? signed
        ? new Int8Array(count)
        : new Uint8Array(count)
      : signed
        ? new Int16Array(count)
        : new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    let v = bytesPerSample === 1 ? bytes[i] : bytes[2 * i] | (bytes[2 * i + 1] << 8);
    // Bits above BitsStored may hold overlay data or garbage; only the stored bits are the value.
    v &= mask;
    if (signed && v & signBit) v -= 2 * signBit;
    out[i] = v;
  }
  return out;
}

/**
 * Checks a slice's geometry and values. Errors name the problem: IMAGE_SIZE_UNSUPPORTED below 2x2 or above the
 * limits, INVALID_IMAGE for a wrong sample count, layout or non-finite values (naming the first bad sample).
 */
export function validateSliceImage(image: SliceImage): void {
  const { rows, columns, samplesPerPixel, pixels } = image;
  if (!Number.isInteger(rows) || !Number.isInteger(columns) || rows < 0 || columns < 0) {
    throw new MedsamError(
      'INVALID_IMAGE',
      `rows and columns must be non-negative integers, got ${String(rows)}x${String(columns)}`,
      { rows, columns },
    );
  }
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw new MedsamError('INVALID_IMAGE', `samplesPerPixel ${String(samplesPerPixel)} is not supported (1 or 3)`, {
      samplesPerPixel,
    });
  }
  if (rows < 2 || columns < 2) {
    throw new MedsamError('IMAGE_SIZE_UNSUPPORTED', `image is ${rows}x${columns}; at least 2x2 pixels are needed`, {
      rows,
      columns,
    });
  }
  if (rows > MAX_IMAGE_SIDE || columns > MAX_IMAGE_SIDE || rows * columns * samplesPerPixel > MAX_IMAGE_SAMPLES) {
    throw new MedsamError(
      'IMAGE_SIZE_UNSUPPORTED',
      `image is ${rows}x${columns}x${samplesPerPixel}; the limit is ${MAX_IMAGE_SIDE} pixels a side and ${MAX_IMAGE_SAMPLES} samples`,
      { rows, columns, samplesPerPixel, maxSide: MAX_IMAGE_SIDE, maxSamples: MAX_IMAGE_SAMPLES },
    );
  }
  const expected = rows * columns * samplesPerPixel;
  if (pixels.length !== expected) {
    throw new MedsamError(
      'INVALID_IMAGE',
      `pixel array has ${pixels.length} samples; ${rows}x${columns}x${samplesPerPixel} needs ${expected}`,
      {
        length: pixels.length,
        expected,
      },
    );
  }
  const slope = image.rescaleSlope ?? 1;
  const intercept = image.rescaleIntercept ?? 0;
  if (!Number.isFinite(slope) || !Number.isFinite(intercept)) {
    throw new MedsamError(
      'INVALID_IMAGE',
      `rescale slope ${String(slope)} and intercept ${String(intercept)} must be finite`,
      { slope, intercept },
    );
  }
  if (pixels instanceof Float32Array) {
    for (let i = 0; i < pixels.length; i++) {
      if (!finite(pixels[i])) {
        const { row, column, sample } = locateSample(image, i);
        throw new MedsamError(
          'INVALID_IMAGE',
          `pixel value ${String(pixels[i])} at index ${i} (row ${row}, column ${column}${samplesPerPixel === 3 ? `, sample ${sample}` : ''}) is not a finite number`,
          { index: i, row, column, sample, value: String(pixels[i]) },
        );
      }
    }
  }
}

function locateSample(image: SliceImage, index: number): { row: number; column: number; sample: number } {
  const { rows, columns, samplesPerPixel } = image;
  let pixel = index;
  let sample = 0;
  if (samplesPerPixel === 3) {
    if (image.planar) {
      sample = Math.floor(index / (rows * columns));
      pixel = index % (rows * columns);
    } else {
      sample = index % 3;
      pixel = Math.floor(index / 3);
    }
  }
  return { row: Math.floor(pixel / columns), column: pixel % columns, sample };
}
