/**
 * LiteMedSAM's resize: cv2.resize(img_3c, (newW, newH), interpolation=cv2.INTER_AREA) on an H x W x 3 uint8 image,
 * reproduced from OpenCV's resize.cpp (opencv-python-headless 5.0, x86-64 baseline SSE3):
 * - shrinking by an integer factor on both axes: block means, (sum + 2) >> 2 for 2x2 blocks, otherwise
 *   cvRound(float(sum) * (1.f / area));
 * - shrinking otherwise: true area weights (float32 arithmetic), cvRound to uint8;
 * - enlarging: "area" is emulated by bilinear interpolation with area-derived weights in 11-bit fixed point. The
 *   vertical pass rounds as OpenCV's SIMD kernel does, ((s0 >> 4) * b0 >> 16) + ((s1 >> 4) * b1 >> 16), then
 *   (t + 2) >> 2, which differs by one from the scalar formula (s0 * b0 + s1 * b1 + 2^21) >> 22 in about 1% of
 *   samples. Against cv2 5.0 on this machine the SIMD rounding matched every sample, tails of rows narrower than
 *   a vector included (19 enlarging sizes down to 3 pixels wide), so it is used throughout.
 * cvRound is round-half-to-even (the SSE conversion in the default rounding mode).
 */

const DBL_EPSILON = 2.220446049250313e-16;
const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

// Module bindings rather than global lookups in the per-sample loops (slow under a vm context such as Jest's).
const f32 = Math.fround;
const { round } = Math;

