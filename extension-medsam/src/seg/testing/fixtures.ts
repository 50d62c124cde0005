/** Synthetic sources, segments and masks for the SEG tests (no files needed). */
import { SEGMENT_TARGETS, freeTextTarget, type SegmentTarget } from '../codes';
import type { SourceImage } from '../source';
import { medsamAlgorithm, type SegmentDescription } from '../writer';

export function syntheticSources(n: number, rows = 5, columns = 7, spacing = 2.5): SourceImage[] {
  return Array.from({ length: n }, (_, k) => ({
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUid: `1.2.3.4.5.${k + 1}`,
    studyInstanceUid: '1.2.3.4',
    seriesInstanceUid: '1.2.3.4.5',
    frameOfReferenceUid: '1.2.3.4.9',
    modality: 'CT',
    instanceNumber: k + 1,
    rows,
    columns,
    // Given in descending z so that stack order differs from input order.
    imagePositionPatient: [-10, -20, 100 - k * spacing],
    imageOrientationPatient: [1, 0, 0, 0, 1, 0],
    pixelSpacing: [0.5, 0.75],
    sliceThickness: spacing,
    patientStudy: {
      PatientName: 'Doe^Jane',
      PatientID: 'P1',
      PatientSex: 'F',
      StudyDate: '20240102',
      StudyTime: '101500',
      StudyID: 'S1',
      AccessionNumber: 'A1',
    },
  }));
}

export const TEST_ALGORITHM = medsamAlgorithm({
  id: 'tiny-random',
  weightsSha256: 'ab'.repeat(32),
  weightsSource: 'test',
});

export function describe(
  t: SegmentTarget,
  algorithmType: SegmentDescription['algorithmType'] = 'SEMIAUTOMATIC',
): SegmentDescription {
  return {
    label: t.label,
    category: t.category,
    type: t.type,
    typeModifier: t.typeModifier,
    color: t.color,
    algorithmType,
    algorithm: TEST_ALGORITHM,
  };
}

export function target(id: string): SegmentTarget {
  const t = SEGMENT_TARGETS.find(x => x.id === id);
  if (!t) throw new Error(`no target ${id}`);
  return t;
}

export { freeTextTarget };

/** A rectangle mask [r0, r1) x [c0, c1). */
export function rect(rows: number, columns: number, r0: number, c0: number, r1: number, c1: number): Uint8Array {
  const m = new Uint8Array(rows * columns);
  for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) m[r * columns + c] = 1;
  return m;
}

/** Deterministic pseudo-random 0/1 mask. */
export function noise(rows: number, columns: number, seed: number, density = 0.3): Uint8Array {
  const m = new Uint8Array(rows * columns);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < m.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    m[i] = (s >>> 0) / 2 ** 32 < density ? 1 : 0;
  }
  return m;
}
