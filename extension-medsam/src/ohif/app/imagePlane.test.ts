import {
  distanceFromPlane,
  imagePointToWorld,
  isAcquisitionPlane,
  planeFromImagePlaneModule,
  worldToImagePoint,
  type ImagePlane,
} from './imagePlane';

// An axial slice with non-square pixels: 0.5 mm between columns (x), 2 mm between rows (y).
const axial: ImagePlane = {
  origin: [-100, -50, 30],
  rowCosines: [1, 0, 0],
  columnCosines: [0, 1, 0],
  columnSpacing: 0.5,
  rowSpacing: 2,
  rows: 64,
  columns: 256,
};

describe('world <-> image (pixel edges)', () => {
  it('puts the first pixel centre at (0.5, 0.5) and the top-left corner of the image at (0, 0)', () => {
    expect(worldToImagePoint(axial, [-100, -50, 30])).toEqual({ x: 0.5, y: 0.5 });
    expect(worldToImagePoint(axial, [-100.25, -51, 30])).toEqual({ x: 0, y: 0 });
    // Column 10, row 3 centre: x = -100 + 10 * 0.5, y = -50 + 3 * 2.
    expect(worldToImagePoint(axial, [-95, -44, 30])).toEqual({ x: 10.5, y: 3.5 });
  });

  it('round-trips through the world for a rotated, tilted plane', () => {
    const s = Math.SQRT1_2;
    const tilted: ImagePlane = { ...axial, rowCosines: [s, s, 0], columnCosines: [0, 0, -1] };
    for (const p of [
      { x: 0, y: 0 },
      { x: 17.25, y: 3.75 },
      { x: 256, y: 64 },
    ]) {
      const back = worldToImagePoint(tilted, imagePointToWorld(tilted, p));
      expect(back.x).toBeCloseTo(p.x, 10);
      expect(back.y).toBeCloseTo(p.y, 10);
    }
  });

  it('tells the distance from the plane and whether a view shows the acquired plane', () => {
    expect(distanceFromPlane(axial, [0, 0, 32.5])).toBeCloseTo(2.5);
    expect(isAcquisitionPlane(axial, [0, 0, -1])).toBe(true);
    expect(isAcquisitionPlane(axial, [0, 1, 0])).toBe(false);
  });
});

describe('planeFromImagePlaneModule', () => {
  it('reads cornerstone metadata, with PixelSpacing[1] along x', () => {
    const plane = planeFromImagePlaneModule({
      rowCosines: [1, 0, 0],
      columnCosines: [0, 1, 0],
      imagePositionPatient: [1, 2, 3],
      rowPixelSpacing: 2,
      columnPixelSpacing: 0.5,
      rows: 64,
      columns: 256,
    });
    expect(plane).toEqual({ ...axial, origin: [1, 2, 3] });
  });

  it('falls back to ImageOrientationPatient and 1 mm, and refuses a plane without orientation', () => {
    const plane = planeFromImagePlaneModule({ imageOrientationPatient: [1, 0, 0, 0, 1, 0], rows: 2, columns: 3 });
    expect(plane?.columnSpacing).toBe(1);
    expect(plane?.origin).toEqual([0, 0, 0]);
    expect(planeFromImagePlaneModule({ rows: 2, columns: 3 })).toBeNull();
    expect(planeFromImagePlaneModule(undefined)).toBeNull();
  });
});
