/**
 * Boxes in image space and in model space.
 *
 * Coordinate convention (ImageBox, ImagePoint): continuous pixel-EDGE coordinates of the original image.
 * Column c spans x in [c, c + 1) and row r spans y in [r, r + 1); x = column direction, y = row direction; the
 * image covers [0, width] x [0, height]. This is the convention of
 *   - the official MedSAM GUI (gui.py), which passes Qt scene positions over a pixmap placed at (0, 0) straight
 *     into box / [W, H, W, H] * 1024, and
 *   - cornerstone3D's utilities.worldToImageCoords ("[0,0] is the top left corner of the top left pixel"),
 * so a viewer passes the image coordinates of the two drag points unchanged.
 *
 * Why edges rather than centres: the model's output is read back with bilinear resizing, align_corners=false,
 * whose output pixel (r, c) samples the continuous point (c + 0.5, r + 0.5), i.e. the pixel centre in this
 * convention. A box that covers pixels 10..20 inclusive is therefore x0 = 10, x1 = 21 (imageBoxFromPixels does this),
 * and a box-oracle model ("inside the box") gives back exactly the centres 10.5 .. 20.5, i.e. the pixels that were
 * drawn (up to the 4-pixel granularity of the 256x256 low-res grid at 1024 scale). The official training and 3D scripts
 * build boxes from masks as [min index, max index] (one pixel tighter on the far side) and then add a random
 * or fixed margin of several pixels, so the one-pixel difference is far inside what the model was trained to accept.
 */
import { MedsamError } from '../errors';
import type { PreprocessingProfileId } from '../manifest';

/** Size of the original image in pixels: width = columns, height = rows. */
export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

/** A point in continuous pixel-edge coordinates of the original image (see the module comment). */
export interface ImagePoint {
  readonly x: number;
  readonly y: number;
}

/**
 * An axis-aligned box in original-image pixel-edge coordinates, x0 < x1 and y0 < y1, inside [0, W] x [0, H].
 * Make one with imageBoxFromPoints / imageBoxFromPixels / clampImageBox so that these invariants hold.
 * The `space` tag keeps the compiler from passing an ImageBox where a ModelBox is expected (and survives postMessage).
 */
