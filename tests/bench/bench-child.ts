/**
 * One benchmark cell: one model variant on one runtime, in its own process so that its peak memory is its own.
 * Started by bench.ts; prints one JSON line (prefixed BENCH_RESULT) on stdout.
 */
import type { ModelBox } from '../../extension-medsam/src/engine/geometry/box';
import type { Precision } from '../../extension-medsam/src/engine/manifest';
import { benchChildMain, openBenchSession, peakRssMB, type BenchRuntime } from './support';

export interface ChildArgs {
  manifest: string;
  modelId: string;
  precision: Precision;
  runtime: BenchRuntime;
  threads: number;
  encoderRuns: number;
  boxes: number;
  /** Also time a decode issued while an encode of another image runs. */
  concurrencyProbe: boolean;
  sessionOptions?: Record<string, unknown>;
}

export interface ChildResult {
  args: ChildArgs;
  executionProvider: string;
  loadMs: number;
  encoderMs: number[];
  decoderMs: number[];
  /** Latency of a decode on image A asked for 50 ms into image B's encode, from that moment (null: not probed). */
  decodeDuringEncodeMs: number | null;
  encodeDuringProbeMs: number | null;
  peakRssMB: number;
  peakHeapMB: number;
}

const now = () => performance.now();

/** A deterministic image-like encoder input (smooth gradients), so every run does the same work. */
function encoderInput(size: number, seed: number): Float32Array {
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = 0.5 + 0.5 * Math.sin((x + seed * 37) / 53) * Math.cos(y / 71);
      out[y * size + x] = v;
      out[plane + y * size + x] = v;
      out[2 * plane + y * size + x] = v;
    }
  }
  return out;
}

/** Boxes of varied position and size (8% to 60% of the side), as a user would draw them. */
function boxes(n: number, size: number): ModelBox[] {
  let s = 12345;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => {
    const w = size * (0.08 + 0.52 * rnd());
    const h = size * (0.08 + 0.52 * rnd());
    const x0 = rnd() * (size - w);
    const y0 = rnd() * (size - h);
    return { space: 'model', inputSize: size, x0, y0, x1: x0 + w, y1: y0 + h };
  });
}

async function runCell(args: ChildArgs): Promise<ChildResult> {
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed + m.external);
  };
  const { session, loadMs, inputSize } = await openBenchSession(args);
  sample();

  const size = inputSize;
  const encoderMs: number[] = [];
  for (let r = 0; r < args.encoderRuns; r++) {
    const input = encoderInput(size, r);
    const t = now();
    await session.encode(`img-${r}`, input);
    encoderMs.push(now() - t);
    sample();
  }

  const decoderMs: number[] = [];
  for (const b of boxes(args.boxes, size)) {
    const t = now();
    await session.decode('img-0', [b]);
    decoderMs.push(now() - t);
  }
  sample();

  let decodeDuringEncodeMs: number | null = null;
  let encodeDuringProbeMs: number | null = null;
  if (args.concurrencyProbe) {
    // The user asks for a box on image 0 50 ms after image 'probe' started encoding. The latency counts from that
    // moment: where the runtime computes on this thread, the request is not even seen until the encoder call returns.
    const input = encoderInput(size, 99);
    const te = now();
    const encoding = session.encode('img-probe', input).then(() => (encodeDuringProbeMs = now() - te));
    const wantedAt = te + 50;
    decodeDuringEncodeMs = await new Promise<number>((resolve, reject) =>
      setTimeout(() => {
        session.decode('img-0', boxes(1, size)).then(() => resolve(now() - wantedAt), reject);
      }, 50),
    );
    await encoding;
    sample();
  }
  await session.release();

  const result: ChildResult = {
    args,
    executionProvider: session.executionProviders.encoder,
    loadMs,
    encoderMs,
    decoderMs,
    decodeDuringEncodeMs,
    encodeDuringProbeMs,
    peakRssMB: peakRssMB(),
    peakHeapMB: peakHeap / (1024 * 1024),
  };
  return result;
}

benchChildMain(runCell);
