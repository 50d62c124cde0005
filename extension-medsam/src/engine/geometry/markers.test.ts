import { isMedsamError } from '../errors';
import { clampImageBox, type ImageBox } from './box';
import { interpolateSliceBoxes, largestBoxSlice, lerpImageBox } from './interpolate';
import { boxCoveringMarkers } from './markers';

const image = { width: 512, height: 512 };
const box = (x0: number, y0: number, x1: number, y1: number): ImageBox => clampImageBox(x0, y0, x1, y1, image);

describe('markers -> box', () => {
  it('covers the long and short axes', () => {
    const longAxis = { a: { x: 100, y: 120 }, b: { x: 180, y: 200 } };
    const shortAxis = { a: { x: 160, y: 110 }, b: { x: 120, y: 210.5 } };
    expect(boxCoveringMarkers([longAxis, shortAxis], image)).toEqual({
      space: 'image',
      x0: 100,
      y0: 110,
      x1: 180,
      y1: 210.5,
    });
    expect(boxCoveringMarkers([longAxis, shortAxis], image, 5)).toEqual({
      space: 'image',
      x0: 95,
      y0: 105,
      x1: 185,
      y1: 215.5,
    });
  });

  it('clamps to the image', () => {
    const seg = { a: { x: -10, y: 3 }, b: { x: 30, y: 600 } };
    expect(boxCoveringMarkers([seg], image)).toEqual({ space: 'image', x0: 0, y0: 3, x1: 30, y1: 512 });
  });

  it('refuses no markers, and a single flat line without padding', () => {
    expect(() => boxCoveringMarkers([], image)).toThrow(expect.objectContaining({ code: 'INVALID_BOX' }));
    const flat = { a: { x: 10, y: 50 }, b: { x: 90, y: 50 } };
    try {
      boxCoveringMarkers([flat], image);
      throw new Error('expected a throw');
    } catch (e) {
      expect(isMedsamError(e, 'INVALID_BOX')).toBe(true);
    }
    expect(boxCoveringMarkers([flat], image, 2)).toEqual({ space: 'image', x0: 8, y0: 48, x1: 92, y1: 52 });
  });
});

describe('box interpolation between key slices', () => {
  it('interpolates linearly without rounding and keeps key boxes', () => {
    const keys = [
      { slice: 7, box: box(110, 100, 150, 160) },
      { slice: 3, box: box(100, 100, 140, 140) },
    ];
    const out = interpolateSliceBoxes(keys, image);
    expect(out.map(s => s.slice)).toEqual([3, 4, 5, 6, 7]);
    expect(out[0].box).toBe(keys[1].box);
    expect(out[4].box).toBe(keys[0].box);
    expect(out[1].box).toEqual({ space: 'image', x0: 102.5, y0: 100, x1: 142.5, y1: 145 });
    expect(out[2].box).toEqual({ space: 'image', x0: 105, y0: 100, x1: 145, y1: 150 });
    expect(out[3].box).toEqual({ space: 'image', x0: 107.5, y0: 100, x1: 147.5, y1: 155 });
  });

  it('handles several key slices and a single one', () => {
    const a = box(0, 0, 10, 10);
    const b = box(10, 10, 30, 30);
    const c = box(20, 0, 40, 10);
    const out = interpolateSliceBoxes(
      [
        { slice: 0, box: a },
        { slice: 2, box: b },
        { slice: 6, box: c },
      ],
      image,
    );
    expect(out.map(s => s.slice)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(out[1].box).toEqual(lerpImageBox(a, b, 0.5, image));
    expect(out[4].box).toEqual({ space: 'image', x0: 15, y0: 5, x1: 35, y1: 20 });
    expect(interpolateSliceBoxes([{ slice: 4, box: a }], image)).toEqual([{ slice: 4, box: a }]);
    expect(interpolateSliceBoxes([], image)).toEqual([]);
  });

  it('refuses two boxes on one slice', () => {
    const a = box(0, 0, 10, 10);
    expect(() =>
      interpolateSliceBoxes(
        [
          { slice: 2, box: a },
          { slice: 2, box: a },
        ],
        image,
      ),
    ).toThrow(/Two key boxes on slice 2/);
  });

  it('starts propagation at the largest key box (first on ties), as the official sparse-marker script', () => {
    const keys = [
      { slice: 9, box: box(0, 0, 20, 20) },
      { slice: 1, box: box(0, 0, 10, 10) },
      { slice: 5, box: box(0, 0, 40, 10) },
    ];
    expect(largestBoxSlice(keys)).toBe(5);
  });
});
