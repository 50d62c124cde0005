/**
 * The whole-series part of the speed benchmark (issue 13): `medsam segment` on onnxruntime-node (a child process) against
 * the official LiteMedSAM steps in PyTorch (models/reference/litemedsam_speed_series.py) on the same slices and boxes.
 * Compared: the time from the first slice read to the last mask on each side (the CLI's own "N slices in S s" line;
 * Python's loop), model loading and process start excluded on both; the CLI's whole process time is shown beside it.
 * Runs:
 *   series     every slice of tests/data/ct-abdomen-20slice with its TotalSegmentator label boxes (the 12 largest
 *              labels, on each slice where they have >= 200 px, +5 px), all boxes of a slice in one decoder batch on our side, one box per call officially;
 *   propagate  3D from one box on the middle slice of each target (liver, spleen), one target per run on each side:
 *              each next slice's box is the previous mask's bounding box padded by LiteMedSAM's 3 px of 256, until the
 *              mask is empty (our propagation rule on both sides; the official script's own 3D loop differs, see
 *              litemedsam_speed_series.py).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readLabels } from '../../extension-medsam/src/cli/labels';
import {
  maskBoundingBox,
  padImageBox,
  type ImageBox,
  type ImageSize,
} from '../../extension-medsam/src/engine/geometry/box';
import type { DicomFile } from '../../extension-medsam/src/cli/dicom-folder';
import type { SourceImage } from '../../extension-medsam/src/seg/source';
import { REPO_ROOT } from '../parity/support/node-models';

const PY_PREFIX = 'SPEED_SERIES_RESULT ';
const MIN_LABEL_PIXELS = 200;
const BOX_MARGIN_PX = 5;
/** "A dozen targets": the labels with the most voxels in the series. */
const SERIES_LABELS = 12;
/** TotalSegmentator label numbers of the 3D targets, with the CLI's target ids. */
const PROPAGATE_TARGETS: ReadonlyArray<{ label: number; target: string }> = [
  { label: 5, target: 'liver' },
  { label: 1, target: 'spleen' },
];

export interface SeriesWork {
  /** Per slice in series order: its boxes, one per label present. */
  slices: Array<{ z: number; file: string; boxes: Array<{ label: number; box: ImageBox }> }>;
  labels: number[];
  propagate: Array<{ label: number; target: string; start: number; box: ImageBox; sliceCount: number }>;
}

export function seriesWork(
  labelFile: string,
  sources: readonly SourceImage[],
  files: readonly DicomFile[],
  order: readonly number[],
  image: ImageSize,
): SeriesWork {
  const set = readLabels(labelFile, sources);
  const slices: SeriesWork['slices'] = order.map((k, z) => ({ z, file: files[k].path, boxes: [] }));
  const labels = new Set<number>();
  const propagate: SeriesWork['propagate'] = [];
  const voxels = (masks: Uint8Array[]) => masks.reduce((n, m) => n + m.reduce((a, v) => a + v, 0), 0);
  const largest = set.labels
    .map(l => ({ l, masks: l.masks() }))
    .map(x => ({ ...x, n: voxels(x.masks) }))
    .sort((a, b) => b.n - a.n)
    .slice(0, SERIES_LABELS);
  for (const { l, masks } of largest) {
    const present: number[] = [];
    order.forEach((k, z) => {
      const mask = masks[k];
      let px = 0;
      for (let i = 0; i < mask.length; i++) px += mask[i];
      const box = px >= MIN_LABEL_PIXELS ? maskBoundingBox(mask, image) : null;
      if (!box) return;
      slices[z].boxes.push({ label: l.number, box: padImageBox(box, image, BOX_MARGIN_PX) });
      labels.add(l.number);
      present.push(z);
    });
    const target = PROPAGATE_TARGETS.find(t => t.label === l.number);
    if (target && present.length > 0) {
      const start = present[Math.floor(present.length / 2)];
      const box = slices[start].boxes.find(b => b.label === l.number)!.box;
      propagate.push({ ...target, start, box, sliceCount: order.length });
    }
  }
  return { slices: slices.filter(s => s.boxes.length > 0), labels: [...labels].sort((a, b) => a - b), propagate };
}