/** cvRound: to nearest, ties to even. */
function cvRound(v: number): number {
  const r = round(v);
  // Math.round sends ties up; a tie that landed on an odd integer goes back down to the even one.
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

function saturateUint8(v: number): number {
  if (Number.isNaN(v)) return 0;
  const r = cvRound(v);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

function saturateInt16(v: number): number {
  const r = cvRound(v);
  return r < -32768 ? -32768 : r > 32767 ? 32767 : r;
}

/** The output size LiteMedSAM's resize_longest_side asks for: int(side * (target / longest) + 0.5). */
export function longestSideSize(
  rows: number,
  columns: number,
  target: number,
): { rows: number; columns: number; scale: number } {
  const scale = (target * 1.0) / Math.max(rows, columns);
  return { rows: Math.trunc(rows * scale + 0.5), columns: Math.trunc(columns * scale + 0.5), scale };
}

/** cv2.resize(src, (outColumns, outRows), interpolation=cv2.INTER_AREA) for uint8 with `channels` interleaved. */
export function resizeAreaUint8(
  src: Uint8Array,
  rows: number,
  columns: number,
  channels: number,
  outRows: number,
  outColumns: number,
): Uint8Array {
  if (rows === outRows && columns === outColumns) return src.slice();
  const invScaleX = outColumns / columns;
  const invScaleY = outRows / rows;
  const scaleX = 1 / invScaleX;
  const scaleY = 1 / invScaleY;
  const iscaleX = cvRound(scaleX);
  const iscaleY = cvRound(scaleY);
  const isAreaFast = Math.abs(scaleX - iscaleX) < DBL_EPSILON && Math.abs(scaleY - iscaleY) < DBL_EPSILON;
  if (scaleX >= 1 && scaleY >= 1) {
    return isAreaFast
      ? areaFast(src, rows, columns, channels, outRows, outColumns, iscaleX, iscaleY)
      : areaGeneric(src, rows, columns, channels, outRows, outColumns, scaleX, scaleY);
  }
  return linearArea(src, rows, columns, channels, outRows, outColumns, scaleX, scaleY, invScaleX, invScaleY);
}

/** resizeAreaFast_: integer shrink factors on both axes. */
function areaFast(
  src: Uint8Array,
  rows: number,
  columns: number,
  cn: number,
  outRows: number,
  outColumns: number,
  sx: number,
  sy: number,
): Uint8Array {
  const dst = new Uint8Array(outRows * outColumns * cn);
  const area = sx * sy;
  const scale = f32(1 / area);
  const srcStep = columns * cn;
  const dstWidth = outColumns * cn;
  const srcWidth = columns * cn;
  const fullWidth = Math.floor(columns / sx) * cn;
  const fastMode = sx === 2 && sy === 2 && (cn === 1 || cn === 3 || cn === 4);
  const ofs = new Int32Array(area);
  for (let y = 0, k = 0; y < sy; y++) for (let x = 0; x < sx; x++) ofs[k++] = y * srcStep + x * cn;
  const xofs = new Int32Array(dstWidth);
  for (let dx = 0; dx < outColumns; dx++) for (let c = 0; c < cn; c++) xofs[dx * cn + c] = sx * dx * cn + c;
  for (let dy = 0; dy < outRows; dy++) {
    const d = dy * dstWidth;
    const sy0 = dy * sy;
    if (sy0 >= rows) continue; // rows past the source stay 0
    const w = sy0 + sy <= rows ? fullWidth : 0;
    const rowStart = sy0 * srcStep;
    let dx = 0;
    if (fastMode) {
      for (; dx < w; dx++) {
        const p = dx % cn;
        const s = rowStart + 2 * (dx - p) + p;
        dst[d + dx] = (src[s] + src[s + cn] + src[s + srcStep] + src[s + srcStep + cn] + 2) >> 2;
      }
    } else {
      for (; dx < w; dx++) {
        const s = rowStart + xofs[dx];
        let sum = 0;
        for (let k = 0; k < area; k++) sum += src[s + ofs[k]];
        dst[d + dx] = saturateUint8(f32(sum * scale));
      }
    }
    for (; dx < dstWidth; dx++) {
      // Cells cut by the image border: the mean of the samples that exist.
      const sx0 = xofs[dx];
      let sum = 0;
      let count = 0;
      for (let y = 0; y < sy && sy0 + y < rows; y++) {
        const s = (sy0 + y) * srcStep + sx0;
        for (let x = 0; x < sx * cn && sx0 + x < srcWidth; x += cn) {
          sum += src[s + x];
          count++;
        }
      }
      dst[d + dx] = saturateUint8(f32(sum / count));
    }
  }
  return dst;
}

interface DecimateTable {
  di: Int32Array;
  si: Int32Array;
  alpha: Float32Array;
  size: number;
}

/** computeResizeAreaTab: which source samples feed each destination sample, with float32 area weights. */
function areaTable(ssize: number, dsize: number, cn: number, scale: number): DecimateTable {
  const cap = ssize * 2 + 2;
  const di = new Int32Array(cap);
  const si = new Int32Array(cap);
  const alpha = new Float32Array(cap);
  let k = 0;
  for (let dx = 0; dx < dsize; dx++) {
    const fsx1 = dx * scale;
    const fsx2 = fsx1 + scale;
    const cellWidth = Math.min(scale, ssize - fsx1);
    let sx1 = Math.ceil(fsx1);
    let sx2 = Math.floor(fsx2);
    sx2 = Math.min(sx2, ssize - 1);
    sx1 = Math.min(sx1, sx2);
    if (sx1 - fsx1 > 1e-3) {
      di[k] = dx * cn;
      si[k] = (sx1 - 1) * cn;
      alpha[k++] = (sx1 - fsx1) / cellWidth;
    }
    for (let sx = sx1; sx < sx2; sx++) {
      di[k] = dx * cn;
      si[k] = sx * cn;
      alpha[k++] = 1.0 / cellWidth;
    }
    if (fsx2 - sx2 > 1e-3) {
      di[k] = dx * cn;
      si[k] = sx2 * cn;
      alpha[k++] = Math.min(Math.min(fsx2 - sx2, 1), cellWidth) / cellWidth;
    }
  }
  return { di, si, alpha, size: k };
}

/** ResizeArea_Invoker<uchar, float>: shrink by non-integer factors, all sums in float32. */
function areaGeneric(
  src: Uint8Array,
  rows: number,
  columns: number,
  cn: number,
  outRows: number,
  outColumns: number,
  scaleX: number,
  scaleY: number,
): Uint8Array {
  const dst = new Uint8Array(outRows * outColumns * cn);
  const xt = areaTable(columns, outColumns, cn, scaleX);
  const yt = areaTable(rows, outRows, 1, scaleY);
  const width = outColumns * cn;
  const srcStep = columns * cn;
  const buf = new Float32Array(width);
  const sum = new Float32Array(width);
  let prevDy = yt.di[0];
  for (let j = 0; j < yt.size; j++) {
    const beta = yt.alpha[j];
    const dy = yt.di[j];
    const s = yt.si[j] * srcStep;
    buf.fill(0);
    for (let k = 0; k < xt.size; k++) {
      const dxn = xt.di[k];
      const sxn = s + xt.si[k];
      const a = xt.alpha[k];
      for (let c = 0; c < cn; c++) buf[dxn + c] = buf[dxn + c] + f32(src[sxn + c] * a);
    }
    if (dy !== prevDy) {
      const d = prevDy * width;
      for (let x = 0; x < width; x++) {
        dst[d + x] = saturateUint8(sum[x]);
        sum[x] = beta * buf[x];
      }
      prevDy = dy;
    } else {
      for (let x = 0; x < width; x++) sum[x] = sum[x] + f32(beta * buf[x]);
    }
  }
  const d = prevDy * width;
  for (let x = 0; x < width; x++) dst[d + x] = saturateUint8(sum[x]);
  return dst;
}

/** The enlarging branch: resizeGeneric_ with HResizeLinear/VResizeLinear in fixed point, area-style weights. */
function linearArea(
  src: Uint8Array,
  rows: number,
  columns: number,
  cn: number,
  outRows: number,
  outColumns: number,
  scaleX: number,
  scaleY: number,
  invScaleX: number,
  invScaleY: number,
): Uint8Array {
  const width = outColumns * cn;
  const xofs = new Int32Array(width);
  const alpha = new Int32Array(width * 2);
  let xmax = outColumns;
  for (let dx = 0; dx < outColumns; dx++) {
    let sx = Math.floor(dx * scaleX);
    let fx = f32(dx + 1 - (sx + 1) * invScaleX);
    fx = fx <= 0 ? 0 : f32(fx - Math.floor(fx));
    if (sx + 1 >= columns) {
      xmax = Math.min(xmax, dx);
      if (sx >= columns - 1) {
        fx = 0;
        sx = columns - 1;
      }
    }
    const a0 = saturateInt16(f32(f32(1 - fx) * COEF_SCALE));
    const a1 = saturateInt16(f32(fx * COEF_SCALE));
    for (let c = 0; c < cn; c++) {
      xofs[dx * cn + c] = sx * cn + c;
      alpha[(dx * cn + c) * 2] = a0;
      alpha[(dx * cn + c) * 2 + 1] = a1;
    }
  }
  const xmaxSamples = xmax * cn;
  const yofs = new Int32Array(outRows);
  const beta = new Int32Array(outRows * 2);
  for (let dy = 0; dy < outRows; dy++) {
    const sy = Math.floor(dy * scaleY);
    let fy = f32(dy + 1 - (sy + 1) * invScaleY);
    fy = fy <= 0 ? 0 : f32(fy - Math.floor(fy));
    yofs[dy] = sy;
    beta[dy * 2] = saturateInt16(f32(f32(1 - fy) * COEF_SCALE));
    beta[dy * 2 + 1] = saturateInt16(f32(fy * COEF_SCALE));
  }
  const srcStep = columns * cn;
  const hrow = (sy: number, out: Int32Array): void => {
    const s = sy * srcStep;
    let dx = 0;
    for (; dx < xmaxSamples; dx++) {
      const sx = s + xofs[dx];
      out[dx] = src[sx] * alpha[dx * 2] + src[sx + cn] * alpha[dx * 2 + 1];
    }
    for (; dx < width; dx++) out[dx] = src[s + xofs[dx]] * COEF_SCALE;
  };
  const row0 = new Int32Array(width);
  const row1 = new Int32Array(width);
  const dst = new Uint8Array(outRows * width);
  for (let dy = 0; dy < outRows; dy++) {
    const sy0 = Math.min(Math.max(yofs[dy], 0), rows - 1);
    const sy1 = Math.min(Math.max(yofs[dy] + 1, 0), rows - 1);
    hrow(sy0, row0);
    hrow(sy1, row1);
    const b0 = beta[dy * 2];
    const b1 = beta[dy * 2 + 1];
    const d = dy * width;
    for (let x = 0; x < width; x++) {
      // v_mul_hi of the samples shifted right by 4, saturating 16-bit add, then rounding shift by 2 with saturation.
      const s0 = sat16(row0[x] >> 4);
      const s1 = sat16(row1[x] >> 4);
      const t = sat16(((s0 * b0) >> 16) + ((s1 * b1) >> 16));
      const v = (t + 2) >> 2;
      dst[d + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return dst;
}

function sat16(v: number): number {
  return v < -32768 ? -32768 : v > 32767 ? 32767 : v;
}
