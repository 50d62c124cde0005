/**
 * The JPEG processes DICOM uses (PS3.5 A.4.1), each with the decoder the viewer (cornerstone's dicom-image-loader)
 * runs for it, so that a lossy frame gives the CLI the same values it gives the viewer:
 *  - baseline 8-bit (Process 1): libjpeg-turbo compiled to WebAssembly (@cornerstonejs/codec-libjpeg-turbo-8bit);
 *  - extended 12-bit (Process 2 & 4): the pure-JS JPEG decoder inside @cornerstonejs/dicom-image-loader (the only
 *    maintained 12-bit DCT decoder on npm; the loader's 12-bit WASM build is marked not yet working);
 *  - lossless (Process 14, any predictor, and its selection value 1): @cornerstonejs/jpeg-lossless-decoder-js.
 */
import {
  checkSize,
  decodeError,
  lazyWasm,
  runWasm,
  storedValues,
  type DecodedFrame,
  type FrameDescription,
} from './frame';
import { loadEsmFile } from './esm-file';

const libjpegTurbo = lazyWasm(() => require('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs'));

export async function decodeJpegBaseline(bytes: Uint8Array, d: FrameDescription): Promise<DecodedFrame> {
  const { JPEGDecoder } = await libjpegTurbo();
  const { info, decoded } = runWasm(JPEGDecoder, bytes, d, 'JPEG baseline');
  checkSize(d, 'JPEG baseline', info.width, info.height, info.componentCount);
  if (info.bitsPerSample > 8)
    throw decodeError(d, `the JPEG baseline frame has ${info.bitsPerSample}-bit samples (8 expected)`);
  // libjpeg-turbo converts YCbCr to RGB and gives the samples interleaved.
  return { pixels: storedValues(decoded, 8, d), planar: false };
}

interface JpegImage {
  parse(data: Uint8Array): void;
  colorTransform?: boolean;
  width: number;
  height: number;
  components: unknown[];
  getData(width: number, height: number): Uint8Array | Uint8ClampedArray;
  getData16(width: number, height: number): Uint16Array;
}

export function decodeJpegExtended(bytes: Uint8Array, d: FrameDescription): DecodedFrame {
  const { default: JpegImage } = loadEsmFile<{ default: new () => JpegImage }>(
    '@cornerstonejs/dicom-image-loader',
    'dist/esm/codecs/jpeg.js',
  );
  const jpeg = new JpegImage();
  try {
    jpeg.parse(bytes);
  } catch (e) {
    // The decoder throws strings.
    throw decodeError(d, `the JPEG extended decoder failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  checkSize(d, 'JPEG extended', jpeg.width, jpeg.height, jpeg.components.length);
  // DICOM's photometric interpretation governs colour, not the JFIF/Adobe markers (as in the viewer).
  jpeg.colorTransform = false;
  if (d.bitsAllocated <= 8) {
    const data = jpeg.getData(d.columns, d.rows);
    return { pixels: storedValues(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 8, d), planar: false };
  }
  const data = jpeg.getData16(d.columns, d.rows);
  return { pixels: storedValues(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 16, d), planar: false };
}

interface LosslessDecoder {
  decode(
    buffer: ArrayBuffer,
    offset: number,
    length: number,
    numBytes: number,
  ): { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
  numComp?: number;
  xDim?: number;
  yDim?: number;
}

let lossless: (new () => LosslessDecoder) | undefined;

export function decodeJpegLossless(bytes: Uint8Array, d: FrameDescription): DecodedFrame {
  lossless ??= (require('@cornerstonejs/jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder }).Decoder;
  const decoder = new lossless();
  const bytesPerSample = d.bitsAllocated <= 8 ? 1 : 2;
  let out;
  try {
    out = decoder.decode(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length, bytesPerSample);
  } catch (e) {
    throw decodeError(d, `the JPEG lossless decoder failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (decoder.xDim !== undefined && decoder.yDim !== undefined)
    checkSize(d, 'JPEG lossless', decoder.xDim, decoder.yDim, decoder.numComp ?? d.samplesPerPixel);
  // Samples come in the platform's order (little endian on every machine Node runs on), interleaved.
  return {
    pixels: storedValues(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), 8 * bytesPerSample, d),
    planar: false,
  };
}
