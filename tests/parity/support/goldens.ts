/**
 * The PyTorch goldens of the tiny random model (models/test/goldens, format in its README.md): gzip'ed little-endian
 * arrays described by goldens.json. Read here without Python.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { REPO_ROOT } from './node-models';

/** Overridable to try goldens made elsewhere (e.g. a fresh export in a temporary folder). */
export const GOLDENS_DIR = process.env.MEDSAM_GOLDENS_DIR ?? path.join(REPO_ROOT, 'models/test/goldens');
export const MODELS_MANIFEST = process.env.MEDSAM_MANIFEST ?? path.join(REPO_ROOT, 'models/manifest.json');

interface ArraySpec {
  file: string;
  dtype: 'float32' | 'uint8';
  shape: number[];
}

interface GoldenIndex {
  model: { id: string; seed: number; encoderSha256: string; decoderSha256: string };
  image: ArraySpec;
  embedding: ArraySpec;
  cases: Array<{
    name: string;
    boxes: number[][];
    lowResLogits: ArraySpec;
    masks: ArraySpec;
    iouPredictions: number[][] | number[];
  }>;
}

export interface GoldenCase {
  name: string;
  /** Boxes in 1024 model space, [x0, y0, x1, y1]. */
  boxes: number[][];
  /** [B, 1, 256, 256] flattened. */
  lowResLogits: Float32Array;
  masks: Uint8Array;
  iou: number[];
}

export interface Goldens {
  modelId: string;
  encoderSha256: string;
  decoderSha256: string;
  /** Grey uint8 image, row-major [height, width]. */
  image: { data: Uint8Array; height: number; width: number };
  embedding: Float32Array;
  embeddingDims: number[];
  cases: GoldenCase[];
}

function readArray(dir: string, spec: ArraySpec): Float32Array | Uint8Array {
  const raw = zlib.gunzipSync(fs.readFileSync(path.join(dir, spec.file)));
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.dtype === 'uint8') return new Uint8Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + n));
  // Little-endian float32 on disk; every platform Node runs on here is little-endian too.
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + n * 4));
}

export function goldensAvailable(dir = GOLDENS_DIR): boolean {
  return fs.existsSync(path.join(dir, 'goldens.json'));
}

export function readGoldens(dir = GOLDENS_DIR): Goldens {
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'goldens.json'), 'utf8')) as GoldenIndex;
  const [height, width] = index.image.shape;
  return {
    modelId: index.model.id,
    encoderSha256: index.model.encoderSha256,
    decoderSha256: index.model.decoderSha256,
    image: { data: readArray(dir, index.image) as Uint8Array, height, width },
    embedding: readArray(dir, index.embedding) as Float32Array,
    embeddingDims: index.embedding.shape,
    cases: index.cases.map(c => ({
      name: c.name,
      boxes: c.boxes,
      lowResLogits: readArray(dir, c.lowResLogits) as Float32Array,
      masks: readArray(dir, c.masks) as Uint8Array,
      iou: (c.iouPredictions as Array<number | number[]>).flat(),
    })),
  };
}

/**
 * The goldens' model input for a grey image that is already inputSize x inputSize: three equal channels of
 * (x - min) / max(max - min, 1e-8), computed in float64 and stored as float32, as models/medsam_export/test_image.py.
 */
export function greyToModelInput(grey: Uint8Array): Float32Array {
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < grey.length; i++) {
    if (grey[i] < lo) lo = grey[i];
    if (grey[i] > hi) hi = grey[i];
  }
  const range = Math.max(hi - lo, 1e-8);
  const plane = grey.length;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    const v = (grey[i] - lo) / range;
    out[i] = v;
    out[plane + i] = v;
    out[2 * plane + i] = v;
  }
  return out;
}

export interface CaseFigures {
  name: string;
  boxes: number;
  maxAbsDiffLogits: number;
  maskPixelsDiffering: number;
  maskPixels: number;
  maxAbsDiffIou: number;
}

export function compareCase(golden: GoldenCase, logits: Float32Array[], iou: ArrayLike<number>): CaseFigures {
  const per = golden.lowResLogits.length / golden.boxes.length;
  let maxDiff = 0;
  let differing = 0;
  golden.boxes.forEach((_, b) => {
    const ours = logits[b];
    if (!ours || ours.length !== per)
      throw new Error(`case ${golden.name}: box ${b} has ${ours?.length} logits, expected ${per}`);
    for (let i = 0; i < per; i++) {
      const g = golden.lowResLogits[b * per + i];
      const d = Math.abs(ours[i] - g);
      if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
      if ((ours[i] > 0 ? 1 : 0) !== golden.masks[b * per + i]) differing++;
    }
  });
  let maxIou = 0;
  golden.iou.forEach((g, b) => (maxIou = Math.max(maxIou, Math.abs(iou[b] - g))));
  return {
    name: golden.name,
    boxes: golden.boxes.length,
    maxAbsDiffLogits: maxDiff,
    maskPixelsDiffering: differing,
    maskPixels: per * golden.boxes.length,
    maxAbsDiffIou: maxIou,
  };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
