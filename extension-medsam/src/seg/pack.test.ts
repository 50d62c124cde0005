import { isSegError } from './errors';
import { packBinaryFrames, unpackBinaryFrame } from './pack';
import { noise } from './testing/fixtures';

describe('BINARY pixel packing', () => {
  it('puts the first pixel in the least significant bit', () => {
    const f = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    expect(Array.from(packBinaryFrames([f], 10))).toEqual([0b1000_0001, 0b10]);
  });

  it('packs frames back to back with no padding between them, padding only the end to even length', () => {
    // 3x3 frames: 9 bits each; frame 2 starts at bit 9 (byte 1, bit 1).
    const a = new Uint8Array(9).fill(1);
    const b = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const packed = packBinaryFrames([a, b, a], 9);
    expect(packed.length).toBe(4); // 27 bits -> 4 bytes (already even)
    expect(Array.from(packed)).toEqual([0xff, 0b0000_0011, 0b1111_1100, 0b0000_0111]);
    expect(packBinaryFrames([b], 9).length).toBe(2);
    expect(packBinaryFrames([new Uint8Array(8)], 8).length).toBe(2);
  });

  it('unpacks what it packs, for frame sizes that are not multiples of 8', () => {
    for (const [rows, cols] of [
      [5, 7],
      [3, 3],
      [8, 8],
      [1, 13],
    ]) {
      const frames = [0, 1, 2, 3].map(s => noise(rows, cols, 17 + s));
      const packed = packBinaryFrames(frames, rows * cols);
      frames.forEach((f, i) => expect(Array.from(unpackBinaryFrame(packed, i, rows * cols))).toEqual(Array.from(f)));
    }
  });

  it('refuses a frame of the wrong size and pixel data too short for a frame, as SegErrors', () => {
    const caught = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const wrongSize = caught(() => packBinaryFrames([new Uint8Array(8), new Uint8Array(7)], 8));
    expect(isSegError(wrongSize, 'MASK_MISMATCH')).toBe(true);
    expect((wrongSize as Error).message).toBe('A frame has 7 pixels, the image 8');
    const short = caught(() => unpackBinaryFrame(new Uint8Array(2), 1, 9));
    expect(isSegError(short, 'UNSUPPORTED_SEG')).toBe(true);
    expect((short as Error).message).toBe('PixelData holds 2 bytes, too few for frame 2 of 9 pixels: truncated?');
  });
});
