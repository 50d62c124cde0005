/**
 * Surface distances and the normalised surface distance (NSD, "surface Dice at tolerance tau"), following DeepMind's
 * surface-distance algorithm (the evaluation of the MedSAM paper) so that the values agree with it to ~1e-12:
 *
 *  1. Crop both masks to the bounding box of A | B (zero outside the image).
 *  2. At every voxel CORNER of the crop (one more per axis than voxels), the neighbour code of the 2x2 (2D) or 2x2x2
 *     (3D) voxels around it: 2D bits top-left 8, top-right 4, bottom-left 2, bottom-right 1; 3D bit 1 << (7 - (4a+2b+c))
 *     for the voxel at offset (a - 1, b - 1, c - 1) along (axis 0, 1, 2).
 *  3. A corner whose code is neither 0 nor all-ones is a border element. Its measure is the marching-squares contour
 *     length (2D) or the marching-cubes surface area (3D) of that configuration, scaled by the spacing.
 *  4. Distances between border corners of A and of B by an exact Euclidean distance transform with the spacing.
 *  5. NSD(tau) = (measure of A's border within tau of B's + measure of B's border within tau of A's)
 *                / (measure of A's border + measure of B's border).
 *
 * Empty masks: one empty -> NSD 0 (its distances are infinite), as the references. Both empty -> the references
 * return NaN; this engine returns 1 (nothing to segment, nothing segmented: perfect agreement), like dice().
 */
import { MedsamError } from '../errors';
import { squaredDistanceTransform } from './edt';
import { SURFEL_NORMALS_EIGHTHS } from './surfelNormals';

/** [rows, cols] for a 2D mask, [slices, rows, cols] for a 3D one; masks are row-major (C order) in this shape. */
export type MaskShape = readonly [number, number] | readonly [number, number, number];

export interface SurfaceDistances {
  /** For each border element of A: distance (mm) to B's border (Infinity when B is empty). */
  readonly distancesAToB: Float64Array;
  /** For each border element of A: its contour length (2D, mm) or surface area (3D, mm^2). */
  readonly measureA: Float64Array;
  readonly distancesBToA: Float64Array;
  readonly measureB: Float64Array;
}

export function checkMasks(a: ArrayLike<number>, b: ArrayLike<number>, shape: MaskShape): number {
  if (shape.length !== 2 && shape.length !== 3) {
    throw new MedsamError(
      'SHAPE_MISMATCH',
      `Masks must be 2D or 3D, got shape [${(shape as readonly number[]).join(', ')}]`,
      {
        shape,
      },
    );
  }
  let n = 1;
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 1) {
      throw new MedsamError(
        'SHAPE_MISMATCH',
        `Mask shape [${shape.join(', ')}] has a side that is not a positive integer`,
        {
          shape,
        },
      );
    }
    n *= s;
  }
  if (a.length !== n || b.length !== n) {
    throw new MedsamError(
      'SHAPE_MISMATCH',
      `Masks have ${a.length} and ${b.length} voxels, shape [${shape.join(', ')}] needs ${n}`,
      { lengthA: a.length, lengthB: b.length, shape },
    );
  }
  return n;
}

function checkSpacing(spacingMm: readonly number[], shape: MaskShape): void {
  if (spacingMm.length !== shape.length) {
    throw new MedsamError(
      'SHAPE_MISMATCH',
      `Spacing has ${spacingMm.length} values for a ${shape.length}D mask (give one per axis, in the shape's order)`,
      { spacingMm, shape },
    );
  }
  if (!spacingMm.every(s => Number.isFinite(s) && s > 0)) {
    throw new MedsamError('INVALID_IMAGE', `Spacing [${spacingMm.join(', ')}] mm must be finite and positive`, {
      spacingMm,
    });
  }
}

/** Contour length per 2D code: marching squares with edge midpoints, spacing [s0 (rows), s1 (cols)]. */
function contourLengthTable(s0: number, s1: number): Float64Array {
  const t = new Float64Array(16);
  const diag = 0.5 * Math.sqrt(s0 * s0 + s1 * s1); // corner cut: between the midpoints of two adjacent cell edges
  for (const c of [1, 2, 4, 8, 7, 11, 13, 14]) t[c] = diag; // one voxel in, or one voxel out
  t[0b0011] = s1; // bottom pair in: a line across the cell along axis 1
  t[0b1100] = s1;
  t[0b0101] = s0; // right pair in: a line along axis 0
  t[0b1010] = s0;
  t[0b0110] = 2 * diag; // diagonal pairs: two corner cuts
  t[0b1001] = 2 * diag;
  return t;
}

