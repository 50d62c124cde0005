/**
 * Label sources for `evaluate`: a DICOM SEG, a NIfTI or a NRRD file, read onto one grid of slices as named binary
 * masks. The kind of file is decided from its content, not its name.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { parseDicom } from '../seg/dicom/parse';
import { isSegError, SegError } from '../seg/errors';
import { InputError } from './args';
import { readSeg, type SliceTarget } from '../seg/reader';
import { readNifti } from '../seg/volume/nifti';
import { readNrrd } from '../seg/volume/nrrd';
import { volumeLabels, volumeToSlices, type Volume } from '../seg/volume/volume';

export const gunzip = (b: Uint8Array): Uint8Array => new Uint8Array(zlib.gunzipSync(b));

/** The bytes of an input file; a file that cannot be read is bad input naming the file. */
export function readInputFile(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw new InputError(
      `cannot read the ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

export type LabelFileKind = 'seg' | 'nifti' | 'nrrd';

export interface LabelSet {
  file: string;
  kind: LabelFileKind;
  /** One entry per segment / label value; masks are made on first use (a 31-label volume would be large). */
  labels: { number: number; name: string; masks: () => Uint8Array[] }[];
}

export function detectKind(file: string, bytes: Uint8Array): LabelFileKind {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 8));
  if (head.startsWith('NRRD')) return 'nrrd';
  if (bytes.length > 132 && new TextDecoder('latin1').decode(bytes.subarray(128, 132)) === 'DICM') return 'seg';
  if ((bytes[0] === 0x1f && bytes[1] === 0x8b) || /\.nii(\.gz)?$/i.test(file)) return 'nifti';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 348 && (view.getInt32(0, true) === 348 || view.getInt32(0, false) === 348)) return 'nifti';
  throw new SegError('INVALID_VOLUME', `${file} is neither a DICOM SEG, a NIfTI nor a NRRD file`, { file });
}

/**
 * A NIfTI or NRRD volume. A damaged file (cut short in a download, gzip data that does not decompress) is bad input:
 * an InputError naming the file, never zlib's stack trace.
 */
export function readVolumeFile(file: string, bytes: Uint8Array, kind: LabelFileKind): Volume {
  const name = kind === 'nrrd' ? 'NRRD' : 'NIfTI';
  const unzip = (b: Uint8Array): Uint8Array => {
    try {
      return gunzip(b);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'is cut short (truncated)' : 'is damaged';
      throw new InputError(`${file}: the gzip-compressed ${name} data ${why}: ${(e as Error).message}`);
    }
  };
  try {
    return kind === 'nrrd' ? readNrrd(bytes, unzip) : readNifti(bytes, unzip);
  } catch (e) {
    if (isSegError(e)) throw new SegError(e.code, `${file}: ${e.message}`, { ...e.details, file });
    throw e;
  }
}

/** Reads a label file onto the slices. */
export function readLabels(file: string, slices: readonly SliceTarget[]): LabelSet {
  const bytes = readInputFile(file, 'label file');
  const kind = detectKind(file, bytes);
  if (kind === 'seg') {
    let seg: ReturnType<typeof readSeg>;
    try {
      seg = readSeg(parseDicom(bytes), slices);
    } catch (e) {
      if (isSegError(e)) throw new SegError(e.code, `${file}: ${e.message}`, { ...e.details, file });
      throw e;
    }
    return {
      file,
      kind,
      labels: seg.segments.map((s, i) => ({ number: s.number, name: s.label, masks: () => seg.masks[i] })),
    };
  }
  const volume = readVolumeFile(file, bytes, kind);
  const { slices: values, covered } = volumeToSlices(volume, slices, file);
  if (covered === 0)
    throw new SegError('INVALID_VOLUME', `${file} does not cover any of the ${slices.length} slices`, { file });
  return {
    file,
    kind,
    labels: volumeLabels(volume).map(value => ({
      number: value,
      name: `label ${value}`,
      masks: () => values.map(s => Uint8Array.from(s, v => (v === value ? 1 : 0))),
    })),
  };
}
