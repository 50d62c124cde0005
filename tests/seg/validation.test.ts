/**
 * Every SEG these tests write is validated by tools that are not ours:
 *  - dciodvfy (dicom3tools): 0 errors; each remaining warning must be one of EXPLAINED below;
 *  - highdicom segread (when the project's venv exists, as in CI): the same masks back, voxel for voxel.
 * Sources are the project's sample CTs: 3-slice liver CT (implicit VR) and 20-slice abdomen CT (JPEG 2000), with
 * masks from their reference labels (NRRD, NIfTI), a free-text segment and an empty segment.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { freeTextTarget, resolveTarget, targetById, type SegmentTarget } from '../../extension-medsam/src/seg/codes';
import { quietDcmjs } from '../../extension-medsam/src/seg/dicom/parse';
import { readSeg } from '../../extension-medsam/src/seg/reader';
import type { SourceImage } from '../../extension-medsam/src/seg/source';
import { readNifti } from '../../extension-medsam/src/seg/volume/nifti';
import { readNrrd } from '../../extension-medsam/src/seg/volume/nrrd';
import { volumeToSlices, type Volume } from '../../extension-medsam/src/seg/volume/volume';
import {
  medsamAlgorithm,
  writeSeg,
  type SegmentationKind,
  type SegmentDescription,
} from '../../extension-medsam/src/seg/writer';
import { dciodvfy, highdicomRoundTrip, OUT, ROOT, venvPython } from './validators';

quietDcmjs();
const DATA = path.join(ROOT, 'tests/data');
const gunzip = (b: Uint8Array): Uint8Array => new Uint8Array(zlib.gunzipSync(b));

/**
 * dciodvfy warnings that come from the source data, which a SEG must copy unchanged:
 *  - the 3-slice CT's PatientName "JANCT000" has no "^" (dciodvfy flags the old single-component form);
 *  - the 20-slice CT has an empty StudyID (Type 2 in the General Study module, copied empty), which dciodvfy
 *    notes would be needed for a DICOMDIR.
 */
const EXPLAINED = [/Retired Person Name form/, /needed to build DICOMDIR - Study ID/];

const ALGORITHM = medsamAlgorithm({ id: 'tiny-random', weightsSha256: null, weightsSource: 'random (seed 0)' });

interface Case {
  name: string;
  dir: string;
  labels: () => Volume;
  /** [target, label value in the volume] ; value null = empty segment. */
  segments: [SegmentTarget, number | null][];
}

const CASES: Case[] = [
  {
    name: 'ct-liver-3slice',
    dir: 'ct-liver-3slice/ct-3slice',
    labels: () => {
      // The three NRRDs (liver 1, spine 2, heart 3) share one grid; merged into one label volume.
      const vols = ['liver_seg.nrrd', 'spine_seg.nrrd', 'heart_seg.nrrd'].map(f =>
        readNrrd(new Uint8Array(fs.readFileSync(path.join(DATA, 'ct-liver-3slice', f))), gunzip),
      );
      const data = new Float32Array(vols[0].data.length);
      vols.forEach(v => v.data.forEach((x, i) => x && (data[i] = x)));
      return { ...vols[0], data };
    },
    segments: [
      [targetById('liver')!, 1],
      [targetById('vertebra')!, 2],
      [freeTextTarget('Heart (traced by hand)'), 3],
      [targetById('cyst')!, null],
    ],
  },
  {
    name: 'ct-abdomen-20slice',
    dir: 'ct-abdomen-20slice/ct_dicom',
    labels: () =>
      readNifti(
        new Uint8Array(fs.readFileSync(path.join(DATA, 'ct-abdomen-20slice/example_seg_dicom.nii.gz'))),
        gunzip,
      ),
    segments: [
      [targetById('spleen')!, 1],
      [targetById('liver')!, 5],
      [targetById('stomach')!, 6],
      [targetById('pancreas')!, 7],
      [targetById('aorta')!, 52],
      [resolveTarget('Incidental finding, see report'), 20],
      [targetById('polyp')!, null],
    ],
  },
];

function describeSegment(t: SegmentTarget, i: number): SegmentDescription {
  return {
    label: t.label,
    category: t.category,
    type: t.type,
    typeModifier: t.typeModifier,
    color: t.color,
    algorithmType: i === 1 ? 'MANUAL' : 'SEMIAUTOMATIC',
    algorithm: ALGORITHM,
  };
}

const summary: string[] = [];
afterAll(() => {
  console.log(`SEG validation\n${summary.join('\n')}`);
});

