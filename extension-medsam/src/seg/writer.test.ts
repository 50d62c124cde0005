import { parseDicom, first, items, quietDcmjs, type Naturalized } from './dicom/parse';
import { unpackBinaryFrame } from './pack';
import {
  describe as segment,
  freeTextTarget,
  noise,
  rect,
  syntheticSources,
  target,
  TEST_ALGORITHM,
} from './testing/fixtures';
import { sequentialUids } from './uid';
import { buildSeg, masksFromLabelmap, medsamAlgorithm, writeSeg, type SegInput } from './writer';

quietDcmjs();
const ROWS = 5;
const COLS = 7;
const sources = syntheticSources(4, ROWS, COLS);
const liver = rect(ROWS, COLS, 1, 2, 4, 6);

function input(overrides: Partial<SegInput> = {}): SegInput {
  return {
    sources,
    segments: [
      segment(target('liver')),
      segment(target('kidney-left')),
      segment(freeTextTarget('Odd blob')),
      segment(target('tumor'), 'MANUAL'),
    ],
    masks: [
      [liver, null, liver, null],
      [null, noise(ROWS, COLS, 3), null, null],
      [null, null, null, null], // empty segment: described, no frame
      [null, null, null, rect(ROWS, COLS, 0, 0, 1, 1)],
    ],
    options: { uid: sequentialUids('2.25.99'), now: new Date(2024, 0, 2, 3, 4, 5, 6) },
    ...overrides,
  };
}

function read(bytes: Uint8Array): Naturalized {
  return parseDicom(bytes).dataset;
}

