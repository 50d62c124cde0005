import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { dice } from '../engine/metrics';
import { readSourceFolder } from '../cli/dicom-folder';
import { quietDcmjs } from './dicom/parse';
import { writePart10 } from './dicom/part10';
import { readSeg } from './reader';
import { describe as segment, noise, rect, syntheticSources, target } from './testing/fixtures';
import { sequentialUids } from './uid';
import { readNrrd } from './volume/nrrd';
import { volumeToSlices } from './volume/volume';
import { buildSeg, writeSeg } from './writer';

quietDcmjs();
const DATA = path.join(__dirname, '../../../tests/data/ct-liver-3slice');
const gunzip = (b: Uint8Array): Uint8Array => new Uint8Array(zlib.gunzipSync(b));

describe('reading the dcmqi SEG of the 3-slice liver CT', () => {
  const { sources } = readSourceFolder(path.join(DATA, 'ct-3slice'));
  const seg = readSeg(new Uint8Array(fs.readFileSync(path.join(DATA, 'liver.dcm'))), sources);
  const nrrd = readNrrd(new Uint8Array(fs.readFileSync(path.join(DATA, 'liver_seg.nrrd'))), gunzip);
  const reference = volumeToSlices(nrrd, sources, 'NRRD').slices.map(s => Uint8Array.from(s, v => (v === 1 ? 1 : 0)));

  it('places its 3 frames on the CT slices by their referenced instances', () => {
    expect(seg.frames).toEqual({ count: 3, matchedByUid: 3, matchedByPosition: 0 });
    expect(seg.segments.map(s => [s.number, s.label, s.type?.meaning, s.color])).toEqual([
      [1, 'Liver', 'Liver', [221, 130, 101]],
    ]);
  });

  it('matches the NRRD label map voxel for voxel (Dice 1.0 on every slice)', () => {
    const perSlice = sources.map((_, k) => dice(seg.masks[0][k], reference[k]));
    const voxels = reference.map(m => m.reduce((a, b) => a + b, 0));
    console.log(`dcmqi SEG vs NRRD: Dice per slice ${perSlice.join(', ')}; liver voxels ${voxels.join(', ')}`);
    expect(perSlice).toEqual([1, 1, 1]);
    expect(voxels.every(v => v > 30000)).toBe(true);
  });

  it('places the frames by position when the slices carry no instance UIDs', () => {
    const anonymous = sources.map(({ sopInstanceUid: _, ...g }) => g);
    const byPos = readSeg(new Uint8Array(fs.readFileSync(path.join(DATA, 'liver.dcm'))), anonymous);
    expect(byPos.frames.matchedByPosition).toBe(3);
    byPos.masks[0].forEach((m, k) => expect(dice(m, reference[k])).toBe(1));
  });
});

describe('SEG round trip (writer -> reader)', () => {
  const sources = syntheticSources(5, 9, 11);
  const masks = [
    sources.map((_, k) => (k % 2 ? noise(9, 11, k + 1) : null)),
    sources.map((_, k) => (k === 4 ? rect(9, 11, 2, 3, 7, 9) : null)),
    sources.map(() => null),
  ];
  const segments = [segment(target('liver')), segment(target('spleen')), segment(target('cyst'))];

  it.each(['BINARY', 'LABELMAP'] as const)('gives back the same masks (%s)', kind => {
    const lm =
      kind === 'LABELMAP'
        ? [
            masks[0],
            masks[1].map((m, k) => (m && masks[0][k] ? m.map((v, i) => v & (1 - masks[0][k]![i])) : m)),
            masks[2],
          ]
        : masks;
    const out = writeSeg({ sources, segments, masks: lm, options: { kind, uid: sequentialUids() } });
    const back = readSeg(out.bytes, sources);
    expect(back.segmentationType).toBe(kind);
    expect(back.segments.map(s => s.label)).toEqual(['Liver', 'Spleen', 'Cyst']);
    lm.forEach((perSlice, s) =>
      perSlice.forEach((m, k) => expect(Array.from(back.masks[s][k])).toEqual(Array.from(m ?? new Uint8Array(99)))),
    );
  });

  it('writes and reads 16-bit label maps (more than 255 segments)', () => {
    const grid = syntheticSources(4, 10, 10);
    const n = 300;
    const many = Array.from({ length: n }, (_, s) =>
      grid.map((_, k) =>
        Math.floor(s / 100) === k
          ? rect(10, 10, Math.floor((s % 100) / 10), s % 10, Math.floor((s % 100) / 10) + 1, (s % 10) + 1)
          : null,
      ),
    );
    const out = writeSeg({
      sources: grid,
      segments: many.map(() => segment(target('lesion'))),
      masks: many,
      options: { kind: 'LABELMAP', uid: sequentialUids() },
    });
    const back = readSeg(out.bytes, grid);
    expect(back.segments).toHaveLength(n);
    many.forEach((perSlice, s) =>
      perSlice.forEach((m, k) => expect(Array.from(back.masks[s][k])).toEqual(Array.from(m ?? new Uint8Array(100)))),
    );
  });

  it('refuses a frame that fits no slice, naming it', () => {
    const out = writeSeg({ sources, segments, masks, options: { uid: sequentialUids() } });
    const others = syntheticSources(5, 9, 11, 3).map(s => ({ ...s, sopInstanceUid: `${s.sopInstanceUid}.9` }));
    expect(() => readSeg(out.bytes, others)).toThrow(/SEG frame 1 at .* matches no slice/);
    expect(() => readSeg(out.bytes, syntheticSources(5, 9, 12))).toThrow(/The SEG is 9x11, slice 1 is 9x12/);
  });

  it('refuses compressed and non-SEG files', () => {
    const built = buildSeg({ sources, segments, masks, options: { uid: sequentialUids() } });
    expect(() => readSeg(writePart10({ ...built.dataset, SOPClassUID: '1.2.840.10008.5.1.4.1.1.2' }), sources)).toThrow(
      /not a Segmentation/,
    );
    expect(() =>
      readSeg(
        { dataset: { SOPClassUID: '1.2.840.10008.5.1.4.1.1.66.4' }, transferSyntaxUid: '1.2.840.10008.1.2.4.90' },
        sources,
      ),
    ).toThrow(/compressed/);
  });

  it('refuses BINARY pixel data cut short, before reading a frame', () => {
    const built = buildSeg({ sources, segments, masks, options: { uid: sequentialUids() } });
    const pixels = built.dataset.PixelData as Uint8Array;
    const cut = writePart10({ ...built.dataset, PixelData: pixels.subarray(0, 2) });
    expect(() => readSeg(cut, sources)).toThrow(
      expect.objectContaining({
        code: 'UNSUPPORTED_SEG',
        message: expect.stringMatching(/^PixelData holds 2 bytes, \d+ frames need \d+: truncated\?$/),
      }),
    );
  });
});
