/**
 * `medsam benchmark`: the model in use measured as the MedSAM papers measure it, on a labelled set: reference boxes
 * (jittered as in training, one per connected component or per target) on every slice -> DSC and NSD per target,
 * per modality and overall; the 3D annotation study (marker boxes every k slices, interpolated) and single-box
 * propagation; the review queue's ranking of the worst slices. Writes benchmark.json, benchmark.svg and
 * benchmark.png (Chromium) to --out, prints the table on stdout and progress on stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runSlices, runVolumes, type BenchProgress } from '../engine/benchmark/run';
import { checkPromptOptions, defaultJitterPx, type BoxMode } from '../engine/benchmark/prompts';
import type { BenchCase, BenchOptions } from '../engine/benchmark/types';
import type { Precision } from '../engine/manifest';
import type { SliceInput } from '../engine/session/pipeline';
import { propagatePadPxFor } from '../engine/volume/padding';
import { UsageError, num, one, parseArgs } from './args';
import { benchmarkSvg } from './benchmark-chart';
import { parseTargetSpec, readImageSet, readVolumeSet } from './benchmark-data';
import { openBenchModel, sessionSegmenter, type ModelInfo } from './benchmark-model';
import { svgToPng } from './benchmark-png';
import { buildReport, formatBenchmark, type BenchmarkReport } from './benchmark-report';
import type { Io } from './io';
import { Progress } from './progress';

export const BENCHMARK_USAGE = `medsam benchmark (--dicom DIR --labels FILE [--labels FILE]... | --images DIR --masks DIR) [options]

  Accuracy of the model in use on a labelled set, measured as the MedSAM papers do.
  --dicom DIR          a DICOM series (CT, MR, ...) ...
  --labels FILE        ... with reference labels on its grid: DICOM SEG, NIfTI or NRRD (repeatable)
  --target N:NAME      benchmark label/segment N under NAME (repeatable; default: every label, named by the file)
  --images DIR         2D images (PNG, JPEG, DICOM) ...
  --masks DIR          ... with mask images of the same base name (foreground >= 128, or nonzero for 0/1 masks)
  --target-name NAME   the 2D images' target (default "target")
  --modality M         the modality row (default: the DICOM Modality; "image" for 2D images), e.g. endoscopy
  --case NAME          the set's name in the report (default: the folder name)
  --model ID           a model of the manifest (default: its first clinical model, LiteMedSAM)
  --manifest FILE      default models/manifest.json
  --precision P        fp32 (default), fp16, int8
  --seed N             seed of the box jitter (default 0); the same seed gives the same boxes
  --jitter PX          each box side moves out by a random 0..PX pixels of the MODEL INPUT (1024 MedSAM, 256
                       LiteMedSAM). Default: the paper's 0-20 px of 1024 at the model's scale: 20 for MedSAM,
                       5 for LiteMedSAM (--jitter 20 with LiteMedSAM is 4x looser than MedSAM's training boxes)
  --margin PX          a fixed margin on each side, model-input pixels, default 0 (also on the 3D marker boxes)
  --boxes MODE         component (one box per connected component, the challenge's protocol; default) or target
  --tau T              NSD tolerance, mm (pixels for images without pixel spacing), default 2
  --k LIST             3D key-slice steps, default 3,5,10
  --no-3d              2D only
  --no-propagate       no single-box propagation run
  --review-fraction F  the share of worst slices the review-queue check looks at, default 0.1
  --out DIR            where benchmark.json, benchmark.svg and benchmark.png go (default ./medsam-benchmark)
  --no-png             the SVG chart only
  --json               print the JSON report on stdout instead of the table
  --quiet              no progress on stderr
`;

export interface BenchmarkRun {
  cases: BenchCase<SliceInput>[];
  manifest: string;
  modelId?: string;
  precision: Precision;
  /** The profile comes from the model; maxJitterPx undefined: the profile's default (defaultJitterPx). */
  options: Omit<BenchOptions, 'profile' | 'maxJitterPx'> & { maxJitterPx?: number };
  out: string;
  png: boolean;
  quiet: boolean;
}

export interface BenchmarkOutcome {
  report: BenchmarkReport;
  files: string[];
  /** Why the PNG is missing, when it is. */
  pngSkipped: string | null;
}

