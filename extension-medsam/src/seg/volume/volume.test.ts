import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { readSourceFolder } from '../../cli/dicom-folder';
import { quietDcmjs } from '../dicom/parse';
import { readNifti } from './nifti';
import { readNrrd } from './nrrd';
import { volumeLabels, volumeSliceGeometry, volumeToSlices } from './volume';

quietDcmjs();
const ROOT = path.join(__dirname, '../../../../');
const gunzip = (b: Uint8Array): Uint8Array => new Uint8Array(zlib.gunzipSync(b));

function nrrd(header: string, body: Uint8Array, gzip = false): Uint8Array {
  const h = Buffer.from(`NRRD0004\n${header}\nencoding: ${gzip ? 'gzip' : 'raw'}\n\n`, 'latin1');
  return new Uint8Array(Buffer.concat([h, gzip ? zlib.gzipSync(body) : Buffer.from(body)]));
}

/** A NIfTI-1 file: 3x2x2 uint8, values 0..11 in file order. */
function nifti(opts: {
  sform?: number[][];
  qform?: { b: number; c: number; d: number; offset: number[]; qfac: number };
  pixdim: number[];
}): Uint8Array {
  const buf = Buffer.alloc(352 + 12);
  buf.writeInt32LE(348, 0);
  [3, 3, 2, 2, 1, 1, 1, 1].forEach((v, i) => buf.writeInt16LE(v, 40 + 2 * i));
  buf.writeInt16LE(2, 70);
  buf.writeInt16LE(8, 72);
  [opts.qform?.qfac ?? 1, ...opts.pixdim, 1, 1, 1, 1].slice(0, 8).forEach((v, i) => buf.writeFloatLE(v, 76 + 4 * i));
  buf.writeFloatLE(352, 108);
  if (opts.qform) {
    buf.writeInt16LE(1, 252);
    [opts.qform.b, opts.qform.c, opts.qform.d, ...opts.qform.offset].forEach((v, i) =>
      buf.writeFloatLE(v, 256 + 4 * i),
    );
  }
  if (opts.sform) {
    buf.writeInt16LE(2, 254);
    opts.sform.flat().forEach((v, i) => buf.writeFloatLE(v, 280 + 4 * i));
  }
  buf.write('n+1\0', 344, 'latin1');
  for (let i = 0; i < 12; i++) buf[352 + i] = i;
  return new Uint8Array(buf);
}

describe('NRRD reader', () => {
  it('reads raw and gzip data and takes RAS space to LPS', () => {
    const body = new Uint8Array(new Int16Array([0, 1, 2, 3, 4, 5, 6, -7]).buffer);
    const header =
      'type: short\ndimension: 3\nspace: right-anterior-superior\nsizes: 2 2 2\nspace directions: (0.5,0,0) (0,0.5,0) (0,0,2)\nendian: little\nspace origin: (10,20,30)';
    for (const gz of [false, true]) {
      const v = readNrrd(nrrd(header, body, gz), gunzip);
      expect(Array.from(v.data)).toEqual([0, 1, 2, 3, 4, 5, 6, -7]);
      expect(v.origin).toEqual([-10, -20, 30]);
      expect(v.axes).toEqual([
        [-0.5, -0, 0],
        [-0, -0.5, 0],
        [-0, -0, 2],
      ]);
    }
  });

  it('names what it cannot read', () => {
    expect(() => readNrrd(new TextEncoder().encode('P5\n'), gunzip)).toThrow(/Not a NRRD/);
    expect(() =>
      readNrrd(nrrd('type: short\ndimension: 2\nsizes: 2 2\nspace: LPS', new Uint8Array(8)), gunzip),
    ).toThrow(/dimension 2/);
    expect(() =>
      readNrrd(
        nrrd('type: short\ndimension: 3\nsizes: 2 2 2\nspace directions: (1,0,0) (0,1,0) (0,0,1)', new Uint8Array(16)),
        gunzip,
      ),
    ).toThrow(/space "\(none\)"/);
  });
});

