import { freeTextTarget, targetById } from '../../seg/codes';
import { readSeg } from '../../seg/reader';
import { writeSeg } from '../../seg/writer';
import { buildSegExport, describeSegment, type ExportSlice } from './segExport';

const ROWS = 4;
const COLUMNS = 6;

function instance(k: number): Record<string, unknown> {
  return {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    SOPInstanceUID: `1.2.3.4.${k + 1}`,
    StudyInstanceUID: '1.2.3',
    SeriesInstanceUID: '1.2.3.4',
    FrameOfReferenceUID: '1.2.3.9',
    Modality: 'CT',
    Rows: ROWS,
    Columns: COLUMNS,
    ImagePositionPatient: [0, 0, 2.5 * k],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    PixelSpacing: [0.7, 0.7],
    SliceThickness: 2.5,
    PatientName: [{ Alphabetic: 'Doe^Jane' }],
    PatientID: 'P1',
  };
}

const MODEL = { id: 'box-oracle', weightsSha256: null };

describe('buildSegExport', () => {
  const layer = (cells: Array<[number, number]>): Uint8Array => {
    const a = new Uint8Array(ROWS * COLUMNS);
    for (const [i, v] of cells) a[i] = v;
    return a;
  };
  const slices: ExportSlice[] = [
    {
      instance: instance(0),
      layers: [
        layer([
          [0, 1],
          [7, 2],
        ]),
      ],
    },
    { instance: instance(1), layers: [] },
    // Overlapping segments live in two layers of one slice.
    {
      instance: instance(2),
      layers: [
        layer([[3, 1]]),
        layer([
          [3, 2],
          [4, 2],
        ]),
      ],
    },
  ];

  it('gives one mask per segment per source slice, codes the label, and keeps the colour', () => {
    const out = buildSegExport({
      slices,
      segments: [
        { segmentIndex: 1, label: 'Liver', color: [200, 10, 10] },
        { segmentIndex: 2, label: 'my blob', color: null },
        { segmentIndex: 3, label: 'empty', color: null },
      ],
      model: MODEL,
      editedByHand: null,
    });
    expect(out.voxels).toEqual([2, 3]);
    expect(out.skipped.map(s => s.label)).toEqual(['empty']);
    expect(out.input.masks[0][1]).toBeNull();
    expect(Array.from(out.input.masks[1][2] ?? [])).toEqual(
      Array.from(
        layer([
          [3, 1],
          [4, 1],
        ]),
      ),
    );
    const [liver, blob] = out.input.segments;
    expect(liver.type.meaning).toBe('Liver');
    expect(liver.color).toEqual([200, 10, 10]);
    expect(blob.label).toBe('my blob');
    expect(blob.category.meaning).toBe('Tissue');
    expect(liver.algorithmType).toBe('SEMIAUTOMATIC');
    expect(out.notes.join(' ')).toMatch(/not tracked/);
    expect(liver.algorithm?.name).toBe('MedSAM');
  });

  it('declares MANUAL after hand edits, and refuses an empty segmentation', () => {
    const out = buildSegExport({
      slices,
      segments: [{ segmentIndex: 1, label: 'Liver', color: null }],
      model: MODEL,
      editedByHand: true,
    });
    expect(out.input.segments[0].algorithmType).toBe('MANUAL');
    expect(() =>
      buildSegExport({
        slices,
        segments: [{ segmentIndex: 9, label: 'x', color: null }],
        model: MODEL,
        editedByHand: false,
      }),
    ).toThrow(/empty/);
  });

  it('codes each segment by its own hand-edit flag (the ledger), without the untracked note', () => {
    const out = buildSegExport({
      slices,
      segments: [
        { segmentIndex: 1, label: 'Liver', color: null, editedByHand: true },
        { segmentIndex: 2, label: 'Polyp', color: null, editedByHand: false },
      ],
      model: MODEL,
      editedByHand: null,
    });
    expect(out.input.segments.map(s => s.algorithmType)).toEqual(['MANUAL', 'SEMIAUTOMATIC']);
    expect(out.notes.join(' ')).not.toMatch(/not tracked/);
  });

  it('writes a SEG that reads back to the same voxels on the source slices', () => {
    const out = buildSegExport({
      slices,
      segments: [
        { segmentIndex: 1, label: 'Liver', color: null },
        { segmentIndex: 2, label: 'Polyp', color: null },
      ],
      model: MODEL,
      editedByHand: false,
    });
    const seg = writeSeg(out.input);
    const back = readSeg(seg.bytes, out.input.sources);
    for (let s = 0; s < 2; s++) {
      for (let k = 0; k < slices.length; k++) {
        const expected = out.input.masks[s][k] ?? new Uint8Array(ROWS * COLUMNS);
        expect(Array.from(back.masks[s][k])).toEqual(Array.from(expected));
      }
    }
  });
});