describe.each(CASES)('SEG of $name', c => {
  const { sources } = readSourceFolder(path.join(DATA, c.dir));
  const volume = c.labels();
  const labelSlices = volumeToSlices(volume, sources, c.name).slices;
  const maskOf = (value: number | null, k: number): Uint8Array | null => {
    if (value === null) return null;
    const m = Uint8Array.from(labelSlices[k], v => (v === value ? 1 : 0));
    return m.some(v => v) ? m : null;
  };
  const segments = c.segments.map(([t], i) => describeSegment(t, i));
  const masks = c.segments.map(([, value]) => sources.map((_, k) => maskOf(value, k)));

  it.each<SegmentationKind>(['BINARY', 'LABELMAP'])(
    '%s: valid for dciodvfy and read back exactly by highdicom and by our reader',
    kind => {
      const out = writeSeg({ sources, segments, masks, options: { kind, seriesDescription: `MedSAM test ${kind}` } });
      fs.mkdirSync(OUT, { recursive: true });
      const file = path.join(OUT, `${c.name}-${kind.toLowerCase()}.dcm`);
      fs.writeFileSync(file, out.bytes);
      const line: string[] = [
        `  ${c.name} ${kind}: ${out.frames.length} frames, ${segments.length} segments, ${out.bytes.length} bytes`,
      ];

      // Our own reader first: the same masks on the same slices.
      const back = readSeg(out.bytes, sources);
      masks.forEach((perSlice, s) =>
        perSlice.forEach((m, k) =>
          expect(Buffer.from(back.masks[s][k]).equals(Buffer.from(m ?? new Uint8Array(back.rows * back.columns)))).toBe(
            true,
          ),
        ),
      );

      // dciodvfy knows the classic SEG IOD only (its 2022 release predates the Label Map SEG SOP class).
      if (kind === 'BINARY') {
        const v = dciodvfy(file);
        line.push(
          `dciodvfy ${v.errors.length} errors, ${v.warnings.length} warnings${v.warnings.length ? ` (${v.warnings.map(w => w.replace(/^Warning - /, '')).join('; ')})` : ''}`,
        );
        expect(v.errors).toEqual([]);
        for (const w of v.warnings)
          expect({ warning: w, explained: EXPLAINED.some(re => re.test(w)) }).toEqual({ warning: w, explained: true });
      }

      const python = venvPython();
      if (python) {
        const spec = {
          seg: file,
          sources: sources.map((s: SourceImage) => s.sopInstanceUid),
          rows: sources[0].rows,
          columns: sources[0].columns,
          segmentationType: kind,
          segments: segments.map((s, i) => ({
            number: i + 1,
            label: s.label,
            category: [s.category.value, s.category.scheme] as [string, string],
            type: [s.type.value, s.type.scheme] as [string, string],
            algorithmType: s.algorithmType,
            rgb: s.color,
          })),
          masks,
        };
        const r = highdicomRoundTrip(python, spec, `${c.name}-${kind.toLowerCase()}`);
        expect(r.output).toContain('highdicom round trip exact');
        line.push(`highdicom round trip exact (${(r.figures.voxelsPerSegment as number[]).join('/')} voxels)`);
      } else {
        line.push('highdicom check skipped (no project venv)');
      }
      summary.push(line.join('; '));
    },
  );
});

describe('SEG of a single endoscopy image (no patient coordinate system)', () => {
  it('is valid for dciodvfy and read back exactly by highdicom', () => {
    // A VL Endoscopic Image as OHIF's metadata would describe it: no position, orientation or frame of reference.
    const source: SourceImage = {
      sopClassUid: '1.2.840.10008.5.1.4.1.1.77.1.1',
      sopInstanceUid: '2.25.777001',
      studyInstanceUid: '2.25.777000',
      seriesInstanceUid: '2.25.777002',
      modality: 'ES',
      rows: 528,
      columns: 617,
      patientStudy: {
        PatientName: 'Endo^Test',
        PatientID: 'E1',
        StudyDate: '20240101',
        StudyTime: '120000',
        StudyID: '1',
        AccessionNumber: 'E-1',
      },
    };
    const mask = new Uint8Array(528 * 617);
    for (let r = 100; r < 300; r++)
      for (let c = 200; c < 420; c++)
        if ((r - 200) ** 2 / 100 ** 2 + (c - 310) ** 2 / 110 ** 2 <= 1) mask[r * 617 + c] = 1;
    const polyp = targetById('polyp')!;
    const segments = [describeSegment(polyp, 0)];
    const out = writeSeg({ sources: [source], segments, masks: [[mask]] });
    fs.mkdirSync(OUT, { recursive: true });
    const file = path.join(OUT, 'endoscopy-binary.dcm');
    fs.writeFileSync(file, out.bytes);
    const v = dciodvfy(file);
    expect(v.errors).toEqual([]);
    for (const w of v.warnings)
      expect({ warning: w, explained: EXPLAINED.some(re => re.test(w)) }).toEqual({ warning: w, explained: true });
    expect(Buffer.from(readSeg(out.bytes, [source]).masks[0][0]).equals(Buffer.from(mask))).toBe(true);
    const line = [
      `  endoscopy image BINARY: ${out.frames.length} frame; dciodvfy ${v.errors.length} errors, ${v.warnings.length} warnings`,
    ];
    const python = venvPython();
    if (python) {
      const r = highdicomRoundTrip(
        python,
        {
          seg: file,
          sources: [source.sopInstanceUid],
          rows: 528,
          columns: 617,
          segmentationType: 'BINARY',
          segments: [
            {
              number: 1,
              label: polyp.label,
              category: [polyp.category.value, 'SCT'],
              type: [polyp.type.value, 'SCT'],
              algorithmType: 'SEMIAUTOMATIC',
              rgb: polyp.color,
            },
          ],
          masks: [[mask]],
        },
        'endoscopy-binary',
      );
      expect(r.output).toContain('highdicom round trip exact');
      line.push('highdicom round trip exact');
    }
    summary.push(line.join('; '));
    expect(() => writeSeg({ sources: [source], segments, masks: [[mask]], options: { kind: 'LABELMAP' } })).toThrow(
      /Label Map SEG needs images with a patient coordinate system/,
    );
  });
});
