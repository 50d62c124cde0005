import { imageToCanvasTransform, maskToRgba } from './maskOverlay';

describe('maskOverlay helpers', () => {
  it('colours the mask pixels and leaves the others transparent', () => {
    const rgba = maskToRgba(Uint8Array.from([0, 1, 1, 0]), [10, 20, 30, 128]);
    expect(Array.from(rgba)).toEqual([0, 0, 0, 0, 10, 20, 30, 128, 10, 20, 30, 128, 0, 0, 0, 0]);
  });

  it('maps image pixel edges to the canvas through the corners (zoomed, panned, flipped)', () => {
    const t = imageToCanvasTransform({ topLeft: [100, 50], topRight: [-100, 50], bottomLeft: [100, 250] }, 100, 50);
    const apply = (x: number, y: number) => [t[0] * x + t[2] * y + t[4], t[1] * x + t[3] * y + t[5]];
    expect(apply(0, 0)).toEqual([100, 50]);
    expect(apply(100, 0)).toEqual([-100, 50]);
    expect(apply(0, 50)).toEqual([100, 250]);
    expect(apply(50, 25)).toEqual([0, 150]);
  });
});
