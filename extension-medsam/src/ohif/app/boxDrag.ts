/**
 * How a drag changes the box, in image coordinates (pixel edges): draw a new box from the press point, pull one
 * corner (the opposite one stays), or move the whole box (its size stays; it is kept on the image).
 */
import { imageBoxFromPoints, type ImageBox, type ImagePoint, type ImageSize } from '../../engine/geometry/box';

export type DragMode =
  | { kind: 'new'; anchor: ImagePoint }
  | { kind: 'corner'; index: number; anchor: ImagePoint }
  | { kind: 'move'; start: ImagePoint; box: ImageBox };

/** Corners in drawing order: top-left, top-right, bottom-right, bottom-left (in image axes). */
export function boxCorners(box: ImageBox): ImagePoint[] {
  return [
    { x: box.x0, y: box.y0 },
    { x: box.x1, y: box.y0 },
    { x: box.x1, y: box.y1 },
    { x: box.x0, y: box.y1 },
  ];
}

/**
 * What a press at `point` grabs: a corner within `handleRadius` (compared in the caller's units, usually canvas
 * pixels, so handles stay grabbable at any zoom), else the box when inside it, else nothing.
 */
export function grab(
  box: ImageBox | null,
  cornersOnCanvas: ReadonlyArray<readonly [number, number]> | null,
  pointOnCanvas: readonly [number, number],
  pointOnImage: ImagePoint,
  handleRadius = 8,
): DragMode {
  if (box && cornersOnCanvas) {
    let best = -1;
    let bestDistance = handleRadius;
    cornersOnCanvas.forEach(([cx, cy], i) => {
      const d = Math.hypot(cx - pointOnCanvas[0], cy - pointOnCanvas[1]);
      if (d <= bestDistance) {
        best = i;
        bestDistance = d;
      }
    });
    if (best >= 0) return { kind: 'corner', index: best, anchor: boxCorners(box)[(best + 2) % 4] };
    if (pointOnImage.x > box.x0 && pointOnImage.x < box.x1 && pointOnImage.y > box.y0 && pointOnImage.y < box.y1) {
      return { kind: 'move', start: pointOnImage, box };
    }
  }
  return { kind: 'new', anchor: pointOnImage };
}

/** The box after dragging to `point`, or null while it has less than one pixel of width or height. */
export function dragTo(mode: DragMode, point: ImagePoint, image: ImageSize): ImageBox | null {
  if (mode.kind === 'move') {
    const { box } = mode;
    const w = box.x1 - box.x0;
    const h = box.y1 - box.y0;
    const x0 = Math.min(Math.max(box.x0 + point.x - mode.start.x, 0), Math.max(0, image.width - w));
    const y0 = Math.min(Math.max(box.y0 + point.y - mode.start.y, 0), Math.max(0, image.height - h));
    return { space: 'image', x0, y0, x1: Math.min(image.width, x0 + w), y1: Math.min(image.height, y0 + h) };
  }
  if (Math.abs(point.x - mode.anchor.x) < 1 || Math.abs(point.y - mode.anchor.y) < 1) return null;
  try {
    const box = imageBoxFromPoints(mode.anchor, point, image);
    return box.x1 - box.x0 >= 1 && box.y1 - box.y0 >= 1 ? box : null;
  } catch {
    return null; // entirely off the image
  }
}
