/**
 * The volume benchmark (issue 6): seconds per slice of the 3D workflow - three key slices, planVolumeRun in interpolate
 * mode, runVolume over a MedsamSession - per model, variant and runtime (onnxruntime-node native CPU, onnxruntime-web
 * WASM run in Node), split into encoder, decoder and pre + post-processing. Each cell runs in its own process
 * (volume-bench-child.ts) so that peak memory is measured per cell.
 *
 *   npm run bench:volume -- [--models medsam-vit-b-random,litemedsam-random] [--runtimes node,web-wasm] [--variants fp32,int8]
 *        [--slices N] [--threads N] [--dicom DIR] [--manifest models/bench/manifest.json] [--json FILE]
 *
 * Make the models first (see "Benchmarks" in README.md); --slices limits each run to N slices (3..series length).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Precision } from '../../extension-medsam/src/engine/manifest';
import { REPO_ROOT, readManifest } from '../parity/support/node-models';
import type { VolumeCellArgs, VolumeCellResult } from './volume-bench-child';
import {
  BENCH_RUNTIMES,
  integerOption,
  listOption,
  loadAverage,
  machine,
  mean,
  runBenchChild,
  type BenchRuntime,
} from './support';

export interface VolumeBenchOptions {
  manifest: string;
  models: string[];
  variants: Precision[];
  runtimes: BenchRuntime[];
  slices?: number;
  threads: number;
  dicom: string;
  json?: string;
}

const USAGE = 'see the header of tests/bench/volume-bench.ts';

export function parseVolumeBenchArgs(argv: readonly string[]): VolumeBenchOptions {
  const o: VolumeBenchOptions = {
    manifest: path.join(REPO_ROOT, 'models/bench/manifest.json'),
    models: ['medsam-vit-b-random', 'litemedsam-random'],
    variants: ['fp32'],
    runtimes: [...BENCH_RUNTIMES],
    threads: os.cpus().length,
    dicom: path.join(REPO_ROOT, 'tests/data/ct-abdomen-20slice/ct_dicom'),
  };
  const count = (name: string, v: string | undefined, min: number): number => integerOption(name, v, min, USAGE);
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--manifest':
        o.manifest = path.resolve(v ?? '');
        i++;
        break;
      case '--models':
        o.models = (v ?? '').split(',').filter(Boolean);
        i++;
        break;
      case '--variants':
        o.variants = listOption<Precision>('--variants', v, ['fp32', 'fp16', 'int8']);
        i++;
        break;
      case '--runtimes':
        o.runtimes = listOption('--runtimes', v, BENCH_RUNTIMES);
        i++;
        break;
      case '--slices':
        o.slices = count('--slices', v, 3);
        i++;
        break;
      case '--threads':
        o.threads = count('--threads', v, 1);
        i++;
        break;
      case '--dicom':
        o.dicom = path.resolve(v ?? '');
        i++;
        break;
      case '--json':
        o.json = path.resolve(v ?? '');
        i++;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]} (${USAGE})`);
    }
  }
  if (o.models.length === 0) throw new Error(`--models takes a comma-separated list of model ids (${USAGE})`);
  return o;
}

/** One table row's figures, per slice the means over the slices the run wrote. */
export interface VolumeRow {
  model: string;
  variant: Precision;
  runtime: BenchRuntime;
  slices: number;
  sPerSlice: number;
  encoderMs: number;
  decoderMs: number;
  prePostMs: number;
  runS: number;
  peakRssMB: number;
}

export function volumeRow(r: VolumeCellResult): VolumeRow {
  const per = (f: (t: VolumeCellResult['perSlice'][number]) => number) => mean(r.perSlice.map(f));
  return {
    model: r.args.modelId,
    variant: r.args.precision,
    runtime: r.args.runtime,
    slices: r.slices,
    sPerSlice: r.msPerSlice / 1000,
    encoderMs: per(t => t.encoderMs),
    decoderMs: per(t => t.decoderMs),
    prePostMs: per(t => t.pixelsMs + t.preprocessMs + t.postprocessMs),
    runS: r.runMs / 1000,
    peakRssMB: r.peakRssMB,
  };
}

