/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * Multi-frame images in the command line: each frame is a slice, and the SEG references the source frames.
 * The files are made from the real 3-slice CT by real tools (make_multiframe.py, in the project's venv):
 *  - an enhanced CT (highdicom's LegacyConvertedEnhancedCTImage: one instance, per-frame functional groups, frames
 *    stored head to feet): each frame decodes to the stored values of the single-frame slice at its position, and
 *    `medsam segment` (tiny random model) gives the masks of the single-frame series, slice by slice;
 *  - an RGB ultrasound cine (no frame of reference): frames are slices in frame order.
 * Both SEGs reference the source instance once in ReferencedSeriesSequence and each frame by Referenced SOP Instance
 * UID + Referenced Frame Number, and pass dciodvfy (0 errors) and highdicom (get_pixels_by_source_frame gives the
 * same masks).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { slicePixels } from '../../extension-medsam/src/cli/pixels';
import { parseDicom, quietDcmjs, type Naturalized } from '../../extension-medsam/src/seg/dicom/parse';
import { readSeg } from '../../extension-medsam/src/seg/reader';
import { checkSources, type SourceImage } from '../../extension-medsam/src/seg/source';
import { CT3 } from './encodings';
import { runCli } from './run-cli';
import { dciodvfy, highdicomRoundTrip, OUT, ROOT, venvPython } from './validators';

const DIR = path.join(OUT, 'multiframe');
const python = venvPython();
const maybe = python ? describe : describe.skip;
if (!python) console.warn('multiframe.test.ts skipped: the project venv with highdicom is missing (npm test makes it)');

const BOXES = {
  segments: [
    {
      target: 'liver',
      boxes: [
        { slice: 0, box: [100, 150, 300, 350] },
        { slice: 2, box: [90, 140, 310, 360] },
      ],
    },
  ],
};

async function segment(dicom: string, name: string, model = 'tiny-random'): Promise<string> {
  const boxes = path.join(DIR, 'boxes.json');
  fs.writeFileSync(boxes, JSON.stringify(BOXES));
  const out = path.join(DIR, `${name}.dcm`);
  const r = await runCli(['segment', '--dicom', dicom, '--boxes', boxes, '--model', model, '--out', out, '--quiet']);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  return out;
}

/** Per SEG frame: the referenced instance and frame number. */
function frameReferences(seg: string): { uid: string; frame: number | undefined }[] {
  const ds = parseDicom(new Uint8Array(fs.readFileSync(seg))).dataset;
  return (ds.PerFrameFunctionalGroupsSequence as Naturalized[]).map(pf => {
    const src = ((pf.DerivationImageSequence as Naturalized[])[0].SourceImageSequence as Naturalized[])[0];
    return {
      uid: String(src.ReferencedSOPInstanceUID),
      frame: src.ReferencedFrameNumber === undefined ? undefined : Number(src.ReferencedFrameNumber),
    };
  });
}

function referencedInstances(seg: string): string[] {
  const ds = parseDicom(new Uint8Array(fs.readFileSync(seg))).dataset;
  return ((ds.ReferencedSeriesSequence as Naturalized[])[0].ReferencedInstanceSequence as Naturalized[]).map(r =>
    String(r.ReferencedSOPInstanceUID),
  );
}

function validate(seg: string, sources: SourceImage[], name: string): void {
  const v = dciodvfy(seg);
  expect(v.errors).toEqual([]);
  const back = readSeg(new Uint8Array(fs.readFileSync(seg)), sources);
  const r = highdicomRoundTrip(
    python!,
    {
      seg,
      sources: sources.map(s => s.sopInstanceUid),
      sourceFrames: sources.map(s => s.referencedFrameNumber!),
      rows: sources[0].rows,
      columns: sources[0].columns,
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
    name,
  );
  expect(r.output).toContain('highdicom round trip exact');
  console.log(
    `${name}: dciodvfy ${v.errors.length} errors, ${v.warnings.length} warnings; highdicom ${JSON.stringify(r.figures)}`,
  );
}

maybe('multi-frame sources in the command line', () => {
  const enhancedDir = path.join(DIR, 'enhanced');
  const cineDir = path.join(DIR, 'cine');

  beforeAll(() => {
    quietDcmjs();
    fs.rmSync(DIR, { recursive: true, force: true });
    fs.mkdirSync(DIR, { recursive: true });
    execFileSync(python!, [path.join(ROOT, 'tests/seg/make_multiframe.py'), CT3, DIR], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    for (const [dir, file] of [
      [enhancedDir, 'enhanced-ct.dcm'],
      [cineDir, 'us-cine.dcm'],
    ]) {
      fs.mkdirSync(dir);
      fs.renameSync(path.join(DIR, file), path.join(dir, file));
    }
  });

  it('reads each frame of an enhanced CT as the single-frame slice at its position', async () => {
    const enhanced = readSourceFolder(enhancedDir, { withoutPixelData: false });
    const single = readSourceFolder(CT3, { withoutPixelData: false });
    expect(enhanced.sources.map(s => [s.numberOfFrames, s.referencedFrameNumber])).toEqual([
      [3, 1],
      [3, 2],
      [3, 3],
    ]);
    expect(new Set(enhanced.sources.map(s => s.sopInstanceUid)).size).toBe(1);
    const stack = checkSources(enhanced.sources);
    expect(stack.geometry?.spacingBetweenSlices).toBe(1);
    for (const [k, s] of enhanced.sources.entries()) {
      const twin = single.sources.findIndex(t =>
        t.imagePositionPatient!.every((v, i) => Math.abs(v - s.imagePositionPatient![i]) < 1e-3),
      );
      expect(twin).toBeGreaterThanOrEqual(0);
      const [a, b] = [await slicePixels(enhanced.files[k]), await slicePixels(single.files[twin])];
      expect([a.rescaleSlope, a.rescaleIntercept]).toEqual([b.rescaleSlope, b.rescaleIntercept]);
      expect(Buffer.from(a.pixels.buffer).equals(Buffer.from(b.pixels.buffer))).toBe(true);
    }
  });

  it('segments an enhanced CT as its single-frame series and references its frames', async () => {
    const enhanced = readSourceFolder(enhancedDir);
    const single = readSourceFolder(CT3);
    const seg = await segment(enhancedDir, 'enhanced-seg');
    const reference = await segment(CT3, 'single-seg');
    const masks = readSeg(new Uint8Array(fs.readFileSync(seg)), enhanced.sources).masks[0];
    const expected = readSeg(new Uint8Array(fs.readFileSync(reference)), single.sources).masks[0];
    const byPosition = (sources: SourceImage[], m: Uint8Array[]): Uint8Array[] =>
      sources
        .map((s, k) => [s.imagePositionPatient![2], k] as const)
        .sort((x, y) => x[0] - y[0])
        .map(([, k]) => m[k]);
    expect(byPosition(enhanced.sources, masks)).toEqual(byPosition(single.sources, expected));
    expect(masks.filter(m => m.some(Boolean)).length).toBe(2);

    const uid = enhanced.sources[0].sopInstanceUid;
    expect(referencedInstances(seg)).toEqual([uid]);
    // Slices 0 and 2 along the normal (feet to head) are frames 3 and 1: the frames are stored head to feet.
    expect(frameReferences(seg)).toEqual([
      { uid, frame: 3 },
      { uid, frame: 1 },
    ]);
    validate(seg, enhanced.sources, 'multiframe-enhanced-ct');
  });

  it('segments an RGB ultrasound cine frame by frame', async () => {
    const cine = readSourceFolder(cineDir, { withoutPixelData: false });
    expect(cine.sources.map(s => s.referencedFrameNumber)).toEqual([1, 2, 3]);
    expect(checkSources(cine.sources).geometry).toBeNull();
    const frame = await slicePixels(cine.files[1]);
    expect([frame.samplesPerPixel, frame.pixels.length]).toEqual([3, 512 * 512 * 3]);
    const seg = await segment(cineDir, 'cine-seg', 'box-oracle');
    const uid = cine.sources[0].sopInstanceUid;
    expect(referencedInstances(seg)).toEqual([uid]);
    expect(frameReferences(seg)).toEqual([
      { uid, frame: 1 },
      { uid, frame: 3 },
    ]);
    const masks = readSeg(new Uint8Array(fs.readFileSync(seg)), cine.sources).masks[0];
    expect(masks.map(m => m.reduce((a, v) => a + v, 0) > 0)).toEqual([true, false, true]);
    validate(seg, cine.sources, 'multiframe-us-cine');
  });
});
