/** Node side of the command line: DICOM files from a folder, as SourceImages and naturalized datasets. */
import fs from 'node:fs';
import path from 'node:path';
import { parseDicom, type Naturalized } from '../seg/dicom/parse';
import { sourceFromNaturalized, type SourceImage } from '../seg/source';

export interface DicomFile {
  path: string;
  dataset: Naturalized;
  transferSyntaxUid: string;
}

function isPart10(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    return fs.readSync(fd, b, 0, 4, 128) === 4 && b.toString('latin1') === 'DICM';
  } finally {
    fs.closeSync(fd);
  }
}

/** Every Part 10 file under `dir` (recursively), sorted by path; others are skipped. */
export function listDicomFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.statSync(p).size > 132 && isPart10(p)) out.push(p);
    }
  };
  if (fs.statSync(dir).isFile()) return [dir];
  walk(dir);
  return out;
}

export function readDicomFile(file: string, options: { withoutPixelData?: boolean } = {}): DicomFile {
  const parsed = parseDicom(fs.readFileSync(file), options);
  return { path: file, ...parsed };
}

/** The image instances of a folder (files with Rows and a SOP class other than SEG), as sources. */
export function readSourceFolder(dir: string, options: { withoutPixelData?: boolean } = { withoutPixelData: true }): { files: DicomFile[]; sources: SourceImage[] } {
  const files = listDicomFiles(dir)
    .map((f) => readDicomFile(f, options))
    .filter((f) => f.dataset.Rows !== undefined && f.dataset.Modality !== 'SEG');
  return { files, sources: files.map((f) => sourceFromNaturalized(f.dataset)) };
}
