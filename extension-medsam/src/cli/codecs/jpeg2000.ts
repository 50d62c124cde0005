/** JPEG 2000 (lossless and lossy) through OpenJPEG compiled to WebAssembly, the decoder the viewer uses. */
import { checkSize, lazyWasm, runWasm, storedValues, type DecodedFrame, type FrameDescription } from './frame';

const openjpeg = lazyWasm(() => require('@cornerstonejs/codec-openjpeg/decodewasmjs'));

export async function decodeJpeg2000(bytes: Uint8Array, d: FrameDescription): Promise<DecodedFrame> {
  const { J2KDecoder } = await openjpeg();
  const { info, decoded } = runWasm(J2KDecoder, bytes, d, 'JPEG 2000');
  checkSize(d, 'JPEG 2000', info.width, info.height, info.componentCount);
  // The codestream says whether its samples are signed; OpenJPEG gives components interleaved.
  return {
    pixels: storedValues(decoded, info.bitsPerSample, { ...d, bitsStored: info.bitsPerSample }, info.isSigned === true),
    planar: false,
  };
}
