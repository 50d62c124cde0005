/** What a frame decoder takes and gives, and the step every decoder ends with. */
import { decodeNativePixelData } from '../../engine/preprocess/pixels';
import type { PixelArray } from '../../engine/preprocess/types';
import { SegError } from '../../seg/errors';

/** The Image Pixel module of the file (PS3.3 C.7.6.3), as the decoders need it. */
export interface FrameDescription {
  rows: number;
  columns: number;
  samplesPerPixel: 1 | 3;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  planarConfiguration: 0 | 1;
  photometricInterpretation?: string;
  /** File (and frame) named in messages. */
  where: string;
  transferSyntaxUid: string;
}

export interface DecodedFrame {
  /** Stored values: rows * columns * samplesPerPixel, sign-extended from BitsStored. */
  pixels: PixelArray;
  /** RGB samples plane by plane (else interleaved). */
  planar: boolean;
}

export type FrameDecoder = (bytes: Uint8Array, d: FrameDescription) => Promise<DecodedFrame> | DecodedFrame;

export function decodeError(d: FrameDescription, message: string): SegError {
  return new SegError('INVALID_SOURCE', `${d.where}: ${message}`, {
    file: d.where,
    transferSyntaxUid: d.transferSyntaxUid,
  });
}

/**
 * Decoded little-endian samples -> the typed array of stored values. JPEG-family codestreams carry raw bits: the
 * sign and the bits above BitsStored are DICOM's (PixelRepresentation, BitsStored), applied here as for native data.
 */
export function storedValues(
  samples: Uint8Array,
  bitsPerSample: number,
  d: FrameDescription,
  signed = d.pixelRepresentation === 1,
): PixelArray {
  const bitsAllocated = bitsPerSample <= 8 ? 8 : 16;
  return decodeNativePixelData(samples, {
    rows: d.rows,
    columns: d.columns,
    samplesPerPixel: d.samplesPerPixel,
    bitsAllocated,
    bitsStored: Math.min(d.bitsStored, bitsAllocated),
    pixelRepresentation: signed ? 1 : 0,
  });
}

export function checkSize(d: FrameDescription, codec: string, width: number, height: number, components: number): void {
  if (width !== d.columns || height !== d.rows || components !== d.samplesPerPixel) {
    throw decodeError(
      d,
      `the ${codec} frame is ${width}x${height}x${components}, the header says ${d.columns}x${d.rows}x${d.samplesPerPixel}`,
    );
  }
}

/** Emscripten builds of the @cornerstonejs codecs share this decoder shape. */
export interface WasmFrameDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  getDecodedBuffer(): Uint8Array;
  getInterleaveMode?(): number;
  delete?(): void;
}

type Factory = (m: object) => Promise<Record<string, new () => WasmFrameDecoder>>;

/** Loads a codec module once, lazily; its WASM prints to stdout unless told otherwise, and stdout carries results. */
export function lazyWasm(load: () => Factory): () => Promise<Record<string, new () => WasmFrameDecoder>> {
  let codec: Promise<Record<string, new () => WasmFrameDecoder>> | undefined;
  return () => (codec ??= load()({ print: () => undefined, printErr: () => undefined }));
}

/** Runs one frame through a WASM decoder; the decoded bytes are copied out of the WASM heap before it is freed. */
export function runWasm(
  Decoder: new () => WasmFrameDecoder,
  bytes: Uint8Array,
  d: FrameDescription,
  codec: string,
): { info: ReturnType<WasmFrameDecoder['getFrameInfo']>; decoded: Uint8Array; interleaveMode?: number } {
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(bytes.length).set(bytes);
    try {
      decoder.decode();
    } catch (e) {
      throw decodeError(d, `the ${codec} decoder failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const info = decoder.getFrameInfo();
    return { info, decoded: decoder.getDecodedBuffer().slice(), interleaveMode: decoder.getInterleaveMode?.() };
  } finally {
    decoder.delete?.();
  }
}
