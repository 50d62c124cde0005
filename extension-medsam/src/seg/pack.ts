/**
 * BINARY segmentation pixel data (PS3.5 8.1.1, PS3.3 C.8.20.2): one bit per pixel, the first pixel in the least
 * significant bit, frames concatenated bit after bit with no padding between them; only the end of the whole
 * value is padded to an even number of bytes.
 */
import { SegError } from './errors';

/** Packs frames (each rows*columns values, 0 or 1) into one OB value. */
export function packBinaryFrames(frames: readonly Uint8Array[], pixelsPerFrame: number): Uint8Array {
  const totalBits = frames.length * pixelsPerFrame;
  let bytes = Math.ceil(totalBits / 8);
  if (bytes % 2 === 1) bytes++;
  const out = new Uint8Array(bytes);
  let bit = 0;
  for (const frame of frames) {
    if (frame.length !== pixelsPerFrame) {
      throw new SegError('MASK_MISMATCH', `A frame has ${frame.length} pixels, the image ${pixelsPerFrame}`, {
        pixels: frame.length,
        expected: pixelsPerFrame,
      });
    }
    for (let i = 0; i < pixelsPerFrame; i++, bit++) {
      if (frame[i]) out[bit >> 3] |= 1 << (bit & 7);
    }
  }
  return out;
}

/** Frame `index` (0-based) of packed BINARY pixel data, as 0/1 bytes. */
export function unpackBinaryFrame(data: Uint8Array, index: number, pixelsPerFrame: number): Uint8Array {
  const out = new Uint8Array(pixelsPerFrame);
  const start = index * pixelsPerFrame;
  if (Math.ceil((start + pixelsPerFrame) / 8) > data.length) {
    throw new SegError(
      'UNSUPPORTED_SEG',
      `PixelData holds ${data.length} bytes, too few for frame ${index + 1} of ${pixelsPerFrame} pixels: truncated?`,
      { bytes: data.length, frame: index + 1 },
    );
  }
  for (let i = 0, bit = start; i < pixelsPerFrame; i++, bit++) out[i] = (data[bit >> 3] >> (bit & 7)) & 1;
  return out;
}
