/**
 * One runtime's side of the speed benchmark (speed.ts, issue 13): the real LiteMedSAM through the engine
 * (MedsamSession, segmentBoxes) on one runtime, per stage, plus that runtime's GEMM rate on a plain N x N MatMul graph.
 * Started by speed.ts in its own process; prints one JSON line (prefixed BENCH_RESULT) on stdout.
 */
import * as fs from 'fs';
import { readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { slicePixels } from '../../extension-medsam/src/cli/pixels';
import type { ImageBox, ImageSize } from '../../extension-medsam/src/engine/geometry/box';
import { preprocessSlice, segmentBoxes } from '../../extension-medsam/src/engine/session/pipeline';
import type { OrtTensorLike } from '../../extension-medsam/src/engine/session/runtime';
import { checkSources } from '../../extension-medsam/src/seg/source';
import { benchChildMain, createBenchRuntime, openBenchSession, type BenchRuntime } from './support';

export interface SpeedCellArgs {
  runtime: BenchRuntime;
  threads: number;
  manifest: string;
  modelId: string;
  /** Series folder; the slice is `slice` in the series' geometric order, the decode is timed on `decodeSlices` slices. */
  dicom: string;
  slice: number;
  decodeSlices: number;
  boxes: ImageBox[];
  encoderRuns: number;
  /** N x N MatMul graph (written by models/reference/litemedsam_speed.py); undefined: no GEMM rate. */
  matmulOnnx?: string;
  gemmN: number;
}

export interface SpeedCellResult {
  args: SpeedCellArgs;
  executionProvider: string;
  loadMs: number;
  ms: { dicom: number[]; preprocess: number[]; encoder: number[]; decoder: number[]; postprocess: number[] };
  gemm: { n: number; runs: number; bestMs: number; gflopsPerS: number } | null;
}

const now = () => performance.now();

async function gemmRate(args: SpeedCellArgs, seconds = 2): Promise<SpeedCellResult['gemm']> {
  if (!args.matmulOnnx) return null;
  const runtime = await createBenchRuntime(args.runtime, args.threads);
  const session = await runtime.ort.InferenceSession.create(new Uint8Array(fs.readFileSync(args.matmulOnnx)), {
    ...runtime.sessionOptions,
    executionProviders: [...runtime.executionProviders],
  });
  const n = args.gemmN;
  const fill = () => Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000);
  const feeds: Record<string, OrtTensorLike> = {
    a: new runtime.ort.Tensor('float32', fill(), [n, n]),
    b: new runtime.ort.Tensor('float32', fill(), [n, n]),
  };
  await session.run(feeds);
  let best = Infinity;
  let runs = 0;
  const end = now() + seconds * 1000;
  while (runs < 3 || now() < end) {
    const t = now();
    await session.run(feeds);
    best = Math.min(best, now() - t);
    runs++;
  }
  await session.release?.();
  return { n, runs, bestMs: best, gflopsPerS: (2 * n ** 3) / (best / 1000) / 1e9 };
}

export async function runSpeedCell(args: SpeedCellArgs): Promise<SpeedCellResult> {
  const { files, sources } = readSourceFolder(args.dicom, { withoutPixelData: false });
  const order = checkSources(sources).geometry?.order ?? sources.map((_, i) => i);
  const k = order[args.slice];
  const image: ImageSize = { width: sources[k].columns, height: sources[k].rows };

  // 1. DICOM pixel decode (JPEG 2000 through OpenJPEG WASM): the slice and its neighbours, after one untimed decode
  // that loads the codec.
  await slicePixels(files[k]);
  const dicom: number[] = [];
  const lo = Math.max(0, Math.min(order.length - args.decodeSlices, args.slice - Math.floor(args.decodeSlices / 2)));
  for (let z = lo; z < lo + Math.min(args.decodeSlices, order.length); z++) {
    const t = now();
    await slicePixels(files[order[z]]);
    dicom.push(now() - t);
  }
  const slice = await slicePixels(files[k]);

  const { session, loadMs } = await openBenchSession({ ...args, precision: 'fp32' });
  const profile = session.entry.profile;

  // 2. pre-processing (intensity, INTER_AREA resize, normalisation, padding), the engine's preprocessSlice
  const preprocess: number[] = [];
  let input: Float32Array = new Float32Array(0);
  for (let r = 0; r < 6; r++) {
    const t = now();
    input = preprocessSlice({ slice }, profile);
    preprocess.push(now() - t);
  }

  // 3. encoder, a fresh image id per run so that the cache never answers
  const encoder: number[] = [];
  for (let r = 0; r < args.encoderRuns; r++) {
    const t = now();
    await session.encode(`speed-${r}`, input);
    encoder.push(now() - t);
  }

  // 4 + 5. one box per call on the cached embedding: decoder, then post-processing (logits -> mask at image size)
  const decoder: number[] = [];
  const postprocess: number[] = [];
  for (const box of args.boxes) {
    const r = await segmentBoxes(session, preprocessSlice, 'speed-0', { slice }, image, [box]);
    if (!r.timings.cached) throw new Error('the embedding was not cached: the decoder figure would include an encode');
    decoder.push(r.timings.decodeMs);
    postprocess.push(r.timings.postprocessMs);
  }
  const executionProvider = session.executionProviders.encoder;
  await session.release();

  const gemm = await gemmRate(args);
  return { args, executionProvider, loadMs, ms: { dicom, preprocess, encoder, decoder, postprocess }, gemm };
}

if (require.main === module) benchChildMain(runSpeedCell);
