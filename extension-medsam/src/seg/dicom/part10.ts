/**
 * DICOM Part 10 writer: explicit VR little endian (1.2.840.10008.1.2.1), defined lengths everywhere, attributes in
 * ascending tag order, values padded to even length (UI and OB with NUL, text with space). Written here rather than
 * through a general toolkit so that every byte of a SEG is decided by this package and checked by its tests; it
 * runs unchanged in a browser, a worker and Node.
 *
 * A dataset is a plain object from keyword (dictionary.ts) to value:
 *   string | string[]   text VRs (several values are joined with "\")
 *   number | number[]   US UL SS FL FD (binary), IS DS (formatted), AT (tags as (group << 16) | element)
 *   Uint8Array          OB, or { vr: 'OW', bytes } for 16-bit pixel data
 *   Dataset[]           SQ items
 *   null                present with zero length (Type 2 attributes without a value)
 */
import { SegError } from '../errors';
import { DICTIONARY, type Keyword, type VR } from './dictionary';
import { checkText, formatDS, formatIS } from './values';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../uid';

export interface OtherBytes {
  readonly vr: 'OB' | 'OW';
  readonly bytes: Uint8Array;
}

export type ElementValue =
  string | readonly string[] | number | readonly number[] | Uint8Array | OtherBytes | readonly Dataset[];

export type Dataset = { [K in Keyword]?: ElementValue | null };

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 7.1.2). */
const LONG_VRS: ReadonlySet<VR> = new Set(['OB', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);
const TEXT_VRS: ReadonlySet<VR> = new Set([
  'AE',
  'AS',
  'CS',
  'DA',
  'DT',
  'LO',
  'LT',
  'PN',
  'SH',
  'ST',
  'TM',
  'UC',
  'UI',
  'UR',
  'UT',
]);

class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8 = new TextEncoder();

function padEven(b: Uint8Array, pad: number): Uint8Array {
  if (b.length % 2 === 0) return b;
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  out[b.length] = pad;
  return out;
}

function asArray<T>(v: T | readonly T[]): readonly T[] {
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

function isOtherBytes(v: unknown): v is OtherBytes {
  return typeof v === 'object' && v !== null && 'bytes' in v && 'vr' in v;
}

/** The value bytes of one non-sequence element (even length) and the VR it is written with. */
function encodeValue(keyword: Keyword, vr: VR, value: ElementValue): { vr: VR; bytes: Uint8Array } {
  if (vr === 'OB') {
    if (isOtherBytes(value)) return { vr: value.vr, bytes: padEven(value.bytes, 0) };
    if (value instanceof Uint8Array) return { vr, bytes: padEven(value, 0) };
    throw new SegError('INVALID_VALUE', `${keyword} (OB) needs bytes`, { keyword });
  }
  if (TEXT_VRS.has(vr) || vr === 'DS' || vr === 'IS') {
    const parts = asArray(value as string | number | readonly (string | number)[]).map(v => {
      if (typeof v === 'number') {
        if (vr === 'DS') return formatDS(v, keyword);
        if (vr === 'IS') return formatIS(v, keyword);
        throw new SegError('INVALID_VALUE', `${keyword} (${vr}) needs text, got the number ${v}`, { keyword });
      }
      if (typeof v !== 'string') throw new SegError('INVALID_VALUE', `${keyword} (${vr}) needs text`, { keyword });
      return v;
    });
    if (parts.length > 1 && (vr === 'LT' || vr === 'ST' || vr === 'UT')) {
      throw new SegError('INVALID_VALUE', `${keyword} (${vr}) holds a single value`, { keyword });
    }
    for (const p of parts) checkText(keyword, vr, p);
    return { vr, bytes: padEven(utf8.encode(parts.join('\\')), vr === 'UI' ? 0 : 0x20) };
  }
  const nums = asArray(value as number | readonly number[]);
  for (const n of nums) {
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      throw new SegError('INVALID_VALUE', `${keyword} (${vr}) needs finite numbers`, { keyword, value: String(value) });
    }
  }
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' ? 8 : 4;
  const bytes = new Uint8Array(nums.length * size);
  const view = new DataView(bytes.buffer);
  nums.forEach((n, i) => {
    const o = i * size;
    const intRange = (lo: number, hi: number): void => {
      if (!Number.isInteger(n) || n < lo || n > hi) {
        throw new SegError('INVALID_VALUE', `${keyword} (${vr}) value ${n} is outside ${lo}..${hi}`, {
          keyword,
          value: n,
        });
      }
    };
    switch (vr) {
      case 'US':
        intRange(0, 0xffff);
        view.setUint16(o, n, true);
        break;
      case 'SS':
        intRange(-0x8000, 0x7fff);
        view.setInt16(o, n, true);
        break;
      case 'UL':
        intRange(0, 0xffffffff);
        view.setUint32(o, n, true);
        break;
      case 'AT':
        intRange(0, 0xffffffff);
        view.setUint16(o, n >>> 16, true);
        view.setUint16(o + 2, n & 0xffff, true);
        break;
      case 'FL':
        view.setFloat32(o, n, true);
        break;
      case 'FD':
        view.setFloat64(o, n, true);
        break;
      default:
        throw new SegError('INVALID_VALUE', `${keyword}: VR ${vr} is not supported by the writer`, { keyword });
    }
  });
  return { vr, bytes };
}

function writeHeader(sink: ByteSink, tag: number, vr: VR, length: number, keyword: string): void {
  sink.u16(tag >>> 16);
  sink.u16(tag & 0xffff);
  sink.u16(vr.charCodeAt(0) | (vr.charCodeAt(1) << 8));
  if (LONG_VRS.has(vr)) {
    sink.u16(0);
    sink.u32(length);
  } else {
    if (length > 0xffff)
      throw new SegError('INVALID_VALUE', `${keyword} (${vr}) is ${length} bytes, over the 65534 its VR allows`, {
        keyword,
      });
    sink.u16(length);
  }
}

function encodeDataset(ds: Dataset, path: string): Uint8Array {
  const sink = new ByteSink();
  const entries = (Object.keys(ds) as Keyword[])
    .filter(k => ds[k] !== undefined)
    .map(k => {
      const info = DICTIONARY[k];
      if (!info) throw new SegError('INVALID_VALUE', `${path}${k} is not in the writer's dictionary`, { keyword: k });
      return info;
    })
    .sort((a, b) => a.tag - b.tag);
  for (const { keyword, tag, vr } of entries) {
    const value = ds[keyword];
    if (value === null || value === undefined) {
      writeHeader(sink, tag, vr, 0, keyword);
      continue;
    }
    if (vr === 'SQ') {
      if (!Array.isArray(value))
        throw new SegError('INVALID_VALUE', `${path}${keyword} (SQ) needs a list of items`, { keyword });
      const items = (value as readonly Dataset[]).map((item, i) => encodeDataset(item, `${path}${keyword}[${i}].`));
      const length = items.reduce((n, b) => n + 8 + b.length, 0);
      writeHeader(sink, tag, vr, length, keyword);
      for (const item of items) {
        sink.u16(0xfffe);
        sink.u16(0xe000);
        sink.u32(item.length);
        sink.bytes(item);
      }
      continue;
    }
    const encoded = encodeValue(keyword, vr, value);
    writeHeader(sink, tag, encoded.vr, encoded.bytes.length, keyword);
    sink.bytes(encoded.bytes);
  }
  return sink.result();
}

function hasNonAscii(v: unknown): boolean {
  // eslint-disable-next-line no-control-regex -- the range starts at NUL: every non-ASCII character
  if (typeof v === 'string') return /[^\x00-\x7f]/.test(v);
  if (Array.isArray(v)) return v.some(hasNonAscii);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array) && !isOtherBytes(v))
    return Object.values(v).some(hasNonAscii);
  return false;
}