export interface ImageBox {
  readonly space: 'image';
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** A box in model-input pixels (0..inputSize), what the decoder's `boxes` input takes as [x0, y0, x1, y1]. */
export interface ModelBox {
  readonly space: 'model';
  /** Side of the square model input this box refers to (1024 for MedSAM, 256 for LiteMedSAM). */
  readonly inputSize: number;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** Model-input side of each preprocessing profile. */
export const PROFILE_INPUT_SIZE: Readonly<Record<PreprocessingProfileId, number>> = {
  'medsam-1024-stretch': 1024,
  'litemedsam-256-longest-pad': 256,
};

export function assertImageSize(image: ImageSize): void {
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new MedsamError(
      'IMAGE_SIZE_UNSUPPORTED',
      `Image size ${width}x${height} is not a positive whole number of pixels`,
      {
        width,
        height,
      },
    );
  }
}

function describe(x0: number, y0: number, x1: number, y1: number): string {
  const f = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
  return `[${f(x0)}, ${f(y0)}, ${f(x1)}, ${f(y1)}]`;
}

/**
 * Normalises any two corners (a drag in any direction) to min/max, clamps to the image and checks the result.
 * Throws INVALID_BOX when a coordinate is not finite, when the box does not overlap the image at all, or when
 * nothing of positive width and height is left after clamping.
 */
export function clampImageBox(x0: number, y0: number, x1: number, y1: number, image: ImageSize): ImageBox {
  assertImageSize(image);
  const { width: W, height: H } = image;
  const details = { box: [x0, y0, x1, y1], image: { width: W, height: H } };
  if (![x0, y0, x1, y1].every(Number.isFinite)) {
    throw new MedsamError(
      'INVALID_BOX',
      `Box ${describe(x0, y0, x1, y1)} has a coordinate that is not a finite number`,
      details,
    );
  }
  const lx = Math.min(x0, x1);
  const hx = Math.max(x0, x1);
  const ly = Math.min(y0, y1);
  const hy = Math.max(y0, y1);
  // Touching the image only along an edge counts as outside: no pixel of the image would be inside the box.
  if (hx <= 0 || lx >= W || hy <= 0 || ly >= H) {
    throw new MedsamError(
      'INVALID_BOX',
      `Box ${describe(lx, ly, hx, hy)} lies outside the ${W}x${H} image (x 0..${W}, y 0..${H})`,
      details,
    );
  }
  const cx0 = Math.max(0, lx);
  const cy0 = Math.max(0, ly);
  const cx1 = Math.min(W, hx);
  const cy1 = Math.min(H, hy);
  if (!(cx1 > cx0) || !(cy1 > cy0)) {
    throw new MedsamError(
      'INVALID_BOX',
      `Box ${describe(lx, ly, hx, hy)} has no area inside the ${W}x${H} image (clamped to ${describe(cx0, cy0, cx1, cy1)})`,
      details,
    );
  }
  return { space: 'image', x0: cx0, y0: cy0, x1: cx1, y1: cy1 };
}

/** The box spanned by two drag points (in any order), clamped to the image. */
export function imageBoxFromPoints(a: ImagePoint, b: ImagePoint, image: ImageSize): ImageBox {
  return clampImageBox(a.x, a.y, b.x, b.y, image);
}

/**
 * The box covering whole pixels: columns col0..col1 and rows row0..row1, both ends inclusive and in any order
 * (pixel indices, e.g. from a mask). Edges are [min, max + 1].
 */
export function imageBoxFromPixels(col0: number, row0: number, col1: number, row1: number, image: ImageSize): ImageBox {
  return clampImageBox(
    Math.min(col0, col1),
    Math.min(row0, row1),
    Math.max(col0, col1) + 1,
    Math.max(row0, row1) + 1,
    image,
  );
}

export function imageBoxArea(box: ImageBox): number {
  return (box.x1 - box.x0) * (box.y1 - box.y0);
}

/** Grows a box by padX / padY image pixels on each side, clamped to the image (the official 3D scripts pad by 5 or 3). */
export function padImageBox(box: ImageBox, image: ImageSize, padX: number, padY: number = padX): ImageBox {
  return clampImageBox(box.x0 - padX, box.y0 - padY, box.x1 + padX, box.y1 + padY, image);
}

/**
 * Bounding box of the nonzero pixels of a row-major [height, width] mask, as pixel edges [min, max + 1];
 * null for an empty mask (propagation stops there).
 */
export function maskBoundingBox(mask: ArrayLike<number>, image: ImageSize): ImageBox | null {
  assertImageSize(image);
  const { width: W, height: H } = image;
  if (mask.length !== W * H) {
    throw new MedsamError('SHAPE_MISMATCH', `Mask has ${mask.length} pixels, expected ${W}x${H} = ${W * H}`, {
      length: mask.length,
      width: W,
      height: H,
    });
  }
  let minR = H;
  let maxR = -1;
  let minC = W;
  let maxC = -1;
  for (let r = 0; r < H; r++) {
    const row = r * W;
    let first = -1;
    for (let c = 0; c < W; c++) {
      if (mask[row + c] !== 0) {
        first = c;
        break;
      }
    }
    if (first < 0) continue;
    let last = first;
    for (let c = W - 1; c > first; c--) {
      if (mask[row + c] !== 0) {
        last = c;
        break;
      }
    }
    if (r < minR) minR = r;
    maxR = r;
    if (first < minC) minC = first;
    if (last > maxC) maxC = last;
  }
  if (maxR < 0) return null;
  return { space: 'image', x0: minC, y0: minR, x1: maxC + 1, y1: maxR + 1 };
}

/**
 * LiteMedSAM's resized image size before padding (longest side to 256): as the official resize_longest_side,
 * scale = 256 / max(H, W) and each side int(side * scale + 0.5).
 */
export function liteMedsamResizedSize(image: ImageSize, target = 256): ImageSize {
  assertImageSize(image);
  const scale = (target * 1.0) / Math.max(image.height, image.width);
  return {
    width: Math.trunc(image.width * scale + 0.5),
    height: Math.trunc(image.height * scale + 0.5),
  };
}

/**
 * Scales an image box to the model input of a profile, exactly as the official inference code does:
 *  - 'medsam-1024-stretch' (MedSAM_Inference.py, gui.py): box / [W, H, W, H] * 1024, kept as floats (float64 here;
 *    torch.as_tensor(..., dtype=float) rounds to float32, as writing into a Float32Array does);
 *  - 'litemedsam-256-longest-pad' (LiteMedSAM inference, resize_box_to_256): int(coordinate * (256 / max(H, W))),
 *    i.e. truncated toward zero (floor, since coordinates are >= 0).
 */
export function toModelBox(box: ImageBox, image: ImageSize, profile: PreprocessingProfileId): ModelBox {
  assertImageSize(image);
  const { width: W, height: H } = image;
  switch (profile) {
    case 'medsam-1024-stretch': {
      const s = PROFILE_INPUT_SIZE[profile];
      // Same operation order as numpy's `box / [W, H, W, H] * 1024`: divide first, then multiply.
      return {
        space: 'model',
        inputSize: s,
        x0: (box.x0 / W) * s,
        y0: (box.y0 / H) * s,
        x1: (box.x1 / W) * s,
        y1: (box.y1 / H) * s,
      };
    }
    case 'litemedsam-256-longest-pad': {
      const s = PROFILE_INPUT_SIZE[profile];
      const ratio = s / Math.max(W, H);
      return {
        space: 'model',
        inputSize: s,
        x0: Math.trunc(box.x0 * ratio),
        y0: Math.trunc(box.y0 * ratio),
        x1: Math.trunc(box.x1 * ratio),
        y1: Math.trunc(box.y1 * ratio),
      };
    }
    default: {
      const never: never = profile;
      throw new MedsamError('INVALID_MANIFEST', `Unknown preprocessing profile ${String(never)}`, { profile: never });
    }
  }
}

/** The decoder's `boxes` row: [x0, y0, x1, y1] as float32 (the dtype the decoder takes). */
export function modelBoxToFloat32(box: ModelBox, out: Float32Array = new Float32Array(4), offset = 0): Float32Array {
  out[offset] = box.x0;
  out[offset + 1] = box.y0;
  out[offset + 2] = box.x1;
  out[offset + 3] = box.y1;
  return out;
}
