import { evenSpacing, gatherKeySlices } from './hostVolume';
import { imagePointToWorld, type ImagePlane } from '../app/imagePlane';

// Axial slices 2.5 mm apart, 0.8 mm pixels, 40 x 30.
const plane = (z: number): ImagePlane => ({
  origin: [-10, -20, z * 2.5],
  rowCosines: [1, 0, 0],
  columnCosines: [0, 1, 0],
  columnSpacing: 0.8,
  rowSpacing: 0.8,
  rows: 30,
  columns: 40,
});
const planes = Array.from({ length: 6 }, (_, z) => plane(z));
const imageIds = planes.map((_, z) => `img-${z}`);
const segment = { segmentationId: 'seg', segmentIndex: 1 };

function bidirectional(z: number, points: Array<[number, number]>, referenced = true) {
  return {
    metadata: { toolName: 'Bidirectional', ...(referenced ? { referencedImageId: imageIds[z] } : {}) },
    data: { handles: { points: points.map(([x, y]) => imagePointToWorld(planes[z], { x, y })) } },
  };
}

describe('the key slices of Segment volume', () => {
  it('turns each Bidirectional annotation into long and short axes in image pixels on its slice', () => {
    const keys = gatherKeySlices(
      [
        bidirectional(1, [
          [5, 5],
          [15, 12],
          [8, 11],
          [12, 6],
        ]),
      ],
      imageIds,
      planes,
      [],
      segment,
    );
    expect(keys).toHaveLength(1);
    const k = keys[0] as {
      slice: number;
      markers: Array<{ a: { x: number; y: number }; b: { x: number; y: number } }>;
    };
    expect(k.slice).toBe(1);
    expect(k.markers[0].a.x).toBeCloseTo(5, 9);
    expect(k.markers[0].b.y).toBeCloseTo(12, 9);
    expect(k.markers[1].a.x).toBeCloseTo(8, 9);
  });

  it('ignores an annotation of another series, however near its points lie', () => {
    const other = {
      ...bidirectional(3, [
        [5, 5],
        [15, 12],
        [8, 11],
        [12, 6],
      ]),
      metadata: { toolName: 'Bidirectional', referencedImageId: 'other-series-img' },
    };
    expect(gatherKeySlices([other], imageIds, planes, [], segment)).toEqual([]);
  });

  it('finds the slice of an annotation without an image id by its distance to the planes (volume viewports)', () => {
    const keys = gatherKeySlices(
      [
        bidirectional(
          4,
          [
            [5, 5],
            [15, 12],
            [8, 11],
            [12, 6],
          ],
          false,
        ),
      ],
      imageIds,
      planes,
      [],
      segment,
    );
    expect(keys.map(k => k.slice)).toEqual([4]);
  });

  it("takes the active segment's accepted box over markers on the same slice, and ignores other segments' boxes and other tools", () => {
    const box = { space: 'image' as const, x0: 1, y0: 2, x1: 9, y1: 8 };
    const keys = gatherKeySlices(
      [
        bidirectional(2, [
          [5, 5],
          [15, 12],
          [8, 11],
          [12, 6],
        ]),
        { metadata: { toolName: 'Length', referencedImageId: imageIds[3] }, data: { handles: { points: [] } } },
      ],
      imageIds,
      planes,
      [
        { imageId: imageIds[2], segmentationId: 'seg', segmentIndex: 1, box },
        { imageId: imageIds[5], segmentationId: 'seg', segmentIndex: 2, box },
      ],
      segment,
    );
    expect(keys).toEqual([{ slice: 2, box }]);
  });

  it('measures the slice step along the normal, and refuses uneven spacing for mL', () => {
    expect(evenSpacing(planes)).toEqual([0.8, 0.8, 2.5]);
    const uneven = [...planes.slice(0, 3), plane(3.5)];
    expect(evenSpacing(uneven)).toBeNull();
    expect(evenSpacing(planes.slice(0, 1))).toBeNull();
  });
});