/**
 * Strings are written as UTF-8. A dataset with only ASCII text needs no SpecificCharacterSet; one with other
 * characters gets "ISO_IR 192" (UTF-8), and a different declared character set is refused rather than mis-encoded.
 */
function withCharacterSet(ds: Dataset): Dataset {
  if (!hasNonAscii(ds)) return ds;
  const declared = ds.SpecificCharacterSet;
  if (declared !== undefined && declared !== null && declared !== 'ISO_IR 192') {
    throw new SegError(
      'INVALID_VALUE',
      `Text outside ASCII needs SpecificCharacterSet ISO_IR 192 (UTF-8), not ${String(declared)}`,
      {
        declared: String(declared),
      },
    );
  }
  return { ...ds, SpecificCharacterSet: 'ISO_IR 192' };
}

/** The dataset without the file meta header (for tests and for transfer inside a multipart body). */
export function encodeDatasetExplicitLE(ds: Dataset): Uint8Array {
  return encodeDataset(withCharacterSet(ds), '');
}

/** A complete Part 10 file: preamble, "DICM", file meta information (group 0002), then the dataset. */
export function writePart10(ds: Dataset): Uint8Array {
  const sopClass = ds.SOPClassUID;
  const sopInstance = ds.SOPInstanceUID;
  if (typeof sopClass !== 'string' || typeof sopInstance !== 'string') {
    throw new SegError('INVALID_VALUE', 'A Part 10 file needs SOPClassUID and SOPInstanceUID', {});
  }
  const metaBody = encodeDataset(
    {
      FileMetaInformationVersion: new Uint8Array([0, 1]),
      MediaStorageSOPClassUID: sopClass,
      MediaStorageSOPInstanceUID: sopInstance,
      TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
      ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
      ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
    },
    'meta.',
  );
  const groupLength = encodeDataset({ FileMetaInformationGroupLength: metaBody.length }, 'meta.');
  const body = encodeDatasetExplicitLE(ds);
  const out = new Uint8Array(132 + groupLength.length + metaBody.length + body.length);
  out.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM"
  out.set(groupLength, 132);
  out.set(metaBody, 132 + groupLength.length);
  out.set(body, 132 + groupLength.length + metaBody.length);
  return out;
}
