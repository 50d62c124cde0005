/**
 * A dataset's elements and every rule the Part 10 writer holds them to, in one place. The writer (part10.ts) calls
 * these as it encodes; validateDataset() and validatePart10() call the same ones, in the same order, without writing a
 * byte. So a dataset that passes validatePart10 is one writePart10 writes, and one it refuses fails here with the same
 * SegError: buildSeg validates what it built (a built SEG is a writable SEG, highdicom's rule).
 *
 * A dataset is a plain object from keyword (dictionary.ts) to value:
 *   string | string[]   text VRs (several values are joined with "\")
 *   number | number[]   US UL SS FL FD (binary), IS DS (formatted), AT (tags as (group << 16) | element)
 *   Uint8Array          OB, or { vr: 'OW', bytes } for 16-bit pixel data
 *   Dataset[]           SQ items
 *   null                present with zero length (Type 2 attributes without a value)
 * Errors name the element by its path, e.g. "SegmentSequence[0].SegmentLabel", and show the value.
 */
import { SegError } from '../errors';
import { DICTIONARY, type Keyword, type TagInfo, type VR } from './dictionary';
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
/** The largest (even) value length a 2-byte and a 4-byte length field can give (0xFFFFFFFF means undefined). */
const MAX_SHORT_LENGTH = 0xfffe;
const MAX_LONG_LENGTH = 0xfffffffe;

/** One element's value as written: its bytes (without the padding to even length), its VR and the padding byte. */
export interface EncodedValue {
  readonly vr: VR;
  readonly bytes: Uint8Array;
  readonly pad: number;
}

const utf8 = new TextEncoder();

