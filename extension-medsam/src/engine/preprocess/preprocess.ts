/**
 * Slice -> encoder input for a manifest's preprocessing profile, as the official inference scripts do it:
 * - 'medsam-1024-stretch' (MedSAM_Inference.py): uint8 image (grey repeated to 3 channels) -> skimage resize to
 *   1024 x 1024, order 3, anti-aliased, .astype(uint8) -> (x - min) / clip(max - min, 1e-8) over all three channels.
 * - 'litemedsam-256-longest-pad' (CVPR24_LiteMedSAM_infer.py): cv2 INTER_AREA resize of the longest side to 256
 *   (other side int(side * 256 / longest + 0.5)) -> the same min-max -> zero padding at the bottom and right.
 * Values are computed in float64 and stored as float32, as torch.tensor(float64 array).float() does.
 */
import { MedsamError } from '../errors';
import type { PreprocessingProfileId } from '../manifest';
import { normaliseIntensity } from './intensity';
import { validateSliceImage } from './pixels';
import { longestSideSize, resizeAreaUint8 } from './resize-area';
import { resizeSplineUint8, type Uint8Image } from './resize-spline';
import type { IntensityOptions, PreprocessResult, SliceImage } from './types';

export const MEDSAM_INPUT_SIZE = 1024;
export const LITEMEDSAM_INPUT_SIZE = 256;

/** Validates the slice, normalises its intensities and builds the encoder input for the profile. */
export function preprocessForModel(
  image: SliceImage,
  profile: PreprocessingProfileId,
  intensity: IntensityOptions = { kind: 'auto' },
): PreprocessResult {
  validateSliceImage(image);
  return preprocessUint8Image(normaliseIntensity(image, intensity), profile);
}

/** The profile's steps after intensity normalisation, for an image that is already the official uint8 image. */
export function preprocessUint8Image(image: Uint8Image, profile: PreprocessingProfileId): PreprocessResult {
  switch (profile) {
    case 'medsam-1024-stretch':
      return medsamInput(image);
    case 'litemedsam-256-longest-pad':
      return liteMedsamInput(image);
    default:
      throw new MedsamError('INVALID_MANIFEST', `unknown preprocessing profile ${JSON.stringify(profile)}`, {
        profile,
      });
  }
}

/** numpy: (img - img.min()) / np.clip(img.max() - img.min(), a_min=1e-8, a_max=None); the range is a uint8 scalar. */
function minMaxRange(min: number, max: number): number {
  return Math.max(max - min, 1e-8);
}

function medsamInput(image: Uint8Image): PreprocessResult {
  const size = MEDSAM_INPUT_SIZE;
  const { planes, min, max } = resizeSplineUint8(image, size, size);
  const lut = normalisationTable(min, max);
  const area = size * size;
  const input = new Float32Array(3 * area);
  for (let c = 0; c < 3; c++) {
    const offset = c * area;
    if (c > 0 && planes[c] === planes[0]) {
      // A grey image whose channels did not diverge: the same values, copied at memory speed.
      input.copyWithin(offset, 0, area);
      continue;
    }
    const plane = planes[c];
    for (let i = 0; i < area; i++) input[offset + i] = lut[plane[i]];
  }
  return {
    input,
    inputSize: size,
    original: { rows: image.rows, columns: image.columns },
    scale: { x: size / image.columns, y: size / image.rows },
    resized: { rows: size, columns: size },
  };
}

/** float32((v - min) / range) for every uint8 v in min..max, computed in float64 as numpy does. */
function normalisationTable(min: number, max: number): Float32Array {
  const range = minMaxRange(min, max);
  const lut = new Float32Array(256);
  for (let v = min; v <= max; v++) lut[v] = (v - min) / range;
  return lut;
}

function liteMedsamInput(image: Uint8Image): PreprocessResult {
  const size = LITEMEDSAM_INPUT_SIZE;
  const { rows, columns } = image;
  let rgb = image.data;
  if (image.channels === 1) {
    // np.repeat(img[:, :, None], 3, axis=-1): OpenCV resizes the three copies, so we give it the same layout.
    rgb = new Uint8Array(rows * columns * 3);
    for (let i = 0, j = 0; i < image.data.length; i++, j += 3) rgb[j] = rgb[j + 1] = rgb[j + 2] = image.data[i];
  }
  const target = longestSideSize(rows, columns, size);
  const resized = resizeAreaUint8(rgb, rows, columns, 3, target.rows, target.columns);
  let min = 255;
  let max = 0;
  for (let i = 0; i < resized.length; i++) {
    const v = resized[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const lut = normalisationTable(min, max);
  const area = size * size;
  const input = new Float32Array(3 * area); // the padding stays 0, as np.pad fills it
  for (let y = 0; y < target.rows; y++) {
    for (let x = 0; x < target.columns; x++) {
      const s = (y * target.columns + x) * 3;
      const d = y * size + x;
      input[d] = lut[resized[s]];
      input[area + d] = lut[resized[s + 1]];
      input[2 * area + d] = lut[resized[s + 2]];
    }
  }
  return {
    input,
    inputSize: size,
    original: { rows, columns },
    scale: { x: target.scale, y: target.scale },
    resized: { rows: target.rows, columns: target.columns },
  };
}
