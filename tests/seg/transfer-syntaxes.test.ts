/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * The command line reads every transfer syntax the viewer decodes. Each is made at test time from the real 3-slice
 * CT by dcmtk's encoders (encodings.ts) and decoded by the CLI (cli/codecs):
 *  - lossless syntaxes (JPEG lossless 57 and 70, JPEG-LS 80, RLE, deflated, big endian) give exactly the stored
 *    values of the native original;
 *  - JPEG baseline gives exactly what the IJG library that encoded it decodes (dcmdjpeg): libjpeg-turbo's integer
 *    IDCT is IJG's (0 levels measured; 1 allowed for a future build's rounding);
 *  - JPEG extended 12-bit: the viewer's decoder (cornerstone's JS decoder, used here for viewer parity) sits a
 *    constant 15 levels above IJG's decode (measured: every pixel 14-16 above): its level shift is the 8-bit
 *    constant 2056 (128 * 16 + 8) scaled by 4095/255, i.e. 2063.5 where 2048.5 is right. The test pins that the
 *    difference is one constant offset (spread <= 2 levels, offset <= 16 of 4096) so that a change of either
 *    decoder shows;
 *  - near-lossless JPEG-LS (NEAR = 2) differs from its input by at most 2, the bound the standard guarantees;
 *  - an unsupported syntax stops with its UID and name;
 *  - `medsam segment` on a folder in JPEG-LS and in RLE gives the same SEG masks as on the native folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as dcmjs from 'dcmjs';
import { readDicomFile, type DicomFile } from '../../extension-medsam/src/cli/dicom-folder';
import { slicePixels } from '../../extension-medsam/src/cli/pixels';
import { quietDcmjs } from '../../extension-medsam/src/seg/dicom/parse';
import { readSeg } from '../../extension-medsam/src/seg/reader';
import { readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import type { SliceImage } from '../../extension-medsam/src/engine/preprocess/types';
import { CT3, dcmtk, encodeFolder, ENCODINGS } from './encodings';
import { runCli } from './run-cli';
import { OUT, ROOT } from './validators';

const DIR = path.join(OUT, 'transfer-syntaxes');
const SLICE = '02.dcm';

function diffStats(a: ArrayLike<number>, b: ArrayLike<number>): { min: number; max: number; differing: number } {
  let min = Infinity;
  let max = -Infinity;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    if (d < min) min = d;
    if (d > max) max = d;
    if (d !== 0) differing++;
  }
  return { min, max, differing };
}

