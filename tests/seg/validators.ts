/**
 * The external validators of the SEG tests: dicom3tools' dciodvfy (IOD rules) and highdicom (a second, independent
 * reader, through models/reference/seg_check.py in the project's Python venv).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const OUT = path.join(ROOT, 'tests/out/seg');

export interface DciodvfyResult {
  errors: string[];
  warnings: string[];
  output: string;
}

export function dciodvfyPath(): string | null {
  for (const p of ['/usr/bin/dciodvfy', '/usr/local/bin/dciodvfy']) if (fs.existsSync(p)) return p;
  const r = spawnSync('bash', ['-c', 'command -v dciodvfy'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Runs dciodvfy; its findings are lines starting "Error - " and "Warning - " (it exits 0 either way). */
export function dciodvfy(file: string): DciodvfyResult {
  const exe = dciodvfyPath();
  if (!exe) throw new Error('dciodvfy is not installed: apt-get install -y dicom3tools');
  const r = spawnSync(exe, [file], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`;
  const lines = output.split('\n');
  return {
    errors: lines.filter(l => l.startsWith('Error')),
    warnings: lines.filter(l => l.startsWith('Warning')),
    output,
  };
}

/** The project's venv python when it exists and has highdicom, else null (the check is then skipped). */
export function venvPython(): string | null {
  const venv = process.env.MEDSAM_VENV ?? path.join(os.homedir(), '.cache/medsam-for-ohif/venv');
  const py = path.join(venv, 'bin/python');
  if (!fs.existsSync(py)) return null;
  return spawnSync(py, ['-c', 'import highdicom'], { encoding: 'utf8' }).status === 0 ? py : null;
}

export interface HighdicomSpec {
  seg: string;
  sources: string[];
  rows: number;
  columns: number;
  segmentationType: 'BINARY' | 'LABELMAP';
  segments: {
    number: number;
    label: string;
    category: [string, string];
    type: [string, string];
    algorithmType: string;
    rgb: readonly number[];
  }[];
  /** For the frames of one multi-frame instance (sources repeating its UID): each slice's frame number. */
  sourceFrames?: number[];
  /** masks[segment][source] in the order of `sources`; null = empty. */
  masks: (Uint8Array | null)[][];
}

/** highdicom reads the SEG back; returns its figures line; throws with its report when anything differs. */
export function highdicomRoundTrip(
  python: string,
  spec: HighdicomSpec,
  name: string,
): { figures: Record<string, unknown>; output: string } {
  fs.mkdirSync(OUT, { recursive: true });
  const pixels = spec.rows * spec.columns;
  const raw = Buffer.alloc(spec.masks.length * spec.sources.length * pixels);
  spec.masks.forEach((perSlice, s) =>
    perSlice.forEach((m, k) => m && raw.set(m, (s * spec.sources.length + k) * pixels)),
  );
  const masksFile = path.join(OUT, `${name}.masks.u8`);
  fs.writeFileSync(masksFile, raw);
  const specFile = path.join(OUT, `${name}.check.json`);
  const { masks: _m, ...rest } = spec;
  fs.writeFileSync(specFile, JSON.stringify({ ...rest, masks: masksFile }));
  let output: string;
  try {
    output = execFileSync(python, [path.join(ROOT, 'models/reference/seg_check.py'), specFile], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`highdicom round trip failed for ${name}:\n${err.stdout ?? ''}${err.stderr ?? ''}`, { cause: e });
  }
  return { figures: JSON.parse(output.split('\n')[0]), output };
}
