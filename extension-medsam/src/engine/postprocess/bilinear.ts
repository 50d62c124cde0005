/**
 * Bilinear resizing with torch.nn.functional.interpolate(mode="bilinear", align_corners=False) semantics, in float32,
 * operation for operation as PyTorch's CPU kernel does it, so that the thresholded masks agree pixel for pixel:
 *   scale   = float32(inSize) / outSize                         (float32 division)
 *   src     = max(0, scale * (dst + 0.5) - 0.5)                 (float32; clamped at 0; no anti-aliasing)
 *   i0      = min(floor(src), inSize - 1), i1 = i0 + (i0 < inSize - 1 ? 1 : 0)
 *   l1      = min(max(src - i0, 0), 1), l0 = 1 - l1             (float32)
 *   out     = (v[y0,x0]*wx0 + v[y0,x1]*wx1) * wy0 + (v[y1,x0]*wx0 + v[y1,x1]*wx1) * wy1   (each op rounded to float32)
 * and when inSize == outSize the axis is copied (i0 = i1 = dst, l0 = 1, l1 = 0), as PyTorch does.
 * Math.fround after every double operation gives the float32 result exactly: one double rounding is innocuous for
 * + - * / of float32 operands (53 >= 2 * 24 + 2).
 */

const f32 = Math.fround;

export interface AxisWeights {
  readonly inSize: number;
  readonly outSize: number;
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly l0: Float32Array;
  readonly l1: Float32Array;
}

const cache = new Map<string, AxisWeights>();
const CACHE_LIMIT = 16;

/** Source indices and weights along one axis; cached, since a session decodes many boxes at one image size. */
export function axisWeights(inSize: number, outSize: number): AxisWeights {
  const key = `${inSize}>${outSize}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l0 = new Float32Array(outSize);
  const l1 = new Float32Array(outSize);
  if (inSize === outSize) {
    for (let d = 0; d < outSize; d++) {
      i0[d] = d;
      i1[d] = d;
      l0[d] = 1;
      l1[d] = 0;
    }
  } else {
    const scale = f32(f32(inSize) / outSize);
    for (let d = 0; d < outSize; d++) {
      let src = f32(f32(scale * f32(d + 0.5)) - 0.5);
      if (src < 0) src = 0;
      const idx = Math.min(Math.floor(src), inSize - 1);
      const lambda = Math.min(Math.max(f32(src - idx), 0), 1);
      i0[d] = idx;
      i1[d] = idx < inSize - 1 ? idx + 1 : idx;
      l1[d] = lambda;
      l0[d] = f32(1 - lambda);
    }
  }
  const w: AxisWeights = { inSize, outSize, i0, i1, l0, l1 };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, w);
  return w;
}

/**
 * The horizontal pass: each needed source row (length srcW, at src[rowOffset + r * srcStride]) resized to outW.
 * Returns rows indexed by source row; rows that no output row uses are left null.
 */
export function resizeRowsHorizontally(
  src: Float32Array,
  srcStride: number,
  srcH: number,
  xw: AxisWeights,
  yw: AxisWeights,
): Array<Float32Array | null> {
  const outW = xw.outSize;
  const needed = new Uint8Array(srcH);
  for (let d = 0; d < yw.outSize; d++) {
    needed[yw.i0[d]] = 1;
    needed[yw.i1[d]] = 1;
  }
  const { i0, i1, l0, l1 } = xw;
  const rows: Array<Float32Array | null> = new Array(srcH).fill(null);
  for (let r = 0; r < srcH; r++) {
    if (!needed[r]) continue;
    const row = new Float32Array(outW);
    const base = r * srcStride;
    for (let x = 0; x < outW; x++) {
      row[x] = f32(f32(src[base + i0[x]] * l0[x]) + f32(src[base + i1[x]] * l1[x]));
    }
    rows[r] = row;
  }
  return rows;
}

/**
 * Bilinear resize of a [srcH, srcW] float32 plane (rows srcStride apart) to [outH, outW], torch semantics as above.
 * Used by tests and for probability maps; the mask path fuses the vertical pass with the threshold instead.
 */
export function resizeBilinear(
  src: Float32Array,
  srcH: number,
  srcW: number,
  outH: number,
  outW: number,
  srcStride: number = srcW,
): Float32Array {
  const xw = axisWeights(srcW, outW);
  const yw = axisWeights(srcH, outH);
  const rows = resizeRowsHorizontally(src, srcStride, srcH, xw, yw);
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const r0 = rows[yw.i0[y]] as Float32Array;
    const r1 = rows[yw.i1[y]] as Float32Array;
    const a = yw.l0[y];
    const b = yw.l1[y];
    const o = y * outW;
    for (let x = 0; x < outW; x++) out[o + x] = f32(f32(r0[x] * a) + f32(r1[x] * b));
  }
  return out;
}
