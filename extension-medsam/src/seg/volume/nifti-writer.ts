/**
 * A small NIfTI-1 writer for label maps on DICOM slices: uint8 (or uint16 above 255 labels) voxels, i along the
 * columns, j along the rows, k along the slices in stack order, with the sform (and an equal qform-free header,
 * sform_code 1 "scanner") taking voxel indices to RAS millimetres. Research tools read it as they read
 * dcm2niix's or TotalSegmentator's output.
 */
import { SegError } from '../errors';
import { sliceNormal, dot, SLICE_SPACING_TOLERANCE, type SliceGeometry } from '../source';

export function writeNiftiLabels(
  slices: readonly SliceGeometry[],
  labels: readonly (ArrayLike<number> | null)[],
  description = 'MedSAM for OHIF',
): Uint8Array {
  if (slices.length === 0 || slices.length !== labels.length)
    throw new SegError('INVALID_VOLUME', 'One label slice per DICOM slice is needed', {});
  const s0 = slices[0];
  if (!s0.imagePositionPatient || !s0.imageOrientationPatient || !s0.pixelSpacing) {
    throw new SegError('INVALID_VOLUME', 'NIfTI output needs slices with position, orientation and pixel spacing', {});
  }
  const n = sliceNormal(s0.imageOrientationPatient);
  const order = slices
    .map((_, i) => i)
    .sort((a, b) => dot(slices[a].imagePositionPatient!, n) - dot(slices[b].imagePositionPatient!, n));
  const first = slices[order[0]].imagePositionPatient!;
  const last = slices[order[order.length - 1]].imagePositionPatient!;
  const steps = order.length - 1;
  const dk =
    steps > 0
      ? [(last[0] - first[0]) / steps, (last[1] - first[1]) / steps, (last[2] - first[2]) / steps]
      : [n[0] * (s0.sliceThickness ?? 1), n[1] * (s0.sliceThickness ?? 1), n[2] * (s0.sliceThickness ?? 1)];
  for (let z = 1; z < order.length; z++) {
    const p = slices[order[z]].imagePositionPatient!;
    const expect = [first[0] + z * dk[0], first[1] + z * dk[1], first[2] + z * dk[2]];
    const off = Math.hypot(p[0] - expect[0], p[1] - expect[1], p[2] - expect[2]);
    if (off > SLICE_SPACING_TOLERANCE * Math.hypot(dk[0], dk[1], dk[2])) {
      throw new SegError(
        'INVALID_VOLUME',
        `NIfTI output needs evenly spaced slices (a regular grid): slice ${z + 1} of ${order.length} lies ${off.toFixed(3)} mm from the even grid, more than ${SLICE_SPACING_TOLERANCE * 100}% of the ${Math.hypot(dk[0], dk[1], dk[2]).toFixed(3)} mm spacing (missing or uneven slices)`,
        { slice: z + 1, offMm: off },
      );
    }
  }
  const o = s0.imageOrientationPatient;
  const [sr, sc] = s0.pixelSpacing;
  const di = [o[0] * sc, o[1] * sc, o[2] * sc];
  const dj = [o[3] * sr, o[4] * sr, o[5] * sr];
  const wide = labels.some(l => l && Array.prototype.some.call(l, (v: number) => v > 255));
  const bytesPer = wide ? 2 : 1;
  const voxels = s0.columns * s0.rows * slices.length;
  const buf = new ArrayBuffer(352 + voxels * bytesPer);
  const v = new DataView(buf);
  v.setInt32(0, 348, true);
  [3, s0.columns, s0.rows, slices.length, 1, 1, 1, 1].forEach((x, i) => v.setInt16(40 + 2 * i, x, true));
  v.setInt16(70, wide ? 512 : 2, true);
  v.setInt16(72, bytesPer * 8, true);
  const dz = Math.hypot(dk[0], dk[1], dk[2]);
  [1, sc, sr, dz, 1, 1, 1, 1].forEach((x, i) => v.setFloat32(76 + 4 * i, x, true));
  v.setFloat32(108, 352, true);
  v.setFloat32(112, 1, true);
  v.setUint8(123, 10); // xyzt_units: mm, s
  new Uint8Array(buf, 148, 80).set(new TextEncoder().encode(description.slice(0, 79)));
  v.setInt16(254, 1, true); // sform_code: scanner
  // RAS = diag(-1, -1, 1) * LPS.
  const ras = (x: number[], i: number): number => (i < 2 ? -x[i] : x[i]);
  for (let r = 0; r < 3; r++) {
    [ras(di, r), ras(dj, r), ras([...dk], r), ras([...first], r)].forEach((x, c) =>
      v.setFloat32(280 + 16 * r + 4 * c, x, true),
    );
  }
  new Uint8Array(buf, 344, 4).set([0x6e, 0x2b, 0x31, 0]); // "n+1\0"
  const pixels = s0.rows * s0.columns;
  order.forEach((k, z) => {
    const l = labels[k];
    if (!l) return;
    for (let i = 0; i < pixels; i++) {
      if (wide) v.setUint16(352 + 2 * (z * pixels + i), l[i], true);
      else v.setUint8(352 + z * pixels + i, l[i]);
    }
  });
  return new Uint8Array(buf);
}