/** Opens the model, runs the 2D and 3D protocols, writes the JSON and the chart: the command and the project run. */
export async function runBenchmark(run: BenchmarkRun, io: Io): Promise<BenchmarkOutcome> {
  checkPromptOptions({
    mode: run.options.boxMode,
    maxJitterPx: run.options.maxJitterPx ?? 0,
    marginPx: run.options.marginPx,
  });
  fs.mkdirSync(run.out, { recursive: true });
  const { session, info } = await openBenchModel(run.manifest, run.modelId, run.precision);
  if (info.testModel && !run.quiet) io.stderr.write(`TEST MODEL: ${info.displayName}\n`);
  const profile = info.profile as BenchOptions['profile'];
  const options: BenchOptions = {
    ...run.options,
    profile,
    maxJitterPx: run.options.maxJitterPx ?? defaultJitterPx(profile),
  };
  const bars = new Map<string, Progress>();
  const progress = (p: BenchProgress): void => {
    let bar = bars.get(p.phase);
    if (!bar)
      bars.set(
        p.phase,
        (bar = new Progress(p.phase === '2d' ? 'benchmark 2D' : 'benchmark 3D', p.total, io.stderr, run.quiet)),
      );
    bar.update(p.done, p.detail);
  };
  const segment = sessionSegmenter(session);
  let report: BenchmarkReport;
  try {
    const t0 = Date.now();
    const slices = await runSlices(run.cases, segment, options, progress);
    const t1 = Date.now();
    const volumes =
      options.keySteps.length || options.propagate ? await runVolumes(run.cases, segment, options, progress) : [];
    const t2 = Date.now();
    report = buildReport({
      model: info,
      options,
      cases: run.cases.map(c => ({
        name: c.name,
        modality: c.modality,
        slices: c.slices.length,
        targets: c.targets.map(t => t.name),
        sliceSpacingMm: c.sliceSpacingMm,
        pixelSpacingMm: c.slices[0]?.pixelSpacingMm ?? null,
      })),
      slices,
      volumes,
      propagatePadPx: Object.fromEntries(
        run.cases
          .filter(c => c.sliceSpacingMm !== null)
          .map(c => [c.name, propagatePadPxFor(options.profile, c.slices[0].size)]),
      ),
      seconds: { twoD: (t1 - t0) / 1000, threeD: (t2 - t1) / 1000 },
    });
  } finally {
    await session.release();
  }
  const json = path.join(run.out, 'benchmark.json');
  const svgFile = path.join(run.out, 'benchmark.svg');
  const svg = benchmarkSvg(report);
  fs.writeFileSync(json, `${JSON.stringify(report, null, 1)}\n`);
  fs.writeFileSync(svgFile, svg);
  const files = [json, svgFile];
  let pngSkipped: string | null = 'not asked for (--no-png)';
  if (run.png) {
    const pngFile = path.join(run.out, 'benchmark.png');
    pngSkipped = await svgToPng(svg, pngFile);
    if (pngSkipped === null) files.push(pngFile);
    else io.stderr.write(`medsam: warning: the chart is written as SVG only: ${pngSkipped}\n`);
  }
  return { report, files, pngSkipped };
}

export function parseKList(v: string | undefined): number[] {
  if (v === undefined) return [3, 5, 10];
  const ks = v.split(',').filter(Boolean).map(Number);
  if (ks.length === 0 || !ks.every(k => Number.isInteger(k) && k >= 1))
    throw new UsageError(`--k takes whole numbers >= 1 separated by commas, got "${v}"`);
  return ks;
}

export async function runBenchmarkCommand(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, {
    options: [
      'dicom',
      'labels',
      'target',
      'images',
      'masks',
      'target-name',
      'modality',
      'case',
      'model',
      'manifest',
      'precision',
      'seed',
      'jitter',
      'margin',
      'boxes',
      'tau',
      'k',
      'review-fraction',
      'out',
    ],
    flags: ['no-3d', 'no-propagate', 'no-png', 'json', 'quiet', 'help'],
  });
  if (args.flags.has('help')) {
    io.stdout(BENCHMARK_USAGE);
    return 0;
  }
  const dicom = one(args, 'dicom');
  const images = one(args, 'images');
  if ((dicom === undefined) === (images === undefined))
    throw new UsageError('give either --dicom DIR --labels FILE or --images DIR --masks DIR');
  const name = one(args, 'case');
  const modality = one(args, 'modality');
  let cases: BenchCase<SliceInput>[];
  if (dicom !== undefined) {
    const labels = args.options.get('labels') ?? [];
    if (labels.length === 0) throw new UsageError('--dicom needs at least one --labels FILE (SEG, NIfTI or NRRD)');
    const specs = (args.options.get('target') ?? []).map(parseTargetSpec);
    cases = [readVolumeSet({ dicom, labels, targets: specs.length ? new Map(specs) : undefined, name, modality })];
  } else {
    const masks = one(args, 'masks');
    if (masks === undefined) throw new UsageError('--images needs --masks DIR');
    cases = [readImageSet({ images: images!, masks, target: one(args, 'target-name'), name, modality })];
  }
  if (cases[0].targets.length === 0) throw new UsageError('no targets to benchmark');
  const boxMode = (one(args, 'boxes') ?? 'component') as BoxMode;
  if (boxMode !== 'component' && boxMode !== 'target') throw new UsageError('--boxes must be component or target');
  const precision = (one(args, 'precision') ?? 'fp32') as Precision;
  if (!['fp32', 'fp16', 'int8'].includes(precision)) throw new UsageError('--precision must be fp32, fp16 or int8');
  const whole = (n: string, fallback: number): number => {
    const v = num(args, n, fallback);
    if (!(Number.isInteger(v) && v >= 0)) throw new UsageError(`--${n} must be a whole number >= 0`);
    return v;
  };
  const tau = num(args, 'tau', 2);
  if (!(tau >= 0)) throw new UsageError('--tau must be >= 0');
  const reviewFraction = num(args, 'review-fraction', 0.1);
  if (!(reviewFraction > 0 && reviewFraction <= 1)) throw new UsageError('--review-fraction must be in (0, 1]');
  const no3d = args.flags.has('no-3d');
  const { report, files } = await runBenchmark(
    {
      cases,
      manifest: one(args, 'manifest') ?? path.resolve(__dirname, '../../../models/manifest.json'),
      modelId: one(args, 'model'),
      precision,
      options: {
        seed: whole('seed', 0),
        boxMode,
        maxJitterPx: one(args, 'jitter') === undefined ? undefined : whole('jitter', 0),
        marginPx: whole('margin', 0),
        tau,
        keySteps: no3d ? [] : parseKList(one(args, 'k')),
        propagate: !no3d && !args.flags.has('no-propagate'),
        reviewFraction,
      },
      out: path.resolve(one(args, 'out') ?? 'medsam-benchmark'),
      png: !args.flags.has('no-png'),
      quiet: args.flags.has('quiet'),
    },
    io,
  );
  if (args.flags.has('json')) io.stdout(`${JSON.stringify(report, null, 1)}\n`);
  else io.stdout(`${formatBenchmark(report)}\nwritten: ${files.join(', ')}\n`);
  return report.twoD.records.length > 0 ? 0 : 1;
}

export type { ModelInfo };
