/**
 * World (patient, mm) <-> image coordinates of one DICOM slice, in the engine's ImagePoint convention: continuous
 * pixel-EDGE coordinates, x along the row (column index), y down the columns (row index), the image covering
 * [0, columns] x [0, rows] (see engine/geometry/box.ts).
 *
 * The pixel spacing follows the rendering (cornerstone's getImageDataMetadata): the step along rowCosines (x) is the
 * column spacing, PixelSpacing[1], and the step along columnCosines (y) is the row spacing, PixelSpacing[0].
 * cornerstone's utilities.worldToImageCoords divides the two the other way round, which only matters for
 * non-square pixels; this module does not depend on it.
 */
import type { ImagePoint } from '../../engine/geometry/box';

export type Vec3 = readonly [number, number, number];

export interface ImagePlane {
  /** ImagePositionPatient: the centre of the first transmitted pixel. */
  origin: Vec3;
  /** Direction of increasing column index (first triple of ImageOrientationPatient). */
  rowCosines: Vec3;
  /** Direction of increasing row index (second triple). */
  columnCosines: Vec3;
  /** Spacing between columns (mm): PixelSpacing[1]. */
  columnSpacing: number;
  /** Spacing between rows (mm): PixelSpacing[0]. */
  rowSpacing: number;
  rows: number;
  columns: number;
}

const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

export function worldToImagePoint(plane: ImagePlane, world: Vec3): ImagePoint {
  const d: Vec3 = [world[0] - plane.origin[0], world[1] - plane.origin[1], world[2] - plane.origin[2]];
  // +0.5: the origin is the first pixel's centre; pixel edges start half a pixel before it.
  return {
    x: dot(d, plane.rowCosines) / plane.columnSpacing + 0.5,
    y: dot(d, plane.columnCosines) / plane.rowSpacing + 0.5,
  };
}

export function imagePointToWorld(plane: ImagePlane, p: ImagePoint): [number, number, number] {
  const u = (p.x - 0.5) * plane.columnSpacing;
  const v = (p.y - 0.5) * plane.rowSpacing;
  return [0, 1, 2].map(i => plane.origin[i] + u * plane.rowCosines[i] + v * plane.columnCosines[i]) as [
    number,
    number,
    number,
  ];
}

/** Distance (mm) of a world point from the slice's plane: tells which slice a volume viewport shows. */
export function distanceFromPlane(plane: ImagePlane, world: Vec3): number {
  const r = plane.rowCosines;
  const c = plane.columnCosines;
  const n: Vec3 = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]];
  return dot([world[0] - plane.origin[0], world[1] - plane.origin[1], world[2] - plane.origin[2]], n);
}

/** True when the view's normal is (anti)parallel to the slice's normal, i.e. the viewport shows the acquired plane. */
export function isAcquisitionPlane(plane: ImagePlane, viewPlaneNormal: Vec3, tolerance = 1e-3): boolean {
  const r = plane.rowCosines;
  const c = plane.columnCosines;
  const n: Vec3 = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]];
  const len = Math.hypot(...viewPlaneNormal) * Math.hypot(...n);
  return len > 0 && Math.abs(Math.abs(dot(n, viewPlaneNormal)) / len - 1) < tolerance;
}

/**
 * The plane from cornerstone's imagePlaneModule metadata (rowCosines, columnCosines, imagePositionPatient,
 * rowPixelSpacing = PixelSpacing[0], columnPixelSpacing = PixelSpacing[1]); missing spacing counts as 1 mm, as
 * cornerstone renders it. Null when orientation or size is missing.
 */
export function planeFromImagePlaneModule(m: Record<string, unknown> | undefined): ImagePlane | null {
  if (!m) return null;
  const rowCosines = toVec3(m.rowCosines) ?? toVec3(sliceOf(m.imageOrientationPatient, 0, 3));
  const columnCosines = toVec3(m.columnCosines) ?? toVec3(sliceOf(m.imageOrientationPatient, 3, 6));
  const rows = Number(m.rows);
  const columns = Number(m.columns);
  if (!rowCosines || !columnCosines || !(rows > 0) || !(columns > 0)) return null;
  return {
    origin: toVec3(m.imagePositionPatient) ?? [0, 0, 0],
    rowCosines,
    columnCosines,
    columnSpacing: Number(m.columnPixelSpacing) || 1,
    rowSpacing: Number(m.rowPixelSpacing) || 1,
    rows,
    columns,
  };
}

/** `v.slice(start, end)` when v has a slice method (ImageOrientationPatient as an array or typed array), else undefined. */
function sliceOf(v: unknown, start: number, end: number): unknown {
  const slice = (v as { slice?: unknown } | null | undefined)?.slice;
  return typeof slice === 'function' ? slice.call(v, start, end) : undefined;
}

function toVec3(v: unknown): Vec3 | null {
  if (!v || typeof (v as ArrayLike<number>).length !== 'number' || (v as ArrayLike<number>).length < 3) return null;
  const a = v as ArrayLike<number>;
  const out: Vec3 = [Number(a[0]), Number(a[1]), Number(a[2])];
  return out.every(Number.isFinite) ? out : null;
}
