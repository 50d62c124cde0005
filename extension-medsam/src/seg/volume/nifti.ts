/**
 * A small NIfTI-1 reader (.nii, .nii.gz): 3D scalar volumes placed in LPS patient space from the sform (when
 * sform_code > 0), else the qform quaternion (qform_code > 0), else the voxel sizes alone. NIfTI's world space is
 * RAS, so x and y change sign.
 */
import { SegError } from '../errors';
import type { Vec3 } from '../source';
import type { Gunzip, Volume } from './volume';

const DATATYPES: Record<
  number,
  { bytes: number; read: (v: DataView, o: number, le: boolean) => number; name: string }
> = {
  2: { bytes: 1, read: (v, o) => v.getUint8(o), name: 'uint8' },
  4: { bytes: 2, read: (v, o, le) => v.getInt16(o, le), name: 'int16' },
  8: { bytes: 4, read: (v, o, le) => v.getInt32(o, le), name: 'int32' },
  16: { bytes: 4, read: (v, o, le) => v.getFloat32(o, le), name: 'float32' },
  64: { bytes: 8, read: (v, o, le) => v.getFloat64(o, le), name: 'float64' },
  256: { bytes: 1, read: (v, o) => v.getInt8(o), name: 'int8' },
  512: { bytes: 2, read: (v, o, le) => v.getUint16(o, le), name: 'uint16' },
  768: { bytes: 4, read: (v, o, le) => v.getUint32(o, le), name: 'uint32' },
};

export function readNifti(input: Uint8Array, gunzip: Gunzip): Volume {
  const bytes = input[0] === 0x1f && input[1] === 0x8b ? gunzip(input) : input;
  if (bytes.length < 348) throw new SegError('INVALID_VOLUME', 'Too short for a NIfTI-1 header', {});
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let le = true;
  if (view.getInt32(0, true) !== 348) {
    if (view.getInt32(0, false) === 348) le = false;
    else if (view.getInt32(0, true) === 540 || view.getInt32(0, false) === 540) {
      throw new SegError('INVALID_VOLUME', 'NIfTI-2 files are not supported; save as NIfTI-1', {});
    } else throw new SegError('INVALID_VOLUME', 'Not a NIfTI-1 file (sizeof_hdr is not 348)', {});
  }
  const magic = new TextDecoder('latin1').decode(bytes.subarray(344, 347));
  if (magic !== 'n+1')
    throw new SegError('INVALID_VOLUME', `NIfTI magic "${magic}": only single-file .nii (n+1) is read`, {});
  const i16 = (o: number): number => view.getInt16(o, le);
  const f32 = (o: number): number => view.getFloat32(o, le);
  const ndim = i16(40);
  const dims = [i16(42), i16(44), ndim >= 3 ? i16(46) : 1];
  for (let d = 4; d <= ndim; d++) {
    if (i16(40 + 2 * d) > 1)
      throw new SegError(
        'INVALID_VOLUME',
        `NIfTI has ${ndim} dimensions with more than one volume; only 3D is read`,
        {},
      );
  }
  const datatype = i16(70);
  const type = DATATYPES[datatype];
  if (!type) throw new SegError('INVALID_VOLUME', `NIfTI datatype ${datatype} is not supported`, {});
  const pixdim = Array.from({ length: 8 }, (_, i) => f32(76 + 4 * i));
  const voxOffset = Math.max(352, Math.round(f32(108)));
  const slope = f32(112);
  const inter = f32(116);
  const qformCode = i16(252);
  const sformCode = i16(254);

  let axes: [Vec3, Vec3, Vec3];
  let originRas: Vec3;
  if (sformCode > 0) {
    const row = (o: number): number[] => [f32(o), f32(o + 4), f32(o + 8), f32(o + 12)];
    const [x, y, z] = [row(280), row(296), row(312)];
    axes = [
      [x[0], y[0], z[0]],
      [x[1], y[1], z[1]],
      [x[2], y[2], z[2]],
    ];
    originRas = [x[3], y[3], z[3]];
  } else if (qformCode > 0) {
    const b = f32(256);
    const c = f32(260);
    const d = f32(264);
    const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
    const r = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c],
    ];
    const qfac = pixdim[0] < 0 ? -1 : 1;
    const s = [pixdim[1], pixdim[2], qfac * pixdim[3]];
    axes = [0, 1, 2].map(j => [r[0][j] * s[j], r[1][j] * s[j], r[2][j] * s[j]] as Vec3) as [Vec3, Vec3, Vec3];
    originRas = [f32(268), f32(272), f32(276)];
  } else {
    axes = [
      [pixdim[1], 0, 0],
      [0, pixdim[2], 0],
      [0, 0, pixdim[3]],
    ];
    originRas = [0, 0, 0];
  }
  const ras2lps = (v: Vec3): Vec3 => [-v[0], -v[1], v[2]];
  const n = dims[0] * dims[1] * dims[2];
  if (bytes.length < voxOffset + n * type.bytes) {
    throw new SegError(
      'INVALID_VOLUME',
      `NIfTI data holds ${bytes.length - voxOffset} bytes, ${n} voxels of ${type.name} need ${n * type.bytes}`,
      {},
    );
  }
  const data = new Float32Array(n);
  const scale = Number.isFinite(slope) && slope !== 0 && !(slope === 1 && inter === 0);
  for (let i = 0; i < n; i++) {
    const v = type.read(view, voxOffset + i * type.bytes, le);
    data[i] = scale ? v * slope + inter : v;
  }
  return {
    dims: [dims[0], dims[1], dims[2]],
    data,
    origin: ras2lps(originRas),
    axes: axes.map(ras2lps) as unknown as [Vec3, Vec3, Vec3],
    format: 'nifti',
  };
}