const COLUMNS: Array<[string, (r: VolumeRow) => string]> = [
  ['model', r => r.model],
  ['variant', r => r.variant],
  ['runtime', r => r.runtime],
  ['slices', r => String(r.slices)],
  ['s/slice total', r => r.sPerSlice.toFixed(2)],
  ['encoder ms/slice', r => r.encoderMs.toFixed(0)],
  ['decoder ms/slice', r => r.decoderMs.toFixed(1)],
  ['pre+post ms/slice', r => r.prePostMs.toFixed(1)],
  ['whole run s', r => r.runS.toFixed(1)],
  ['peak RSS MB', r => r.peakRssMB.toFixed(0)],
];

/** A Markdown table (it reads as a plain table in a terminal and pastes into README.md as is). */
export function formatVolumeTable(rows: readonly VolumeRow[]): string {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map(r => COLUMNS.map(([, f]) => f(r)))];
  const width = COLUMNS.map((_, j) => Math.max(...cells.map(c => c[j].length)));
  const line = (c: string[]) => `| ${c.map((s, j) => s.padEnd(width[j])).join(' | ')} |`;
  return [line(cells[0]), `|${width.map(w => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  const o = parseVolumeBenchArgs(process.argv.slice(2));
  const manifest = readManifest(o.manifest);
  const missing = o.models.filter(id => !manifest.models.some(m => m.id === id));
  if (missing.length) {
    throw new Error(
      `no model ${missing.join(', ')} in ${o.manifest} (it has ${manifest.models.map(m => m.id).join(', ')}); make it as README.md "Benchmarks" says`,
    );
  }
  const out = (s = '') => process.stdout.write(`${s}\n`);
  out(
    `MedSAM volume benchmark: models ${o.models.join(', ')}; variants ${o.variants.join(', ')}; runtimes ${o.runtimes.join(', ')}`,
  );
  out(
    `series: ${path.relative(REPO_ROOT, o.dicom) || o.dicom}; ${o.slices ? `${o.slices} slices per run` : 'every slice'}; 3 key boxes around the image centre, interpolate mode`,
  );
  out(`machine: ${machine()}`);
  out(`load average at start: ${loadAverage()} (other jobs on a shared machine inflate every figure)`);
  out(`threads: ${o.threads}; pre+post = DICOM pixel decode + pre-processing + post-processing`);
  out();

  const results: VolumeCellResult[] = [];
  const failures: Array<{ model: string; variant: Precision; runtime: BenchRuntime; reason: string }> = [];
  for (const modelId of o.models) {
    const entry = manifest.models.find(m => m.id === modelId)!;
    for (const variant of o.variants.filter(v => entry.variants[v])) {
      for (const runtime of o.runtimes) {
        const args: VolumeCellArgs = {
          manifest: o.manifest,
          modelId,
          precision: variant,
          runtime,
          threads: o.threads,
          dicom: o.dicom,
          slices: o.slices,
        };
        try {
          const r = await runBenchChild<VolumeCellArgs, VolumeCellResult>('volume-bench-child.ts', args);
          results.push(r);
          const row = volumeRow(r);
          out(
            `${modelId} ${variant} ${runtime}: ${r.slices} slices (${r.status}), ${row.sPerSlice.toFixed(2)} s/slice, load ${(r.loadMs / 1000).toFixed(1)} s, load average now ${loadAverage()}`,
          );
        } catch (e) {
          failures.push({ model: modelId, variant, runtime, reason: (e as Error).message });
          out(`${modelId} ${variant} ${runtime}: FAILED: ${(e as Error).message.slice(0, 300)}`);
        }
      }
    }
  }
  out();
  if (results[0])
    out(
      `key slices: ${results[0].keySlices.map(k => ('box' in k ? `${k.slice} [${[k.box.x0, k.box.y0, k.box.x1, k.box.y1].map(x => x.toFixed(0)).join(', ')}]` : String(k.slice))).join('; ')}`,
    );
  out(formatVolumeTable(results.map(volumeRow)));
  out(`load average at end: ${loadAverage()}`);
  if (failures.length) {
    out();
    out('Cells that could not run:');
    for (const f of failures) out(`  ${f.model} ${f.variant} ${f.runtime}: ${f.reason}`);
  }
  if (o.json) {
    fs.writeFileSync(o.json, JSON.stringify({ machine: machine(), results, failures }, null, 2));
    out(`\nraw figures: ${o.json}`);
  }
}

if (require.main === module) {
  main().catch(e => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
  });
}
