/**
 * A small NRRD reader (teem NRRD0001..0005, attached data): 3D scalar volumes in raw or gzip encoding, as written by
 * 3D Slicer and dcmqi, placed in LPS patient space from "space", "space directions" and "space origin".
 */
import { SegError } from '../errors';
import type { Vec3 } from '../source';
import type { Gunzip, Volume } from './volume';

const TYPES: Record<string, { bytes: number; read: (v: DataView, o: number, le: boolean) => number }> = {
  int8: { bytes: 1, read: (v, o) => v.getInt8(o) },
  uint8: { bytes: 1, read: (v, o) => v.getUint8(o) },
  int16: { bytes: 2, read: (v, o, le) => v.getInt16(o, le) },
  uint16: { bytes: 2, read: (v, o, le) => v.getUint16(o, le) },
  int32: { bytes: 4, read: (v, o, le) => v.getInt32(o, le) },
  uint32: { bytes: 4, read: (v, o, le) => v.getUint32(o, le) },
  float: { bytes: 4, read: (v, o, le) => v.getFloat32(o, le) },
  double: { bytes: 8, read: (v, o, le) => v.getFloat64(o, le) },
};

const TYPE_ALIASES: Record<string, string> = {
  'signed char': 'int8',
  int8_t: 'int8',
  uchar: 'uint8',
  'unsigned char': 'uint8',
  uint8_t: 'uint8',
  short: 'int16',
  'short int': 'int16',
  'signed short': 'int16',
  'signed short int': 'int16',
  int16_t: 'int16',
  ushort: 'uint16',
  'unsigned short': 'uint16',
  'unsigned short int': 'uint16',
  uint16_t: 'uint16',
  int: 'int32',
  'signed int': 'int32',
  int32_t: 'int32',
  uint: 'uint32',
  'unsigned int': 'uint32',
  uint32_t: 'uint32',
};

/** Sign flips that take each space to LPS. */
const SPACES: Record<string, Vec3> = {
  'left-posterior-superior': [1, 1, 1],
  lps: [1, 1, 1],
  'right-anterior-superior': [-1, -1, 1],
  ras: [-1, -1, 1],
  'left-anterior-superior': [1, -1, 1],
  las: [1, -1, 1],
};

function vector(s: string, field: string): Vec3 {
  const m = s.trim().match(/^\(([^)]*)\)$/);
  const n = m ? m[1].split(',').map(Number) : [];
  if (n.length !== 3 || !n.every(Number.isFinite))
    throw new SegError('INVALID_VOLUME', `NRRD field "${field}" has "${s}", not a 3-vector`, {});
  return [n[0], n[1], n[2]];
}

export function readNrrd(bytes: Uint8Array, gunzip: Gunzip): Volume {
  const magic = new TextDecoder('latin1').decode(bytes.subarray(0, 8));
  if (!/^NRRD000[1-5]$/.test(magic)) throw new SegError('INVALID_VOLUME', 'Not a NRRD file (no NRRD000x magic)', {});
  // The header ends at the first empty line.
  let end = -1;
  for (let i = 0; i < bytes.length - 1; i++) {
    if (bytes[i] === 0x0a && bytes[i + 1] === 0x0a) {
      end = i + 2;
      break;
    }
    if (bytes[i] === 0x0a && bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a) {
      end = i + 3;
      break;
    }
  }
  if (end < 0) throw new SegError('INVALID_VOLUME', 'NRRD header has no end (no empty line)', {});
  const fields: Record<string, string> = {};
  for (const line of new TextDecoder('latin1').decode(bytes.subarray(0, end)).split(/\r?\n/).slice(1)) {
    if (line.startsWith('#') || !line.includes(':')) continue;
    const at = line.indexOf(':');
    const key = line.slice(0, at).trim().toLowerCase();
    const value = line
      .slice(at + 1)
      .replace(/^=/, '')
      .trim();
    fields[key] = value;
  }
  if (fields['data file'] || fields.datafile)
    throw new SegError('INVALID_VOLUME', 'Detached NRRD data files are not supported', {});
  const typeName = TYPE_ALIASES[fields.type] ?? fields.type;
  const type = TYPES[typeName];
  if (!type) throw new SegError('INVALID_VOLUME', `NRRD type "${fields.type}" is not supported`, {});
  if (Number(fields.dimension) !== 3)
    throw new SegError('INVALID_VOLUME', `NRRD dimension ${fields.dimension}: only 3D volumes are read`, {});
  const sizes = (fields.sizes ?? '').split(/\s+/).map(Number);
  if (sizes.length !== 3 || !sizes.every(n => Number.isInteger(n) && n > 0))
    throw new SegError('INVALID_VOLUME', `NRRD sizes "${fields.sizes}"`, {});
  const flip = SPACES[(fields.space ?? '').toLowerCase()];
  if (!flip)
    throw new SegError(
      'INVALID_VOLUME',
      `NRRD space "${fields.space ?? '(none)'}" is not a patient space (LPS/RAS/LAS)`,
      {},
    );
  const dirs = (fields['space directions'] ?? '').match(/\([^)]*\)/g) ?? [];
  if (dirs.length !== 3) throw new SegError('INVALID_VOLUME', 'NRRD "space directions" must give three vectors', {});
  const axes = dirs
    .map(d => vector(d, 'space directions'))
    .map(v => [v[0] * flip[0], v[1] * flip[1], v[2] * flip[2]] as Vec3) as unknown as [Vec3, Vec3, Vec3];
  const o = vector(fields['space origin'] ?? '(0,0,0)', 'space origin');
  const origin: Vec3 = [o[0] * flip[0], o[1] * flip[1], o[2] * flip[2]];
  const encoding = (fields.encoding ?? 'raw').toLowerCase();
  let body = bytes.subarray(end);
  if (encoding === 'gzip' || encoding === 'gz') body = gunzip(body);
  else if (encoding !== 'raw')
    throw new SegError('INVALID_VOLUME', `NRRD encoding "${encoding}" is not supported (raw, gzip)`, {});
  const n = sizes[0] * sizes[1] * sizes[2];
  if (body.length < n * type.bytes)
    throw new SegError(
      'INVALID_VOLUME',
      `NRRD data holds ${body.length} bytes, ${n} voxels of ${typeName} need ${n * type.bytes}`,
      {},
    );
  const little = (fields.endian ?? 'little').toLowerCase() !== 'big';
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = type.read(view, i * type.bytes, little);
  return { dims: [sizes[0], sizes[1], sizes[2]], data, origin, axes, format: 'nrrd' };
}