/** Surface area per 3D code: the marching-cubes triangles' normals scaled by the spacing (see surfelNormals.ts). */
function surfaceAreaTable(s0: number, s1: number, s2: number): Float64Array {
  const t = new Float64Array(256);
  const k0 = s1 * s2;
  const k1 = s0 * s2;
  const k2 = s0 * s1;
  for (let code = 0; code < 256; code++) {
    let sum = 0;
    for (const [a, b, c] of SURFEL_NORMALS_EIGHTHS[code]) {
      const x = (a / 8) * k0;
      const y = (b / 8) * k1;
      const z = (c / 8) * k2;
      sum += Math.sqrt(x * x + y * y + z * z);
    }
    t[code] = sum;
  }
  return t;
}

interface Crop {
  /** Corner grid dimensions (3D; a 2D mask is one slice). */
  dims: [number, number, number];
  codesA: Uint8Array;
  codesB: Uint8Array;
}

/** Neighbour codes at every corner of the union's bounding box, or null when both masks are empty. */
function cornerCodes(a: ArrayLike<number>, b: ArrayLike<number>, shape: MaskShape): Crop | null {
  const is3d = shape.length === 3;
  const [N0, N1, N2] = is3d ? shape : [1, shape[0], shape[1]];
  let lo0 = N0,
    lo1 = N1,
    lo2 = N2,
    hi0 = -1,
    hi1 = -1,
    hi2 = -1;
  for (let i0 = 0, i = 0; i0 < N0; i0++) {
    for (let i1 = 0; i1 < N1; i1++) {
      for (let i2 = 0; i2 < N2; i2++, i++) {
        if (a[i] !== 0 || b[i] !== 0) {
          if (i0 < lo0) lo0 = i0;
          if (i0 > hi0) hi0 = i0;
          if (i1 < lo1) lo1 = i1;
          if (i1 > hi1) hi1 = i1;
          if (i2 < lo2) lo2 = i2;
          if (i2 > hi2) hi2 = i2;
        }
      }
    }
  }
  if (hi0 < 0) return null;
  // Crop with a zero margin of one voxel on every side: P[k+1][j+1][i+1] = mask[lo + (k, j, i)].
  const c0 = hi0 - lo0 + 1,
    c1 = hi1 - lo1 + 1,
    c2 = hi2 - lo2 + 1;
  const p0 = is3d ? c0 + 2 : 1,
    p1 = c1 + 2,
    p2 = c2 + 2;
  const off0 = is3d ? 1 : 0;
  const pa = new Uint8Array(p0 * p1 * p2);
  const pb = new Uint8Array(p0 * p1 * p2);
  for (let k = 0; k < c0; k++) {
    for (let j = 0; j < c1; j++) {
      const src = ((lo0 + k) * N1 + (lo1 + j)) * N2 + lo2;
      const dst = ((k + off0) * p1 + (j + 1)) * p2 + 1;
      for (let i = 0; i < c2; i++) {
        pa[dst + i] = a[src + i] !== 0 ? 1 : 0;
        pb[dst + i] = b[src + i] !== 0 ? 1 : 0;
      }
    }
  }
  // Corners: one more than voxels along each axis (a 2D mask keeps a single slice).
  const d0 = is3d ? c0 + 1 : 1,
    d1 = c1 + 1,
    d2 = c2 + 1;
  const codesA = new Uint8Array(d0 * d1 * d2);
  const codesB = new Uint8Array(d0 * d1 * d2);
  const s1 = p2,
    s0 = p1 * p2;
  for (let k = 0, o = 0; k < d0; k++) {
    for (let j = 0; j < d1; j++) {
      for (let i = 0; i < d2; i++, o++) {
        const q = k * s0 + j * s1 + i; // P index of the corner's (-1, -1, -1) voxel
        if (is3d) {
          codesA[o] =
            (pa[q] << 7) |
            (pa[q + 1] << 6) |
            (pa[q + s1] << 5) |
            (pa[q + s1 + 1] << 4) |
            (pa[q + s0] << 3) |
            (pa[q + s0 + 1] << 2) |
            (pa[q + s0 + s1] << 1) |
            pa[q + s0 + s1 + 1];
          codesB[o] =
            (pb[q] << 7) |
            (pb[q + 1] << 6) |
            (pb[q + s1] << 5) |
            (pb[q + s1 + 1] << 4) |
            (pb[q + s0] << 3) |
            (pb[q + s0 + 1] << 2) |
            (pb[q + s0 + s1] << 1) |
            pb[q + s0 + s1 + 1];
        } else {
          codesA[o] = (pa[q] << 3) | (pa[q + 1] << 2) | (pa[q + s1] << 1) | pa[q + s1 + 1];
          codesB[o] = (pb[q] << 3) | (pb[q + 1] << 2) | (pb[q + s1] << 1) | pb[q + s1 + 1];
        }
      }
    }
  }
  return { dims: [d0, d1, d2], codesA, codesB };
}

