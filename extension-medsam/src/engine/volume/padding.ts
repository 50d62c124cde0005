/**
 * How much a propagated box grows around the previous slice's mask, per model profile, as the official 3D scripts do
 * (docs/pipeline.md, "3D"):
 *  - MedSAM (seg_3dnii_sparse_marker): the previous mask's bounding box + 5 px in image pixels;
 *  - LiteMedSAM (CVPR24_LiteMedSAM_infer.py, get_bbox256): + 3 px in the 256 model space, i.e. 3 * max(H, W) / 256
 *    image pixels (6 px on a 512 x 512 slice). A fixed 5 image px would give LiteMedSAM a tighter box than it was
 *    run with on large images and a looser one on small images.
 */
import { assertImageSize, PROFILE_INPUT_SIZE, type ImageSize } from '../geometry/box';
import type { PreprocessingProfileId } from '../manifest';

export const MEDSAM_PROPAGATE_PAD_PX = 5;
export const LITEMEDSAM_PROPAGATE_PAD_MODEL_PX = 3;

/** The propagation padding in image pixels for a profile and image size. */
export function propagatePadPxFor(profile: PreprocessingProfileId, image: ImageSize): number {
  assertImageSize(image);
  if (profile === 'litemedsam-256-longest-pad') {
    return (LITEMEDSAM_PROPAGATE_PAD_MODEL_PX * Math.max(image.width, image.height)) / PROFILE_INPUT_SIZE[profile];
  }
  return MEDSAM_PROPAGATE_PAD_PX;
}
