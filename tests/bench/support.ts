/**
 * What the benchmarks share: the runtime a cell runs on, the child process per cell (so that peak memory is the cell's
 * own), the machine line, quantiles.
 */
import { execFile } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import type { Precision } from '../../extension-medsam/src/engine/manifest';
import { findModel } from '../../extension-medsam/src/engine/session/fetch-bytes';
import type { RuntimeConfig } from '../../extension-medsam/src/engine/session/runtime';
import { MedsamSession } from '../../extension-medsam/src/engine/session/session';
import { createWebRuntime } from '../../extension-medsam/src/worker/web-runtime';
import { fsFetchBytes, readManifest, REPO_ROOT } from '../parity/support/node-models';

/** onnxruntime-node on the native CPU, or onnxruntime-web's WASM backend (the browser's CPU path) run in Node. */
export type BenchRuntime = 'node' | 'web-wasm';
export const BENCH_RUNTIMES: readonly BenchRuntime[] = ['node', 'web-wasm'];

const RESULT_PREFIX = 'BENCH_RESULT ';
const FAILURE_PREFIX = 'bench child failed: ';

export async function createBenchRuntime(
  kind: BenchRuntime,
  threads: number,
  sessionOptions?: Record<string, unknown>,
): Promise<RuntimeConfig> {
  let runtime: RuntimeConfig;
  if (kind === 'node') {
    // Imported here so that a web-only run never loads the native addon (and the reverse).
    const ortNode = await import('onnxruntime-node');
    runtime = {
      ort: ortNode,
      executionProviders: ['cpu'],
      sessionOptions: { intraOpNumThreads: threads, graphOptimizationLevel: 'all', ...sessionOptions },
    };
  } else {
    const ortWeb = await import('onnxruntime-web');
    runtime = createWebRuntime(
      ortWeb,
      { executionProviders: ['wasm'], wasm: { numThreads: threads } },
      {
        hasWebGpu: false,
        hardwareConcurrency: threads,
        crossOriginIsolated: true,
      },
    );
    runtime = { ...runtime, sessionOptions: { ...runtime.sessionOptions, ...sessionOptions } };
  }
  // onnxruntime's warnings (e.g. constant folding it skips) would drown the figures.
  return { ...runtime, sessionOptions: { logSeverityLevel: 3, ...runtime.sessionOptions } };
}

/** A cell's session on the model files next to the manifest, and how long it took to load (ms). */
export async function openBenchSession(args: {
  runtime: BenchRuntime;
  threads: number;
  manifest: string;
  modelId: string;
  precision: Precision;
  sessionOptions?: Record<string, unknown>;
}): Promise<{ session: MedsamSession; loadMs: number; inputSize: number }> {
  const runtime = await createBenchRuntime(args.runtime, args.threads, args.sessionOptions);
  const entry = findModel(readManifest(args.manifest), args.modelId, args.manifest);
  const t0 = performance.now();
  const session = await MedsamSession.create({
    runtime,
    entry,
    precision: args.precision,
    fetchBytes: fsFetchBytes(path.dirname(args.manifest)),
    cache: { maxBytes: 64 * 1024 * 1024 },
  });
  return { session, loadMs: performance.now() - t0, inputSize: entry.inputSize };
}

/** Runs `script` (a .ts file next to this one) with its arguments as JSON; resolves with the result it printed. */
export function runBenchChild<Args, Result>(script: string, args: Args): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '-r',
        path.join(REPO_ROOT, 'extension-medsam/bin/register-ts.cjs'),
        path.join(__dirname, script),
        JSON.stringify(args),
      ],
      { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60 * 1000 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find(l => l.startsWith(RESULT_PREFIX));
        // The runtime's warnings (constant folding, ...) are noise here; the child's own failure line is what counts.
        const why = stderr.split('\n').find(l => l.startsWith(FAILURE_PREFIX)) ?? error?.message ?? 'no result';
        if (error || !line) reject(new Error(why.replace(FAILURE_PREFIX, '')));
        else resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as Result);
      },
    );
  });
}

/** The child's side of runBenchChild: reads its arguments, prints the result line, exits. */
export function benchChildMain<Args, Result>(run: (args: Args) => Promise<Result>): void {
  run(JSON.parse(process.argv[2]) as Args).then(
    result => {
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    e => {
      process.stderr.write(`${FAILURE_PREFIX}${e?.code ?? ''} ${e?.stack ?? e}\n`);
      process.exit(1);
    },
  );
}

/** Peak resident memory of this process so far. */
export const peakRssMB = (): number => process.resourceUsage().maxRSS / 1024;

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} cores (nproc), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}`;
}

export const loadAverage = (): string =>
  os
    .loadavg()
    .map(x => x.toFixed(2))
    .join(' ');

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
export const median = (xs: readonly number[]): number => quantile(xs, 0.5);
export const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** A comma-separated option value, each item checked against the allowed ones. */
export function listOption<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T[] {
  const items = (value ?? '').split(',').filter(Boolean);
  const bad = items.filter(v => !allowed.includes(v as T));
  if (items.length === 0 || bad.length)
    throw new Error(`${name} takes a comma-separated list of ${allowed.join(', ')}; got "${value ?? ''}"`);
  return items as T[];
}

/** An integer option value of at least `min`; the error names the option and where its usage is written. */
export function integerOption(name: string, value: string | undefined, min: number, usage: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${name} takes an integer >= ${min}; got "${value ?? ''}" (${usage})`);
  return n;
}
