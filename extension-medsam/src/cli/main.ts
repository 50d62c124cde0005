/**
 * `medsam`: the command line of MedSAM for OHIF (Node 20).
 *   medsam evaluate --pred FILE --ref FILE [--dicom DIR] [--tau MM] [--pair P:R]... [--json FILE|-] [--per-slice]
 *   medsam segment  (see segment.ts; --markers: segment-volume.ts)
 * Results go to stdout, progress and errors to stderr. Exit status: 0 done, 1 failed (or an output asked for not written),
 * 2 usage error or bad input (a file that cannot be read or written, a JSON file of the wrong shape).
 */
import fs from 'node:fs';
import { isMedsamError } from '../engine/errors';
import { quietDcmjs } from '../seg/dicom/parse';
import { isSegError, SegError } from '../seg/errors';
import type { SliceTarget } from '../seg/reader';
import { volumeSliceGeometry } from '../seg/volume/volume';
import { InputError, UsageError, num, one, parseArgs, required, type ParsedArgs } from './args';
import { readSourceFolder, reportSkipped } from './dicom-folder';
import { evaluate, formatReport } from './evaluate';
import type { Io } from './io';
import { detectKind, readInputFile, readLabels, readVolumeFile } from './labels';
import { checkOutputPath } from './output-path';
import { Progress } from './progress';

const USAGE = `medsam - MedSAM for OHIF, command line

  medsam evaluate --pred FILE --ref FILE [--dicom DIR] [--tau MM] [--pair P:R]... [--json FILE|-] [--per-slice] [--quiet]
      Dice and NSD (surface Dice at tolerance tau, default 2 mm) of a prediction against a reference, per segment
      (3D) and per slice (2D). FILE: DICOM SEG, NIfTI (.nii/.nii.gz) or NRRD. The grid is the DICOM series in
      --dicom DIR, else the first NIfTI/NRRD given. Segments pair by name (two SEGs) or number (SEG segment
      number = label value); --pair 1:5 pairs prediction 1 with reference 5.

  medsam segment --dicom DIR --boxes FILE [--model ID] [--manifest FILE] [--out SEG.dcm] [--nifti FILE] [--stow URL] ...
      MedSAM on a DICOM series with boxes from a JSON file; writes a DICOM SEG (run "medsam segment --help").
  medsam segment --dicom DIR --markers FILE [--model ID] ...
      3D: key slices with boxes or long/short axes, boxes interpolated (or propagated) between them, every slice run.

  medsam benchmark (--dicom DIR --labels FILE | --images DIR --masks DIR) [--model ID] [--seed N] [--out DIR] ...
      Accuracy of the model as the papers measure it: jittered reference boxes, DSC and NSD per target and modality,
      the 3D marker study (k = 3, 5, 10) and propagation; table, JSON and chart (run "medsam benchmark --help").
`;

function pairs(args: ParsedArgs): [number, number][] {
  return (args.options.get('pair') ?? []).map(p => {
    const m = p.match(/^(\d+):(\d+)$/);
    if (!m) throw new UsageError(`--pair must be PRED:REF numbers, got "${p}"`);
    return [Number(m[1]), Number(m[2])];
  });
}

function gridFor(args: ParsedArgs, files: string[], io: Io): SliceTarget[] {
  const dicom = one(args, 'dicom');
  if (dicom) {
    const { sources } = readSourceFolder(dicom, { withoutPixelData: true, onSkip: reportSkipped(io) });
    if (sources.length === 0) throw new SegError('INVALID_SOURCE', `No DICOM images in ${dicom}`, {});
    return sources;
  }
  for (const f of files) {
    const bytes = readInputFile(f, 'label file');
    const kind = detectKind(f, bytes);
    if (kind !== 'seg') return volumeSliceGeometry(readVolumeFile(f, bytes, kind));
  }
  throw new UsageError('two SEGs need the DICOM series they refer to: --dicom DIR');
}

export async function runEvaluate(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, {
    options: ['pred', 'ref', 'dicom', 'tau', 'pair', 'json'],
    flags: ['per-slice', 'quiet', 'help'],
  });
  if (args.flags.has('help')) {
    io.stdout(USAGE);
    return 0;
  }
  const predFile = required(args, 'pred');
  const refFile = required(args, 'ref');
  const tau = num(args, 'tau', 2);
  if (tau < 0) throw new UsageError('--tau must be >= 0 mm');
  const json = one(args, 'json');
  if (json !== undefined && json !== '-') checkOutputPath(json, 'json');
  const slices = gridFor(args, [refFile, predFile], io);
  const pred = readLabels(predFile, slices);
  const ref = readLabels(refFile, slices);
  let bar: Progress | undefined;
  const report = evaluate(pred, ref, slices, { tauMm: tau, pairs: pairs(args) }, (done, total) => {
    bar ??= new Progress('evaluate', total, io.stderr, args.flags.has('quiet') || total < 4);
    bar.update(done);
  });
  for (const w of report.warnings) io.stderr.write(`medsam: warning: ${w}\n`);
  if (json === '-') io.stdout(`${JSON.stringify(report, null, 1)}\n`);
  else {
    io.stdout(`${formatReport(report, args.flags.has('per-slice'))}\n`);
    if (json) fs.writeFileSync(json, `${JSON.stringify(report, null, 1)}\n`);
  }
  return report.results.length > 0 ? 0 : 1;
}

export async function main(
  argv: string[],
  io: Io = { stdout: s => process.stdout.write(s), stderr: process.stderr },
): Promise<number> {
  quietDcmjs();
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'evaluate':
        return await runEvaluate(rest, io);
      case 'segment': {
        const { runSegment } = await import('./segment');
        return await runSegment(rest, io);
      }
      case 'benchmark': {
        const { runBenchmarkCommand } = await import('./benchmark');
        return await runBenchmarkCommand(rest, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof InputError) {
      io.stderr.write(`medsam: ${e.message}\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`medsam: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (isSegError(e) || isMedsamError(e)) {
      io.stderr.write(`medsam: ${e.code}: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`medsam: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(code => {
    process.exitCode = code;
  });
}
