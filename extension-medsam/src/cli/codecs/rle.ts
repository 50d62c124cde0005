/**
 * RLE Lossless (PS3.5 Annex G) with the decoder the viewer runs (@cornerstonejs/dicom-image-loader's decodeRLE):
 * 8-bit grey and RGB, 16-bit grey.
 */
import { decodeError, storedValues, type DecodedFrame, type FrameDescription } from './frame';
import { loadEsmFile } from './esm-file';

interface RleFrame {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  planarConfiguration: number;
  pixelRepresentation: number;
  pixelData?: Uint8Array | Uint16Array | Int16Array;
}

export async function decodeRle(bytes: Uint8Array, d: FrameDescription): Promise<DecodedFrame> {
  const { default: decode } = loadEsmFile<{ default: (frame: RleFrame, data: Uint8Array) => Promise<RleFrame> }>(
    '@cornerstonejs/dicom-image-loader',
    'dist/esm/shared/decoders/decodeRLE.js',
  );
  if (d.bitsAllocated !== 8 && !(d.bitsAllocated === 16 && d.samplesPerPixel === 1)) {
    throw decodeError(
      d,
      `RLE with ${d.bitsAllocated} bits allocated and ${d.samplesPerPixel} samples per pixel is not supported (8-bit grey or RGB, 16-bit grey are)`,
    );
  }
  // The segment count and offsets are read from the 64-byte header: it must be there whole.
  if (
    bytes.length < 64 ||
    new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) !== d.samplesPerPixel * (d.bitsAllocated / 8)
  ) {
    throw decodeError(d, `the RLE header does not describe ${d.samplesPerPixel * (d.bitsAllocated / 8)} segments`);
  }
  const frame = await decode({ ...d }, bytes);
  const out = frame.pixelData!;
  // decodeRLE writes RGB interleaved unless PlanarConfiguration is 1 (then plane by plane).
  return {
    pixels: storedValues(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), d.bitsAllocated, d),
    planar: d.samplesPerPixel === 3 && d.planarConfiguration === 1,
  };
}