describe('buildSegExport of a multi-frame instance', () => {
  it('writes a SEG that references each frame of an enhanced image by its number', () => {
    const {
      ImagePositionPatient: _p,
      ImageOrientationPatient: _o,
      PixelSpacing: _s,
      SliceThickness: _t,
      ...rest
    } = instance(0);
    const enhanced = {
      ...rest,
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2.1',
      NumberOfFrames: 3,
      SharedFunctionalGroupsSequence: [
        {
          PixelMeasuresSequence: [{ PixelSpacing: [0.7, 0.7], SliceThickness: 2.5 }],
          PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }],
        },
      ],
      // Frames stored head to feet.
      PerFrameFunctionalGroupsSequence: [5, 2.5, 0].map(z => ({
        PlanePositionSequence: [{ ImagePositionPatient: [0, 0, z] }],
      })),
    };
    const mark = new Uint8Array(ROWS * COLUMNS);
    mark[2] = 1;
    const out = buildSegExport({
      slices: [1, 2, 3].map(frame => ({ instance: enhanced, frame, layers: frame === 3 ? [mark] : [] })),
      segments: [{ segmentIndex: 1, label: 'Liver', color: null }],
      model: MODEL,
      editedByHand: false,
    });
    expect(out.input.sources.map(s => [s.referencedFrameNumber, s.imagePositionPatient?.[2]])).toEqual([
      [1, 5],
      [2, 2.5],
      [3, 0],
    ]);
    const seg = writeSeg(out.input);
    const item = (seg.dataset.PerFrameFunctionalGroupsSequence as any[])[0].DerivationImageSequence[0]
      .SourceImageSequence[0];
    expect([item.ReferencedSOPInstanceUID, item.ReferencedFrameNumber]).toEqual(['1.2.3.4.1', 3]);
    const back = readSeg(seg.bytes, out.input.sources);
    expect(back.masks[0].map(m => m[2])).toEqual([0, 0, 1]);
  });
});

describe('describeSegment', () => {
  it('codes the segment from the chosen target, whatever its label says', () => {
    const kidney = targetById('kidney-left')!;
    const d = describeSegment(
      { segmentIndex: 1, label: 'MedSAM 1', color: null, target: kidney },
      'SEMIAUTOMATIC',
      MODEL,
    );
    expect(d.label).toBe('MedSAM 1');
    expect([d.category, d.type, d.typeModifier]).toEqual([kidney.category, kidney.type, kidney.typeModifier]);
    expect(d.color).toEqual(kidney.color);
  });

  it('codes a free-text choice as Tissue even when the label names a known target', () => {
    const d = describeSegment(
      { segmentIndex: 2, label: 'Liver', color: [1, 2, 3], target: freeTextTarget('odd region') },
      'SEMIAUTOMATIC',
      MODEL,
    );
    expect([d.category.meaning, d.type.meaning, d.typeModifier]).toEqual(['Tissue', 'Tissue', undefined]);
    expect(d.color).toEqual([1, 2, 3]);
  });

  it('resolves the label when nothing is chosen', () => {
    expect(describeSegment({ segmentIndex: 1, label: 'Spleen', color: null }, 'SEMIAUTOMATIC', MODEL).type).toEqual(
      targetById('spleen')!.type,
    );
  });
});
