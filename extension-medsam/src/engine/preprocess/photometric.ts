/**
 * MONOCHROME1 -> MONOCHROME2. DICOM's MONOCHROME1 shows the lowest value as white (PS3.3 C.7.6.3.1.2): radiographs
 * (CR, DX, MG) are often stored that way, with bone low. MedSAM learnt from images as they are seen (bone bright),
 * and its intensity steps (window, percentiles, min-max) rank values from dark to bright, so a MONOCHROME1 slice is
 * inverted first: v -> min + max - v over the range its pixel data can hold (BitsStored and PixelRepresentation,
 * SliceImage.pixelValueRange), the inversion dcmtk and GDCM apply when they convert MONOCHROME1 to MONOCHROME2.
 * Done here, at the start of the intensity step, so that the viewer and the command line invert in one place.
 */
import { MedsamError } from '../errors';
import type { PixelArray, SliceImage } from './types';

/** The stored values BitsStored bits hold (PixelRepresentation 1: two's complement). */
export function storedValueRange(bitsStored: number, signed: boolean): [number, number] {
  return signed ? [-(2 ** (bitsStored - 1)), 2 ** (bitsStored - 1) - 1] : [0, 2 ** bitsStored - 1];
}

export function isMonochrome1(image: Pick<SliceImage, 'photometricInterpretation' | 'samplesPerPixel'>): boolean {
  return image.samplesPerPixel === 1 && image.photometricInterpretation?.trim().toUpperCase() === 'MONOCHROME1';
}

function ownRange(pixels: PixelArray): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/** The slice as MONOCHROME2: a MONOCHROME1 slice inverted (same array type, rescale and modality), others as given. */
export function asMonochrome2(image: SliceImage): SliceImage {
  if (!isMonochrome1(image)) return image;
  const [min, max] = image.pixelValueRange ?? ownRange(image.pixels);
  if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) {
    throw new MedsamError(
      'INVALID_IMAGE',
      `pixel value range ${String(min)}..${String(max)} of a MONOCHROME1 slice is not a range`,
      { min, max },
    );
  }
  const pivot = min + max;
  const src = image.pixels;
  // Inverted within [min, max], so the values fit the array type that held them.
  const pixels = new (src.constructor as new (n: number) => PixelArray)(src.length);
  for (let i = 0; i < src.length; i++) pixels[i] = pivot - src[i];
  return { ...image, pixels, photometricInterpretation: 'MONOCHROME2' };
}
