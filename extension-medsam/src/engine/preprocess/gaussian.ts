/**
 * The anti-aliasing Gaussian of scikit-image's resize, as scipy.ndimage.gaussian_filter computes it:
 * truncate 4.0, kernel radius int(4 * sigma + 0.5), weights exp(-0.5 / sigma^2 * x^2) divided by their numpy
 * (pairwise) sum, boundary 'mirror', one axis after the other (axis 0 first), float64 throughout, and the
 * symmetric-kernel summation order of ndimage's correlate1d. Keeping that order bit for bit matters: flat regions
 * of the uint8 image land exactly on integers, and the later truncation to uint8 turns a one-ulp difference into a
 * whole grey level (see resize-spline.ts).
 */
import { mirrorIndex } from './lines';

export const GAUSSIAN_TRUNCATE = 4.0;

/** numpy's pairwise summation (add.reduce on a contiguous float64 array), which decides the kernel's last bits. */
export function numpyPairwiseSum(a: Float64Array, start = 0, n = a.length): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [
      a[start],
      a[start + 1],
      a[start + 2],
      a[start + 3],
      a[start + 4],
      a[start + 5],
      a[start + 6],
      a[start + 7],
    ];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return numpyPairwiseSum(a, start, n2) + numpyPairwiseSum(a, start + n2, n - n2);
}

/** The normalised 1-D kernel of scipy.ndimage.gaussian_filter1d (order 0); symmetric, length 2 * radius + 1. */
export function gaussianKernel(sigma: number, truncate = GAUSSIAN_TRUNCATE): Float64Array {
  const radius = Math.trunc(truncate * sigma + 0.5);
  const sigma2 = sigma * sigma;
  const a = -0.5 / sigma2;
  const phi = new Float64Array(2 * radius + 1);
  for (let i = 0; i < phi.length; i++) {
    const x = i - radius;
    phi[i] = Math.exp(a * (x * x));
  }
  const sum = numpyPairwiseSum(phi);
  for (let i = 0; i < phi.length; i++) phi[i] = phi[i] / sum;
  return phi;
}

/** Correlates each row with a symmetric kernel in place, boundary 'mirror', in ndimage's summation order. */
function correlateRows(plane: Float64Array, rows: number, cols: number, kernel: Float64Array): void {
  const radius = (kernel.length - 1) >> 1;
  const centre = kernel[radius];
  const scratch = new Float64Array(cols + 2 * radius);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let i = -radius; i < cols + radius; i++) scratch[i + radius] = plane[base + mirrorIndex(i, cols)];
    for (let i = 0; i < cols; i++) {
      const c = i + radius;
      let acc = scratch[c] * centre;
      for (let d = radius; d >= 1; d--) acc += (scratch[c - d] + scratch[c + d]) * kernel[radius - d];
      plane[base + i] = acc;
    }
  }
}

/**
 * The same correlation along each column, computed a row at a time so that memory is read in order: the per-sample
 * arithmetic is identical to ndimage's line-by-line loop. Rows above the current one have been overwritten already;
 * their original values are kept in a ring of the last `radius` rows (mirrored indices never reach further back).
 */
function correlateColumns(plane: Float64Array, rows: number, cols: number, kernel: Float64Array): void {
  const radius = (kernel.length - 1) >> 1;
  const centre = kernel[radius];
  const ringRows = radius + 1;
  const ring = new Float64Array(ringRows * cols);
  const acc = new Float64Array(cols);
  const sourceOf = (m: number, current: number): { data: Float64Array; offset: number } =>
    m < current ? { data: ring, offset: (m % ringRows) * cols } : { data: plane, offset: m * cols };
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let x = 0; x < cols; x++) acc[x] = plane[base + x] * centre;
    for (let d = radius; d >= 1; d--) {
      const above = sourceOf(mirrorIndex(r - d, rows), r);
      const below = sourceOf(mirrorIndex(r + d, rows), r);
      const w = kernel[radius - d];
      const a = above.data;
      const b = below.data;
      const ao = above.offset;
      const bo = below.offset;
      for (let x = 0; x < cols; x++) acc[x] += (a[ao + x] + b[bo + x]) * w;
    }
    ring.set(plane.subarray(base, base + cols), (r % ringRows) * cols);
    plane.set(acc, base);
  }
}

/**
 * scipy.ndimage.gaussian_filter(plane, (sigmaRows, sigmaCols), mode='mirror') in place (axis 0, then axis 1).
 * ndimage skips an axis whose sigma is not above 1e-15, which is what makes the filter a no-op on an axis that is
 * being enlarged.
 */
export function gaussianFilterPlane(
  plane: Float64Array,
  rows: number,
  cols: number,
  sigmaRows: number,
  sigmaCols: number,
): void {
  if (sigmaRows > 1e-15) correlateColumns(plane, rows, cols, gaussianKernel(sigmaRows));
  if (sigmaCols > 1e-15) correlateRows(plane, rows, cols, gaussianKernel(sigmaCols));
}
