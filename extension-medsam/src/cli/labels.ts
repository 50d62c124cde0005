/**
 * Label sources for `evaluate`: a DICOM SEG, a NIfTI or a NRRD file, read onto one grid of slices as named binary
 * masks. The kind of file is decided from its content, not its name.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { parseDicom } from '../seg/dicom/parse';
import { SegError } from '../seg/errors';
import { readSeg, type SliceTarget } from '../seg/reader';
import { readNifti } from '../seg/volume/nifti';
import { readNrrd } from '../seg/volume/nrrd';
import { volumeLabels, volumeToSlices, type Volume } from '../seg/volume/volume';

export const gunzip = (b: Uint8Array): Uint8Array => new Uint8Array(zlib.gunzipSync(b));

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

export function readVolumeFile(file: string, bytes: Uint8Array, kind: LabelFileKind): Volume {
  return kind === 'nrrd' ? readNrrd(bytes, gunzip) : readNifti(bytes, gunzip);
}

/** Reads a label file onto the slices. */
export function readLabels(file: string, slices: readonly SliceTarget[]): LabelSet {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const kind = detectKind(file, bytes);
  if (kind === 'seg') {
    const seg = readSeg(parseDicom(bytes), slices);
    return { file, kind, labels: seg.segments.map((s, i) => ({ number: s.number, name: s.label, masks: () => seg.masks[i] })) };
  }
  const volume = readVolumeFile(file, bytes, kind);
  const { slices: values, covered } = volumeToSlices(volume, slices, file);
  if (covered === 0) throw new SegError('INVALID_VOLUME', `${file} does not cover any of the ${slices.length} slices`, { file });
  return {
    file,
    kind,
    labels: volumeLabels(volume).map((value) => ({
      number: value,
      name: `label ${value}`,
      masks: () => values.map((s) => Uint8Array.from(s, (v) => (v === value ? 1 : 0))),
    })),
  };
}