/**
 * Border elements of A and B with their measures and their distances to the other border (unsorted).
 * spacingMm has one value per axis in the shape's order: [row spacing, column spacing] in 2D (DICOM PixelSpacing
 * order), [slice spacing, row spacing, column spacing] in 3D.
 */
export function surfaceDistances(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: MaskShape,
  spacingMm: readonly number[],
): SurfaceDistances {
  checkMasks(a, b, shape);
  checkSpacing(spacingMm, shape);
  const crop = cornerCodes(a, b, shape);
  const empty = new Float64Array(0);
  if (crop === null) return { distancesAToB: empty, measureA: empty, distancesBToA: empty, measureB: empty };
  const is3d = shape.length === 3;
  const spacing3: [number, number, number] = is3d
    ? [spacingMm[0], spacingMm[1], spacingMm[2]]
    : [1, spacingMm[0], spacingMm[1]];
  const table = is3d
    ? surfaceAreaTable(spacing3[0], spacing3[1], spacing3[2])
    : contourLengthTable(spacing3[1], spacing3[2]);
  const full = is3d ? 255 : 15;
  const { codesA, codesB, dims } = crop;
  const n = codesA.length;
  const borderA = new Uint8Array(n);
  const borderB = new Uint8Array(n);
  let countA = 0;
  let countB = 0;
  for (let i = 0; i < n; i++) {
    const ca = codesA[i];
    const cb = codesB[i];
    if (ca !== 0 && ca !== full) {
      borderA[i] = 1;
      countA++;
    }
    if (cb !== 0 && cb !== full) {
      borderB[i] = 1;
      countB++;
    }
  }
  const toB = countB > 0 ? squaredDistanceTransform(borderB, dims, spacing3) : null;
  const toA = countA > 0 ? squaredDistanceTransform(borderA, dims, spacing3) : null;
  const distancesAToB = new Float64Array(countA);
  const measureA = new Float64Array(countA);
  const distancesBToA = new Float64Array(countB);
  const measureB = new Float64Array(countB);
  for (let i = 0, ia = 0, ib = 0; i < n; i++) {
    if (borderA[i]) {
      distancesAToB[ia] = toB ? Math.sqrt(toB[i]) : Infinity;
      measureA[ia++] = table[codesA[i]];
    }
    if (borderB[i]) {
      distancesBToA[ib] = toA ? Math.sqrt(toA[i]) : Infinity;
      measureB[ib++] = table[codesB[i]];
    }
  }
  return { distancesAToB, measureA, distancesBToA, measureB };
}

/** NSD at several tolerances (mm) from one set of surface distances; both masks empty gives 1 (see the module comment). */
export function normalizedSurfaceDistances(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: MaskShape,
  spacingMm: readonly number[],
  tausMm: readonly number[],
): number[] {
  for (const t of tausMm) {
    if (!(t >= 0) || !Number.isFinite(t)) {
      throw new MedsamError('INVALID_IMAGE', `NSD tolerance ${t} mm must be a finite number >= 0`, { tauMm: t });
    }
  }
  const sd = surfaceDistances(a, b, shape, spacingMm);
  let total = 0;
  for (const m of sd.measureA) total += m;
  for (const m of sd.measureB) total += m;
  if (total === 0) return tausMm.map(() => 1);
  return tausMm.map(tau => {
    let within = 0;
    for (let i = 0; i < sd.distancesAToB.length; i++) if (sd.distancesAToB[i] <= tau) within += sd.measureA[i];
    for (let i = 0; i < sd.distancesBToA.length; i++) if (sd.distancesBToA[i] <= tau) within += sd.measureB[i];
    return within / total;
  });
}

/** Normalised surface distance (surface Dice) at tolerance tauMm; the paper uses tau = 2 mm. */
export function normalizedSurfaceDistance(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: MaskShape,
  spacingMm: readonly number[],
  tauMm: number,
): number {
  return normalizedSurfaceDistances(a, b, shape, spacingMm, [tauMm])[0];
}
