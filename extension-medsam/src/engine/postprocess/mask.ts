/**
 * Low-res logits (mask token 0, [256, 256] float32, row-major) -> binary mask [H, W] (Uint8Array, 1 inside).
 *
 * The order follows the official code, which is what the model's published results were measured with:
 *  - MedSAM (MedSAM_Inference.py medsam_inference; gui.py and the 3D scripts identical): sigmoid on the 256x256
 *    logits, THEN bilinear resize to (H, W) with align_corners=False, then prob > 0.5. (The issue text says bilinear
 *    then sigmoid; the official code does the opposite. The two differ at boundary pixels: on the post-processing
 *    goldens, tens to a few thousand pixels per image. We follow the code.)
 *  - LiteMedSAM (LiteMedSAM branch, inference_2D.py / CVPR24_LiteMedSAM_infer.py medsam_inference + postprocess_masks):
 *    crop the logits to the unpadded region [:newh, :neww] (the 256 low-res grid IS the 256 model input for LiteMedSAM),
 *    bilinear to (H, W) on the LOGITS, then sigmoid, then > 0.5.
 *
 * Speed: the resize is separable; the horizontal pass runs once per source row (<= 256 rows), the vertical pass is
 * fused with the threshold, so a pixel costs two float32 multiplies and an add. For MedSAM the sigmoid runs on the
 * 65,536 low-res values only (it must come before the interpolation). For LiteMedSAM no sigmoid is computed per output
 * pixel: float32 sigmoid(v) > 0.5 exactly when 1 + exp(-v) rounds below 2, i.e. for v > 0 except a band of tiny v
 * (about v < 6e-8) where the sum rounds to 2; outside (0, 1e-6] the answer is v > 0 and inside it the float32
 * sigmoid is evaluated as PyTorch does.
 */
import { MedsamError } from '../errors';
import { assertImageSize, liteMedsamResizedSize, type ImageSize } from '../geometry/box';
import type { PreprocessingProfileId } from '../manifest';
import { axisWeights, resizeRowsHorizontally } from './bilinear';

const f32 = Math.fround;

/** Side of the decoder's low-res mask (SAM's mask decoder: 4x the 64x64 embedding). */
export const LOW_RES_SIDE = 256;

/** float32 sigmoid with PyTorch's operation order: 1 / (1 + exp(-x)), each step rounded to float32. */
export function sigmoidF32(x: number): number {
  return f32(1 / f32(1 + f32(Math.exp(-x))));
}

function checkLogits(logits: Float32Array, side: number): void {
  if (logits.length !== side * side) {
    throw new MedsamError(
      'SHAPE_MISMATCH',
      `Low-res logits have ${logits.length} values, expected ${side}x${side} = ${side * side} (one mask; slice a batch per box)`,
      { length: logits.length, side },
    );
  }
}

function outputMask(image: ImageSize, out?: Uint8Array): Uint8Array {
  const n = image.width * image.height;
  if (out === undefined) return new Uint8Array(n);
  if (out.length !== n) {
    throw new MedsamError(
      'SHAPE_MISMATCH',
      `Output mask has ${out.length} pixels, expected ${image.width}x${image.height}`,
      {
        length: out.length,
        width: image.width,
        height: image.height,
      },
    );
  }
  return out;
}

/** MedSAM: sigmoid -> bilinear (align_corners=False) to (H, W) -> > 0.5. */
export function medsamMaskFromLogits(logits: Float32Array, image: ImageSize, out?: Uint8Array): Uint8Array {
  assertImageSize(image);
  checkLogits(logits, LOW_RES_SIDE);
  const side = LOW_RES_SIDE;
  const prob = new Float32Array(side * side);
  for (let i = 0; i < prob.length; i++) prob[i] = sigmoidF32(logits[i]);

  const { width: W, height: H } = image;
  const xw = axisWeights(side, W);
  const yw = axisWeights(side, H);
  const rows = resizeRowsHorizontally(prob, side, side, xw, yw);
  const mask = outputMask(image, out);
  for (let y = 0; y < H; y++) {
    const r0 = rows[yw.i0[y]] as Float32Array;
    const r1 = rows[yw.i1[y]] as Float32Array;
    const a = yw.l0[y];
    const b = yw.l1[y];
    const o = y * W;
    for (let x = 0; x < W; x++) {
      mask[o + x] = f32(f32(r0[x] * a) + f32(r1[x] * b)) > 0.5 ? 1 : 0;
    }
  }
  return mask;
}

/** LiteMedSAM: crop to the unpadded [newh, neww] -> bilinear (align_corners=False) to (H, W) -> sigmoid -> > 0.5. */
export function liteMedsamMaskFromLogits(logits: Float32Array, image: ImageSize, out?: Uint8Array): Uint8Array {
  assertImageSize(image);
  checkLogits(logits, LOW_RES_SIDE);
  const side = LOW_RES_SIDE;
  const crop = liteMedsamResizedSize(image, side);
  const { width: W, height: H } = image;
  const xw = axisWeights(crop.width, W);
  const yw = axisWeights(crop.height, H);
  // The crop is a view: rows keep the 256 stride, only the first crop.height rows and crop.width columns are read.
  const rows = resizeRowsHorizontally(logits, side, crop.height, xw, yw);
  // This loop and MedSAM's stay separate: sharing one behind a threshold callback made post-processing 1.5-3x
  // slower per box (the call site turns polymorphic and V8 stops inlining it).
  const mask = outputMask(image, out);
  for (let y = 0; y < H; y++) {
    const r0 = rows[yw.i0[y]] as Float32Array;
    const r1 = rows[yw.i1[y]] as Float32Array;
    const a = yw.l0[y];
    const b = yw.l1[y];
    const o = y * W;
    for (let x = 0; x < W; x++) {
      const v = f32(f32(r0[x] * a) + f32(r1[x] * b));
      // v > 1e-6 -> sigmoid > 0.5 for sure; v <= 0 (or NaN) -> not; in between ask the float32 sigmoid.
      mask[o + x] = v > 1e-6 ? 1 : v > 0 && sigmoidF32(v) > 0.5 ? 1 : 0;
    }
  }
  return mask;
}

/** The profile's post-processing (the manifest entry's `profile`). */
export function maskFromLowResLogits(
  logits: Float32Array,
  image: ImageSize,
  profile: PreprocessingProfileId,
  out?: Uint8Array,
): Uint8Array {
  switch (profile) {
    case 'medsam-1024-stretch':
      return medsamMaskFromLogits(logits, image, out);
    case 'litemedsam-256-longest-pad':
      return liteMedsamMaskFromLogits(logits, image, out);
    default: {
      const never: never = profile;
      throw new MedsamError('INVALID_MANIFEST', `Unknown preprocessing profile ${String(never)}`, { profile: never });
    }
  }
}