describe('transfer syntaxes of the command line', () => {
  let folders: Record<string, string>;
  let native: SliceImage;
  const timings: string[] = [];

  beforeAll(async () => {
    quietDcmjs();
    fs.mkdirSync(DIR, { recursive: true });
    folders = encodeFolder(CT3, DIR);
    native = await slicePixels(readDicomFile(path.join(CT3, SLICE)));
  });

  afterAll(() =>
    console.log(`CLI decode of one 512x512 CT slice, first call (codec load) / second call:\n${timings.join('\n')}`),
  );

  async function decodeTimed(name: string, file: string): Promise<{ file: DicomFile; slice: SliceImage }> {
    const f = readDicomFile(file);
    const t0 = performance.now();
    const slice = await slicePixels(f);
    const t1 = performance.now();
    await slicePixels(f);
    const t2 = performance.now();
    timings.push(
      `  ${name.padEnd(18)} ${f.transferSyntaxUid.padEnd(24)} ${(t1 - t0).toFixed(1).padStart(7)} ms / ${(t2 - t1).toFixed(1).padStart(6)} ms`,
    );
    return { file: f, slice };
  }

  it.each(ENCODINGS.filter(e => e.lossless).map(e => [e.name, e] as const))(
    '%s decodes to the native stored values exactly',
    async (_, e) => {
      const { file, slice } = await decodeTimed(e.name, path.join(folders[e.name], SLICE));
      expect(file.transferSyntaxUid).toBe(e.transferSyntaxUid);
      expect(slice.pixels.constructor).toBe(native.pixels.constructor);
      expect(diffStats(slice.pixels, native.pixels).differing).toBe(0);
      expect([slice.rescaleSlope, slice.rescaleIntercept, slice.rows, slice.columns]).toEqual([
        native.rescaleSlope,
        native.rescaleIntercept,
        native.rows,
        native.columns,
      ]);
    },
  );

  it('JPEG baseline (8-bit) decodes as the IJG reference decoder does', async () => {
    const encoded = path.join(folders['jpeg-baseline'], SLICE);
    const { file, slice } = await decodeTimed('jpeg-baseline', encoded);
    expect(file.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.50');
    const reference = path.join(DIR, 'baseline-ijg.dcm');
    dcmtk('dcmdjpeg', [encoded, reference]);
    const ref = await slicePixels(readDicomFile(reference));
    const d = diffStats(slice.pixels, ref.pixels);
    console.log(`JPEG baseline vs IJG: ${d.differing} pixels differ, range ${d.min}..${d.max}`);
    expect(Math.max(-d.min, d.max)).toBeLessThanOrEqual(1);
    expect(slice.rescaleSlope).toBe(ref.rescaleSlope);
  });

  it('JPEG extended (12-bit) decodes as the viewer does: IJG plus one constant offset', async () => {
    const encoded = path.join(folders['jpeg-extended'], SLICE);
    const { file, slice } = await decodeTimed('jpeg-extended', encoded);
    expect(file.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.51');
    expect(slice.pixels).toBeInstanceOf(Uint16Array);
    const ref = await slicePixels(readDicomFile(path.join(folders.unsigned12, SLICE)));
    const d = diffStats(slice.pixels, ref.pixels);
    console.log(`JPEG extended vs IJG: ${d.differing} pixels differ, range ${d.min}..${d.max}`);
    expect(d.max - d.min).toBeLessThanOrEqual(2);
    expect(d.min).toBeGreaterThanOrEqual(-16);
    expect(d.max).toBeLessThanOrEqual(16);
  });

  it('near-lossless JPEG-LS stays within NEAR = 2 of its input', async () => {
    const { file, slice } = await decodeTimed('jpeg-ls-near', path.join(folders['jpeg-ls-near'], SLICE));
    expect(file.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.81');
    const ref = await slicePixels(readDicomFile(path.join(folders.unsigned12, SLICE)));
    const d = diffStats(slice.pixels, ref.pixels);
    expect(Math.max(-d.min, d.max)).toBeLessThanOrEqual(2);
    expect(d.differing).toBeGreaterThan(0);
  });

  it('JPEG 2000 (the 20-slice CT) still decodes', async () => {
    const dir = path.join(ROOT, 'tests/data/ct-abdomen-20slice/ct_dicom');
    const first = fs.readdirSync(dir).sort()[0];
    const { slice } = await decodeTimed('jpeg-2000', path.join(dir, first));
    expect([slice.rows, slice.columns, slice.pixels.length]).toEqual([512, 512, 512 * 512]);
  });

  it('an unsupported transfer syntax stops with its UID and name', async () => {
    const f = readDicomFile(path.join(folders['jpeg-baseline'], SLICE));
    await expect(slicePixels({ ...f, transferSyntaxUid: '1.2.840.10008.1.2.4.100' })).rejects.toThrow(
      `${f.path}: transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile) is not supported by the command line`,
    );
  });

  it('medsam segment stops on an unsupported transfer syntax before it loads the model', async () => {
    // A JPEG file relabelled MPEG2 in its meta header: the CLI must go by the transfer syntax UID.
    const bytes = fs.readFileSync(path.join(folders['jpeg-baseline'], SLICE));
    const dict = dcmjs.data.DicomMessage.readFile(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    );
    dict.meta['00020010'] = { vr: 'UI', Value: ['1.2.840.10008.1.2.4.100'] };
    const dir = path.join(DIR, 'mpeg2');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, SLICE), Buffer.from(dict.write()));
    const boxes = path.join(DIR, 'boxes-mpeg2.json');
    fs.writeFileSync(
      boxes,
      JSON.stringify({ segments: [{ target: 'liver', boxes: [{ slice: 0, box: [100, 150, 300, 350] }] }] }),
    );
    const r = await runCli([
      'segment',
      '--dicom',
      dir,
      '--boxes',
      boxes,
      '--model',
      'box-oracle',
      '--out',
      path.join(DIR, 'mpeg2.dcm'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `INVALID_SOURCE: ${path.join(dir, SLICE)}: transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile) is not supported by the command line`,
    );
    expect(r.stderr).not.toMatch(/TEST MODEL/);
  });

  it('medsam segment on a JPEG-LS and an RLE folder gives the masks of the native folder', async () => {
    const boxes = path.join(DIR, 'boxes.json');
    fs.writeFileSync(
      boxes,
      JSON.stringify({
        segments: [
          {
            target: 'liver',
            boxes: [
              { slice: 0, box: [100, 150, 300, 350] },
              { slice: 2, box: [90, 140, 310, 360] },
            ],
          },
        ],
      }),
    );
    const { sources } = readSourceFolder(CT3);
    const masks: Record<string, Uint8Array[]> = {};
    for (const [name, dir] of [
      ['native', CT3],
      ['jpeg-ls', folders['jpeg-ls']],
      ['rle', folders.rle],
    ] as const) {
      const out = path.join(DIR, `seg-${name}.dcm`);
      const r = await runCli([
        'segment',
        '--dicom',
        dir,
        '--boxes',
        boxes,
        '--model',
        'tiny-random',
        '--out',
        out,
        '--quiet',
      ]);
      expect({ name, code: r.code, stderr: r.stderr }).toEqual({ name, code: 0, stderr: '' });
      masks[name] = readSeg(new Uint8Array(fs.readFileSync(out)), sources).masks[0];
    }
    const area = masks.native.map(m => m.reduce((s, v) => s + v, 0));
    expect(area.filter(a => a > 0).length).toBe(2);
    expect(masks['jpeg-ls']).toEqual(masks.native);
    expect(masks.rle).toEqual(masks.native);
  });
});
