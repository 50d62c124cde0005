/**
 * Uncompressed pixel data. Little endian as stored; explicit VR big endian (retired, still in old archives) holds
 * 16-bit samples most significant byte first, which is swapped here before the common decode.
 */
import { storedValues, decodeError, type DecodedFrame, type FrameDescription } from './frame';

function checkBits(d: FrameDescription): void {
  if (d.bitsAllocated !== 8 && d.bitsAllocated !== 16)
    throw decodeError(d, `BitsAllocated ${d.bitsAllocated} is not supported (8 or 16)`);
}

export function decodeLittleEndian(bytes: Uint8Array, d: FrameDescription): DecodedFrame {
  checkBits(d);
  return {
    pixels: storedValues(bytes, d.bitsAllocated, d),
    planar: d.samplesPerPixel === 3 && d.planarConfiguration === 1,
  };
}

export function decodeBigEndian(bytes: Uint8Array, d: FrameDescription): DecodedFrame {
  checkBits(d);
  let le = bytes;
  if (d.bitsAllocated === 16) {
    le = new Uint8Array(bytes.length - (bytes.length % 2));
    for (let i = 0; i < le.length; i += 2) {
      le[i] = bytes[i + 1];
      le[i + 1] = bytes[i];
    }
  }
  return {
    pixels: storedValues(le, d.bitsAllocated, d),
    planar: d.samplesPerPixel === 3 && d.planarConfiguration === 1,
  };
}
