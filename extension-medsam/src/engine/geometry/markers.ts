/**
 * The paper's 3D annotation step 1: on a key slice the user draws linear markers (long and short tumour axes, e.g.
 * OHIF's bidirectional tool); the slice's box is the rectangle that covers them.
 */
import { MedsamError } from '../errors';
import { clampImageBox, type ImageBox, type ImagePoint, type ImageSize } from './box';

/** A straight marker on one slice, endpoints in image pixel-edge coordinates (see box.ts). */
export interface ImageSegment {
  readonly a: ImagePoint;
  readonly b: ImagePoint;
}

/**
 * The rectangle covering all marker endpoints (a segment lies within the box of its endpoints), grown by padPx on
 * each side and clamped to the image. The official sparse-marker script pads the rasterised markers' bounding box by
 * 5 pixels (get_bbox(..., bbox_shift=5)); pass padPx = 5 to follow it. Throws INVALID_BOX when there are no markers
 * or when they span no area (a single horizontal or vertical line with padPx = 0).
 */
export function boxCoveringMarkers(segments: readonly ImageSegment[], image: ImageSize, padPx = 0): ImageBox {
  if (segments.length === 0) {
    throw new MedsamError('INVALID_BOX', 'No markers on this slice: draw the long and short axes first', {
      markers: 0,
    });
  }
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const { a, b } of segments) {
    for (const p of [a, b]) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
        throw new MedsamError('INVALID_BOX', `Marker endpoint (${p.x}, ${p.y}) is not a finite point`, {
          point: [p.x, p.y],
        });
      }
      if (p.x < x0) x0 = p.x;
      if (p.x > x1) x1 = p.x;
      if (p.y < y0) y0 = p.y;
      if (p.y > y1) y1 = p.y;
    }
  }
  return clampImageBox(x0 - padPx, y0 - padPx, x1 + padPx, y1 + padPx, image);
}
