/**
 * MedSAM's resize: skimage.transform.resize(img_3c, (S, S), order=3, preserve_range=True, anti_aliasing=True)
 * followed by .astype(np.uint8), on an H x W x 3 uint8 image (a grey slice repeated to 3 channels, or RGB).
 *
 * What scikit-image 0.26 does there, and what this module reproduces:
 * 1. image -> float64 (preserve_range keeps the 0..255 values).
 * 2. Anti-aliasing: scipy.ndimage.gaussian_filter with sigma = max(0, (in/out - 1) / 2) per axis (0 on an axis that
 *    is enlarged, and on the channel axis), mode 'mirror' (skimage's mode='reflect' is ndimage's 'mirror'),
 *    truncate 4.0 (gaussian.ts).
 * 3. scipy.ndimage.zoom(order=3, mode='mirror', grid_mode=True): a cubic B-spline prefilter along each axis
 *    (axis 0, 1, then the channel axis), then at output index k the input coordinate (k + 0.5) * in/out - 0.5,
 *    4 taps per axis with mirrored indices, all 4 x 4 x 4 taps summed in one sequence.
 * 4. clip=True: the result is clipped to [min, max] of the input image (over all channels), so spline overshoot
 *    never reaches the uint8 cast.
 * 5. astype(np.uint8) truncates toward zero.
 *
 * Why parts of this are bit-exact rather than merely close: in flat regions of the uint8 image the spline returns
 * the flat value up to an ulp either way (e.g. 99.99999999999997 instead of 100), and the truncation turns that into
 * a whole grey level. The official pipeline therefore has speckle of +-1 in flat areas, and even its three channels
 * of a repeated grey image differ there (the channel-axis prefilter rounds each channel differently). We compute
 * every output sample with a fast separable interpolation; where that value lies within 1e-9 of an integer (only
 * flat neighbourhoods do), we recompute the sample with ndimage's exact arithmetic: same prefilter order, the
 * channel-axis prefilter, and the 64-tap sum in ndimage's order. That needs the Gaussian and prefilter stages to
 * match SciPy bit for bit, which they do by construction (same operations in the same order, IEEE float64), except
 * where libm's exp/pow and V8's differ by an ulp (the Gaussian weights), which can flip such a flat pixel by one
 * grey level; the parity tests measure it.
 */
import { gaussianFilterPlane } from './gaussian';
import { mirrorIndex } from './lines';

