/**
 * Exact Euclidean distance transform with anisotropic spacing (Felzenszwalb & Huttenlocher's separable lower envelope
 * of parabolas), on a row-major volume [n0, n1, n2] (a 2D image is [1, rows, cols]).
 *
 * The passes run along axis 0, then 1, then 2, and each adds ((q - p) * s) * ((q - p) * s), so the squared distance to
 * the nearest feature is summed in the same order and with the same roundings as scipy.ndimage.distance_transform_edt
 * (sum over axes 0, 1, 2 of (offset * sampling)^2, then sqrt), which the reference metrics use.
 */

/** One 1D transform: out[q] = min_p f[p] + ((q - p) * s)^2 over the finite f[p]; Infinity when there are none. */
function transform1d(f: Float64Array, n: number, s: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  const s2 = s * s;
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q];
    if (fq === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    const hq = fq + s2 * q * q;
    let r = v[k];
    // Intersection (in index units) of the parabolas rooted at r and q.
    let x = (hq - (f[r] + s2 * r * r)) / (2 * s2 * (q - r));
    while (x <= z[k]) {
      k--;
      if (k < 0) break;
      r = v[k];
      x = (hq - (f[r] + s2 * r * r)) / (2 * s2 * (q - r));
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : x;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    out.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const p = v[j];
    const d = (q - p) * s;
    out[q] = f[p] + d * d;
  }
}

/**
 * Squared distances (mm^2) from every voxel to the nearest feature voxel (feature[i] !== 0). Infinity everywhere when
 * there is no feature.
 */
export function squaredDistanceTransform(
  feature: Uint8Array,
  dims: readonly [number, number, number],
  spacing: readonly [number, number, number],
): Float64Array {
  const [n0, n1, n2] = dims;
  const total = n0 * n1 * n2;
  const d = new Float64Array(total);
  for (let i = 0; i < total; i++) d[i] = feature[i] !== 0 ? 0 : Infinity;
  const maxN = Math.max(n0, n1, n2);
  const f = new Float64Array(maxN);
  const out = new Float64Array(maxN);
  const v = new Int32Array(maxN);
  const z = new Float64Array(maxN + 1);

  const pass = (n: number, stride: number, s: number, lineStarts: (visit: (start: number) => void) => void) => {
    lineStarts(start => {
      for (let q = 0, i = start; q < n; q++, i += stride) f[q] = d[i];
      transform1d(f, n, s, out, v, z);
      for (let q = 0, i = start; q < n; q++, i += stride) d[i] = out[q];
    });
  };
  // axis 0: one line per (i1, i2)
  pass(n0, n1 * n2, spacing[0], visit => {
    for (let i = 0; i < n1 * n2; i++) visit(i);
  });
  // axis 1: one line per (i0, i2)
  pass(n1, n2, spacing[1], visit => {
    for (let a = 0; a < n0; a++) for (let c = 0; c < n2; c++) visit(a * n1 * n2 + c);
  });
  // axis 2: one line per (i0, i1), contiguous
  pass(n2, 1, spacing[2], visit => {
    for (let r = 0; r < n0 * n1; r++) visit(r * n2);
  });
  return d;
}
