/**
 * RescaleSlope and RescaleIntercept of a source file, as DICOM means them: absent is 1 and 0 (PS3.3 C.11.1.1.2
 * applies no transform without them). dcmjs reads an empty or non-numeric DS as null, which Number() would make a
 * slope of 0: every pixel the intercept, an empty segmentation without a word. Such a value (and a slope of 0,
 * which no modality LUT can mean) is treated as absent, and the command line says so once per file group.
 */
import type { DicomFile } from './dicom-folder';
import type { Io } from './io';

type RescaleKeyword = 'RescaleSlope' | 'RescaleIntercept';

export interface RescaleProblem {
  file: string;
  keyword: RescaleKeyword;
  /** The value as written in the file. */
  value: string;
  why: string;
}

export interface Rescale {
  /** undefined: absent or invalid (the engine then uses 1 and 0). */
  slope?: number;
  intercept?: number;
  problems: RescaleProblem[];
}

function valueOf(file: DicomFile, keyword: RescaleKeyword, problems: RescaleProblem[]): number | undefined {
  const v = file.dataset[keyword];
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  const value = file.numberText?.[keyword] ?? (v === null ? '' : String(v));
  if (!Number.isFinite(n))
    problems.push({ file: file.path, keyword, value, why: value.trim() === '' ? 'is empty' : 'is not a number' });
  else if (keyword === 'RescaleSlope' && n === 0)
    problems.push({ file: file.path, keyword, value, why: 'is 0 (every pixel would become the intercept)' });
  else return n;
  return undefined;
}

export function rescaleOf(file: DicomFile): Rescale {
  const problems: RescaleProblem[] = [];
  return {
    slope: valueOf(file, 'RescaleSlope', problems),
    intercept: valueOf(file, 'RescaleIntercept', problems),
    problems,
  };
}

/** One warning line per distinct problem, naming the files (the first three and how many more). */
export function warnRescaleProblems(files: readonly DicomFile[], io: Io): RescaleProblem[] {
  const problems = files.flatMap(f => rescaleOf(f).problems);
  const groups = new Map<string, RescaleProblem[]>();
  for (const p of problems) {
    const key = `${p.keyword}\u0000${p.value}\u0000${p.why}`;
    const group = groups.get(key);
    if (group) group.push(p);
    else groups.set(key, [p]);
  }
  for (const group of groups.values()) {
    const { keyword, value, why } = group[0];
    // The frames of a multi-frame file share its path: each file is named once.
    const files = [...new Set(group.map(p => p.file))];
    const names = files.slice(0, 3).join(', ');
    const more = files.length > 3 ? ` and ${files.length - 3} more file(s)` : '';
    const instead = keyword === 'RescaleSlope' ? '1' : '0';
    io.stderr.write(
      `medsam: warning: ${names}${more}: ${keyword} "${value}" ${why}; using ${instead}, as for an absent ${keyword}\n`,
    );
  }
  return problems;
}
