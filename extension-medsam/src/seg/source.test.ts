import { checkSources, sourceFromDicomJson, sourceFromNaturalized, type SourceImage } from './source';
import { syntheticSources } from './testing/fixtures';

describe('source adapters', () => {
  const json = {
    '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.2'] },
    '00080018': { vr: 'UI', Value: ['1.2.3.1'] },
    '0020000D': { vr: 'UI', Value: ['1.2.3'] },
    '0020000E': { vr: 'UI', Value: ['1.2.3.4'] },
    '00200052': { vr: 'UI', Value: ['1.2.3.9'] },
    '00280010': { vr: 'US', Value: [4] },
    '00280011': { vr: 'US', Value: [6] },
    '00200032': { vr: 'DS', Value: [-1.5, 2, 3] },
    '00200037': { vr: 'DS', Value: [1, 0, 0, 0, 1, 0] },
    '00280030': { vr: 'DS', Value: [0.7, 0.8] },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane', Ideographic: '' }] },
    '00100020': { vr: 'LO', Value: ['P1'] },
    '00100030': { vr: 'DA' },
    '00080050': { vr: 'SH', Value: ['ACC'] },
  };

  it('reads DICOM JSON (WADO-RS metadata)', () => {
    const s = sourceFromDicomJson(json);
    expect(s).toMatchObject({
      sopInstanceUid: '1.2.3.1',
      rows: 4,
      columns: 6,
      imagePositionPatient: [-1.5, 2, 3],
      pixelSpacing: [0.7, 0.8],
      frameOfReferenceUid: '1.2.3.9',
      patientStudy: { PatientName: 'Doe^Jane', PatientID: 'P1', AccessionNumber: 'ACC' },
    });
    expect(s.patientStudy.PatientBirthDate).toBeUndefined();
  });

  it('reads naturalized datasets (dcmjs, OHIF) with the same result', () => {
    const s = sourceFromNaturalized({
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      SOPInstanceUID: '1.2.3.1',
      StudyInstanceUID: '1.2.3',
      SeriesInstanceUID: '1.2.3.4',
      FrameOfReferenceUID: '1.2.3.9',
      Rows: 4,
      Columns: 6,
      ImagePositionPatient: ['-1.5', '2', '3'],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      PixelSpacing: [0.7, 0.8],
      PatientName: [{ Alphabetic: 'Doe^Jane' }],
      PatientID: 'P1',
      AccessionNumber: 'ACC',
    });
    expect(s).toEqual(sourceFromDicomJson(json));
  });

  it('names the missing attribute', () => {
    expect(() => sourceFromNaturalized({ SOPInstanceUID: '1.2', Rows: 1, Columns: 1 })).toThrow(/no SOPClassUID/);
  });
});

describe('checkSources', () => {
  const ok = syntheticSources(4);

  it('orders slices along the normal and finds even spacing', () => {
    const stack = checkSources(ok);
    expect(stack.geometry?.order).toEqual([3, 2, 1, 0]);
    expect(stack.geometry?.spacingBetweenSlices).toBe(2.5);
  });

  const broken = (change: Partial<SourceImage>, index = 2): SourceImage[] =>
    ok.map((s, i) => (i === index ? { ...s, ...change } : s));
  it.each([
    [{ studyInstanceUid: '9.9' }, /1\.2\.3\.4\.5\.3 has StudyInstanceUID 9\.9/],
    [{ seriesInstanceUid: '9.9' }, /SeriesInstanceUID/],
    [{ frameOfReferenceUid: '9.9' }, /FrameOfReferenceUID/],
    [{ rows: 6 }, /size 6x7/],
    [{ imageOrientationPatient: [0, 1, 0, 0, 0, -1] as const }, /ImageOrientationPatient/],
    [{ pixelSpacing: [0.5, 0.7] as const }, /PixelSpacing/],
    [{ imagePositionPatient: [-10, -20, 100] as const }, /same position/],
    [{ sopInstanceUid: '1.2.3.4.5.1' }, /given twice/],
    [{ numberOfFrames: 3 }, /has 3 frames; each frame is a slice of its own/],
    [{ numberOfFrames: 3, referencedFrameNumber: 4 }, /frame 4 does not exist/],
    [{ imagePositionPatient: undefined }, /no ImagePositionPatient/],
  ])('refuses inconsistent sources (%o)', (change, message) => {
    expect(() => checkSources(broken(change))).toThrow(message);
  });

  it('accepts a single image without patient geometry (endoscopy) but not several', () => {
    const flat = {
      ...ok[0],
      imagePositionPatient: undefined,
      imageOrientationPatient: undefined,
      frameOfReferenceUid: undefined,
    };
    expect(checkSources([flat]).geometry).toBeNull();
    expect(() => checkSources([flat, { ...flat, sopInstanceUid: '1.9' }])).toThrow(/only a single image/);
  });

  it('takes the frames of a multi-frame instance as slices: by position, or by frame number without geometry', () => {
    const frames = ok.map((s, i) => ({
      ...s,
      sopInstanceUid: '1.2.3.9',
      numberOfFrames: 4,
      referencedFrameNumber: i + 1,
    }));
    expect(checkSources(frames).geometry?.order).toEqual([3, 2, 1, 0]);
    expect(() => checkSources([...frames, frames[1]])).toThrow(/1\.2\.3\.9 frame 2 is given twice/);
    const cine = frames.map(s => ({
      ...s,
      imagePositionPatient: undefined,
      imageOrientationPatient: undefined,
      frameOfReferenceUid: undefined,
    }));
    expect(checkSources(cine).geometry).toBeNull();
  });
});