function asArray<T>(v: T | readonly T[]): readonly T[] {
  return Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

export function isOtherBytes(v: unknown): v is OtherBytes {
  return typeof v === 'object' && v !== null && 'bytes' in v && 'vr' in v;
}

/** A value as an error message shows it: quoted text, numbers, a short form of bytes and structures; at most 80 characters. */
function shown(value: unknown): string {
  let s: string;
  if (value instanceof Uint8Array) s = `${value.length} bytes`;
  else if (isOtherBytes(value)) s = `${value.vr} of ${value.bytes.length} bytes`;
  else if (typeof value === 'string') s = `"${value}"`;
  else if (Array.isArray(value) && value.every(v => typeof v === 'string' || typeof v === 'number'))
    s = `[${value.map(v => (typeof v === 'string' ? `"${v}"` : String(v))).join(', ')}]`;
  else if (value === null || typeof value !== 'object') s = String(value);
  else {
    try {
      s = JSON.stringify(value);
    } catch {
      s = Object.prototype.toString.call(value);
    }
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function invalid(name: string, message: string, details: Record<string, unknown> = {}): SegError {
  return new SegError('INVALID_VALUE', message, { keyword: name, ...details });
}

/** The dataset's elements in ascending tag order (the order they are written); a keyword not in the dictionary fails. */
export function elementsOf(ds: Dataset, path: string): TagInfo[] {
  return (Object.keys(ds) as Keyword[])
    .filter(k => ds[k] !== undefined)
    .map(k => {
      const info = DICTIONARY[k] as TagInfo | undefined;
      if (!info) throw invalid(`${path}${k}`, `${path}${k} is not in the writer's dictionary`);
      return info;
    })
    .sort((a, b) => a.tag - b.tag);
}

/** The items of a sequence (SQ) element: a list of datasets. */
export function sequenceItems(name: string, value: ElementValue): readonly Dataset[] {
  const ok =
    Array.isArray(value) &&
    value.every(item => typeof item === 'object' && item !== null && !Array.isArray(item) && !ArrayBuffer.isView(item));
  if (!ok) throw invalid(name, `${name} (SQ) needs a list of items, got ${shown(value)}`, { value: shown(value) });
  return value as readonly Dataset[];
}

/** The bytes of one element other than a sequence, after every rule of its VR (values.ts for text). */
export function elementValue(name: string, vr: VR, value: ElementValue): EncodedValue {
  if (vr === 'OB') {
    if (isOtherBytes(value)) return { vr: value.vr, bytes: value.bytes, pad: 0 };
    if (value instanceof Uint8Array) return { vr, bytes: value, pad: 0 };
    throw invalid(name, `${name} (OB) needs bytes, got ${shown(value)}`, { value: shown(value) });
  }
  if (TEXT_VRS.has(vr) || vr === 'DS' || vr === 'IS') {
    const parts = asArray(value as string | number | readonly (string | number)[]).map(v => {
      if (typeof v === 'number') {
        if (vr === 'DS') return formatDS(v, name);
        if (vr === 'IS') return formatIS(v, name);
        throw invalid(name, `${name} (${vr}) needs text, got the number ${v}`, { value: v });
      }
      if (typeof v !== 'string')
        throw invalid(name, `${name} (${vr}) needs text, got ${shown(v)}`, { value: shown(v) });
      return v;
    });
    if (parts.length > 1 && (vr === 'LT' || vr === 'ST' || vr === 'UT')) {
      throw invalid(name, `${name} (${vr}) holds a single value, got ${parts.length}: ${shown(parts)}`, {
        value: shown(parts),
      });
    }
    for (const p of parts) checkText(name, vr, p);
    return { vr, bytes: utf8.encode(parts.join('\\')), pad: vr === 'UI' ? 0 : 0x20 };
  }
  const nums = asArray(value as number | readonly number[]);
  for (const n of nums) {
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      throw invalid(name, `${name} (${vr}) needs finite numbers, got ${shown(value)}`, { value: shown(value) });
    }
  }
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' ? 8 : 4;
  const bytes = new Uint8Array(nums.length * size);
  const view = new DataView(bytes.buffer);
  nums.forEach((n, i) => {
    const o = i * size;
    const intRange = (lo: number, hi: number): void => {
      if (!Number.isInteger(n) || n < lo || n > hi) {
        throw invalid(name, `${name} (${vr}) value ${n} is outside ${lo}..${hi}`, { value: n });
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
        throw invalid(name, `${name}: VR ${vr} is not supported by the writer`);
    }
  });
  return { vr, bytes, pad: 0 };
}

/** The value length written: padded to even. */
export function valueLength(v: EncodedValue): number {
  return v.bytes.length + (v.bytes.length % 2);
}

/** Whether the VR has a 2-byte reserved field and a 4-byte length (else a 2-byte length). */
export function hasLongLength(vr: VR): boolean {
  return LONG_VRS.has(vr);
}

/** Tag, VR and length field: 8 bytes, 12 for the VRs with a 4-byte length. */
function headerLength(vr: VR): number {
  return LONG_VRS.has(vr) ? 12 : 8;
}

/** A value length its VR's length field can hold. */
export function checkLength(name: string, vr: VR, length: number): void {
  const max = LONG_VRS.has(vr) ? MAX_LONG_LENGTH : MAX_SHORT_LENGTH;
  if (length > max) {
    throw invalid(name, `${name} (${vr}) is ${length} bytes, over the ${max} its VR's length field allows`, {
      length,
    });
  }
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
export function withCharacterSet(ds: Dataset): Dataset {
  if (!hasNonAscii(ds)) return ds;
  const declared = ds.SpecificCharacterSet;
  if (declared !== undefined && declared !== null && declared !== 'ISO_IR 192') {
    throw invalid(
      'SpecificCharacterSet',
      `Text outside ASCII needs SpecificCharacterSet ISO_IR 192 (UTF-8), not ${shown(declared)}`,
      { declared: String(declared) },
    );
  }
  return { ...ds, SpecificCharacterSet: 'ISO_IR 192' };
}

/** The file meta information (group 0002, without its group length) of a dataset written as a Part 10 file. */
export function fileMetaInformation(ds: Dataset): Dataset {
  const sopClass = ds.SOPClassUID;
  const sopInstance = ds.SOPInstanceUID;
  if (typeof sopClass !== 'string' || typeof sopInstance !== 'string') {
    throw new SegError(
      'INVALID_VALUE',
      `A Part 10 file needs SOPClassUID and SOPInstanceUID, got ${shown(sopClass)} and ${shown(sopInstance)}`,
      {},
    );
  }
  return {
    FileMetaInformationVersion: new Uint8Array([0, 1]),
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: sopInstance,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
}

/** The encoded length of a dataset, every element checked as the writer checks it, in the writer's order. */
function checkedLength(ds: Dataset, path: string): number {
  let total = 0;
  for (const { keyword, vr } of elementsOf(ds, path)) {
    const value = ds[keyword];
    const name = `${path}${keyword}`;
    let written = vr;
    let length = 0;
    if (value !== null && value !== undefined) {
      if (vr === 'SQ') {
        length = sequenceItems(name, value).reduce((n, item, i) => n + 8 + checkedLength(item, `${name}[${i}].`), 0);
      } else {
        const encoded = elementValue(name, vr, value);
        written = encoded.vr;
        length = valueLength(encoded);
      }
    }
    checkLength(name, written, length);
    total += headerLength(written) + length;
  }
  return total;
}

/** Throws the SegError encodeDatasetExplicitLE would throw for this dataset, if any, without encoding it. */
export function validateDataset(ds: Dataset): void {
  checkedLength(withCharacterSet(ds), '');
}

/** Throws the SegError writePart10 would throw for this dataset, if any, without writing it. */
export function validatePart10(ds: Dataset): void {
  const metaLength = checkedLength(fileMetaInformation(ds), 'meta.');
  checkedLength({ FileMetaInformationGroupLength: metaLength }, 'meta.');
  validateDataset(ds);
}
