/**
 * The speed benchmark (issue 13): the real LiteMedSAM, ours (the engine on onnxruntime-node and on onnxruntime-web
 * WASM run in Node) against the official inference steps in PyTorch on the CPU (models/reference/litemedsam_speed.py)
 * and against the machine's bound (the graphs' FLOPs / this machine's measured GEMM rate), per stage, in one run, on
 * the same slice, the same boxes and the same thread count.
 *
 *   node -r ./extension-medsam/bin/register-ts.cjs tests/bench/speed.ts [--slices N] [--boxes N] [--threads N]
 *        [--encoder-runs N] [--runtimes node,web-wasm] [--slice Z] [--gemm-n N] [--no-python] [--no-series] [--json FILE]
 *
 * --slices: how many slices' DICOM decode is timed (default 5); --boxes: single-box decodes (default 20, label boxes
 * of the slice repeated); --slice: the slice (series order; default the middle one). Needs models/litemedsam
 * (`npm run model:litemedsam`) and the Python venv with the checkpoint (scripts/py.sh) for the official column.
 * Then (unless --no-series) the whole series and a 3D propagation: `medsam segment` vs the official steps
 * (speed-series.ts).
 * Writes the engine's encoder input and matmul.onnx to tests/out/speed/.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { readLabels } from '../../extension-medsam/src/cli/labels';
import { slicePixels } from '../../extension-medsam/src/cli/pixels';
import {
  maskBoundingBox,
  padImageBox,
  type ImageBox,
  type ImageSize,
} from '../../extension-medsam/src/engine/geometry/box';
import { preprocessSlice } from '../../extension-medsam/src/engine/session/pipeline';
import { quietDcmjs } from '../../extension-medsam/src/seg/dicom/parse';
import { checkSources } from '../../extension-medsam/src/seg/source';
import { REPO_ROOT, readManifest } from '../parity/support/node-models';
import type { SpeedCellArgs, SpeedCellResult } from './speed-child';
import {
  boxesFile,
  markersFile,
  runCli,
  runOfficialSeries,
  seriesWork,
  type CliRunResult,
  type OfficialSeriesResult,
} from './speed-series';
import {
  BENCH_RUNTIMES,
  integerOption,
  listOption,
  loadAverage,
  machine,
  median,
  runBenchChild,
  type BenchRuntime,
} from './support';

const USAGE = 'see the header of tests/bench/speed.ts';
const MODEL_ID = 'litemedsam';
const CT20 = path.join(REPO_ROOT, 'tests/data/ct-abdomen-20slice');
const OUT = path.join(REPO_ROOT, 'tests/out/speed');
const PY_PREFIX = 'SPEED_RESULT ';
const MIN_LABEL_PIXELS = 200;

export interface SpeedOptions {
  slices: number;
  boxes: number;
  threads: number;
  encoderRuns: number;
  runtimes: BenchRuntime[];
  slice?: number;
  gemmN: number;
  python: boolean;
  /** The whole-series and 3D runs (medsam segment vs the official steps). */
  series: boolean;
  json?: string;
}