describe('NIfTI reader', () => {
  it('uses the sform and turns RAS into LPS', () => {
    const v = readNifti(
      nifti({
        pixdim: [2, 3, 4],
        sform: [
          [-2, 0, 0, 100],
          [0, 3, 0, -50],
          [0, 0, 4, 7],
        ],
      }),
      gunzip,
    );
    expect(v.dims).toEqual([3, 2, 2]);
    expect(v.origin).toEqual([-100, 50, 7]);
    expect(v.axes[0]).toEqual([2, -0, 0]);
    expect(v.axes[1]).toEqual([-0, -3, 0]);
    expect(Array.from(v.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('uses the qform quaternion (with qfac) when there is no sform', () => {
    // 180 degrees about z: b=c=0, d=1 -> x and y flip.
    const v = readNifti(nifti({ pixdim: [2, 3, 4], qform: { b: 0, c: 0, d: 1, offset: [1, 2, 3], qfac: -1 } }), gunzip);
    expect(v.axes.map(a => a.map(x => Math.round(x * 1e6) / 1e6 + 0))).toEqual([
      [2, 0, 0],
      [0, 3, 0],
      [0, 0, -4],
    ]);
    expect(v.origin).toEqual([-1, -2, 3]);
  });

  it('reads gzip files and refuses NIfTI-2', () => {
    expect(readNifti(new Uint8Array(zlib.gzipSync(nifti({ pixdim: [1, 1, 1] }))), gunzip).dims).toEqual([3, 2, 2]);
    const two = Buffer.alloc(600);
    two.writeInt32LE(540, 0);
    expect(() => readNifti(new Uint8Array(two), gunzip)).toThrow(/NIfTI-2/);
  });
});

describe('volumes on DICOM slices', () => {
  it('places the 20-slice CT NIfTI on its DICOM slices as nibabel and pydicom do (flipped rows, RAS)', () => {
    const golden = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/fixtures/seg/nifti-on-dicom.json'), 'utf8')) as {
      slices: { sopInstanceUid: string; labels: Record<string, [number, number | null, number | null]> }[];
    };
    const { sources } = readSourceFolder(path.join(ROOT, 'tests/data/ct-abdomen-20slice/ct_dicom'));
    const volume = readNifti(
      new Uint8Array(fs.readFileSync(path.join(ROOT, 'tests/data/ct-abdomen-20slice/example_seg_dicom.nii.gz'))),
      gunzip,
    );
    expect(volumeLabels(volume)).toHaveLength(31);
    const { slices, covered } = volumeToSlices(volume, sources, 'NIfTI');
    expect(covered).toBe(20);
    for (const g of golden.slices) {
      const k = sources.findIndex(s => s.sopInstanceUid === g.sopInstanceUid);
      for (const [label, [count, row, col]] of Object.entries(g.labels)) {
        let n = 0;
        let rs = 0;
        let cs = 0;
        slices[k].forEach((v, i) => {
          if (v === Number(label)) {
            n++;
            rs += Math.floor(i / sources[k].columns);
            cs += i % sources[k].columns;
          }
        });
        expect({ slice: k, label, n }).toEqual({ slice: k, label, n: count });
        if (n) {
          expect(Math.abs(rs / n - row!)).toBeLessThan(1e-6);
          expect(Math.abs(cs / n - col!)).toBeLessThan(1e-6);
        }
      }
    }
  });

  it('refuses a volume whose voxels do not coincide with the pixels', () => {
    const v = readNrrd(
      nrrd(
        'type: uchar\ndimension: 3\nspace: LPS\nsizes: 2 2 2\nspace directions: (1,0,0) (0,1,0) (0,0,1)\nspace origin: (0.5,0,0)',
        new Uint8Array(8),
      ),
      gunzip,
    );
    const slice = {
      rows: 2,
      columns: 2,
      imagePositionPatient: [0, 0, 0] as const,
      imageOrientationPatient: [1, 0, 0, 0, 1, 0] as const,
      pixelSpacing: [1, 1] as const,
    };
    expect(() => volumeToSlices(v, [slice], 'NRRD')).toThrow(/NRRD's voxel grid does not coincide with slice 1/);
    expect(volumeToSlices(v, [{ ...slice, imagePositionPatient: [0.5, 0, 7] }], 'NRRD').covered).toBe(0);
  });

  it("describes a volume's own slices", () => {
    const v = readNrrd(
      nrrd(
        'type: uchar\ndimension: 3\nspace: LPS\nsizes: 3 2 2\nspace directions: (0.5,0,0) (0,0.25,0) (0,0,2)\nspace origin: (1,2,3)',
        Uint8Array.from({ length: 12 }, (_, i) => i),
      ),
      gunzip,
    );
    const geo = volumeSliceGeometry(v);
    expect(geo[1]).toMatchObject({ rows: 2, columns: 3, imagePositionPatient: [1, 2, 5], pixelSpacing: [0.25, 0.5] });
    expect(Array.from(volumeToSlices(v, geo).slices[1])).toEqual([6, 7, 8, 9, 10, 11]);
  });
});
