/**
 * PNG images and masks for the benchmark's 2D image sets, read with pngjs: every colour type and bit depth, interlaced
 * or not. Grey stays one channel and colour three (alpha is dropped, palettes expanded); 16-bit samples stay 16-bit
 * (skipRescale), so a 16-bit label image keeps its labels.
 */
import { PNG } from 'pngjs';
import { InputError } from './args';

export interface RasterImage {
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB); alpha is dropped, palettes are expanded. */
  channels: 1 | 3;
  /** Interleaved samples, row-major. */
  data: Uint8Array | Uint16Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export const isPng = (b: Uint8Array): boolean => SIGNATURE.every((v, i) => b[i] === v);

export function decodePng(bytes: Uint8Array, name: string): RasterImage {
  if (!isPng(bytes)) throw new InputError(`${name} is not a PNG file`);
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (e) {
    throw new InputError(`${name}: not a readable PNG (${(e as Error).message})`);
  }
  // pngjs hands back RGBA whatever was stored; keep what the file meant.
  const rgba = png.data as unknown as Uint8Array | Uint16Array;
  const channels: 1 | 3 = (png as PNG & { color?: boolean }).color ? 3 : 1; // set by the parser, missing from @types/pngjs
  const pixels = png.width * png.height;
  const data = rgba instanceof Uint16Array ? new Uint16Array(pixels * channels) : new Uint8Array(pixels * channels);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < channels; c++) data[i * channels + c] = rgba[i * 4 + c];
  }
  return { width: png.width, height: png.height, channels, data };
}
