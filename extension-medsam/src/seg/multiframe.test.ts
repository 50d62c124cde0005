import { frameDatasets, sourcesOfInstance } from './multiframe';

const base = {
  SOPClassUID: '1.2.840.10008.5.1.4.1.1.2.1',
  SOPInstanceUID: '1.2.3.1',
  StudyInstanceUID: '1.2.3',
  SeriesInstanceUID: '1.2.3.0',
  FrameOfReferenceUID: '1.2.3.9',
  Rows: 4,
  Columns: 4,
};

describe('multi-frame instances as slices', () => {
  it("lifts each frame's functional groups, the per-frame item before the shared one", () => {
    const ds = {
      ...base,
      NumberOfFrames: 2,
      SharedFunctionalGroupsSequence: [
        {
          PixelMeasuresSequence: [{ PixelSpacing: [0.5, 0.5], SliceThickness: 2 }],
          PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }],
          PixelValueTransformationSequence: [{ RescaleSlope: 1, RescaleIntercept: -1024 }],
        },
      ],
      PerFrameFunctionalGroupsSequence: [
        { PlanePositionSequence: [{ ImagePositionPatient: [0, 0, 10] }] },
        {
          PlanePositionSequence: [{ ImagePositionPatient: [0, 0, 12] }],
          PixelValueTransformationSequence: [{ RescaleSlope: 2, RescaleIntercept: 0 }],
        },
      ],
    };
    const frames = frameDatasets(ds);
    expect(frames.map(f => [f.ImagePositionPatient, f.RescaleSlope, f.RescaleIntercept, f.PixelSpacing])).toEqual([
      [[0, 0, 10], 1, -1024, [0.5, 0.5]],
      [[0, 0, 12], 2, 0, [0.5, 0.5]],
    ]);
    const sources = sourcesOfInstance(ds);
    expect(
      sources.map(s => [s.sopInstanceUid, s.referencedFrameNumber, s.imagePositionPatient?.[2], s.sliceThickness]),
    ).toEqual([
      ['1.2.3.1', 1, 10, 2],
      ['1.2.3.1', 2, 12, 2],
    ]);
  });

  it('keeps a single-frame instance as it is, without a frame number', () => {
    const ds = {
      ...base,
      ImagePositionPatient: [0, 0, 1],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      PixelSpacing: [1, 1],
    };
    expect(frameDatasets(ds)).toEqual([ds]);
    expect(sourcesOfInstance(ds)[0].referencedFrameNumber).toBeUndefined();
  });

  it('numbers the frames of a plain multi-frame (a cine) that has no functional groups', () => {
    const sources = sourcesOfInstance({ ...base, NumberOfFrames: 3 });
    expect(sources.map(s => s.referencedFrameNumber)).toEqual([1, 2, 3]);
  });
});
