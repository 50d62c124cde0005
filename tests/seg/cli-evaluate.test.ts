/** `medsam evaluate` end to end on files: the dcmqi SEG against its NRRD, a written SEG against the NIfTI, a known shift. */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { runCli as run } from './run-cli';
import type { EvaluationReport } from '../../extension-medsam/src/cli/evaluate';
import { OUT, ROOT } from './validators';

const DATA = path.join(ROOT, 'tests/data');

function nrrd(file: string, sizes: [number, number, number], data: Uint8Array): string {
  const header = `NRRD0004\ntype: uchar\ndimension: 3\nspace: left-posterior-superior\nsizes: ${sizes.join(' ')}\nspace directions: (0.5,0,0) (0,0.5,0) (0,0,2)\nkinds: domain domain domain\nencoding: gzip\nspace origin: (0,0,0)\n\n`;
  fs.mkdirSync(OUT, { recursive: true });
  const p = path.join(OUT, file);
  fs.writeFileSync(p, Buffer.concat([Buffer.from(header, 'latin1'), zlib.gzipSync(data)]));
  return p;
}

describe('medsam evaluate', () => {
  it('gives Dice 1.0 and NSD 1.0 for the dcmqi SEG against its NRRD label map', async () => {
    const r = await run([
      'evaluate',
      '--pred',
      path.join(DATA, 'ct-liver-3slice/liver.dcm'),
      '--ref',
      path.join(DATA, 'ct-liver-3slice/liver_seg.nrrd'),
      '--dicom',
      path.join(DATA, 'ct-liver-3slice/ct-3slice'),
      '--json',
      '-',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as EvaluationReport;
    expect(report.results).toHaveLength(1);
    expect(report.results[0]).toMatchObject({
      pred: { name: 'Liver' },
      dice: 1,
      nsd: 1,
      predVoxels: 107098,
      refVoxels: 107098,
    });
    expect(report.results[0].slices.map(s => s.dice)).toEqual([1, 1, 1]);
    console.log(`medsam evaluate: dcmqi SEG vs NRRD Dice ${report.results[0].dice}, NSD@2mm ${report.results[0].nsd}`);
  });

  it('prints a table, and uses the NRRD grid when no DICOM folder is given', async () => {
    const r = await run([
      'evaluate',
      '--pred',
      path.join(DATA, 'ct-liver-3slice/liver.dcm'),
      '--ref',
      path.join(DATA, 'ct-liver-3slice/liver_seg.nrrd'),
      '--per-slice',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 Liver\s+1 label 1\s+1\.0000\s+1\.0000\s+107098\s+107098/);
    expect(r.stdout).toMatch(/per slice:/);
  });

  it('measures a known disagreement: the same square shifted by half its width', async () => {
    const sizes: [number, number, number] = [20, 20, 3];
    const square = (c0: number): Uint8Array => {
      const d = new Uint8Array(20 * 20 * 3);
      for (let k = 0; k < 3; k++)
        for (let r = 5; r < 15; r++) for (let c = c0; c < c0 + 10; c++) d[k * 400 + r * 20 + c] = 3;
      return d;
    };
    const ref = nrrd('square-ref.nrrd', sizes, square(2));
    const pred = nrrd('square-pred.nrrd', sizes, square(7));
    const r = await run(['evaluate', '--pred', pred, '--ref', ref, '--tau', '1', '--json', '-']);
    const report = JSON.parse(r.stdout) as EvaluationReport;
    expect(report.spacingMm).toEqual([2, 0.5, 0.5]);
    expect(report.results[0].dice).toBeCloseTo(0.5, 12);
    expect(report.results[0].slices.map(s => s.dice)).toEqual([0.5, 0.5, 0.5]);
    expect(report.results[0].nsd).toBeGreaterThan(0);
    expect(report.results[0].nsd).toBeLessThan(1);
  });

  it('exits 2 with the usage on bad arguments and 1 with the reason on bad files', async () => {
    expect((await run(['evaluate', '--pred', 'x'])).code).toBe(2);
    expect((await run(['evaluate', '--pred', 'a', '--ref', 'b', '--bogus', '1'])).stderr).toMatch(
      /unknown option --bogus/,
    );
    const notLabels = path.join(OUT, 'not-labels.txt');
    fs.writeFileSync(notLabels, 'hello');
    const bad = await run([
      'evaluate',
      '--pred',
      notLabels,
      '--ref',
      path.join(DATA, 'ct-liver-3slice/liver_seg.nrrd'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/INVALID_VOLUME: .*not-labels\.txt is neither a DICOM SEG, a NIfTI nor a NRRD file/);
  });
});
