/**
 * Frame decoders by transfer syntax: every syntax the viewer (OHIF's cornerstone) decodes for the images MedSAM
 * takes; each codec (WASM module or decoder script) is loaded on first use. Anything else stops with the syntax's UID
 * and name.
 */
import { SegError } from '../../seg/errors';
import type { DecodedFrame, FrameDecoder, FrameDescription } from './frame';
import { decodeJpegBaseline, decodeJpegExtended, decodeJpegLossless } from './jpeg';
import { decodeJpeg2000 } from './jpeg2000';
import { decodeJpegLs } from './jpegls';
import { transferSyntaxName } from './names';
import { decodeBigEndian, decodeLittleEndian } from './native';
import { decodeRle } from './rle';

export type { DecodedFrame, FrameDescription } from './frame';
export { transferSyntaxName } from './names';

const DECODERS: Record<string, FrameDecoder> = {
  '1.2.840.10008.1.2': decodeLittleEndian,
  '1.2.840.10008.1.2.1': decodeLittleEndian,
  // dcmjs inflates the whole dataset when it reads the file (parse.ts): the pixel data is then explicit little endian.
  '1.2.840.10008.1.2.1.99': decodeLittleEndian,
  '1.2.840.10008.1.2.2': decodeBigEndian,
  '1.2.840.10008.1.2.4.50': decodeJpegBaseline,
  '1.2.840.10008.1.2.4.51': decodeJpegExtended,
  '1.2.840.10008.1.2.4.57': decodeJpegLossless,
  '1.2.840.10008.1.2.4.70': decodeJpegLossless,
  '1.2.840.10008.1.2.4.80': decodeJpegLs,
  '1.2.840.10008.1.2.4.81': decodeJpegLs,
  '1.2.840.10008.1.2.4.90': decodeJpeg2000,
  '1.2.840.10008.1.2.4.91': decodeJpeg2000,
  '1.2.840.10008.1.2.5': decodeRle,
};

export const SUPPORTED_TRANSFER_SYNTAXES: readonly string[] = Object.keys(DECODERS);

/** Native syntaxes keep frames back to back in one value; the others encapsulate each frame in fragments. */
export function isEncapsulated(transferSyntaxUid: string): boolean {
  return !['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.2'].includes(
    transferSyntaxUid,
  );
}

export function unsupportedTransferSyntax(file: string, uid: string): SegError {
  return new SegError(
    'INVALID_SOURCE',
    `${file}: transfer syntax ${uid} (${transferSyntaxName(uid)}) is not supported by the command line (see medsam segment --help)`,
    { file, transferSyntaxUid: uid },
  );
}

export async function decodeFrame(bytes: Uint8Array, d: FrameDescription): Promise<DecodedFrame> {
  const decode = DECODERS[d.transferSyntaxUid];
  if (!decode) throw unsupportedTransferSyntax(d.where, d.transferSyntaxUid);
  return decode(bytes, d);
}
