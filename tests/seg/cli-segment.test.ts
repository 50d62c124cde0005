/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * `medsam segment` end to end: the 20-slice CT (JPEG 2000, decoded by OpenJPEG/WASM) with the box-oracle test model
 * (its mask is the box) gives a SEG whose masks are the drawn boxes (IoU >= 0.97; the low-res grid is 4 pixels at
 * 1024 scale), valid for dciodvfy and highdicom, with a NIfTI that `evaluate` finds identical; --stow stores it in
 * Orthanc with verification. The 3-slice CT (native pixels) runs through the random-weight tiny model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCli as run } from './run-cli';
import type { EvaluationReport } from '../../extension-medsam/src/cli/evaluate';
import { readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { readSeg } from '../../extension-medsam/src/seg/reader';
import { checkSources } from '../../extension-medsam/src/seg/source';
import { createOrthanc, orthancInstalled } from './orthanc';
import { dciodvfy, highdicomRoundTrip, OUT, ROOT, venvPython } from './validators';

const CT20 = path.join(ROOT, 'tests/data/ct-abdomen-20slice/ct_dicom');
const CT3 = path.join(ROOT, 'tests/data/ct-liver-3slice/ct-3slice');

function iou(mask: Uint8Array, columns: number, box: number[]): number {
  const [x0, y0, x1, y1] = box;
  let inter = 0;
  let union = 0;
  mask.forEach((v, i) => {
    const r = Math.floor(i / columns);
    const c = i % columns;
    const inBox = c + 0.5 > x0 && c + 0.5 < x1 && r + 0.5 > y0 && r + 0.5 < y1 ? 1 : 0;
    if (v && inBox) inter++;
    if (v || inBox) union++;
  });
  return inter / union;
}

const BOXES = {
  segments: [
    // Off-centre, non-square boxes (catch flips and transposes).
    {
      target: 'liver',
      boxes: [
        { slice: 5, box: [120, 200, 260, 330] },
        { slice: 6, box: [121, 201, 259, 331] },
      ],
    },
    { target: 'kidney-left', color: [10, 200, 40], boxes: [{ instanceNumber: 270, box: [300.5, 100, 401.25, 199] }] },
    { label: 'Something else', boxes: [{ slice: 19, box: [40, 400, 90, 420] }] },
  ],
};

describe('medsam segment', () => {
  const { sources } = readSourceFolder(CT20);
  const order = checkSources(sources).geometry!.order;
  const seg = path.join(OUT, 'cli-segment-20.dcm');
  const nifti = path.join(OUT, 'cli-segment-20.nii.gz');
  let summary: Record<string, unknown>;

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    const boxes = path.join(OUT, 'cli-segment-boxes.json');
    fs.writeFileSync(boxes, JSON.stringify(BOXES));
    const r = await run([
      'segment',
      '--dicom',
      CT20,
      '--boxes',
      boxes,
      '--model',
      'box-oracle',
      '--out',
      seg,
      '--nifti',
      nifti,
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
    summary = JSON.parse(r.stdout);
    expect(r.stderr).toMatch(/TEST MODEL/);
    expect(r.stderr).toMatch(/segment: 4\/4 \(100%\)/);
  });

  it('writes a SEG whose masks are the drawn boxes on the right slices', () => {
    expect(summary).toMatchObject({ frames: 4, model: 'box-oracle', testModel: true });
    const back = readSeg(new Uint8Array(fs.readFileSync(seg)), sources);
    expect(back.segments.map(s => [s.label, s.type?.meaning, s.typeModifier?.meaning ?? null])).toEqual([
      ['Liver', 'Liver', null],
      ['Left kidney', 'Kidney', 'Left'],
      ['Something else', 'Tissue', null],
    ]);
    const columns = sources[0].columns;
    const expected: [number, number, number[]][] = [
      [0, order[5], [120, 200, 260, 330]],
      [0, order[6], [121, 201, 259, 331]],
      [1, sources.findIndex(s => s.instanceNumber === 270), [300.5, 100, 401.25, 199]],
      [2, order[19], [40, 400, 90, 420]],
    ];
    const ious = expected.map(([s, k, box]) => iou(back.masks[s][k], columns, box));
    console.log(
      `medsam segment (box-oracle, 20-slice JPEG 2000 CT): mask/box IoU ${ious.map(x => x.toFixed(4)).join(', ')}`,
    );
    ious.forEach(x => expect(x).toBeGreaterThanOrEqual(0.97));
    const framesOn = new Set(expected.map(([s, k]) => `${s}/${k}`));
    back.masks.forEach((perSlice, s) =>
      perSlice.forEach((m, k) => !framesOn.has(`${s}/${k}`) && expect(m.some(v => v)).toBe(false)),
    );
  });

  it('is valid for dciodvfy and highdicom', () => {
    const v = dciodvfy(seg);
    expect(v.errors).toEqual([]);
    const python = venvPython();
    if (!python) return;
    const back = readSeg(new Uint8Array(fs.readFileSync(seg)), sources);
    const r = highdicomRoundTrip(
      python,
      {
        seg,
        sources: sources.map(s => s.sopInstanceUid),
        rows: 512,
        columns: 512,
        segmentationType: 'BINARY',
        segments: back.segments.map(s => ({
          number: s.number,
          label: s.label,
          category: [s.category!.value, s.category!.scheme],
          type: [s.type!.value, s.type!.scheme],
          algorithmType: 'SEMIAUTOMATIC',
          rgb: s.color!,
        })),
        masks: back.masks,
      },
      'cli-segment-20',
    );
    expect(r.output).toContain('highdicom round trip exact');
  });

  it('writes a NIfTI that evaluate finds identical to the SEG', async () => {
    const r = await run(['evaluate', '--pred', seg, '--ref', nifti, '--dicom', CT20, '--json', '-', '--quiet']);
    const report = JSON.parse(r.stdout) as EvaluationReport;
    expect(report.results.map(x => [x.pred.number, x.ref.number, x.dice, x.nsd])).toEqual([
      [1, 1, 1, 1],
      [2, 2, 1, 1],
      [3, 3, 1, 1],
    ]);
  });

  it('runs the tiny random-weight model on the native 3-slice CT', async () => {
    const boxes = path.join(OUT, 'cli-segment-boxes3.json');
    fs.writeFileSync(
      boxes,
      JSON.stringify({
        segments: [
          {
            target: 'liver',
            boxes: [
              { slice: 0, box: [100, 150, 300, 350] },
              { slice: 2, box: [100, 150, 300, 350] },
            ],
          },
        ],
      }),
    );
    const r = await run([
      'segment',
      '--dicom',
      CT3,
      '--boxes',
      boxes,
      '--model',
      'tiny-random',
      '--out',
      path.join(OUT, 'cli-segment-3.dcm'),
      '--label-map',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ model: 'tiny-random', testModel: true });
  });

  it('refuses bad boxes with the place of the problem', async () => {
    const bad = path.join(OUT, 'cli-segment-bad.json');
    fs.writeFileSync(
      bad,
      JSON.stringify({ segments: [{ target: 'liver', boxes: [{ slice: 99, box: [1, 2, 3, 4] }] }] }),
    );
    const r = await run([
      'segment',
      '--dicom',
      CT3,
      '--boxes',
      bad,
      '--model',
      'box-oracle',
      '--out',
      path.join(OUT, 'x.dcm'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/segments\[0\]\.boxes\[0\]: no such slice/);
    fs.writeFileSync(bad, JSON.stringify({ segments: [{ target: 'livr', boxes: [{ slice: 0, box: [1, 2, 3, 4] }] }] }));
    expect(
      (
        await run([
          'segment',
          '--dicom',
          CT3,
          '--boxes',
          bad,
          '--model',
          'box-oracle',
          '--out',
          path.join(OUT, 'x.dcm'),
        ])
      ).stderr,
    ).toMatch(/unknown target "livr"/);
    fs.writeFileSync(
      bad,
      JSON.stringify({ segments: [{ target: 'liver', boxes: [{ slice: 0, box: [600, 10, 700, 50] }] }] }),
    );
    const outside = await run([
      'segment',
      '--dicom',
      CT3,
      '--boxes',
      bad,
      '--model',
      'box-oracle',
      '--out',
      path.join(OUT, 'x.dcm'),
    ]);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(
      /segments\[0\]\.boxes\[0\]: Box \[600, 10, 700, 50\] lies outside the 512x512 image/,
    );
  });

  (orthancInstalled() ? it : it.skip)('stores the SEG with --stow and verifies it', async () => {
    const orthanc = await createOrthanc();
    try {
      const boxes = path.join(OUT, 'cli-segment-boxes.json');
      const r = await run([
        'segment',
        '--dicom',
        CT20,
        '--boxes',
        boxes,
        '--model',
        'box-oracle',
        '--out',
        path.join(OUT, 'cli-segment-stow.dcm'),
        '--stow',
        orthanc.dicomWeb,
        '--quiet',
      ]);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout);
      expect(s.stow).toMatchObject({ status: 200, stored: [s.sopInstanceUid] });
      await orthanc.stop();
      const down = await run([
        'segment',
        '--dicom',
        CT20,
        '--boxes',
        boxes,
        '--model',
        'box-oracle',
        '--out',
        path.join(OUT, 'cli-segment-stow2.dcm'),
        '--stow',
        orthanc.dicomWeb,
        '--quiet',
      ]);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/written to .*cli-segment-stow2\.dcm but not stored: Could not reach the PACS/);
    } finally {
      await orthanc.stop();
      fs.rmSync(orthanc.storage, { recursive: true, force: true });
    }
  });
});
