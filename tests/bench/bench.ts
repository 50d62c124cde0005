/**
 * The engine benchmark: full-size MedSAM ViT-B (random weights, models/bench/) per variant, onnxruntime-node
 * (native CPU) and onnxruntime-web WASM (the browser's CPU path) side by side, plus pre- and post-processing, with
 * the targets of issue 3 checked. Each (variant, runtime) runs in its own process (bench-child.ts) so that peak
 * memory is measured per cell.
 *
 *   node -r ./extension-medsam/bin/register-ts.cjs tests/bench/bench.ts [--variants fp32,fp16,int8] [--runtimes node,web-wasm]
 *        [--threads N] [--boxes 50] [--encoder-runs N] [--manifest models/bench/manifest.json] [--model ID] [--json FILE]
 *
 * Make the models first: npm run model:export -- --random-weights --seed 0 --out models/bench/medsam-vit-b-random
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Precision } from '../../extension-medsam/src/engine/manifest';
import { medsamMaskFromLogits } from '../../extension-medsam/src/engine/postprocess';
import { preprocessForModel, type SliceImage } from '../../extension-medsam/src/engine/preprocess';
import { REPO_ROOT, readManifest } from '../parity/support/node-models';
import type { ChildArgs, ChildResult } from './bench-child';
import { loadAverage, machine, median, quantile, runBenchChild, type BenchRuntime } from './support';

const TARGET_BOX_MS = 30;
const TARGET_PREPOST_SHARE = 0.15;
const TARGET_WASM_OVER_NATIVE = 2;

interface Options {
  manifest: string;
  model?: string;
  variants: Precision[];
  runtimes: BenchRuntime[];
  threads: number;
  boxes: number;
  encoderRuns?: number;
  json?: string;
  /** Extra onnxruntime session options as JSON, e.g. '{"enableMemPattern":false}'. */
  sessionOptions?: Record<string, unknown>;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    manifest: path.join(REPO_ROOT, 'models/bench/manifest.json'),
    variants: ['fp32', 'fp16', 'int8'],
    runtimes: ['node', 'web-wasm'],
    threads: os.cpus().length,
    boxes: 50,
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--manifest':
        o.manifest = path.resolve(v);
        i++;
        break;
      case '--model':
        o.model = v;
        i++;
        break;
      case '--variants':
        o.variants = v.split(',') as Precision[];
        i++;
        break;
      case '--runtimes':
        o.runtimes = v.split(',') as Options['runtimes'];
        i++;
        break;
      case '--threads':
        o.threads = Number(v);
        i++;
        break;
      case '--boxes':
        o.boxes = Math.max(50, Number(v));
        i++;
        break;
      case '--encoder-runs':
        o.encoderRuns = Number(v);
        i++;
        break;
      case '--json':
        o.json = path.resolve(v);
        i++;
        break;
      case '--session-options':
        o.sessionOptions = JSON.parse(v) as Record<string, unknown>;
        i++;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]} (see the header of tests/bench/bench.ts)`);
    }
  }
  return o;
}

const f0 = (x: number) => x.toFixed(0);
const f1 = (x: number) => x.toFixed(1);

/** Value of a short DICOM string element (implicit or explicit VR little endian), found by its tag bytes. */
function dicomString(bytes: Buffer, group: number, element: number): string | undefined {
  const tag = Buffer.alloc(4);
  tag.writeUInt16LE(group, 0);
  tag.writeUInt16LE(element, 2);
  const i = bytes.indexOf(tag);
  if (i < 0) return undefined;
  const vr = bytes.toString('latin1', i + 4, i + 6);
  const explicit = /^[A-Z]{2}$/.test(vr);
  const len = explicit ? bytes.readUInt16LE(i + 6) : bytes.readUInt32LE(i + 4);
  const at = i + 8;
  return bytes.toString('latin1', at, at + len).trim();
}

/** A 512x512 CT slice from the repository's sample data (uncompressed pixel data), or a synthetic one. */
function ctSlice(): { slice: SliceImage; source: string } {
  const rel = 'tests/data/ct-liver-3slice/ct-3slice/01.dcm';
  const rows = 512;
  const columns = 512;
  const n = rows * columns;
  try {
    const bytes = fs.readFileSync(path.join(REPO_ROOT, rel));
    // Pixel Data (7FE0,0010) is the file's last element: tag, then (implicit VR) a 4-byte length, then 2n bytes.
    const start = bytes.length - 2 * n;
    const header = bytes.subarray(start - 8, start);
    const ok =
      header.readUInt16LE(0) === 0x7fe0 && header.readUInt16LE(2) === 0x0010 && header.readUInt32LE(4) === 2 * n;
    if (ok) {
      const pixels = new Int16Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + 2 * n));
      const slope = Number(dicomString(bytes, 0x0028, 0x1053) ?? 1);
      const intercept = Number(dicomString(bytes, 0x0028, 0x1052) ?? 0);
      return {
        slice: {
          rows,
          columns,
          samplesPerPixel: 1,
          pixels,
          rescaleSlope: slope,
          rescaleIntercept: intercept,
          modality: 'CT',
        },
        source: rel,
      };
    }
  } catch {
    // fall through to the synthetic slice
  }
  const pixels = new Int16Array(n);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const r = Math.hypot(x - 256, y - 256);
      pixels[y * columns + x] =
        r > 240 ? -1000 : r > 200 ? 60 : Math.round(40 + 30 * Math.sin(x / 17) * Math.cos(y / 23));
    }
  }
  return {
    slice: { rows, columns, samplesPerPixel: 1, pixels, modality: 'CT' },
    source: 'synthetic 512x512 CT-like slice',
  };
}

function measurePrePost(): { preMs: number[]; postMs: number[]; source: string } {
  const { slice, source } = ctSlice();
  const preMs: number[] = [];
  for (let r = 0; r < 6; r++) {
    const t = performance.now();
    preprocessForModel(slice, 'medsam-1024-stretch', { kind: 'ct-window', window: 'soft-tissue' });
    preMs.push(performance.now() - t);
  }
  // A smooth blob of logits, like a decoder's answer for one organ.
  const logits = new Float32Array(256 * 256);
  for (let y = 0; y < 256; y++)
    for (let x = 0; x < 256; x++) logits[y * 256 + x] = 8 - Math.hypot(x - 120, y - 140) / 6;
  const postMs: number[] = [];
  for (let r = 0; r < 30; r++) {
    const t = performance.now();
    medsamMaskFromLogits(logits, { width: 512, height: 512 });
    postMs.push(performance.now() - t);
  }
  // The first runs include the JIT's warm-up; an interactive session is warm.
  return { preMs: preMs.slice(1), postMs: postMs.slice(5), source };
}

const runChild = (args: ChildArgs) => runBenchChild<ChildArgs, ChildResult>('bench-child.ts', args);

function verdict(ok: boolean): string {
  return ok ? 'MET   ' : 'MISSED';
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const manifest = readManifest(o.manifest);
  const entry = o.model ? manifest.models.find(m => m.id === o.model) : manifest.models[0];
  if (!entry) throw new Error(`no model ${o.model ?? ''} in ${o.manifest}`);
  const variants = o.variants.filter(v => entry.variants[v]);
  const out = (s = '') => process.stdout.write(`${s}\n`);

  out(
    `MedSAM engine benchmark: ${entry.displayName} (${entry.id}), ${entry.testModel ? 'TEST MODEL, ' : ''}variants ${variants.join(', ')}`,
  );
  out(`machine: ${machine()}`);
  out(`load average at start: ${loadAverage()} (other jobs on a shared machine inflate every figure)`);
  out(
    `threads: onnxruntime-node intraOpNumThreads=${o.threads}, onnxruntime-web numThreads=${o.threads}; ${o.boxes} single-box decodes per cell`,
  );
  out();

  const { preMs, postMs, source } = measurePrePost();
  const pre = median(preMs);
  const post = median(postMs);
  out(
    `pre-processing  (${source}, 512x512 -> 1x3x1024x1024, CT soft-tissue window, bicubic anti-aliased): p50 ${f1(pre)} ms (${preMs.map(f0).join(', ')})`,
  );
  out(
    `post-processing (256x256 logits -> 512x512 mask, sigmoid + bilinear + threshold): p50 ${f1(post)} ms, p95 ${f1(quantile(postMs, 0.95))} ms`,
  );
  out();

  const results: ChildResult[] = [];
  const failures: Array<{ precision: Precision; runtime: string; reason: string }> = [];
  out(
    'variant  runtime   provider  load s  encoder ms (each run)        decoder ms p50 / p95   decode during encode ms  peak RSS MB  peak heap+ext MB',
  );
  for (const precision of variants) {
    for (const runtime of o.runtimes) {
      const r = await runChild({
        manifest: o.manifest,
        modelId: entry.id,
        precision,
        runtime,
        threads: o.threads,
        encoderRuns: o.encoderRuns ?? (runtime === 'node' ? 3 : 2),
        boxes: o.boxes,
        concurrencyProbe: precision === variants[0],
        sessionOptions: o.sessionOptions,
      }).catch((e: Error) => {
        failures.push({ precision, runtime, reason: e.message });
        out(`${precision.padEnd(8)} ${runtime.padEnd(9)} FAILED: ${e.message.slice(0, 300)}`);
        return null;
      });
      if (!r) continue;
      results.push(r);
      const probe =
        r.decodeDuringEncodeMs === null
          ? '-'
          : `${f0(r.decodeDuringEncodeMs)} (enc ${f0(r.encodeDuringProbeMs ?? NaN)})`;
      out(
        `${precision.padEnd(8)} ${runtime.padEnd(9)} ${r.executionProvider.padEnd(9)} ${(r.loadMs / 1000).toFixed(1).padStart(6)}  ` +
          `${r.encoderMs.map(f0).join(', ').padEnd(28)} ${`${f1(median(r.decoderMs))} / ${f1(quantile(r.decoderMs, 0.95))}`.padEnd(22)} ` +
          `${probe.padEnd(24)} ${f0(r.peakRssMB).padStart(11)}  ${f0(r.peakHeapMB).padStart(16)}`,
      );
    }
  }
  out();
  out(
    'encoder figure used below: the median of the runs after the first (the first includes one-time allocation), or the only run.',
  );
  const enc = (r: ChildResult) => median(r.encoderMs.length > 1 ? r.encoderMs.slice(1) : r.encoderMs);

  out();
  out('Targets (issue 3):');
  for (const precision of variants) {
    const web = results.find(r => r.args.precision === precision && r.args.runtime === 'web-wasm');
    const node = results.find(r => r.args.precision === precision && r.args.runtime === 'node');
    if (web) {
      const dec = median(web.decoderMs);
      const perBox = dec + post;
      out(
        `  [${verdict(perBox <= TARGET_BOX_MS)}] ${precision} web-wasm: decoder + post-processing per box p50 = ${f1(dec)} + ${f1(post)} = ${f1(perBox)} ms ` +
          `(target <= ${TARGET_BOX_MS} ms; a box on an encoded slice runs no pre-processing; with it: ${f1(perBox + pre)} ms)`,
      );
      if (perBox > TARGET_BOX_MS) {
        out(
          `           where the time goes: the decoder run is ${f0((100 * dec) / perBox)}% (${f1(dec)} ms), post-processing ${f0((100 * post) / perBox)}%`,
        );
      }
      const model = enc(web) + dec;
      const share = (pre + post) / model;
      out(
        `  [${verdict(share <= TARGET_PREPOST_SHARE)}] ${precision} web-wasm: pre + post = ${f1(pre + post)} ms = ${(100 * share).toFixed(1)}% of model time ` +
          `(encoder ${f0(enc(web))} + decoder ${f1(dec)} ms) (target <= ${100 * TARGET_PREPOST_SHARE}%)`,
      );
    }
    if (node) {
      const model = enc(node) + median(node.decoderMs);
      const share = (pre + post) / model;
      out(
        `  [${verdict(share <= TARGET_PREPOST_SHARE)}] ${precision} node:     pre + post = ${f1(pre + post)} ms = ${(100 * share).toFixed(1)}% of model time ` +
          `(encoder ${f0(enc(node))} + decoder ${f1(median(node.decoderMs))} ms)`,
      );
      if (share > TARGET_PREPOST_SHARE) {
        out(
          `           where the time goes: pre-processing ${f1(pre)} ms (the bicubic anti-aliased resize to 1024x1024), post-processing ${f1(post)} ms`,
        );
      }
    }
    if (web && node) {
      const ratio = enc(web) / enc(node);
      out(
        `  [${verdict(ratio <= TARGET_WASM_OVER_NATIVE)}] ${precision} encoder web-wasm / node = ${f0(enc(web))} / ${f0(enc(node))} ms = ${ratio.toFixed(2)}x (target <= ${TARGET_WASM_OVER_NATIVE}x)`,
      );
      if (ratio > TARGET_WASM_OVER_NATIVE) {
        out(
          '           where the time goes: the ViT-B MatMuls; WASM SIMD has 128-bit vectors and no AVX2/AVX-512 or VNNI kernels, ' +
            "onnxruntime-node uses the CPU's widest vectors (MLAS), so each GEMM runs several times slower in WASM",
        );
      }
    }
  }
  const probes = results.filter(r => r.decodeDuringEncodeMs !== null);
  if (probes.length) {
    out();
    out(
      'A decode asked for 50 ms into an encode of another slice, latency from that moment (the engine never queues it behind the encode):',
    );
    for (const r of probes) {
      out(
        `  ${r.args.precision} ${r.args.runtime}: ${f0(r.decodeDuringEncodeMs!)} ms (alone: ${f1(median(r.decoderMs))} ms)` +
          ` while the encode took ${f0(r.encodeDuringProbeMs ?? NaN)} ms` +
          (r.decodeDuringEncodeMs! > 3 * median(r.decoderMs) + 50
            ? ' - it waited for the encoder call: both runtimes compute a run on the calling JS thread (onnxruntime-node runs' +
              ' synchronously inside setImmediate), so only a decoder in a second worker/thread can answer during an encode'
            : ' - it ran alongside the encode'),
      );
    }
  }
  if (failures.length) {
    out();
    out('Cells that could not run:');
    for (const f of failures) out(`  ${f.precision} ${f.runtime}: ${f.reason}`);
  }
  if (o.json) {
    fs.writeFileSync(
      o.json,
      JSON.stringify({ machine: machine(), pre: preMs, post: postMs, results, failures }, null, 2),
    );
    out(`\nraw figures: ${o.json}`);
  }
}

main().catch(e => {
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