describe('binary SEG writer', () => {
  const out = writeSeg(input());
  const ds = read(out.bytes);

  it("puts the SEG in the sources' study as a new series with the sources' frame of reference and patient", () => {
    expect(first(ds, 'SOPClassUID')).toBe('1.2.840.10008.5.1.4.1.1.66.4');
    expect(first(ds, 'Modality')).toBe('SEG');
    expect(first(ds, 'StudyInstanceUID')).toBe('1.2.3.4');
    expect(first(ds, 'SeriesInstanceUID')).not.toBe('1.2.3.4.5');
    expect(first(ds, 'SeriesInstanceUID')).toBe(out.seriesInstanceUid);
    expect(first(ds, 'FrameOfReferenceUID')).toBe('1.2.3.4.9');
    expect(ds.PatientName).toEqual([{ Alphabetic: 'Doe^Jane' }]);
    expect([ds.PatientID, ds.PatientSex, ds.StudyDate, ds.StudyTime, ds.StudyID, ds.AccessionNumber]).toEqual([
      'P1',
      'F',
      '20240102',
      '101500',
      'S1',
      'A1',
    ]);
    expect(ds.ImageType).toEqual(['DERIVED', 'PRIMARY']);
    expect([ds.ContentLabel, ds.SeriesDescription, ds.ContentDate, ds.ContentTime]).toEqual([
      'MEDSAM',
      'MedSAM segmentation',
      '20240102',
      '030405.006',
    ]);
    expect([ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.SegmentationType, ds.Rows, ds.Columns]).toEqual([
      1,
      1,
      0,
      'BINARY',
      ROWS,
      COLS,
    ]);
  });

  it('references every source instance, also those without a frame', () => {
    const refs = items(items(ds, 'ReferencedSeriesSequence')[0], 'ReferencedInstanceSequence').map(
      r => r.ReferencedSOPInstanceUID,
    );
    expect(new Set(refs)).toEqual(new Set(sources.map(s => s.sopInstanceUid)));
    expect(first(items(ds, 'ReferencedSeriesSequence')[0], 'SeriesInstanceUID')).toBe('1.2.3.4.5');
  });

  it('describes each segment with codes, algorithm and colour; numbers from 1', () => {
    const segs = items(ds, 'SegmentSequence');
    expect(segs.map(s => s.SegmentNumber)).toEqual([1, 2, 3, 4]);
    expect(segs.map(s => s.SegmentLabel)).toEqual(['Liver', 'Left kidney', 'Odd blob', 'Tumor']);
    expect(segs.map(s => s.SegmentAlgorithmType)).toEqual([
      'SEMIAUTOMATIC',
      'SEMIAUTOMATIC',
      'SEMIAUTOMATIC',
      'MANUAL',
    ]);
    const typeOf = (s: Naturalized): unknown => items(s, 'SegmentedPropertyTypeCodeSequence')[0].CodeValue;
    expect(segs.map(typeOf)).toEqual(['10200004', '64033007', '85756007', '108369006']);
    expect(
      items(items(segs[1], 'SegmentedPropertyTypeCodeSequence')[0], 'SegmentedPropertyTypeModifierCodeSequence')[0]
        .CodeMeaning,
    ).toBe('Left');
    expect(items(segs[0], 'SegmentedPropertyCategoryCodeSequence')[0]).toMatchObject({
      CodeValue: '91723000',
      CodingSchemeDesignator: 'SCT',
    });
    expect(segs[0].RecommendedDisplayCIELabValue).toEqual([41661, 41167, 40792]); // as dcmqi writes the liver colour
    const alg = items(segs[0], 'SegmentationAlgorithmIdentificationSequence')[0];
    expect(alg).toMatchObject({ AlgorithmName: 'MedSAM', AlgorithmVersion: `tiny-random sha256:${'ab'.repeat(8)}` });
    expect(alg.AlgorithmParameters).toContain(`weights_sha256=${'ab'.repeat(32)}`);
    expect(items(alg, 'AlgorithmFamilyCodeSequence')[0]).toMatchObject({
      CodeValue: '123110',
      CodingSchemeDesignator: 'DCM',
    });
    expect(segs[0].SegmentAlgorithmName).toBe('MedSAM');
  });

  it('writes one frame per non-empty (segment, slice), ordered by segment then position, with per-frame groups', () => {
    const pf = items(ds, 'PerFrameFunctionalGroupsSequence');
    expect(ds.NumberOfFrames).toBe(4);
    expect(pf).toHaveLength(4);
    const seg = pf.map(f => first(items(f, 'SegmentIdentificationSequence')[0], 'ReferencedSegmentNumber'));
    expect(seg).toEqual([1, 1, 2, 4]);
    const src = pf.map(f => items(items(f, 'DerivationImageSequence')[0], 'SourceImageSequence')[0]);
    // Stack order is ascending z: source index 2 (z 95) before 0 (z 100).
    expect(src.map(s => s.ReferencedSOPInstanceUID)).toEqual([
      '1.2.3.4.5.3',
      '1.2.3.4.5.1',
      '1.2.3.4.5.2',
      '1.2.3.4.5.4',
    ]);
    expect(items(src[0], 'PurposeOfReferenceCodeSequence')[0]).toMatchObject({
      CodeValue: '121322',
      CodingSchemeDesignator: 'DCM',
    });
    expect(src[0].SpatialLocationsPreserved).toBe('YES');
    const pos = pf.map(f => items(f, 'PlanePositionSequence')[0].ImagePositionPatient);
    expect(pos).toEqual([
      [-10, -20, 95],
      [-10, -20, 100],
      [-10, -20, 97.5],
      [-10, -20, 92.5],
    ]);
    // Position index counts the slices that carry a frame (z 92.5, 95, 97.5, 100 -> 1..4).
    expect(pf.map(f => items(f, 'FrameContentSequence')[0].DimensionIndexValues)).toEqual([
      [1, 2],
      [1, 4],
      [2, 3],
      [4, 1],
    ]);
  });

  it('shares pixel measures and orientation, and indexes segment number and position', () => {
    const shared = items(ds, 'SharedFunctionalGroupsSequence')[0];
    expect(items(shared, 'PixelMeasuresSequence')[0]).toMatchObject({
      PixelSpacing: [0.5, 0.75],
      SliceThickness: 2.5,
      SpacingBetweenSlices: 2.5,
    });
    expect(items(shared, 'PlaneOrientationSequence')[0].ImageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
    const dim = items(ds, 'DimensionIndexSequence');
    expect(dim.map(d => d.DimensionIndexPointer)).toEqual([0x0062000b, 0x00200032]);
    expect(dim.map(d => d.FunctionalGroupPointer)).toEqual([0x0062000a, 0x00209113]);
    const org = first(items(ds, 'DimensionOrganizationSequence')[0], 'DimensionOrganizationUID');
    expect(dim.every(d => d.DimensionOrganizationUID === org)).toBe(true);
  });

  it('packs the masks frame after frame', () => {
    const data = new Uint8Array((ds.PixelData as ArrayBuffer[])[0]);
    expect(data.length).toBe(Math.ceil((4 * ROWS * COLS) / 8) + (Math.ceil((4 * ROWS * COLS) / 8) % 2));
    expect(Array.from(unpackBinaryFrame(data, 0, ROWS * COLS))).toEqual(Array.from(liver));
    expect(Array.from(unpackBinaryFrame(data, 2, ROWS * COLS))).toEqual(Array.from(noise(ROWS, COLS, 3)));
  });

  it('is reproducible given the UIDs and the time', () => {
    expect(Buffer.from(writeSeg(input()).bytes).equals(Buffer.from(out.bytes))).toBe(true);
  });

  it('keeps every frame when every mask is empty (a SEG needs a frame)', () => {
    const built = buildSeg(input({ masks: input().masks.map(m => m.map(() => null)) }));
    expect(built.frames).toHaveLength(4 * 4);
  });
});

describe('label map SEG writer', () => {
  const masks = [
    [liver, null, null, null],
    [null, rect(ROWS, COLS, 0, 0, 2, 2), null, rect(ROWS, COLS, 4, 6, 5, 7)],
  ];
  const out = writeSeg(
    input({
      segments: [segment(target('liver')), segment(target('spleen'))],
      masks,
      options: { kind: 'LABELMAP', uid: sequentialUids() },
    }),
  );
  const ds = read(out.bytes);

  it('writes 66.7 with 8-bit segment numbers, one frame per slice that has any segment, and a background segment 0', () => {
    expect([ds.SOPClassUID, ds.SegmentationType, ds.BitsAllocated, ds.PixelPaddingValue, ds.SegmentsOverlap]).toEqual([
      '1.2.840.10008.5.1.4.1.1.66.7',
      'LABELMAP',
      8,
      0,
      'NO',
    ]);
    expect(items(ds, 'SegmentSequence').map(s => [s.SegmentNumber, s.SegmentLabel])).toEqual([
      [0, 'Background'],
      [1, 'Liver'],
      [2, 'Spleen'],
    ]);
    expect(ds.NumberOfFrames).toBe(3);
    const pf = items(ds, 'PerFrameFunctionalGroupsSequence');
    expect(pf.every(f => items(f, 'SegmentIdentificationSequence').length === 0)).toBe(true);
    expect(items(ds, 'DimensionIndexSequence').map(d => d.DimensionIndexPointer)).toEqual([0x00200032]);
    const data = new Uint8Array((ds.PixelData as ArrayBuffer[])[0]);
    // Frames in ascending z: source 3 (spleen corner), 1 (spleen), 0 (liver).
    expect(data[ROWS * COLS - 1]).toBe(2);
    expect(data[ROWS * COLS]).toBe(2);
    expect(data[2 * ROWS * COLS + 1 * COLS + 2]).toBe(1);
  });

  it('refuses overlapping segments', () => {
    expect(() =>
      writeSeg(
        input({
          segments: [segment(target('liver')), segment(target('spleen'))],
          masks: [
            [liver, null, null, null],
            [liver, null, null, null],
          ],
          options: { kind: 'LABELMAP' },
        }),
      ),
    ).toThrow(/overlap/);
  });
});

describe('writer validation', () => {
  it.each<[string, Partial<SegInput>, RegExp]>([
    [
      'a mask of the wrong size',
      { masks: [[new Uint8Array(3), null, null, null]], segments: [segment(target('liver'))] },
      /has 3 pixels, the image has 5x7 = 35/,
    ],
    [
      'a label volume passed as a mask',
      { masks: [[new Uint8Array(35).fill(2), null, null, null]], segments: [segment(target('liver'))] },
      /value 2 at row 0, column 0.*masksFromLabelmap/,
    ],
    [
      'masks for fewer segments',
      { masks: [[null, null, null, null]] },
      /masks for 1 segments and 4 segment descriptions/,
    ],
    [
      'masks for fewer slices',
      { masks: [[null, null]], segments: [segment(target('liver'))] },
      /masks for 2 slices, the SEG has 4 source images/,
    ],
    [
      'a semi-automatic segment without algorithm',
      { segments: [{ ...segment(target('liver')), algorithm: undefined }], masks: [[liver, null, null, null]] },
      /names no algorithm/,
    ],
    [
      'a retired SRT code',
      {
        segments: [{ ...segment(target('liver')), type: { value: 'T-62000', scheme: 'SRT', meaning: 'Liver' } }],
        masks: [[liver, null, null, null]],
      },
      /retired scheme SRT/,
    ],
    [
      'an empty label',
      { segments: [{ ...segment(target('liver')), label: ' ' }], masks: [[liver, null, null, null]] },
      /has no label/,
    ],
    [
      'a colour out of range',
      { segments: [{ ...segment(target('liver')), color: [0, 0, 300] }], masks: [[liver, null, null, null]] },
      /colour/,
    ],
    ['no segments', { segments: [], masks: [] }, /at least one segment/],
  ])('refuses %s', (_, change, message) => {
    expect(() => writeSeg({ ...input(), ...change })).toThrow(message);
  });

  it('needs a slice thickness for a single slice that has none, and takes the spacing for a stack', () => {
    const one = syntheticSources(1, ROWS, COLS).map(s => ({ ...s, sliceThickness: undefined }));
    const seg1 = { sources: one, segments: [segment(target('liver'))], masks: [[liver]] };
    expect(() => writeSeg(seg1)).toThrow(/no SliceThickness.*sliceThicknessMm/);
    const shared = (b: Uint8Array): Naturalized =>
      items(items(read(b), 'SharedFunctionalGroupsSequence')[0], 'PixelMeasuresSequence')[0];
    expect(shared(writeSeg({ ...seg1, options: { sliceThicknessMm: 3 } }).bytes).SliceThickness).toBe(3);
    const stack = sources.map(s => ({ ...s, sliceThickness: undefined }));
    expect(shared(writeSeg({ ...input(), sources: stack }).bytes).SliceThickness).toBe(2.5);
  });

  it('converts label volumes into masks', () => {
    const labels = [new Uint8Array([0, 1, 2, 1]), null, new Uint8Array([0, 0, 0, 0])];
    expect(masksFromLabelmap(labels, [1, 2]).map(s => s.map(m => (m ? Array.from(m) : null)))).toEqual([
      [[0, 1, 0, 1], null, null],
      [[0, 0, 1, 0], null, null],
    ]);
  });

  it('describes MedSAM with the model id and weights hash, and refuses a malformed hash', () => {
    expect(TEST_ALGORITHM.version.length).toBeLessThanOrEqual(64);
    expect(medsamAlgorithm({ id: 'medsam-vit-b', weightsSha256: null }).version).toBe('medsam-vit-b (no checkpoint)');
    expect(() => medsamAlgorithm({ id: 'm', weightsSha256: 'abc' })).toThrow(/64 hexadecimal/);
  });
});
