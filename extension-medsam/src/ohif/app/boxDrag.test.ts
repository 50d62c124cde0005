import { boxCorners, dragTo, grab } from './boxDrag';

const image = { width: 100, height: 80 };
const box = { space: 'image' as const, x0: 10, y0: 20, x1: 40, y1: 60 };
// A view at 2 canvas pixels per image pixel.
const onCanvas = boxCorners(box).map(p => [p.x * 2, p.y * 2] as const);

describe('box dragging', () => {
  it('draws a new box from the press point in any direction, clamped to the image', () => {
    const mode = grab(null, null, [0, 0], { x: 50, y: 30 });
    expect(dragTo(mode, { x: 20.5, y: 70 }, image)).toEqual({ space: 'image', x0: 20.5, y0: 30, x1: 50, y1: 70 });
    expect(dragTo(mode, { x: 150, y: -5 }, image)).toEqual({ space: 'image', x0: 50, y0: 0, x1: 100, y1: 30 });
  });

  it('ignores a click or a sliver (less than a pixel)', () => {
    const mode = grab(null, null, [0, 0], { x: 50, y: 30 });
    expect(dragTo(mode, { x: 50.4, y: 60 }, image)).toBeNull();
    expect(dragTo(grab(null, null, [0, 0], { x: 120, y: 30 }), { x: 130, y: 60 }, image)).toBeNull();
  });

  it('pulls the grabbed corner and keeps the opposite one', () => {
    const mode = grab(box, onCanvas, [81, 119], { x: 40.5, y: 59.5 });
    expect(mode).toMatchObject({ kind: 'corner', index: 2, anchor: { x: 10, y: 20 } });
    expect(dragTo(mode, { x: 60, y: 70 }, image)).toEqual({ space: 'image', x0: 10, y0: 20, x1: 60, y1: 70 });
    // Pulled past the opposite corner: the box flips, still valid.
    expect(dragTo(mode, { x: 5, y: 10 }, image)).toEqual({ space: 'image', x0: 5, y0: 10, x1: 10, y1: 20 });
  });

  it('moves the box when grabbed inside, keeping its size and keeping it on the image', () => {
    const mode = grab(box, onCanvas, [50, 80], { x: 25, y: 40 });
    expect(mode.kind).toBe('move');
    expect(dragTo(mode, { x: 30, y: 45 }, image)).toEqual({ space: 'image', x0: 15, y0: 25, x1: 45, y1: 65 });
    expect(dragTo(mode, { x: 200, y: -100 }, image)).toEqual({ space: 'image', x0: 70, y0: 0, x1: 100, y1: 40 });
  });

  it('starts a new box when pressed outside the current one', () => {
    expect(grab(box, onCanvas, [190, 150], { x: 95, y: 75 }).kind).toBe('new');
  });
});
