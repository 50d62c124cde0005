/**
 * Reading DICOM Part 10 files (any transfer syntax dcmjs understands: implicit/explicit VR, little/big endian,
 * deflate) into naturalized datasets: keyword -> value, sequences as arrays of datasets, PixelData as ArrayBuffers
 * (one per frame or fragment). Reading is dcmjs's job here; writing is ./part10.ts.
 */
import * as dcmjs from 'dcmjs';
import { SegError } from '../errors';

export type Naturalized = Record<string, unknown>;

export interface ParsedDicom {
  dataset: Naturalized;
  transferSyntaxUid: string;
  /**
   * Top-level DS and IS values as written in the file, by keyword: dcmjs turns "", "NaN" or "abc" into null, and a
   * message about such a value should show what the file holds.
   */
  numberText?: Record<string, string>;
}

/** The raw text of the top-level decimal and integer strings (see ParsedDicom.numberText). */
function numberTexts(dict: Record<string, dcmjs.data.DicomDictElement>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [tag, element] of Object.entries(dict)) {
    if ((element.vr !== 'DS' && element.vr !== 'IS') || element._rawValue === undefined) continue;
    const name = dcmjs.data.DicomMetaDictionary.dictionary[dcmjs.data.DicomMetaDictionary.punctuateTag(tag)]?.name;
    const raw = element._rawValue;
    if (name) out[name] = (Array.isArray(raw) ? raw : [raw]).map(v => String(v ?? '').trim()).join('\\');
  }
  return out;
}

function toArrayBuffer(bytes: Uint8Array | ArrayBuffer): ArrayBuffer {
  if (bytes instanceof ArrayBuffer) return bytes;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * dcmjs logs (at error level) every element whose VR it has to guess, e.g. "Invalid vr type xs" for an implicit-VR
 * PixelPaddingValue; problems that matter are thrown, not logged. The command line and the
 * tests turn that off. Not done on import: in the viewer, dcmjs's log level belongs to the host.
 */
export function quietDcmjs(): void {
  dcmjs.log.setLevel('silent');
  dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');
}

export function parseDicom(bytes: Uint8Array | ArrayBuffer, options: { withoutPixelData?: boolean } = {}): ParsedDicom {
  let dict;
  try {
    dict = dcmjs.data.DicomMessage.readFile(
      toArrayBuffer(bytes),
      options.withoutPixelData ? { untilTag: '7FE00010', includeUntilTagValue: false } : {},
    );
  } catch (e) {
    throw new SegError('UNSUPPORTED_SEG', `Not a readable DICOM Part 10 file: ${(e as Error).message}`, {});
  }
  const ts = dict.meta['00020010']?.Value?.[0];
  return {
    dataset: dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict),
    transferSyntaxUid: typeof ts === 'string' ? ts : '1.2.840.10008.1.2',
    numberText: numberTexts(dict.dict),
  };
}

/** A naturalized value as an array (dcmjs gives single values as scalars and multiple ones as arrays). */
export function values(ds: Naturalized, keyword: string): unknown[] {
  const v = ds[keyword];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function first<T = unknown>(ds: Naturalized, keyword: string): T | undefined {
  return values(ds, keyword)[0] as T | undefined;
}

export function items(ds: Naturalized, keyword: string): Naturalized[] {
  return values(ds, keyword).filter(
    (v): v is Naturalized => typeof v === 'object' && v !== null && !(v instanceof ArrayBuffer),
  );
}
