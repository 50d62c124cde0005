/**
 * A label volume from a research file format (NRRD, NIfTI) placed in patient space, and its resampling onto DICOM
 * slices by nearest voxel. The resampling refuses a volume whose voxel grid does not coincide with the slices'
 * pixel grid (within 1/50 of a voxel): labels are compared voxel for voxel, never interpolated.
 */
import { SegError } from '../errors';
import type { SliceGeometry, Vec3 } from '../source';

export type Gunzip = (bytes: Uint8Array) => Uint8Array;

export interface Volume {
  /** Sizes along the file's axes, fastest first. */
  dims: readonly [number, number, number];
  /** Voxel values, index i + dims[0] * (j + dims[1] * k). */
  data: Float32Array;
  /** Patient position (mm, LPS) of voxel (0, 0, 0)'s centre. */
  origin: Vec3;
  /** Step in patient space (mm, LPS) of one voxel along each file axis. */
  axes: readonly [Vec3, Vec3, Vec3];
  format: 'nrrd' | 'nifti';
}

function invert3(m: readonly [Vec3, Vec3, Vec3]): (v: Vec3) => [number, number, number] {
  // Columns of the matrix are the axes: world = origin + M * index.
  const [a, b, c] = m;
  const det =
    a[0] * (b[1] * c[2] - c[1] * b[2]) - b[0] * (a[1] * c[2] - c[1] * a[2]) + c[0] * (a[1] * b[2] - b[1] * a[2]);
  if (Math.abs(det) < 1e-12)
    throw new SegError('INVALID_VOLUME', 'The volume axes are degenerate (zero determinant)', {});
  const inv = [
    [(b[1] * c[2] - c[1] * b[2]) / det, (c[0] * b[2] - b[0] * c[2]) / det, (b[0] * c[1] - c[0] * b[1]) / det],
    [(c[1] * a[2] - a[1] * c[2]) / det, (a[0] * c[2] - c[0] * a[2]) / det, (c[0] * a[1] - a[0] * c[1]) / det],
    [(a[1] * b[2] - b[1] * a[2]) / det, (b[0] * a[2] - a[0] * b[2]) / det, (a[0] * b[1] - b[0] * a[1]) / det],
  ];
  return v => [
    inv[0][0] * v[0] + inv[0][1] * v[1] + inv[0][2] * v[2],
    inv[1][0] * v[0] + inv[1][1] * v[1] + inv[1][2] * v[2],
    inv[2][0] * v[0] + inv[2][1] * v[1] + inv[2][2] * v[2],
  ];
}

const GRID_TOLERANCE = 0.02;

/**
 * The volume's values on each slice (rows*columns, row-major), by nearest voxel. Pixels outside the volume are 0.
 * Throws INVALID_VOLUME when the grids do not coincide.
 */
export function volumeToSlices(
  volume: Volume,
  slices: readonly SliceGeometry[],
  name = 'volume',
): { slices: Float32Array[]; covered: number } {
  const toIndex = invert3(volume.axes);
  const [n0, n1, n2] = volume.dims;
  let covered = 0;
  const out = slices.map((s, k) => {
    if (!s.imagePositionPatient || !s.imageOrientationPatient || !s.pixelSpacing) {
      throw new SegError(
        'INVALID_VOLUME',
        `Slice ${k + 1} has no position, orientation or pixel spacing to place the ${name} on`,
        { slice: k },
      );
    }
    const p = s.imagePositionPatient;
    const o = s.imageOrientationPatient;
    const [sr, sc] = s.pixelSpacing;
    const i0 = toIndex([p[0] - volume.origin[0], p[1] - volume.origin[1], p[2] - volume.origin[2]]);
    const dc = toIndex([o[0] * sc, o[1] * sc, o[2] * sc]);
    const dr = toIndex([o[3] * sr, o[4] * sr, o[5] * sr]);
    for (const v of [...i0, ...dc, ...dr]) {
      if (Math.abs(v - Math.round(v)) > GRID_TOLERANCE) {
        throw new SegError(
          'INVALID_VOLUME',
          `The ${name}'s voxel grid does not coincide with slice ${k + 1}: its first pixel falls at voxel (${i0.map(x => x.toFixed(3)).join(', ')}), steps (${dc.map(x => x.toFixed(3)).join(', ')}) and (${dr.map(x => x.toFixed(3)).join(', ')}); resample the ${name} onto the DICOM grid first`,
          { slice: k },
        );
      }
    }
    const r0 = i0.map(Math.round);
    const c = dc.map(Math.round);
    const r = dr.map(Math.round);
    const values = new Float32Array(s.rows * s.columns);
    let inside = false;
    for (let row = 0; row < s.rows; row++) {
      for (let col = 0; col < s.columns; col++) {
        const i = r0[0] + col * c[0] + row * r[0];
        const j = r0[1] + col * c[1] + row * r[1];
        const kk = r0[2] + col * c[2] + row * r[2];
        if (i < 0 || j < 0 || kk < 0 || i >= n0 || j >= n1 || kk >= n2) continue;
        inside = true;
        values[row * s.columns + col] = volume.data[i + n0 * (j + n1 * kk)];
      }
    }
    if (inside) covered++;
    return values;
  });
  return { slices: out, covered };
}

/** Distinct nonzero values of a volume, ascending (the labels of a label map). */
export function volumeLabels(volume: Volume): number[] {
  const seen = new Set<number>();
  for (const v of volume.data) if (v !== 0) seen.add(v);
  return [...seen].sort((a, b) => a - b);
}

/** Slices of a volume along its third axis, as DICOM-like slice geometry (for comparing two volumes directly). */
export function volumeSliceGeometry(volume: Volume): SliceGeometry[] {
  const [a0, a1, a2] = volume.axes;
  const len = (v: Vec3): number => Math.hypot(v[0], v[1], v[2]);
  const s0 = len(a0);
  const s1 = len(a1);
  const orientation = [a0[0] / s0, a0[1] / s0, a0[2] / s0, a1[0] / s1, a1[1] / s1, a1[2] / s1] as const;
  return Array.from({ length: volume.dims[2] }, (_, k) => ({
    rows: volume.dims[1],
    columns: volume.dims[0],
    imagePositionPatient: [
      volume.origin[0] + k * a2[0],
      volume.origin[1] + k * a2[1],
      volume.origin[2] + k * a2[2],
    ] as const,
    imageOrientationPatient: orientation,
    pixelSpacing: [s1, s0] as const,
  }));
}
