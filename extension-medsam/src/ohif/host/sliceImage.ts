/**
 * A cornerstone image (what the viewer decoded) -> the engine's SliceImage: the real rows and columns, grey or RGB,
 * and the modality rescale applied exactly once. cornerstone's loaders may already have applied RescaleSlope and
 * RescaleIntercept to the pixel data (image.preScale.scaled); then the engine must not apply them again.
 */
import { MedsamError } from '../../engine/errors';
import { ViewerError } from '../app/errors';
import { storedValueRange, type IntensityOptions, type PixelArray, type SliceImage } from '../../engine/preprocess';
import type { SliceInput } from '../../engine/session/pipeline';

/** The parts of cornerstone's IImage that are read here. */
export interface CornerstoneImageLike {
  imageId?: string;
  rows: number;
  columns: number;
  color?: boolean;
  rgba?: boolean;
  numberOfComponents?: number;
  slope?: number;
  intercept?: number;
  photometricInterpretation?: string;
  preScale?: {
    enabled?: boolean;
    scaled?: boolean;
    scalingParameters?: { rescaleSlope?: number; rescaleIntercept?: number; modality?: string };
  };
  getPixelData?: () => ArrayLike<number> | undefined;
  voxelManager?: { getScalarData?: () => ArrayLike<number> | undefined };
}

/** Metadata the viewer holds for the image (cornerstone's metaData modules). */
export interface SliceMetadata {
  modality?: string;
  photometricInterpretation?: string;
  samplesPerPixel?: number;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  /** imagePixelModule's bitsStored and pixelRepresentation: the range MONOCHROME1 is inverted over. */
  bitsStored?: number;
  pixelRepresentation?: number;
}

function pixelsOf(image: CornerstoneImageLike): ArrayLike<number> | undefined {
  try {
    return image.voxelManager?.getScalarData?.() ?? image.getPixelData?.();
  } catch {
    // Some image types have no scalar data in their voxel manager; getPixelData is the older path.
    return image.getPixelData?.();
  }
}

function asEnginePixels(data: ArrayLike<number>): PixelArray {
  if (
    data instanceof Int8Array ||
    data instanceof Uint8Array ||
    data instanceof Int16Array ||
    data instanceof Uint16Array ||
    data instanceof Float32Array
  ) {
    return data;
  }
  // Uint8ClampedArray, Int32Array, Float64Array, plain arrays: float32 holds every stored DICOM value exactly.
  return Float32Array.from(data as ArrayLike<number>);
}

export function sliceFromCornerstoneImage(
  image: CornerstoneImageLike,
  meta: SliceMetadata = {},
  intensity?: IntensityOptions,
): SliceInput {
  const rows = Number(image.rows);
  const columns = Number(image.columns);
  const where = image.imageId ? ` (${image.imageId})` : '';
  const pixels = pixelsOf(image);
  if (!pixels || !(rows > 0) || !(columns > 0)) {
    throw new ViewerError(
      'IMAGE_NOT_READY',
      `the image${where} has no pixel data in the viewer (not loaded, or not an image)`,
      { imageId: image.imageId },
    );
  }
  const count = rows * columns;
  const modality = meta.modality ?? image.preScale?.scalingParameters?.modality;
  const components = pixels.length / count;

  if (components === 3 || components === 4) {
    // cornerstone hands colour out interleaved (planar data and YBR are converted by its decoders), RGBA on some paths.
    const rgb = new Uint8Array(count * 3);
    let maxValue = 0;
    for (let i = 0, o = 0; i < pixels.length; i += components, o += 3) {
      rgb[o] = pixels[i];
      rgb[o + 1] = pixels[i + 1];
      rgb[o + 2] = pixels[i + 2];
      maxValue = Math.max(maxValue, pixels[i], pixels[i + 1], pixels[i + 2]);
    }
    if (maxValue > 255) {
      // 16-bit colour: keep the values; the engine's RGB rule min-maxes anything beyond 8 bits.
      const wide = new Float32Array(count * 3);
      for (let i = 0, o = 0; i < pixels.length; i += components, o += 3) {
        wide[o] = pixels[i];
        wide[o + 1] = pixels[i + 1];
        wide[o + 2] = pixels[i + 2];
      }
      return { slice: { rows, columns, samplesPerPixel: 3, pixels: wide, modality }, intensity };
    }
    return { slice: { rows, columns, samplesPerPixel: 3, pixels: rgb, modality }, intensity };
  }
  if (components !== 1) {
    throw new MedsamError(
      'INVALID_IMAGE',
      `the image${where} has ${pixels.length} samples for ${rows}x${columns} pixels`,
      { imageId: image.imageId },
    );
  }

  const scaled = image.preScale?.scaled === true;
  const slope = finiteOr(image.slope, meta.rescaleSlope, 1);
  const intercept = finiteOr(image.intercept, meta.rescaleIntercept, 0);
  const slice: SliceImage = {
    rows,
    columns,
    samplesPerPixel: 1,
    pixels: asEnginePixels(pixels),
    // Already modality values when the loader pre-scaled them: applying the rescale again would shift CT by -1024 HU twice.
    rescaleSlope: scaled ? 1 : slope,
    rescaleIntercept: scaled ? 0 : intercept,
    modality,
    // cornerstone leaves MONOCHROME1 pixels as stored (it inverts at display); the engine inverts them as the CLI does.
    photometricInterpretation: meta.photometricInterpretation ?? image.photometricInterpretation,
    pixelValueRange: valueRange(
      meta,
      scaled ? finiteOr(image.preScale?.scalingParameters?.rescaleSlope, slope) : 1,
      scaled ? finiteOr(image.preScale?.scalingParameters?.rescaleIntercept, intercept) : 0,
    ),
  };
  return { slice, intensity };
}

/**
 * The range the pixel data can hold, in the units the viewer hands out: the stored range of BitsStored and
 * PixelRepresentation, rescaled when the loader pre-scaled the pixels (the same range the CLI takes, in its units).
 */
function valueRange(meta: SliceMetadata, slope: number, intercept: number): [number, number] | undefined {
  const bits = Number(meta.bitsStored);
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) return undefined;
  const [lo, hi] = storedValueRange(bits, Number(meta.pixelRepresentation) === 1);
  const a = lo * slope + intercept;
  const b = hi * slope + intercept;
  return a <= b ? [a, b] : [b, a];
}

function finiteOr(...values: Array<number | undefined>): number {
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) return v;
  return 0;
}
