/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * MONOCHROME1 is inverted in the engine, once, for the viewer and the command line. The test writes MONOCHROME1
 * files from the real 3-slice CT (stored values inverted over their 16-bit signed range, v -> -1 - v, and
 * PhotometricInterpretation MONOCHROME1: the same image as DICOM defines its display) and checks that
 *  - the engine input (LiteMedSAM 256 and MedSAM 1024) equals the MONOCHROME2 original's, from the CLI's decode;
 *  - the same holds for the viewer's path (sliceFromCornerstoneImage), with stored pixels and with pixels the
 *    loader pre-scaled to modality values;
 *  - `medsam segment` on the MONOCHROME1 folder gives the SEG masks of the original folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readDicomFile, readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { slicePixels } from '../../extension-medsam/src/cli/pixels';
import { preprocessForModel } from '../../extension-medsam/src/engine/preprocess';
import type { SliceImage } from '../../extension-medsam/src/engine/preprocess/types';
import { sliceFromCornerstoneImage } from '../../extension-medsam/src/ohif/host/sliceImage';
import { quietDcmjs } from '../../extension-medsam/src/seg/dicom/parse';
import { readSeg } from '../../extension-medsam/src/seg/reader';
import { CT3, writeMonochrome1 } from './encodings';
import { runCli } from './run-cli';
import { OUT } from './validators';

const DIR = path.join(OUT, 'monochrome1');

describe('MONOCHROME1', () => {
  const files = fs
    .readdirSync(CT3)
    .filter(f => f.endsWith('.dcm'))
    .sort();
  let original: SliceImage;
  let inverted: SliceImage;

  beforeAll(async () => {
    quietDcmjs();
    fs.rmSync(DIR, { recursive: true, force: true });
    fs.mkdirSync(path.join(DIR, 'ct'), { recursive: true });
    for (const f of files) writeMonochrome1(path.join(CT3, f), path.join(DIR, 'ct', f));
    original = await slicePixels(readDicomFile(path.join(CT3, files[1])));
    inverted = await slicePixels(readDicomFile(path.join(DIR, 'ct', files[1])));
  });

  it('the CLI reads the file as MONOCHROME1 with other stored values', () => {
    expect(inverted.photometricInterpretation).toBe('MONOCHROME1');
    expect(inverted.pixelValueRange).toEqual([-32768, 32767]);
    expect(inverted.pixels[1000]).toBe(-1 - original.pixels[1000]);
  });

  it.each(['litemedsam-256-longest-pad', 'medsam-1024-stretch'] as const)(
    'gives the engine the input of the MONOCHROME2 original (%s)',
    profile => {
      const a = preprocessForModel(original, profile).input;
      const b = preprocessForModel(inverted, profile).input;
      expect(b.length).toBe(a.length);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    },
  );

  it("gives the same input through the viewer's path, stored or pre-scaled", () => {
    const meta = {
      modality: 'CT',
      photometricInterpretation: 'MONOCHROME1',
      rescaleSlope: 1,
      rescaleIntercept: -1024,
      bitsStored: 16,
      pixelRepresentation: 1,
    };
    const stored = sliceFromCornerstoneImage(
      { rows: 512, columns: 512, getPixelData: () => inverted.pixels, slope: 1, intercept: -1024 },
      meta,
    );
    const modality = Float32Array.from(inverted.pixels, v => v - 1024);
    const prescaled = sliceFromCornerstoneImage(
      {
        rows: 512,
        columns: 512,
        getPixelData: () => modality,
        preScale: { scaled: true, scalingParameters: { rescaleSlope: 1, rescaleIntercept: -1024, modality: 'CT' } },
      },
      meta,
    );
    const expected = Buffer.from(preprocessForModel(original, 'litemedsam-256-longest-pad').input.buffer);
    for (const viewer of [stored, prescaled]) {
      expect(
        Buffer.from(preprocessForModel(viewer.slice, 'litemedsam-256-longest-pad').input.buffer).equals(expected),
      ).toBe(true);
    }
  });

  it('medsam segment on the MONOCHROME1 folder gives the masks of the original', async () => {
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
    const masks: Uint8Array[][] = [];
    for (const dir of [CT3, path.join(DIR, 'ct')]) {
      const out = path.join(DIR, `seg-${masks.length}.dcm`);
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
      expect(r.stderr).toBe('');
      masks.push(readSeg(new Uint8Array(fs.readFileSync(out)), sources).masks[0]);
    }
    expect(masks[0].filter(m => m.some(v => v)).length).toBe(2);
    expect(masks[1]).toEqual(masks[0]);
  });
});