/** An 8-bit image, channels interleaved (H x W x C as numpy stores it). */
export interface Uint8Image {
  rows: number;
  columns: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** ndimage's pole of the cubic B-spline prefilter, sqrt(3) - 2, as the literal SciPy uses. */
// eslint-disable-next-line no-loss-of-precision -- SciPy's literal, kept as written so the source can be compared
const POLE = -0.267949192431122706472553658494127633;
/** ndimage's filter gain for one pole: gain = 1.0; gain *= (1 - z) * (1 - 1/z). */
const GAIN = 1.0 * ((1.0 - POLE) * (1.0 - 1.0 / POLE));
/** Half-width of the band around an integer in which the fast value cannot decide the truncation. */
const AMBIGUITY = 1e-9;

/** ndimage's in-place cubic B-spline prefilter of one line, boundary 'mirror' (ni_splines.c, apply_filter). */
export function splinePrefilterLine(c: Float64Array): void {
  const n = c.length;
  if (n <= 1) return;
  const z = POLE;
  for (let i = 0; i < n; i++) c[i] *= GAIN;
  // Causal initialisation for mirror boundaries. Once z^i underflows to zero the remaining terms add +0,
  // which leaves c[0] unchanged, so stopping there is exact.
  let zi = z;
  const zn1 = Math.pow(z, n - 1);
  c[0] = c[0] + zn1 * c[n - 1];
  for (let i = 1; i < n - 1 && zi !== 0; i++) {
    c[0] += zi * (c[i] + zn1 * c[n - 1 - i]);
    zi *= z;
  }
  c[0] /= 1 - zn1 * zn1;
  for (let i = 1; i < n; i++) c[i] += z * c[i - 1];
  c[n - 1] = ((z * c[n - 2] + c[n - 1]) * z) / (z * z - 1);
  for (let i = n - 2; i >= 0; i--) c[i] = z * (c[i + 1] - c[i]);
}

/**
 * splinePrefilterLine applied to every column, a row at a time (memory read in order); per column the operations and
 * their order are those of the line version, so the results are identical.
 */
export function splinePrefilterColumns(plane: Float64Array, rows: number, cols: number): void {
  const n = rows;
  if (n <= 1) return;
  const z = POLE;
  const row = (i: number): Float64Array => plane.subarray(i * cols, (i + 1) * cols);
  for (let i = 0; i < plane.length; i++) plane[i] *= GAIN;
  const first = row(0);
  const lastRow = row(n - 1);
  const zn1 = Math.pow(z, n - 1);
  for (let x = 0; x < cols; x++) first[x] = first[x] + zn1 * lastRow[x];
  let zi = z;
  for (let i = 1; i < n - 1 && zi !== 0; i++) {
    const a = row(i);
    const b = row(n - 1 - i);
    for (let x = 0; x < cols; x++) first[x] += zi * (a[x] + zn1 * b[x]);
    zi *= z;
  }
  const denominator = 1 - zn1 * zn1;
  for (let x = 0; x < cols; x++) first[x] /= denominator;
  for (let i = 1; i < n; i++) {
    const base = i * cols;
    const prev = base - cols;
    for (let x = 0; x < cols; x++) plane[base + x] += z * plane[prev + x];
  }
  const secondLast = row(n - 2);
  for (let x = 0; x < cols; x++) lastRow[x] = ((z * secondLast[x] + lastRow[x]) * z) / (z * z - 1);
  for (let i = n - 2; i >= 0; i--) {
    const base = i * cols;
    const next = base + cols;
    for (let x = 0; x < cols; x++) plane[base + x] = z * (plane[next + x] - plane[base + x]);
  }
}

/** ndimage's get_spline_interpolation_weights for order 3; writes 4 weights at out[offset..offset+3]. */
function cubicWeights(cc: number, out: Float64Array, offset: number): void {
  const x = cc - Math.floor(cc);
  const y = x;
  const z = 1.0 - x;
  const w1 = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0;
  const w2 = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
  const w0 = (z * z * z) / 6.0;
  let w3 = 1.0;
  w3 -= w0;
  w3 -= w1;
  w3 -= w2;
  out[offset] = w0;
  out[offset + 1] = w1;
  out[offset + 2] = w2;
  out[offset + 3] = w3;
}

/** ndimage's map_coordinate for mode 'mirror' on a real coordinate. */
function mapCoordinateMirror(coordinate: number, length: number): number {
  let c = coordinate;
  if (c < 0) {
    if (length <= 1) return 0;
    const period = 2 * length - 2;
    c = period * Math.trunc(-c / period) + c;
    c = c <= 1 - length ? c + period : -c;
  } else if (c > length - 1) {
    if (length <= 1) return 0;
    const period = 2 * length - 2;
    c -= period * Math.trunc(c / period);
    if (c >= length) c = period - c;
  }
  return c;
}

/** Per output index along one axis: the 4 input indices (mirrored) and the 4 spline weights. */
interface AxisTable {
  index: Int32Array;
  weight: Float64Array;
}

/** ndimage.zoom's per-axis table for grid_mode=True, mode='mirror', order 3. */
function axisTable(inLength: number, outLength: number): AxisTable {
  const zoom = inLength / outLength;
  const index = new Int32Array(outLength * 4);
  const weight = new Float64Array(outLength * 4);
  for (let k = 0; k < outLength; k++) {
    let cc = k;
    cc += 0.5;
    cc *= zoom;
    cc -= 0.5;
    cc = mapCoordinateMirror(cc, inLength);
    const start = Math.floor(cc) - 1;
    for (let t = 0; t < 4; t++) index[k * 4 + t] = mirrorIndex(start + t, inLength);
    cubicWeights(cc, weight, k * 4);
  }
  return { index, weight };
}

/** The channel axis (length 3, zoom 1): output channel c reads these prefiltered channels with these weights. */
const CHANNEL_TAPS = Int32Array.from([0, 1, 2].flatMap(c => [0, 1, 2, 3].map(t => mirrorIndex(c - 1 + t, 3))));
const CHANNEL_WEIGHTS = (() => {
  const w = new Float64Array(12);
  for (let c = 0; c < 3; c++) cubicWeights(c, w, c * 4);
  return w;
})();
/** pow(z, n - 1) for the 3-sample channel line, as ndimage computes it for that line. */
const POLE_SQUARED = Math.pow(POLE, 2);

function channelAsFloat64(data: Uint8Array, channels: number, channel: number, count: number): Float64Array {
  const plane = new Float64Array(count);
  for (let i = 0, p = channel; i < count; i++, p += channels) plane[i] = data[p];
  return plane;
}

/** Spline coefficients of each channel plane after the Gaussian and the axis-0 and axis-1 prefilters. */
function coefficientPlanes(image: Uint8Image, outRows: number, outCols: number): Float64Array[] {
  const { rows, columns, channels, data } = image;
  const sigmaRows = Math.max(0, (rows / outRows - 1) / 2);
  const sigmaCols = Math.max(0, (columns / outCols - 1) / 2);
  const planes: Float64Array[] = [];
  for (let ch = 0; ch < channels; ch++) {
    const plane = channelAsFloat64(data, channels, ch, rows * columns);
    gaussianFilterPlane(plane, rows, columns, sigmaRows, sigmaCols);
    splinePrefilterColumns(plane, rows, columns);
    for (let r = 0; r < rows; r++) splinePrefilterLine(plane.subarray(r * columns, (r + 1) * columns));
    planes.push(plane);
  }
  return planes;
}

/** Horizontal pass of the fast interpolation, for the input rows that some output row reads. */
function interpolateRows(
  plane: Float64Array,
  rows: number,
  columns: number,
  xs: AxisTable,
  outCols: number,
  needed: Uint8Array,
): Float64Array {
  const tmp = new Float64Array(rows * outCols);
  const { index, weight } = xs;
  for (let r = 0; r < rows; r++) {
    if (!needed[r]) continue;
    const base = r * columns;
    const out = r * outCols;
    for (let k = 0, t = 0; k < outCols; k++, t += 4) {
      tmp[out + k] =
        plane[base + index[t]] * weight[t] +
        plane[base + index[t + 1]] * weight[t + 1] +
        plane[base + index[t + 2]] * weight[t + 2] +
        plane[base + index[t + 3]] * weight[t + 3];
    }
  }
  return tmp;
}

/**
 * Output samples of channels first..last at (j, k) with ndimage's exact arithmetic: at each of the 4 x 4 spatial
 * taps the channel-axis prefilter of the three channel coefficients (splinePrefilterLine unrolled for n = 3), then
 * the 64 products ((c * wy) * wx) * wc summed in ndimage's tap order (row tap slowest, channel tap fastest).
 */
function exactPixel(
  planes: Float64Array[],
  columns: number,
  ys: AxisTable,
  xs: AxisTable,
  j: number,
  k: number,
  first: number,
  last: number,
  result: Float64Array,
): void {
  const z = POLE;
  const p0 = planes[0];
  const p1 = planes.length === 3 ? planes[1] : p0;
  const p2 = planes.length === 3 ? planes[2] : p0;
  const ct = CHANNEL_TAPS;
  const cw = CHANNEL_WEIGHTS;
  let t0 = 0.0;
  let t1 = 0.0;
  let t2 = 0.0;
  for (let a0 = 0; a0 < 4; a0++) {
    const row = ys.index[j * 4 + a0] * columns;
    const wy = ys.weight[j * 4 + a0];
    for (let a1 = 0; a1 < 4; a1++) {
      const p = row + xs.index[k * 4 + a1];
      const wx = xs.weight[k * 4 + a1];
      let c0 = p0[p] * GAIN;
      let c1 = p1[p] * GAIN;
      let c2 = p2[p] * GAIN;
      c0 = c0 + POLE_SQUARED * c2;
      c0 += z * (c1 + POLE_SQUARED * c1);
      c0 /= 1 - POLE_SQUARED * POLE_SQUARED;
      c1 += z * c0;
      c2 += z * c1;
      c2 = ((z * c1 + c2) * z) / (z * z - 1);
      c1 = z * (c2 - c1);
      c0 = z * (c1 - c0);
      const q0 = c0 * wy * wx;
      const q1 = c1 * wy * wx;
      const q2 = c2 * wy * wx;
      for (let c = first; c <= last; c++) {
        let t = c === 0 ? t0 : c === 1 ? t1 : t2;
        for (let a2 = 0; a2 < 4; a2++) {
          const s = ct[c * 4 + a2];
          t += (s === 0 ? q0 : s === 1 ? q1 : q2) * cw[c * 4 + a2];
        }
        if (c === 0) t0 = t;
        else if (c === 1) t1 = t;
        else t2 = t;
      }
    }
  }
  result[0] = t0;
  result[1] = t1;
  result[2] = t2;
}

/** Statistics a caller may want to log: how many samples needed the exact path. */
export interface SplineResizeStats {
  exactSamples: number;
}

/**
 * The resized uint8 image as three planes (R, G, B). For a grey image the planes are the same array object unless
 * the exact path made the repeated channels differ somewhere (flat regions), in which case they are three arrays.
 */
export interface ResizedPlanes {
  planes: [Uint8Array, Uint8Array, Uint8Array];
  /** Smallest and largest value over all three planes (what MedSAM's per-image min-max uses). */
  min: number;
  max: number;
}

function planeRange(planes: Uint8Array[]): { min: number; max: number } {
  let min = 255;
  let max = 0;
  for (const plane of new Set(planes)) {
    for (let i = 0; i < plane.length; i++) {
      const v = plane[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max };
}

function uint8Range(data: Uint8Array): { lo: number; hi: number } {
  let lo = 255;
  let hi = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi };
}

/**
 * Vertical pass of the fast interpolation for one channel: clip to [lo, hi] and truncate, as skimage and astype do.
 * Samples whose value is within AMBIGUITY of an integer that the truncation could land on either side of are not
 * written; their indices are returned for the exact path.
 */
function interpolateColumns(
  tmp: Float64Array,
  ys: AxisTable,
  outRows: number,
  outCols: number,
  lo: number,
  hi: number,
  target: Uint8Array,
): number[] {
  const ambiguous: number[] = [];
  const { index, weight } = ys;
  for (let j = 0; j < outRows; j++) {
    const t4 = j * 4;
    const r0 = index[t4] * outCols;
    const r1 = index[t4 + 1] * outCols;
    const r2 = index[t4 + 2] * outCols;
    const r3 = index[t4 + 3] * outCols;
    const w0 = weight[t4];
    const w1 = weight[t4 + 1];
    const w2 = weight[t4 + 2];
    const w3 = weight[t4 + 3];
    const rowOut = j * outCols;
    for (let k = 0; k < outCols; k++) {
      const v = tmp[r0 + k] * w0 + tmp[r1 + k] * w1 + tmp[r2 + k] * w2 + tmp[r3 + k] * w3;
      // Round half up; below -0.5 the truncation is off, but such values are below lo (>= 0) and never ambiguous.
      const nearest = (v + 0.5) | 0;
      const d = v - nearest;
      if (d < AMBIGUITY && d > -AMBIGUITY && nearest > lo && nearest <= hi) {
        ambiguous.push(rowOut + k);
        continue;
      }
      target[rowOut + k] = v < lo ? lo : v > hi ? hi : v | 0;
    }
  }
  return ambiguous;
}

/**
 * Resizes to outRows x outCols as MedSAM's skimage call does (for a grey image, the call on the image repeated to
 * three channels, whose channels can differ by one grey level in flat regions, as in the official code).
 */
export function resizeSplineUint8(
  image: Uint8Image,
  outRows: number,
  outCols: number,
  stats?: SplineResizeStats,
): ResizedPlanes {
  const { rows, columns, channels, data } = image;
  const size = outRows * outCols;
  if (stats) stats.exactSamples = 0;
  if (rows === outRows && columns === outCols) {
    // ndimage.zoom returns its input unchanged when every zoom factor is 1.
    const planes = deinterleave(image);
    return { planes, ...planeRange(planes) };
  }
  const { lo, hi } = uint8Range(data);
  const coefficients = coefficientPlanes(image, outRows, outCols);
  const ys = axisTable(rows, outRows);
  const xs = axisTable(columns, outCols);
  const needed = new Uint8Array(rows);
  for (let i = 0; i < ys.index.length; i++) needed[ys.index[i]] = 1;
  const exact = new Float64Array(3);
  let exactSamples = 0;
  const out: Uint8Array[] = [];
  // Grey: channels 1 and 2 where the exact path made them differ from channel 0 (index, value1, value2).
  const greyPatches: number[] = [];
  for (let ch = 0; ch < channels; ch++) {
    const tmp = interpolateRows(coefficients[ch], rows, columns, xs, outCols, needed);
    const target = new Uint8Array(size);
    out.push(target);
    const ambiguous = interpolateColumns(tmp, ys, outRows, outCols, lo, hi, target);
    // Flat neighbourhoods: the truncation depends on the last bits, so redo these samples as ndimage does them.
    const first = channels === 3 ? ch : 0;
    const last = channels === 3 ? ch : 2;
    for (const i of ambiguous) {
      const j = (i / outCols) | 0;
      const k = i - j * outCols;
      exactPixel(coefficients, columns, ys, xs, j, k, first, last, exact);
      for (let c = first; c <= last; c++) {
        const e = exact[c];
        exact[c] = e < lo ? lo : e > hi ? hi : e | 0;
      }
      exactSamples += last - first + 1;
      target[i] = exact[first];
      if (channels === 1 && (exact[1] !== exact[0] || exact[2] !== exact[0])) greyPatches.push(i, exact[1], exact[2]);
    }
  }
  if (stats) stats.exactSamples = exactSamples;
  let planes: [Uint8Array, Uint8Array, Uint8Array];
  if (channels === 3) {
    planes = [out[0], out[1], out[2]];
  } else if (greyPatches.length === 0) {
    planes = [out[0], out[0], out[0]];
  } else {
    const p1 = out[0].slice();
    const p2 = out[0].slice();
    for (let i = 0; i < greyPatches.length; i += 3) {
      p1[greyPatches[i]] = greyPatches[i + 1];
      p2[greyPatches[i]] = greyPatches[i + 2];
    }
    planes = [out[0], p1, p2];
  }
  return { planes, ...planeRange(planes) };
}

function deinterleave(image: Uint8Image): [Uint8Array, Uint8Array, Uint8Array] {
  const { data, channels } = image;
  if (channels === 1) {
    const p = data.slice();
    return [p, p, p];
  }
  const n = data.length / 3;
  const planes: [Uint8Array, Uint8Array, Uint8Array] = [new Uint8Array(n), new Uint8Array(n), new Uint8Array(n)];
  for (let i = 0; i < n; i++) {
    planes[0][i] = data[3 * i];
    planes[1][i] = data[3 * i + 1];
    planes[2][i] = data[3 * i + 2];
  }
  return planes;
}
