/**
 * A small PNG reader for the benchmark's 2D image sets and mask images (zlib from Node; no new dependency): 8-bit
 * grey, grey + alpha, RGB, RGBA and palette images, 16-bit grey and RGB, not interlaced. Anything else is refused by
 * name rather than read wrongly.
 */
import zlib from 'node:zlib';
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

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(bytes: Uint8Array, name: string): RasterImage {
  if (!isPng(bytes)) throw new InputError(`${name} is not a PNG file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, depth = 0, colour = 0, interlace = 0;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  for (let p = 8; p + 8 <= bytes.length; ) {
    const len = view.getUint32(p);
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    const body = bytes.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(p + 8);
      height = view.getUint32(p + 12);
      depth = body[8];
      colour = body[9];
      interlace = body[12];
    } else if (type === 'PLTE') palette = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    p += 12 + len;
  }
  const samples = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colour];
  if (!width || !height || samples === undefined) throw new InputError(`${name}: not a readable PNG (size ${width}x${height}, colour type ${colour})`);
  if (interlace !== 0) throw new InputError(`${name}: interlaced PNGs are not supported; save it without interlacing`);
  if (!(depth === 8 || (depth === 16 && (colour === 0 || colour === 2)))) throw new InputError(`${name}: PNG bit depth ${depth} with colour type ${colour} is not supported (8-bit, or 16-bit grey/RGB)`);
  if (colour === 3 && !palette) throw new InputError(`${name}: palette PNG without a palette`);
  const bpp = (samples * depth) / 8;
  const stride = width * bpp;
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(zlib.inflateSync(Buffer.concat(idat)));
  } catch (e) {
    throw new InputError(`${name}: the PNG data is damaged: ${(e as Error).message}`);
  }
  if (raw.length < height * (stride + 1)) throw new InputError(`${name}: the PNG data is cut short`);
  const px = new Uint8Array(height * stride);
  for (let r = 0; r < height; r++) {
    const filter = raw[r * (stride + 1)];
    const src = raw.subarray(r * (stride + 1) + 1, (r + 1) * (stride + 1));
    const out = px.subarray(r * stride, (r + 1) * stride);
    const up = r > 0 ? px.subarray((r - 1) * stride, r * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[i - bpp] : 0;
      const b = up ? up[i] : 0;
      const c = up && i >= bpp ? up[i - bpp] : 0;
      const add = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : -1;
      if (add < 0) throw new InputError(`${name}: unknown PNG filter ${filter} on row ${r}`);
      out[i] = (src[i] + add) & 0xff;
    }
  }
  const channels: 1 | 3 = colour === 2 || colour === 3 || colour === 6 ? 3 : 1;
  const n = width * height;
  if (depth === 16) {
    const data = new Uint16Array(n * channels);
    for (let i = 0; i < n * channels; i++) data[i] = (px[2 * i] << 8) | px[2 * i + 1];
    return { width, height, channels, data };
  }
  const data = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    if (colour === 3) {
      const e = px[i] * 3;
      data[i * 3] = palette![e];
      data[i * 3 + 1] = palette![e + 1];
      data[i * 3 + 2] = palette![e + 2];
    } else {
      for (let ch = 0; ch < channels; ch++) data[i * channels + ch] = px[i * samples + ch];
    }
  }
  return { width, height, channels, data };
}
