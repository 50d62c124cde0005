/** The benchmark's PNG reading (pngjs) against PNGs assembled here with zlib: every filter, palette, 16-bit, alpha dropped. */
import zlib from 'node:zlib';
import { maskFromRaster } from './benchmark-data';
import { decodePng } from './png';

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const v of b) {
    c ^= v;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const t = Buffer.from(type, 'latin1');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([t, body])));
  return Buffer.concat([len, t, Buffer.from(body), crc]);
}

/** rows: raw filtered scanlines (filter byte first). */
function png(w: number, h: number, depth: number, colour: number, rows: number[][], plte?: number[]): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = depth;
  ihdr[9] = colour;
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      ...(plte ? [chunk('PLTE', Uint8Array.from(plte))] : []),
      chunk('IDAT', zlib.deflateSync(Buffer.from(rows.flat()))),
      chunk('IEND', new Uint8Array(0)),
    ]),
  );
}

describe('decodePng', () => {
  test('8-bit grey with the None, Sub, Up, Average and Paeth filters', () => {
    // Image rows [10 20 30], [15 25 35], [20 30 40], [25 35 45], [30 40 50], filtered as filters 0..4 would write them.
    const img = decodePng(
      png(3, 5, 8, 0, [
        [0, 10, 20, 30],
        [1, 15, 10, 10],
        [2, 5, 5, 5],
        [3, 25 - 10, 35 - ((25 + 30) >> 1), 45 - ((35 + 40) >> 1)],
        [4, 5, 5, 5],
      ]),
      'x.png',
    );
    expect(img).toMatchObject({ width: 3, height: 5, channels: 1 });
    expect(Array.from(img.data)).toEqual([10, 20, 30, 15, 25, 35, 20, 30, 40, 25, 35, 45, 30, 40, 50]);
  });

  test('RGBA drops alpha, palettes expand, 16-bit grey keeps 16 bits', () => {
    expect(Array.from(decodePng(png(1, 1, 8, 6, [[0, 1, 2, 3, 255]]), 'a').data)).toEqual([1, 2, 3]);
    expect(Array.from(decodePng(png(2, 1, 8, 3, [[0, 1, 0]], [9, 9, 9, 200, 100, 50]), 'p').data)).toEqual([
      200, 100, 50, 9, 9, 9,
    ]);
    const g16 = decodePng(png(1, 1, 16, 0, [[0, 0x12, 0x34]]), 'g');
    expect(g16.data).toBeInstanceOf(Uint16Array);
    expect(g16.data[0]).toBe(0x1234);
  });

  test('refuses what it cannot read, by name', () => {
    expect(() => decodePng(new Uint8Array([1, 2, 3]), 'no.png')).toThrow(/no.png is not a PNG/);
    const damaged = png(2, 2, 8, 0, [
      [0, 1, 2],
      [0, 3, 4],
    ]);
    damaged[damaged.length - 20] ^= 0xff; // inside the IDAT chunk: its CRC no longer matches
    expect(() => decodePng(damaged, 'damaged.png')).toThrow(/damaged.png: not a readable PNG/);
  });

  test('masks: >= 128 for 0/255 masks (JPEG noise below), nonzero for 0/1 label images', () => {
    expect(
      Array.from(maskFromRaster({ width: 4, height: 1, channels: 1, data: Uint8Array.from([0, 3, 130, 255]) })),
    ).toEqual([0, 0, 1, 1]);
    expect(Array.from(maskFromRaster({ width: 3, height: 1, channels: 1, data: Uint8Array.from([0, 1, 2]) }))).toEqual([
      0, 1, 1,
    ]);
  });
});
