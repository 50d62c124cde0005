/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * The command line on bad or slightly non-standard input (issue 11's fault probe): every case ends in a result or in
 * one line naming the file and the problem, never in a stack trace, a hang or a silently empty result. Series are
 * small synthetic CTs (synthetic-series.ts) run through the "bright-in-box" test model, whose mask is the bright
 * pixels inside the box: an image flattened by a bad rescale gives an empty mask.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import type { EvaluationReport } from '../../extension-medsam/src/cli/evaluate';
import { readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { parseDicom, quietDcmjs } from '../../extension-medsam/src/seg/dicom/parse';
import { readSeg } from '../../extension-medsam/src/seg/reader';
import { describe as describeSegment, target } from '../../extension-medsam/src/seg/testing/fixtures';
import { writeSeg } from '../../extension-medsam/src/seg/writer';
import { runCli as run } from './run-cli';
import { writeSeries } from './synthetic-series';
import { OUT, ROOT } from './validators';

const DIR = path.join(OUT, 'cli-faults');
const CT3 = path.join(ROOT, 'tests/data/ct-liver-3slice/ct-3slice');
const LIVER_SEG = path.join(ROOT, 'tests/data/ct-liver-3slice/liver.dcm');
const EVEN = [0, 7, 14, 21];

function file(name: string, content: string | Uint8Array): string {
  const p = path.join(DIR, name);
  fs.writeFileSync(p, content);
  return p;
}

const boxes = (slice = 1): string =>
  file(
    `boxes-${slice}.json`,
    JSON.stringify({ segments: [{ target: 'liver', boxes: [{ slice, box: [4, 4, 28, 28] }] }] }),
  );

// The command's JSON summary, read field by field as each test needs.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON under test
type Summary = Record<string, any>;

async function segment(
  series: string,
  extra: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string; summary: Summary }> {
  const r = await run([
    'segment',
    '--dicom',
    series,
    '--boxes',
    boxes(),
    '--model',
    'bright-in-box',
    '--out',
    path.join(DIR, `${path.basename(series)}.dcm`),
    ...extra,
  ]);
  let summary: Summary = {};
  try {
    summary = JSON.parse(r.stdout);
  } catch {
    // No summary: the test looks at stderr.
  }
  return { ...r, summary };
}

const noStack = (stderr: string): void => expect(stderr).not.toMatch(/\n\s+at /);

beforeAll(() => {
  quietDcmjs();
  fs.rmSync(DIR, { recursive: true, force: true });
  fs.mkdirSync(DIR, { recursive: true });
});

describe('1: RescaleSlope and RescaleIntercept', () => {
  it.each([[''], ['NaN'], ['abc'], ['0']])(
    'treats RescaleSlope "%s" as absent (1), with a warning naming the file and the value',
    async slope => {
      const series = path.join(DIR, `slope-${slope || 'empty'}`);
      const files = writeSeries(series, { z: EVEN, attributes: { RescaleSlope: slope } });
      const r = await segment(series, ['--quiet']);
      expect(r.code).toBe(0);
      // The bright square is found: the image was not flattened to the intercept.
      expect(r.summary.segments[0].voxels).toBeGreaterThan(100);
      expect(r.stderr).toContain(files[0]);
      expect(r.stderr).toContain(`RescaleSlope "${slope}"`);
      expect(r.stderr).toMatch(/using 1, as for an absent RescaleSlope/);
    },
  );

  it('treats an empty RescaleIntercept as 0 and an absent slope as 1 without a word', async () => {
    const series = path.join(DIR, 'intercept-empty');
    writeSeries(series, { z: EVEN, attributes: { RescaleSlope: undefined, RescaleIntercept: '' } });
    const r = await segment(series, ['--quiet']);
    expect(r.code).toBe(0);
    expect(r.summary.segments[0].voxels).toBeGreaterThan(100);
    expect(r.stderr).toMatch(/RescaleIntercept "" is empty; using 0/);
    expect(r.stderr).not.toMatch(/RescaleSlope/);
  });
});

describe('2: source values that break their VR', () => {
  it('cleans ACR-NEMA dates and times, leaves out values too long for their VR, and writes the SEG', async () => {
    const series = path.join(DIR, 'acr-nema');
    writeSeries(series, {
      z: EVEN,
      attributes: {
        StudyDate: '1996.06.11',
        StudyTime: '09:11:56',
        AccessionNumber: 'ACC-1234567890-XYZ',
        PatientName: `${'Long'.repeat(17)}^Name`,
      },
    });
    const r = await segment(series, ['--quiet']);
    expect(r.code).toBe(0);
    const seg = parseDicom(fs.readFileSync(r.summary.seg)).dataset;
    expect(seg.StudyDate).toBe('19960611');
    expect(seg.StudyTime).toBe('091156');
    // Type 2: present and empty (dcmjs reads an empty PN as []).
    expect([undefined, '', null]).toContain(seg.AccessionNumber);
    expect(seg.PatientName).toEqual([]);
    expect(seg.PatientID).toBe('SYN1');
    expect(r.stderr).toMatch(/StudyDate "1996\.06\.11" is not a DICOM DA value; written as "19960611"/);
    expect(r.stderr).toMatch(
      /AccessionNumber \(SH\) value "ACC-1234567890-XYZ" is longer than the 16 characters SH allows; left out of the SEG/,
    );
    expect(r.stderr).toMatch(/PatientName \(PN\).*left out of the SEG/);
  });

  it('refuses what cannot be cleaned before inference starts, naming the attribute', async () => {
    const series = path.join(DIR, 'long-description');
    writeSeries(series, { z: EVEN });
    const r = await segment(series, ['--series-description', 'D'.repeat(70)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/INVALID_VALUE: SeriesDescription \(LO\) value "D+" is longer than the 64 characters/);
    // No slice was segmented (the progress line of the first slice is not there) and nothing was written.
    expect(r.stderr).not.toMatch(/segment: \d/);
    expect(fs.existsSync(path.join(DIR, 'long-description.dcm'))).toBe(false);
    noStack(r.stderr);
  });
});

describe('3: slice spacing', () => {
  it('counts slices within a few hundredths of a mm of 7 mm as evenly spaced: NIfTI written, 3D NSD', async () => {
    const series = path.join(DIR, 'jitter');
    writeSeries(series, { z: [0, 7.06, 14, 20.95, 28.04] });
    const nifti = path.join(DIR, 'jitter.nii.gz');
    const r = await segment(series, ['--nifti', nifti, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.summary.nifti).toBe(nifti);
    const e = await run([
      'evaluate',
      '--pred',
      r.summary.seg,
      '--ref',
      nifti,
      '--dicom',
      series,
      '--json',
      '-',
      '--quiet',
    ]);
    const report = JSON.parse(e.stdout) as EvaluationReport;
    expect(report.spacingMm[0]).toBeCloseTo(7.01, 2);
    expect(report.results[0]).toMatchObject({ dice: 1, nsd: 1 });
  });
});

describe('4: an output that fails', () => {
  it('does not cost the others: SEG written, STOW tried, the summary lists what was not written and why, exit 1', async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('busy'));
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
      const series = path.join(DIR, 'gap');
      // A missing slice: no regular grid, so no NIfTI.
      writeSeries(series, { z: [0, 7, 14, 28] });
      const nifti = path.join(DIR, 'gap.nii');
      const stow = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
      const r = await segment(series, ['--nifti', nifti, '--stow', stow, '--quiet']);
      expect(r.code).toBe(1);
      expect(fs.existsSync(r.summary.seg)).toBe(true);
      expect(fs.existsSync(nifti)).toBe(false);
      expect(requests).toEqual(['POST /dicom-web/studies']);
      expect(r.summary.written).toEqual(['seg']);
      expect(r.summary.notWritten).toEqual([
        expect.objectContaining({
          output: 'nifti',
          target: nifti,
          error: 'INVALID_VOLUME',
          message: expect.stringMatching(/evenly spaced/),
        }),
        expect.objectContaining({ output: 'stow', target: stow, error: 'STOW_HTTP' }),
      ]);
      expect(r.stderr).toMatch(/--nifti .*gap\.nii was not written: INVALID_VOLUME/);
      expect(r.stderr).toMatch(/the SEG was written to .*gap\.dcm but not stored/);
    } finally {
      await new Promise<void>(resolve => server.close(() => resolve()));
    }
  });
});

describe('5: bad input files and paths', () => {
  const series = path.join(DIR, 'plain');
  beforeAll(() => writeSeries(series, { z: EVEN }));

  it.each([['boxes'], ['markers']])('refuses null as the %s file in one line (exit 2)', async kind => {
    const f = file(`null-${kind}.json`, 'null');
    const r = await run([
      'segment',
      '--dicom',
      series,
      `--${kind}`,
      f,
      '--model',
      'bright-in-box',
      '--out',
      path.join(DIR, 'x.dcm'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`medsam: ${f}: the ${kind} file must hold a JSON object {"segments": [...]}, not null\n`);
  });

  it('refuses a null segment or box in one line (exit 2)', async () => {
    const f = file('null-box.json', JSON.stringify({ segments: [{ target: 'liver', boxes: [null] }] }));
    const r = await run([
      'segment',
      '--dicom',
      series,
      '--boxes',
      f,
      '--model',
      'bright-in-box',
      '--out',
      path.join(DIR, 'x.dcm'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`medsam: ${f}: segments[0].boxes[0] must be an object, not null\n`);
  });

  it.each([
    [
      'a missing folder',
      (): string => path.join(DIR, 'no-such-folder', 'seg.dcm'),
      /the folder .*no-such-folder does not exist/,
    ],
    [
      'a file as the folder',
      (): string => path.join(file('a-file.txt', 'x'), 'seg.dcm'),
      /a-file\.txt is a file, not a folder/,
    ],
    ['a folder as the file', (): string => DIR, /is a folder; give a file name/],
  ])('refuses --out in %s before reading the series or the model (exit 2)', async (_, out, message) => {
    const r = await run([
      'segment',
      '--dicom',
      path.join(DIR, 'does-not-matter'),
      '--boxes',
      boxes(),
      '--model',
      'bright-in-box',
      '--out',
      out(),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^medsam: --out /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a truncated .nii.gz in evaluate in one line naming the file (exit 2)', async () => {
    const seg = path.join(DIR, 'plain-for-nifti.dcm');
    const nifti = path.join(DIR, 'plain.nii.gz');
    const r = await run([
      'segment',
      '--dicom',
      series,
      '--boxes',
      boxes(),
      '--model',
      'bright-in-box',
      '--out',
      seg,
      '--nifti',
      nifti,
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    const whole = fs.readFileSync(nifti);
    const cut = file('cut.nii.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    const e = await run(['evaluate', '--pred', seg, '--ref', cut, '--dicom', series]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(
      new RegExp(
        `^medsam: ${cut.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the gzip-compressed NIfTI data is cut short \\(truncated\\)`,
      ),
    );
    expect(e.stderr.trim().split('\n')).toHaveLength(1);
    // Not gzip-compressed but short: a coded error naming the file.
    const short = file('short.nii', zlib.gunzipSync(whole).subarray(0, 400));
    const s = await run(['evaluate', '--pred', seg, '--ref', short, '--dicom', series]);
    expect(s.stderr).toMatch(new RegExp(`INVALID_VOLUME: .*short\\.nii: NIfTI data holds`));
    noStack(s.stderr);
  });
});

describe('6: a DICOMweb server that never answers', () => {
  it('gives up after --timeout seconds with an error naming the URL', async () => {
    const server = http.createServer(() => undefined);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
      const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
      const started = Date.now();
      const r = await run([
        'segment',
        '--dicomweb',
        root,
        '--study',
        '1.2',
        '--series',
        '1.3',
        '--boxes',
        boxes(),
        '--model',
        'bright-in-box',
        '--out',
        path.join(DIR, 'x.dcm'),
        '--timeout',
        '0.5',
      ]);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `medsam: INVALID_SOURCE: The DICOMweb server at ${root}/studies/1.2/series/1.3 did not answer within 0.5 s; check the server, or allow more time with --timeout SECONDS\n`,
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    }
  });
});

describe('6: a STOW-RS server that never answers', () => {
  it('gives up after --timeout seconds; the SEG is written and the summary says it was not stored', async () => {
    const server = http.createServer(() => undefined);
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    try {
      const series = path.join(DIR, 'stow-hangs');
      writeSeries(series, { z: EVEN });
      const stow = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
      const r = await segment(series, ['--stow', stow, '--timeout', '0.5', '--quiet']);
      expect(r.code).toBe(1);
      expect(fs.existsSync(r.summary.seg)).toBe(true);
      expect(r.summary.notWritten).toEqual([
        expect.objectContaining({ output: 'stow', target: stow, error: 'STOW_TIMEOUT' }),
      ]);
      expect(r.stderr).toContain(`${stow}/studies`);
    } finally {
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    }
  });
});

describe('7: symbolic links in --dicom folders', () => {
  it('follows links to files, and says which links it skipped and why', async () => {
    const real = path.join(DIR, 'real-series');
    const files = writeSeries(real, { z: EVEN });
    const linked = path.join(DIR, 'linked-series');
    fs.mkdirSync(linked, { recursive: true });
    for (const f of files) fs.symlinkSync(f, path.join(linked, path.basename(f)));
    fs.symlinkSync(path.join(DIR, 'nowhere.dcm'), path.join(linked, 'broken.dcm'));
    fs.symlinkSync('.', path.join(linked, 'loop'));
    const r = await segment(linked, ['--quiet']);
    expect(r.code).toBe(0);
    expect(r.summary.segments[0].voxels).toBeGreaterThan(100);
    expect(readSourceFolder(linked).sources).toHaveLength(4);
    expect(r.stderr).toMatch(/skipped .*broken\.dcm: a symbolic link that leads nowhere \(ENOENT\)/);
    expect(r.stderr).toMatch(
      /skipped .*linked-series\/loop: a symbolic link back to .*linked-series, a folder being read \(a loop\)/,
    );
  });
});

describe('8: evaluate pairs segments by name', () => {
  let sources: ReturnType<typeof readSourceFolder>['sources'];
  let liver: ReturnType<typeof readSeg>;
  beforeAll(() => {
    sources = readSourceFolder(CT3).sources;
    liver = readSeg(new Uint8Array(fs.readFileSync(LIVER_SEG)), sources);
  });
  const pred = (name: string, labels: string[]): string => {
    const seg = writeSeg({
      sources,
      segments: labels.map(label => ({ ...describeSegment(target('liver')), label })),
      masks: labels.map(() => liver.masks[0]),
    });
    return file(name, seg.bytes);
  };

  it('pairs by label name, not by number, when both SEGs name their segments', async () => {
    const p = pred('spleen-liver.dcm', ['Spleen', 'Liver']);
    const r = await run(['evaluate', '--pred', p, '--ref', LIVER_SEG, '--dicom', CT3, '--json', '-', '--quiet']);
    const report = JSON.parse(r.stdout) as EvaluationReport;
    expect(report.results.map(x => [x.pred.name, x.ref.name])).toEqual([['Liver', 'Liver']]);
    expect(report.unmatched.pred).toEqual([{ number: 1, name: 'Spleen' }]);
    expect(report.warnings).toEqual([]);
  });

  it('warns, listing the pairs, when it falls back to numbers for differently named segments', async () => {
    const p = pred('hepar.dcm', ['Hepar']);
    const r = await run(['evaluate', '--pred', p, '--ref', LIVER_SEG, '--dicom', CT3, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'medsam: warning: segments with different names paired by number: 1 "Hepar" -> 1 "Liver" (check them, or pair explicitly with --pair PRED:REF)\n',
    );
  });
});
