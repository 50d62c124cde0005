/**
 * DICOM Part 10 writer: explicit VR little endian (1.2.840.10008.1.2.1), defined lengths everywhere, attributes in
 * ascending tag order, values padded to even length (UI and OB with NUL, text with space). Written here rather than
 * through a general toolkit so that every byte of a SEG is decided by this package and checked by its tests; it
 * runs unchanged in a browser, a worker and Node.
 *
 * The dataset shape and every rule a value must follow are in elements.ts, which also validates a dataset without
 * writing it (validatePart10): this file only turns checked values into bytes.
 */
import {
  checkLength,
  elementsOf,
  elementValue,
  fileMetaInformation,
  hasLongLength,
  sequenceItems,
  valueLength,
  withCharacterSet,
  type Dataset,
} from './elements';
import type { VR } from './dictionary';

export {
  EXPLICIT_VR_LITTLE_ENDIAN,
  validateDataset,
  validatePart10,
  type Dataset,
  type ElementValue,
  type OtherBytes,
} from './elements';

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

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
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

function writeHeader(sink: ByteSink, tag: number, vr: VR, length: number, name: string): void {
  checkLength(name, vr, length);
  sink.u16(tag >>> 16);
  sink.u16(tag & 0xffff);
  sink.u16(vr.charCodeAt(0) | (vr.charCodeAt(1) << 8));
  if (hasLongLength(vr)) {
    sink.u16(0);
    sink.u32(length);
  } else {
    sink.u16(length);
  }
}

function encodeDataset(ds: Dataset, path: string): Uint8Array {
  const sink = new ByteSink();
  for (const { keyword, tag, vr } of elementsOf(ds, path)) {
    const value = ds[keyword];
    const name = `${path}${keyword}`;
    if (value === null || value === undefined) {
      writeHeader(sink, tag, vr, 0, name);
      continue;
    }
    if (vr === 'SQ') {
      const items = sequenceItems(name, value).map((item, i) => encodeDataset(item, `${name}[${i}].`));
      const length = items.reduce((n, b) => n + 8 + b.length, 0);
      writeHeader(sink, tag, vr, length, name);
      for (const item of items) {
        sink.u16(0xfffe);
        sink.u16(0xe000);
        sink.u32(item.length);
        sink.bytes(item);
      }
      continue;
    }
    const encoded = elementValue(name, vr, value);
    writeHeader(sink, tag, encoded.vr, valueLength(encoded), name);
    sink.bytes(encoded.bytes);
    if (encoded.bytes.length % 2 === 1) sink.u8(encoded.pad);
  }
  return sink.result();
}

/** The dataset without the file meta header (for tests and for transfer inside a multipart body). */
export function encodeDatasetExplicitLE(ds: Dataset): Uint8Array {
  return encodeDataset(withCharacterSet(ds), '');
}

/** A complete Part 10 file: preamble, "DICM", file meta information (group 0002), then the dataset. */
export function writePart10(ds: Dataset): Uint8Array {
  const metaBody = encodeDataset(fileMetaInformation(ds), 'meta.');
  const groupLength = encodeDataset({ FileMetaInformationGroupLength: metaBody.length }, 'meta.');
  const body = encodeDatasetExplicitLE(ds);
  const out = new Uint8Array(132 + groupLength.length + metaBody.length + body.length);
  out.set([0x44, 0x49, 0x43, 0x4d], 128); // "DICM"
  out.set(groupLength, 132);
  out.set(metaBody, 132 + groupLength.length);
  out.set(body, 132 + groupLength.length + metaBody.length);
  return out;
}