export function parseSpeedArgs(argv: readonly string[]): SpeedOptions {
  const o: SpeedOptions = {
    slices: 5,
    boxes: 20,
    threads: os.cpus().length,
    encoderRuns: 3,
    runtimes: [...BENCH_RUNTIMES],
    gemmN: 1024,
    python: true,
    series: true,
  };
  const count = (name: string, v: string | undefined, min: number): number => integerOption(name, v, min, USAGE);
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--slices':
        o.slices = count('--slices', v, 1);
        i++;
        break;
      case '--boxes':
        o.boxes = count('--boxes', v, 1);
        i++;
        break;
      case '--threads':
        o.threads = count('--threads', v, 1);
        i++;
        break;
      case '--encoder-runs':
        o.encoderRuns = count('--encoder-runs', v, 1);
        i++;
        break;
      case '--runtimes':
        o.runtimes = listOption('--runtimes', v, BENCH_RUNTIMES);
        i++;
        break;
      case '--slice':
        o.slice = count('--slice', v, 0);
        i++;
        break;
      case '--gemm-n':
        o.gemmN = count('--gemm-n', v, 16);
        i++;
        break;
      case '--no-python':
        o.python = false;
        break;
      case '--no-series':
        o.series = false;
        break;
      case '--json':
        o.json = path.resolve(v ?? '');
        i++;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]} (${USAGE})`);
    }
  }
  return o;
}

/** What litemedsam_speed.py prints. */
export interface PythonResult {
  threads: number;
  torch: string;
  encoderInput: 'engine' | 'official';
  encoderInputMaxAbsDiffVsOfficial: number;
  ms: Record<'dicom' | 'preprocess' | 'encoder' | 'decoder' | 'postprocess', number[]>;
  flops: {
    encoder: { gflops: number; byKind: Record<string, number>; nodes: number };
    decoder: { gflops: number; byKind: Record<string, number>; nodes: number };
    torchCheckGflops: { encoder: number | null; decoder: number | null };
  };
  gemm: { torch: { n: number; runs: number; bestMs: number; gflopsPerS: number } };
  matmulOnnx: string;
}

function runPython(args: string[]): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['scripts/py.sh', 'models/reference/litemedsam_speed.py', ...args],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 20 * 60 * 1000 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find(l => l.startsWith(PY_PREFIX));
        if (error || !line)
          reject(
            new Error(
              `litemedsam_speed.py: ${error?.message ?? 'no result'}\n${stderr.split('\n').slice(-8).join('\n')}`,
            ),
          );
        else resolve(JSON.parse(line.slice(PY_PREFIX.length)) as PythonResult);
      },
    );
  });
}

/** The slice's label boxes (TotalSegmentator labels with >= 200 px on it, largest first, +5 px), repeated to n. */
function labelBoxes(
  sources: Parameters<typeof readLabels>[1],
  k: number,
  image: ImageSize,
  n: number,
): { boxes: ImageBox[]; labels: number[] } {
  const set = readLabels(path.join(CT20, 'example_seg_dicom.nii.gz'), sources);
  const found: Array<{ label: number; box: ImageBox; px: number }> = [];
  for (const l of set.labels) {
    const mask = l.masks()[k];
    let px = 0;
    for (let i = 0; i < mask.length; i++) px += mask[i];
    const box = px >= MIN_LABEL_PIXELS ? maskBoundingBox(mask, image) : null;
    if (box) found.push({ label: l.number, box: padImageBox(box, image, 5), px });
  }
  if (found.length === 0) throw new Error(`no label with >= ${MIN_LABEL_PIXELS} px on slice ${k}`);
  found.sort((a, b) => b.px - a.px);
  const boxes = Array.from({ length: n }, (_, i) => found[i % found.length].box);
  return { boxes, labels: found.map(f => f.label) };
}

type Stage = 'dicom' | 'preprocess' | 'encoder' | 'decoder' | 'postprocess';
const STAGES: Array<[Stage, string]> = [
  ['dicom', 'DICOM decode (1 slice)'],
  ['preprocess', 'pre-processing'],
  ['encoder', 'encoder'],
  ['decoder', 'decoder (1 box)'],
  ['postprocess', 'post-processing (1 box)'],
];

export interface SpeedRow {
  stage: string;
  nodeMs: number;
  wasmMs: number;
  officialMs: number;
  boundMs: number;
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? (a / b).toFixed(2) : '-');

/** A Markdown table: the figures are p50 ms; ratios are node / WASM. */
export function formatSpeedTable(rows: readonly SpeedRow[]): string {
  const head = [
    'stage',
    'ours node ms',
    'ours WASM ms',
    'official PyTorch ms',
    'bound ms (official FLOPs)',
    'ours/official (node / WASM)',
    'ours/bound (node / WASM)',
  ];
  const cells = [
    head,
    ...rows.map(r => [
      r.stage,
      fmt(r.nodeMs),
      fmt(r.wasmMs),
      fmt(r.officialMs),
      fmt(r.boundMs),
      `${ratio(r.nodeMs, r.officialMs)} / ${ratio(r.wasmMs, r.officialMs)}`,
      `${ratio(r.nodeMs, r.boundMs)} / ${ratio(r.wasmMs, r.boundMs)}`,
    ]),
  ];
  const width = head.map((_, j) => Math.max(...cells.map(c => c[j].length)));
  const line = (c: string[]) => `| ${c.map((s, j) => s.padEnd(width[j])).join(' | ')} |`;
  return [line(cells[0]), `|${width.map(w => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

async function main(): Promise<void> {
  const o = parseSpeedArgs(process.argv.slice(2));
  quietDcmjs();
  const out = (s = '') => process.stdout.write(`${s}\n`);
  const started = new Date();
  const loadAtStart = loadAverage();
  const manifestPath = path.join(REPO_ROOT, 'models/manifest.json');
  const entry = readManifest(manifestPath).models.find(m => m.id === MODEL_ID);
  if (!entry) throw new Error(`no ${MODEL_ID} in ${manifestPath}`);
  for (const part of ['encoder', 'decoder'] as const) {
    const file = path.join(REPO_ROOT, 'models', entry.variants.fp32![part].path);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run model:litemedsam`);
  }

  // The slice, its boxes and the engine's encoder input (also handed to the official encoder).
  const dicom = path.join(CT20, 'ct_dicom');
  const { files, sources } = readSourceFolder(dicom, { withoutPixelData: false });
  const order = checkSources(sources).geometry?.order ?? sources.map((_, i) => i);
  const z = o.slice ?? Math.floor(order.length / 2);
  if (z >= order.length) throw new Error(`--slice takes 0..${order.length - 1}`);
  const k = order[z];
  const image: ImageSize = { width: sources[k].columns, height: sources[k].rows };
  const { boxes, labels } = labelBoxes(sources, k, image, o.boxes);
  const input = preprocessSlice({ slice: await slicePixels(files[k]) }, entry.profile);
  fs.mkdirSync(OUT, { recursive: true });
  const inputFile = path.join(OUT, 'encoder-input.f32');
  fs.writeFileSync(inputFile, Buffer.from(input.buffer, input.byteOffset, input.byteLength));

  out(
    `LiteMedSAM speed benchmark (issue 13): ours (onnxruntime-node, onnxruntime-web WASM) vs official PyTorch vs bound`,
  );
  out(
    `slice: ${path.relative(REPO_ROOT, files[k].path)} (series position ${z} of ${order.length}, ${image.width}x${image.height}, JPEG 2000)`,
  );
  out(
    `boxes: ${o.boxes} single-box decodes over the slice's ${labels.length} TotalSegmentator label boxes (+5 px; labels ${labels.join(', ')})`,
  );
  out(
    `threads: ${o.threads} everywhere (intraOpNumThreads, WASM numThreads, torch.set_num_threads); encoder runs ${o.encoderRuns}; DICOM decode over ${o.slices} slices`,
  );
  out();

  let py: PythonResult | null = null;
  if (o.python) {
    out('official PyTorch (models/reference/litemedsam_speed.py) ...');
    try {
      py = await runPython([
        '--dicom',
        files[k].path,
        '--boxes',
        JSON.stringify(boxes.map(b => [b.x0, b.y0, b.x1, b.y1])),
        '--input',
        inputFile,
        '--threads',
        String(o.threads),
        '--encoder-runs',
        String(o.encoderRuns),
        '--dicom-runs',
        String(o.slices),
        '--gemm-n',
        String(o.gemmN),
        '--out-dir',
        OUT,
      ]);
    } catch (e) {
      out(`  FAILED: ${(e as Error).message.slice(0, 600)}`);
    }
  }

  const cells: Partial<Record<BenchRuntime, SpeedCellResult>> = {};
  for (const runtime of o.runtimes) {
    out(`ours on ${runtime} ...`);
    const args: SpeedCellArgs = {
      runtime,
      threads: o.threads,
      manifest: manifestPath,
      modelId: MODEL_ID,
      dicom,
      slice: z,
      decodeSlices: o.slices,
      boxes,
      encoderRuns: o.encoderRuns,
      matmulOnnx: py?.matmulOnnx,
      gemmN: o.gemmN,
    };
    try {
      cells[runtime] = await runBenchChild<SpeedCellArgs, SpeedCellResult>('speed-child.ts', args);
    } catch (e) {
      out(`  FAILED: ${(e as Error).message.slice(0, 600)}`);
    }
  }
  out();

  const p50 = (xs: number[] | undefined) => (!xs || xs.length === 0 ? NaN : median(xs));
  const rates: Array<[string, number]> = [];
  if (py) rates.push([`torch.matmul ${py.gemm.torch.n}^2`, py.gemm.torch.gflopsPerS]);
  for (const r of o.runtimes) {
    const g = cells[r]?.gemm;
    if (g) rates.push([`onnxruntime ${r} MatMul ${g.n}^2`, g.gflopsPerS]);
  }
  const bestRate = rates.length ? Math.max(...rates.map(([, v]) => v)) : NaN;
  // The bound is the official model's work (PyTorch's own count); our graphs may do less (the decoder does).
  const officialGflops = (part: 'encoder' | 'decoder'): number | undefined =>
    py?.flops.torchCheckGflops[part] ?? py?.flops[part].gflops;
  const boundMs = (gflops: number | undefined) =>
    gflops === undefined || !Number.isFinite(bestRate) ? NaN : (gflops / bestRate) * 1000;
  const rows: SpeedRow[] = STAGES.map(([stage, label]) => ({
    stage: label,
    nodeMs: p50(cells.node?.ms[stage]),
    wasmMs: p50(cells['web-wasm']?.ms[stage]),
    officialMs: p50(py?.ms[stage]),
    boundMs:
      stage === 'encoder'
        ? boundMs(officialGflops('encoder'))
        : stage === 'decoder'
          ? boundMs(officialGflops('decoder'))
          : NaN,
  }));
  const sum = (f: (r: SpeedRow) => number) => rows.reduce((s, r) => s + f(r), 0);
  rows.push({
    stage: 'one box, cold slice (sum)',
    nodeMs: sum(r => r.nodeMs),
    wasmMs: sum(r => r.wasmMs),
    officialMs: sum(r => r.officialMs),
    boundMs: rows[2].boundMs + rows[3].boundMs,
  });

  out(formatSpeedTable(rows));
  out();
  out(
    'p50 ms over all runs (encoder runs, DICOM slices, boxes); bound = the official model\'s FLOPs (torch.utils.flop_counter) / the best GEMM rate measured in this run (GEMM stages only; "-": not a GEMM stage).',
  );
  if (py) {
    const f = py.flops;
    out(
      `FLOPs (MatMul + Gemm + Conv + ConvTranspose of models/litemedsam/*.fp32.onnx, shapes from onnxruntime-python running the graph, 1 MAC = 2 FLOPs):` +
        ` encoder ${f.encoder.gflops.toFixed(2)} GFLOP (${Object.entries(f.encoder.byKind)
          .map(([kk, v]) => `${kk} ${v.toFixed(2)}`)
          .join(', ')}; ${f.encoder.nodes} nodes),` +
        ` decoder ${f.decoder.gflops.toFixed(2)} GFLOP per box (${Object.entries(f.decoder.byKind)
          .map(([kk, v]) => `${kk} ${v.toFixed(3)}`)
          .join(', ')}; ${f.decoder.nodes} nodes);` +
        ` torch.utils.flop_counter on the PyTorch model: ${fmt(f.torchCheckGflops.encoder ?? NaN, 2)} / ${fmt(f.torchCheckGflops.decoder ?? NaN, 2)} GFLOP`,
    );
    out(
      `official encoder input: ${py.encoderInput === 'engine' ? `the engine's (max |engine - official preprocessing| = ${py.encoderInputMaxAbsDiffVsOfficial.toExponential(2)})` : 'its own preprocessing'}; torch ${py.torch}`,
    );
  }
  out(
    `GEMM rates (GFLOP/s, best run, ${o.threads} threads): ${rates.map(([n, v]) => `${n} ${v.toFixed(1)}`).join('; ') || 'none measured'}`,
  );
  const wasmRate = cells['web-wasm']?.gemm?.gflopsPerS;
  if (py && wasmRate) {
    out(
      `bound at WASM's own GEMM rate: encoder ${fmt(((officialGflops('encoder') ?? NaN) / wasmRate) * 1000)} ms, decoder ${fmt(((officialGflops('decoder') ?? NaN) / wasmRate) * 1000)} ms`,
    );
  }
  for (const r of o.runtimes) {
    const c = cells[r];
    if (c)
      out(
        `${r}: provider ${c.executionProvider}, model load ${(c.loadMs / 1000).toFixed(1)} s, encoder runs ${c.ms.encoder.map(x => x.toFixed(0)).join(', ')} ms`,
      );
  }
  if (py) out(`official: encoder runs ${py.ms.encoder.map(x => x.toFixed(0)).join(', ')} ms`);
  out();
  const series = o.series ? await seriesSection(o, { dicom, sources, files, order, image }, out) : undefined;
  out(`machine: ${cpuModel()}; ${os.cpus().length} cores (nproc); ${machine()}`);
  out(
    `load average at start: ${loadAtStart}; at end: ${loadAverage()} (other jobs on a shared machine inflate every figure)`,
  );
  out(`date: ${started.toISOString()}`);
  out(
    `command: node -r ./extension-medsam/bin/register-ts.cjs tests/bench/speed.ts ${process.argv.slice(2).join(' ')}`.trimEnd(),
  );
  if (o.json) {
    fs.writeFileSync(
      o.json,
      JSON.stringify(
        {
          date: started.toISOString(),
          machine: machine(),
          cpu: cpuModel(),
          loadAtStart,
          options: o,
          rows,
          rates,
          python: py,
          ours: cells,
          series,
        },
        null,
        2,
      ),
    );
    out(`raw figures: ${o.json}`);
  }
}

interface SeriesInputs {
  dicom: string;
  sources: Parameters<typeof seriesWork>[1];
  files: Parameters<typeof seriesWork>[2];
  order: readonly number[];
  image: ImageSize;
}

/** The whole series and the 3D propagation: `medsam segment` (wall clock) vs the official steps in PyTorch. */
async function seriesSection(o: SpeedOptions, input: SeriesInputs, out: (s?: string) => void): Promise<object> {
  const work = seriesWork(
    path.join(CT20, 'example_seg_dicom.nii.gz'),
    input.sources,
    input.files,
    input.order,
    input.image,
  );
  const boxCount = work.slices.reduce((n, s) => n + s.boxes.length, 0);
  const boxesPath = path.join(OUT, 'series-boxes.json');
  fs.writeFileSync(boxesPath, JSON.stringify(boxesFile(work)));
  out(
    `whole series: ${work.slices.length} slices, ${boxCount} boxes over ${work.labels.length} TotalSegmentator labels (${work.labels.join(', ')}); 3D: ${work.propagate.map(p => `${p.target} from slice ${p.start}`).join(', ')}`,
  );
  const result: Record<string, unknown> = { slices: work.slices.length, boxes: boxCount, labels: work.labels };
  const attempt = async <T>(label: string, f: () => Promise<T>): Promise<T | undefined> => {
    out(`${label} ...`);
    try {
      return await f();
    } catch (e) {
      out(`  FAILED: ${(e as Error).message.slice(0, 600)}`);
      return undefined;
    }
  };
  const oursSeries = await attempt('ours: medsam segment --boxes', () =>
    runCli(['--dicom', input.dicom, '--boxes', boxesPath, '--out', path.join(OUT, 'series.seg.dcm')], o.threads),
  );
  // One target per run, as on the official side: the embedding cache is not shared between targets.
  const ours3dRuns: CliRunResult[] = [];
  for (const p of work.propagate) {
    const markersPath = path.join(OUT, `series-markers-${p.target}.json`);
    fs.writeFileSync(markersPath, JSON.stringify(markersFile(p)));
    const r = await attempt(`ours: medsam segment --markers (propagate ${p.target})`, () =>
      runCli(
        ['--dicom', input.dicom, '--markers', markersPath, '--out', path.join(OUT, `propagate-${p.target}.seg.dcm`)],
        o.threads,
      ),
    );
    if (r) ours3dRuns.push(r);
  }
  const ours3d =
    ours3dRuns.length === work.propagate.length && ours3dRuns.length > 0
      ? {
          processMs: ours3dRuns.reduce((a, r) => a + r.processMs, 0),
          loopMs: ours3dRuns.reduce((a, r) => a + r.loopMs, 0),
          slices: ours3dRuns.reduce((a, r) => a + r.slices, 0),
          rateLines: ours3dRuns.flatMap(r => r.rateLines),
        }
      : undefined;
  const dicomsInOrder = input.order.map(k => input.files[k].path);
  const official = o.python
    ? await attempt('official PyTorch (models/reference/litemedsam_speed_series.py)', () =>
        runOfficialSeries(work, dicomsInOrder, o.threads, OUT),
      )
    : undefined;
  Object.assign(result, { ours: { series: oursSeries, propagate: ours3d }, official });
  const s = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1000).toFixed(1));
  const modelMs = (r: { ms: Record<string, number> } | undefined) =>
    r ? r.ms.encoder + r.ms.decoder + r.ms.postprocess : undefined;
  const speedup = (ours: number | undefined, theirs: number | undefined) =>
    ours && theirs ? (theirs / ours).toFixed(2) : '-';
  const rows = [
    [
      'run',
      'slices (ours / official)',
      'boxes',
      'ours s (first read to last mask)',
      'ours process s (start to SEG written)',
      'official s (DICOM + preprocess + model)',
      'official model work s',
      'official / ours',
    ],
    [
      'series',
      `${oursSeries?.slices ?? '-'} / ${official?.series.slices ?? '-'}`,
      String(boxCount),
      s(oursSeries?.loopMs),
      s(oursSeries?.processMs),
      s(official?.series.wallMs),
      s(modelMs(official?.series)),
      speedup(oursSeries?.loopMs, official?.series.wallMs),
    ],
    [
      '3D propagate',
      `${ours3d?.slices ?? '-'} / ${official?.propagate.slices ?? '-'}`,
      '1 per slice',
      s(ours3d?.loopMs),
      s(ours3d?.processMs),
      s(official?.propagate.wallMs),
      s(modelMs(official?.propagate)),
      speedup(ours3d?.loopMs, official?.propagate.wallMs),
    ],
  ];
  const width = rows[0].map((_, j) => Math.max(...rows.map(r => r[j].length)));
  const line = (c: string[]) => `| ${c.map((x, j) => x.padEnd(width[j])).join(' | ')} |`;
  out();
  out([line(rows[0]), `|${width.map(w => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n'));
  out();
  for (const l of [...(oursSeries?.rateLines ?? []), ...(ours3d?.rateLines ?? [])]) out(`ours: ${l}`);
  if (official) {
    const stages = (r: OfficialSeriesResult['series']) =>
      Object.entries(r.ms)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
        .join(', ');
    out(
      `official series stages: ${stages(official.series)}; 3D stages: ${stages(official.propagate)} (slices per target ${official.propagate.targets.map(t => `${t.label}: ${t.slices}`).join(', ')}); model load ${(official.loadMs / 1000).toFixed(1)} s (not counted)`,
    );
  }
  out(
    '3D: both sides stop where the mask is empty (our propagation rule); slice counts may differ by a slice or two where a mask vanishes at the edge',
  );
  out();
  return result;
}

if (require.main === module) {
  main().catch(e => {
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exit(1);
  });
}
