/**
 * Pixel data of one frame of a DICOM file as the engine's SliceImage, in every transfer syntax the viewer decodes
 * (codecs/: native little and big endian, deflated, JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000, RLE).
 * Other transfer syntaxes are refused with their UID and name.
 */
import { storedValueRange } from '../engine/preprocess/photometric';
import type { SliceImage } from '../engine/preprocess/types';
import { SegError } from '../seg/errors';
import type { DicomFile } from './dicom-folder';
import { concatBytes } from '../seg/dicom/bytes';
import {
  decodeFrame,
  isEncapsulated,
  unsupportedTransferSyntax,
  SUPPORTED_TRANSFER_SYNTAXES,
  type FrameDescription,
} from './codecs';
import { rescaleOf } from './rescale';
import { numberOfFrames } from '../seg/multiframe';

function pixelDataParts(file: DicomFile): ArrayBuffer[] {
  const parts = (Array.isArray(file.dataset.PixelData) ? file.dataset.PixelData : [file.dataset.PixelData]).filter(
    Boolean,
  ) as (ArrayBuffer | ArrayBuffer[])[];
  if (parts.length === 0) throw new SegError('INVALID_SOURCE', `${file.path} has no pixel data`, { file: file.path });
  // dcmjs gives a frame of several fragments as a list of them when it reads the offset table.
  return parts.map(p => (Array.isArray(p) ? (concatBytes(p).buffer as ArrayBuffer) : p));
}

function frameCount(file: DicomFile): number {
  return numberOfFrames(file.dataset);
}

/**
 * Whether a fragment starts a new compressed frame: JPEG (SOI), JPEG 2000 (SOC) and RLE (a header of 1..15
 * segments) frames each begin their first fragment. Used only when the offset table is empty and there are more
 * fragments than frames (PS3.5 A.4 allows it).
 */
function startsFrame(part: ArrayBuffer, ts: string): boolean {
  const b = new Uint8Array(part, 0, Math.min(4, part.byteLength));
  if (ts === '1.2.840.10008.1.2.5')
    return b.length === 4 && b[0] >= 1 && b[0] <= 15 && b[1] === 0 && b[2] === 0 && b[3] === 0;
  return b[0] === 0xff && (b[1] === 0xd8 || b[1] === 0x4f);
}

function frameBytes(file: DicomFile, frame: number, d: FrameDescription): Uint8Array {
  const frames = frameCount(file);
  const parts = pixelDataParts(file);
  if (!isEncapsulated(file.transferSyntaxUid)) {
    const all = concatBytes(parts);
    const size = (d.rows * d.columns * d.samplesPerPixel * d.bitsAllocated) / 8;
    if (all.length < size * frames) {
      throw new SegError(
        'INVALID_SOURCE',
        `${file.path}: pixel data has ${all.length} bytes; ${frames} frame(s) of ${d.rows}x${d.columns}x${d.samplesPerPixel} at ${d.bitsAllocated} bits need ${size * frames}`,
        { file: file.path },
      );
    }
    return all.subarray(size * frame, size * (frame + 1));
  }
  if (frames === 1) return concatBytes(parts);
  if (parts.length === frames) return new Uint8Array(parts[frame]);
  const starts = parts.map((p, i) => (i === 0 || startsFrame(p, file.transferSyntaxUid) ? i : -1)).filter(i => i >= 0);
  if (starts.length !== frames) {
    throw new SegError(
      'INVALID_SOURCE',
      `${file.path}: ${parts.length} pixel data fragments without an offset table cannot be split into ${frames} frames`,
      { file: file.path },
    );
  }
  return concatBytes(parts.slice(starts[frame], starts[frame + 1] ?? parts.length));
}

/** The Image Pixel module of a file, for its frame decoder. */
export function frameDescription(file: DicomFile, frame = file.frame ?? 0): FrameDescription {
  const ds = file.dataset;
  const samplesPerPixel = Number(ds.SamplesPerPixel ?? 1) as 1 | 3;
  const bitsAllocated = Number(ds.BitsAllocated);
  const frames = frameCount(file);
  return {
    rows: Number(ds.Rows),
    columns: Number(ds.Columns),
    samplesPerPixel,
    bitsAllocated,
    bitsStored: Number(ds.BitsStored ?? bitsAllocated),
    pixelRepresentation: Number(ds.PixelRepresentation ?? 0) as 0 | 1,
    planarConfiguration: Number(ds.PlanarConfiguration ?? 0) as 0 | 1,
    photometricInterpretation:
      ds.PhotometricInterpretation !== undefined ? String(ds.PhotometricInterpretation) : undefined,
    where: frames > 1 ? `${file.path} (frame ${frame + 1} of ${frames})` : file.path,
    transferSyntaxUid: file.transferSyntaxUid,
  };
}

/** Stops before any work on a file whose pixel data the command line cannot read. */
export function checkReadable(file: DicomFile): void {
  if (!SUPPORTED_TRANSFER_SYNTAXES.includes(file.transferSyntaxUid))
    throw unsupportedTransferSyntax(file.path, file.transferSyntaxUid);
}

/** Frame `frame` (0-based; default the file's own, DicomFile.frame) of a file as a slice for the engine. */
export async function slicePixels(file: DicomFile, frame = file.frame ?? 0): Promise<SliceImage> {
  const ds = file.dataset;
  const d = frameDescription(file, frame);
  if (d.samplesPerPixel !== 1 && d.samplesPerPixel !== 3) {
    throw new SegError(
      'INVALID_SOURCE',
      `${d.where}: only grey or RGB images are segmented (SamplesPerPixel ${d.samplesPerPixel})`,
      { file: file.path },
    );
  }
  if (!(frame >= 0 && frame < frameCount(file))) {
    throw new SegError(
      'INVALID_SOURCE',
      `${file.path} has ${frameCount(file)} frame(s); frame ${frame + 1} was asked for`,
      { file: file.path },
    );
  }
  checkReadable(file);
  const rescale = rescaleOf(file);
  const { pixels, planar } = await decodeFrame(frameBytes(file, frame, d), d);
  return {
    rows: d.rows,
    columns: d.columns,
    samplesPerPixel: d.samplesPerPixel,
    pixels,
    planar,
    // Invalid values count as absent (rescale.ts); the command line has warned about them before inference.
    rescaleSlope: rescale.slope,
    rescaleIntercept: rescale.intercept,
    modality: ds.Modality !== undefined ? String(ds.Modality) : undefined,
    photometricInterpretation: d.photometricInterpretation,
    pixelValueRange: storedValueRange(d.bitsStored, d.pixelRepresentation === 1),
  };
}
