/** JPEG-LS, lossless and near-lossless, through CharLS compiled to WebAssembly, the decoder the viewer uses. */
import { checkSize, lazyWasm, runWasm, storedValues, type DecodedFrame, type FrameDescription } from './frame';

const charls = lazyWasm(() => require('@cornerstonejs/codec-charls/decodewasmjs'));

export async function decodeJpegLs(bytes: Uint8Array, d: FrameDescription): Promise<DecodedFrame> {
  const { JpegLSDecoder } = await charls();
  const { info, decoded, interleaveMode } = runWasm(JpegLSDecoder, bytes, d, 'JPEG-LS');
  checkSize(d, 'JPEG-LS', info.width, info.height, info.componentCount);
  // CharLS keeps the codestream's interleave: mode 0 (none) is plane by plane.
  return {
    pixels: storedValues(decoded, info.bitsPerSample, d),
    planar: info.componentCount === 3 && interleaveMode === 0,
  };
}
