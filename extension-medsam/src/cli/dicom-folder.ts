/** Node side of the command line: DICOM files from a folder, as SourceImages and naturalized datasets. */
import fs from 'node:fs';
import path from 'node:path';
import { parseDicom, type Naturalized } from '../seg/dicom/parse';
import { frameDatasets, numberOfFrames, sourcesOfInstance } from '../seg/multiframe';
import type { SourceImage } from '../seg/source';
import type { Io } from './io';

export interface DicomFile {
  path: string;
  dataset: Naturalized;
  transferSyntaxUid: string;
  /** DS and IS values as written in the file (parse.ts), for messages about values that are not numbers. */
  numberText?: Record<string, string>;
  /**
   * One frame (0-based) of a multi-frame file: `dataset` is then that frame's (its functional groups lifted to the
   * top level, seg/multiframe.ts) and the pixels read are that frame's.
   */
  frame?: number;
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

/**
 * Every Part 10 file under `dir` (recursively), sorted by path; other files are skipped. Symbolic links are
 * followed (a series is often a folder of links into an archive); a link that is broken, that leads back into a
 * folder already being read (a loop) or to a file already listed is skipped, and `onSkip` is told why.
 */
export function listDicomFiles(dir: string, onSkip: (path: string, why: string) => void = () => undefined): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (d: string, ancestors: ReadonlySet<string>): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p, new Set([...ancestors, fs.realpathSync(p)]));
      else if (e.isFile()) addFile(p);
      else if (e.isSymbolicLink()) followLink(p, ancestors);
    }
  };
  const addFile = (p: string): void => {
    const real = fs.realpathSync(p);
    if (seen.has(real)) return onSkip(p, `the same file as one already read (${real})`);
    let part10: boolean;
    try {
      part10 = fs.statSync(real).size > 132 && isPart10(real);
    } catch (e) {
      return onSkip(p, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (part10) {
      seen.add(real);
      out.push(p);
    }
  };
  const followLink = (p: string, ancestors: ReadonlySet<string>): void => {
    let real: string;
    try {
      real = fs.realpathSync(p);
    } catch (e) {
      return onSkip(
        p,
        `a symbolic link that leads nowhere (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(real);
    } catch (e) {
      return onSkip(
        p,
        `a symbolic link to ${real}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
    if (stat.isFile()) addFile(p);
    else if (!stat.isDirectory()) onSkip(p, 'a symbolic link to something other than a file or folder');
    else if (ancestors.has(real)) onSkip(p, `a symbolic link back to ${real}, a folder being read (a loop)`);
    else walk(p, new Set([...ancestors, real]));
  };
  if (fs.statSync(dir).isFile()) return [dir];
  walk(dir, new Set([fs.realpathSync(dir)]));
  return out;
}

/** Tells, on stderr, which entries of a --dicom folder were not read and why (links that lead nowhere, loops). */
export function reportSkipped(io: Io): (path: string, why: string) => void {
  return (p, why) => void io.stderr.write(`medsam: warning: skipped ${p}: ${why}\n`);
}

export function readDicomFile(file: string, options: { withoutPixelData?: boolean } = {}): DicomFile {
  const parsed = parseDicom(fs.readFileSync(file), { withoutPixelData: options.withoutPixelData });
  return { path: file, ...parsed };
}

/**
 * Image files as slices: a single-frame file is one, a multi-frame file (enhanced CT/MR, a cine, a multi-frame
 * capture) one per frame, each with its frame's dataset. files[k] and sources[k] describe the same slice.
 */
export function slicesOfFiles(images: readonly DicomFile[]): { files: DicomFile[]; sources: SourceImage[] } {
  const files: DicomFile[] = [];
  const sources: SourceImage[] = [];
  for (const image of images) {
    const frames = frameDatasets(image.dataset);
    const frameSources = sourcesOfInstance(image.dataset);
    frames.forEach((dataset, k) => {
      files.push(frames.length === 1 && numberOfFrames(image.dataset) === 1 ? image : { ...image, dataset, frame: k });
      sources.push(frameSources[k]);
    });
  }
  return { files, sources };
}

/** The image instances of a folder (files with Rows and a SOP class other than SEG), as slices (slicesOfFiles). */
export function readSourceFolder(
  dir: string,
  options: { withoutPixelData?: boolean; onSkip?: (path: string, why: string) => void } = { withoutPixelData: true },
): { files: DicomFile[]; sources: SourceImage[] } {
  const files = listDicomFiles(dir, options.onSkip)
    .map(f => readDicomFile(f, options))
    .filter(f => f.dataset.Rows !== undefined && f.dataset.Modality !== 'SEG');
  return slicesOfFiles(files);
}
