/**
 * The project's accuracy benchmark (issue 12): `medsam benchmark`'s protocol on the project's own labelled data, in
 * one report - the 20-slice abdominal CT (TotalSegmentator labels), the 3-slice liver CT (DICOM SEG + NRRD labels)
 * and the five Kvasir-SEG polyps (read in place from ../shared/data, never copied: not an open licence).
 *
 *   npm run bench:accuracy       # = node -r ./extension-medsam/bin/register-ts.cjs tests/bench/accuracy.ts
 *   npm run bench:accuracy -- [--out DIR] [--model ID] [--manifest FILE] [--seed N] [--jitter PX] [--margin PX]
 *        [--boxes component|target] [--k 3,5,10] [--no-3d] [--no-png] [--quiet] [--kvasir DIR]
 *
 * Prints the table, writes benchmark.json, benchmark.svg and benchmark.png (Chromium) to --out (default
 * tests/out/accuracy), and checks the issue's targets: 2D DSC of liver, spleen and aorta >= 0.90 on the 20-slice CT,
 * 3D markers k = 5 liver and spleen >= 0.90. Exit status 1 when a target is missed with the default model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runBenchmark, parseKList } from '../../extension-medsam/src/cli/benchmark';
import { readImageSet, readVolumeSet } from '../../extension-medsam/src/cli/benchmark-data';
import { formatBenchmark, type BenchmarkReport } from '../../extension-medsam/src/cli/benchmark-report';
import { num, one, parseArgs } from '../../extension-medsam/src/cli/args';
import type { BoxMode } from '../../extension-medsam/src/engine/benchmark/prompts';
import type { Io } from '../../extension-medsam/src/cli/io';
import { quietDcmjs } from '../../extension-medsam/src/seg/dicom/parse';

const ROOT = path.resolve(__dirname, '../..');
const CT20 = path.join(ROOT, 'tests/data/ct-abdomen-20slice');
const CT3 = path.join(ROOT, 'tests/data/ct-liver-3slice');

/** TotalSegmentator v2 'total' label values (tests/data/ct-abdomen-20slice/README.md). */
const CT20_TARGETS = new Map([
  [1, 'spleen'],
  [5, 'liver'],
  [6, 'stomach'],
  [7, 'pancreas'],
  [52, 'aorta'],
]);

/** The acceptance figures. */
export function checkTargets(r: BenchmarkReport): { what: string; value: number; met: boolean }[] {
  const out: { what: string; value: number; met: boolean }[] = [];
  for (const t of ['liver', 'spleen', 'aorta']) {
    const row = r.twoD.perTarget.find(x => x.case === 'ct-abdomen-20slice' && x.target === t);
    if (row)
      out.push({
        what: `2D DSC ${t} (mean over ${row.dice.n} slices) >= 0.90`,
        value: row.dice.mean,
        met: row.dice.mean >= 0.9,
      });
  }
  for (const t of ['liver', 'spleen']) {
    const rec = r.threeD.records.find(
      x => x.case === 'ct-abdomen-20slice' && x.target === t && x.protocol.kind === 'markers' && x.protocol.k === 5,
    );
    if (rec)
      out.push({
        what: `3D DSC ${t}, markers every 5 slices (${rec.userActions} boxes) >= 0.90`,
        value: rec.dice,
        met: rec.dice >= 0.9,
      });
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  quietDcmjs();
  const args = parseArgs(argv, {
    options: ['out', 'model', 'manifest', 'seed', 'jitter', 'margin', 'boxes', 'k', 'kvasir', 'tau'],
    flags: ['no-3d', 'no-png', 'quiet'],
  });
  const io: Io = { stdout: s => process.stdout.write(s), stderr: process.stderr };
  const cases = [
    readVolumeSet({
      dicom: path.join(CT20, 'ct_dicom'),
      labels: [path.join(CT20, 'example_seg_dicom.nii.gz')],
      targets: CT20_TARGETS,
      name: 'ct-abdomen-20slice',
    }),
    readVolumeSet({
      dicom: path.join(CT3, 'ct-3slice'),
      labels: ['liver.dcm', 'spine_seg.nrrd', 'heart_seg.nrrd'].map(f => path.join(CT3, f)),
      targets: new Map([
        [1, 'liver'],
        [2, 'spine'],
        [3, 'heart'],
      ]),
      name: 'ct-liver-3slice',
    }),
  ];
  const kvasir = path.resolve(one(args, 'kvasir') ?? path.join(ROOT, '../shared/data/endoscopy-polyp-5'));
  if (fs.existsSync(path.join(kvasir, 'images'))) {
    cases.push(
      readImageSet({
        images: path.join(kvasir, 'images'),
        masks: path.join(kvasir, 'masks'),
        target: 'polyp',
        name: 'kvasir-seg-5',
        modality: 'endoscopy',
      }),
    );
  } else {
    process.stderr.write(`bench:accuracy: no Kvasir-SEG images in ${kvasir}: endoscopy left out\n`);
  }
  const no3d = args.flags.has('no-3d');
  const jitter = one(args, 'jitter');
  const { report, files } = await runBenchmark(
    {
      cases,
      manifest: path.resolve(one(args, 'manifest') ?? path.join(ROOT, 'models/manifest.json')),
      modelId: one(args, 'model'),
      precision: 'fp32',
      options: {
        seed: num(args, 'seed', 0),
        boxMode: (one(args, 'boxes') ?? 'component') as BoxMode,
        maxJitterPx: jitter === undefined ? undefined : Number(jitter),
        marginPx: num(args, 'margin', 0),
        tau: num(args, 'tau', 2),
        keySteps: no3d ? [] : parseKList(one(args, 'k')),
        propagate: !no3d,
        reviewFraction: 0.1,
      },
      out: path.resolve(one(args, 'out') ?? path.join(ROOT, 'tests/out/accuracy')),
      png: !args.flags.has('no-png'),
      quiet: args.flags.has('quiet'),
    },
    io,
  );
  io.stdout(`${formatBenchmark(report)}\n`);
  const checks = checkTargets(report);
  io.stdout(`\ntargets (issue 12), ${report.model.id}:\n`);
  for (const c of checks) io.stdout(`  ${c.met ? 'MET   ' : 'MISSED'} ${c.what}: ${c.value.toFixed(4)}\n`);
  io.stdout(`written: ${files.join(', ')}\n`);
  return report.model.testModel || checks.every(c => c.met) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    code => {
      process.exitCode = code;
    },
    e => {
      process.stderr.write(`bench:accuracy: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