const asArray = (b: ImageBox): number[] => [b.x0, b.y0, b.x1, b.y1];

/** The CLI's boxes file for the series run. */
export function boxesFile(work: SeriesWork): object {
  return {
    segments: work.labels.map(label => ({
      label: `TotalSegmentator ${label}`,
      boxes: work.slices.flatMap(s =>
        s.boxes.filter(b => b.label === label).map(b => ({ slice: s.z, box: asArray(b.box) })),
      ),
    })),
  };
}

/** The CLI's markers file for one target's propagation run: one key slice, propagated to the volume's edge. */
export function markersFile(p: SeriesWork['propagate'][number]): object {
  return { mode: 'propagate', segments: [{ target: p.target, keySlices: [{ slice: p.start, box: asArray(p.box) }] }] };
}

export interface OfficialSeriesResult {
  threads: number;
  torch: string;
  loadMs: number;
  series: OfficialRun;
  propagate: OfficialRun & { targets: Array<{ label: number; slices: number }> };
}
interface OfficialRun {
  slices: number;
  boxes: number;
  ms: Record<'dicom' | 'preprocess' | 'encoder' | 'decoder' | 'postprocess', number>;
  wallMs: number;
}

export function runOfficialSeries(
  work: SeriesWork,
  dicomsInOrder: readonly string[],
  threads: number,
  outDir: string,
): Promise<OfficialSeriesResult> {
  const file = path.join(outDir, 'series-official.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      slices: work.slices.map(s => ({ dicom: s.file, boxes: s.boxes.map(b => asArray(b.box)) })),
      propagate: work.propagate.map(p => ({
        label: p.label,
        dicoms: dicomsInOrder,
        start: p.start,
        box: asArray(p.box),
        zMin: 0,
        zMax: p.sliceCount - 1,
      })),
    }),
  );
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['scripts/py.sh', 'models/reference/litemedsam_speed_series.py', '--series', file, '--threads', String(threads)],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60 * 1000 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find(l => l.startsWith(PY_PREFIX));
        if (error || !line)
          reject(
            new Error(
              `litemedsam_speed_series.py: ${error?.message ?? 'no result'}\n${stderr.split('\n').slice(-8).join('\n')}`,
            ),
          );
        else resolve(JSON.parse(line.slice(PY_PREFIX.length)) as OfficialSeriesResult);
      },
    );
  });
}

export interface CliRunResult {
  /** The child process from spawn to exit: Node start, model load, reading the folder, writing the SEG. */
  processMs: number;
  /** The CLI's own "N slices in S s" lines (one for boxes, one per segment for --markers), summed. */
  loopMs: number;
  rateLines: string[];
  slices: number;
}

const RATE_LINE = /^(?:segment|volume [^:]+): (\d+) slices in ([\d.]+) s/;

/** `medsam segment` in a child process, timed from spawn to exit. */
export function runCli(args: string[], threads: number): Promise<CliRunResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'extension-medsam/bin/medsam.cjs'), 'segment', ...args, '--threads', String(threads)],
      { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60 * 1000 },
      (error, stdout, stderr) => {
        const processMs = performance.now() - t0;
        if (error)
          return reject(new Error(`medsam segment: ${error.message}\n${stderr.split('\n').slice(-6).join('\n')}`));
        const rateLines = stderr.split('\n').filter(l => RATE_LINE.test(l));
        if (rateLines.length === 0)
          return reject(
            new Error(`medsam segment printed no "N slices in S s" line:\n${stderr.split('\n').slice(-6).join('\n')}`),
          );
        const parsed = rateLines.map(l => RATE_LINE.exec(l)!);
        resolve({
          processMs,
          loopMs: parsed.reduce((ms, m) => ms + Number(m[2]) * 1000, 0),
          rateLines,
          slices: parsed.reduce((n, m) => n + Number(m[1]), 0),
        });
      },
    );
  });
}
