/**
 * Pixel data of a DICOM file as the engine's SliceImage: native (uncompressed) little-endian data, and JPEG 2000
 * (lossless and lossy; the 20-slice sample CT) through OpenJPEG compiled to WebAssembly
 * (@cornerstonejs/codec-openjpeg). Other compressed transfer syntaxes are refused with their UID.
 */
import { decodeNativePixelData } from '../engine/preprocess/pixels';
import type { SliceImage } from '../engine/preprocess/types';
import { SegError } from '../seg/errors';
import type { DicomFile } from './dicom-folder';
import { concatBytes } from '../seg/dicom/bytes';
import { rescaleOf } from './rescale';

const NATIVE = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99']);
const JPEG2000 = new Set(['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91']);

interface J2KDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean };
  getDecodedBuffer(): Uint8Array;
  delete?(): void;
}

let codec: Promise<{ J2KDecoder: new () => J2KDecoder }> | undefined;

function openjpeg(): Promise<{ J2KDecoder: new () => J2KDecoder }> {
  // The WASM module prints its progress to stdout unless told otherwise; stdout carries results here.
  codec ??= (require('@cornerstonejs/codec-openjpeg/decodewasmjs') as (m: object) => Promise<{ J2KDecoder: new () => J2KDecoder }>)({
    print: () => undefined,
    printErr: () => undefined,
  });
  return codec;
}

function frameBytes(file: DicomFile): Uint8Array {
  const parts = (Array.isArray(file.dataset.PixelData) ? file.dataset.PixelData : [file.dataset.PixelData]).filter(Boolean) as ArrayBuffer[];
  if (parts.length === 0) throw new SegError('INVALID_SOURCE', `${file.path} has no pixel data`, { file: file.path });
  return concatBytes(parts);
}

export async function slicePixels(file: DicomFile): Promise<SliceImage> {
  const ds = file.dataset;
  const rows = Number(ds.Rows);
  const columns = Number(ds.Columns);
  const samplesPerPixel = Number(ds.SamplesPerPixel ?? 1) as 1 | 3;
  if ((ds.NumberOfFrames !== undefined && Number(ds.NumberOfFrames) !== 1) || (samplesPerPixel !== 1 && samplesPerPixel !== 3)) {
    throw new SegError('INVALID_SOURCE', `${file.path}: only single-frame grey or RGB images are segmented`, { file: file.path });
  }
  const rescale = rescaleOf(file);
  const common = {
    rows,
    columns,
    samplesPerPixel,
    // Invalid values count as absent (rescale.ts); the command line has warned about them before inference.
    rescaleSlope: rescale.slope,
    rescaleIntercept: rescale.intercept,
    modality: ds.Modality !== undefined ? String(ds.Modality) : undefined,
  };
  const bytes = frameBytes(file);
  if (NATIVE.has(file.transferSyntaxUid)) {
    const pixels = decodeNativePixelData(bytes, {
      rows,
      columns,
      samplesPerPixel,
      bitsAllocated: Number(ds.BitsAllocated) as 8 | 16,
      bitsStored: Number(ds.BitsStored ?? ds.BitsAllocated),
      pixelRepresentation: Number(ds.PixelRepresentation ?? 0) as 0 | 1,
      planarConfiguration: Number(ds.PlanarConfiguration ?? 0) as 0 | 1,
    });
    return { ...common, pixels, planar: Number(ds.PlanarConfiguration ?? 0) === 1 };
  }
  if (JPEG2000.has(file.transferSyntaxUid)) {
    const { J2KDecoder } = await openjpeg();
    const decoder = new J2KDecoder();
    try {
      decoder.getEncodedBuffer(bytes.length).set(bytes);
      decoder.decode();
      const info = decoder.getFrameInfo();
      if (info.width !== columns || info.height !== rows || info.componentCount !== samplesPerPixel) {
        throw new SegError('INVALID_SOURCE', `${file.path}: the JPEG 2000 frame is ${info.width}x${info.height}x${info.componentCount}, the header says ${columns}x${rows}x${samplesPerPixel}`, {});
      }
      const decoded = decoder.getDecodedBuffer().slice();
      const pixels = decodeNativePixelData(decoded, {
        rows,
        columns,
        samplesPerPixel,
        bitsAllocated: info.bitsPerSample <= 8 ? 8 : 16,
        bitsStored: info.bitsPerSample,
        pixelRepresentation: info.isSigned ? 1 : 0,
        // OpenJPEG gives components interleaved.
        planarConfiguration: 0,
      });
      return { ...common, pixels, planar: false };
    } finally {
      decoder.delete?.();
    }
  }
  throw new SegError('INVALID_SOURCE', `${file.path}: transfer syntax ${file.transferSyntaxUid} is not supported by the command line (native and JPEG 2000 are)`, {
    file: file.path,
    transferSyntaxUid: file.transferSyntaxUid,
  });
}
