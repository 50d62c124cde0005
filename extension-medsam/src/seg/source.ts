/**
 * The source images a SEG is derived from, described by the few attributes the writer and reader need, plus the
 * patient and study attributes the SEG copies. Adapters fill it from a DICOM JSON instance (WADO-RS metadata) or
 * from a naturalized dataset (dcmjs, OHIF's metadata store). checkSources() validates a set the way highdicom
 * does before anything is written.
 */
import { SegError } from './errors';

export type Vec3 = readonly [number, number, number];
export type Orientation = readonly [number, number, number, number, number, number];

/** Patient and General Study attributes copied into the SEG (PS3.3 C.7.1.1, C.7.2.1, C.7.2.2), as DICOM text. */
export const COPIED_PATIENT_STUDY = [
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'PatientAge',
  'PatientSize',
  'PatientWeight',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
  'StudyDescription',
] as const;
export type CopiedKeyword = (typeof COPIED_PATIENT_STUDY)[number];

/** Where a slice lies: what maps a mask pixel to the patient and a SEG frame to a slice. */
export interface SliceGeometry {
  rows: number;
  columns: number;
  /** Patient position (mm, LPS) of the centre of the first transmitted pixel. */
  imagePositionPatient?: Vec3;
  /** Direction cosines of a row (increasing column index), then of a column (increasing row index). */
  imageOrientationPatient?: Orientation;
  /** [between rows, between columns] in mm (DICOM order: row spacing first). */
  pixelSpacing?: readonly [number, number];
  sliceThickness?: number;
}

export interface SourceImage extends SliceGeometry {
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid?: string;
  modality?: string;
  instanceNumber?: number;
  numberOfFrames?: number;
  /**
   * For one frame of a multi-frame instance: its number (from 1), written as ReferencedFrameNumber wherever the SEG
   * references this slice (multiframe.ts makes such sources). Absent for a single-frame instance.
   */
  referencedFrameNumber?: number;
  /** PatientOrientation (e.g. "L\\P"), copied into a SEG of images without patient geometry. */
  patientOrientation?: string;
  patientStudy: Partial<Record<CopiedKeyword, string>>;
}

// ----- adapters --------------------------------------------------------------------------------------------------

type Getter = (keyword: string) => unknown[] | undefined;

/** Tags of the attributes the adapters read from DICOM JSON. */
const JSON_TAGS: Record<string, string> = {
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  FrameOfReferenceUID: '00200052',
  Modality: '00080060',
  InstanceNumber: '00200013',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  PixelSpacing: '00280030',
  SliceThickness: '00180050',
  PatientOrientation: '00200020',
  PatientName: '00100010',
  PatientID: '00100020',
  IssuerOfPatientID: '00100021',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  PatientAge: '00101010',
  PatientSize: '00101020',
  PatientWeight: '00101030',
  StudyDate: '00080020',
  StudyTime: '00080030',
  ReferringPhysicianName: '00080090',
  StudyID: '00200010',
  AccessionNumber: '00080050',
  StudyDescription: '00081030',
};

/** A person name as DICOM text: alphabetic=ideographic=phonetic, trailing empty groups dropped. */
function personName(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as { Alphabetic?: string; Ideographic?: string; Phonetic?: string };
    return [o.Alphabetic ?? '', o.Ideographic ?? '', o.Phonetic ?? ''].join('=').replace(/=+$/, '');
  }
  return '';
}

function text(values: unknown[] | undefined, keyword: string): string | undefined {
  if (values === undefined || values.length === 0) return undefined;
  if (keyword.endsWith('Name') && keyword !== 'StudyDescription') return values.map(personName).join('\\');
  return values.map(v => (v === null || v === undefined ? '' : String(v))).join('\\');
}

function numbers(values: unknown[] | undefined): number[] | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const out = values.map(v => (typeof v === 'number' ? v : Number(String(v).trim())));
  return out.every(Number.isFinite) ? out : undefined;
}

function fromGetter(get: Getter): SourceImage {
  const str = (k: string): string | undefined => text(get(k), k);
  const num = (k: string): number | undefined => numbers(get(k))?.[0];
  const required = (k: string): string => {
    const v = str(k);
    if (!v)
      throw new SegError('INVALID_SOURCE', `Source image has no ${k}`, {
        keyword: k,
        sopInstanceUid: str('SOPInstanceUID'),
      });
    return v;
  };
  const ipp = numbers(get('ImagePositionPatient'));
  const iop = numbers(get('ImageOrientationPatient'));
  const ps = numbers(get('PixelSpacing'));
  const rows = num('Rows');
  const columns = num('Columns');
  if (!rows || !columns) {
    throw new SegError('INVALID_SOURCE', `Source image ${str('SOPInstanceUID') ?? '?'} has no Rows/Columns`, {});
  }
  const patientStudy: Partial<Record<CopiedKeyword, string>> = {};
  for (const k of COPIED_PATIENT_STUDY) {
    const v = str(k);
    if (v !== undefined) patientStudy[k] = v;
  }
  return {
    sopClassUid: required('SOPClassUID'),
    sopInstanceUid: required('SOPInstanceUID'),
    studyInstanceUid: required('StudyInstanceUID'),
    seriesInstanceUid: required('SeriesInstanceUID'),
    frameOfReferenceUid: str('FrameOfReferenceUID') || undefined,
    modality: str('Modality'),
    instanceNumber: num('InstanceNumber'),
    numberOfFrames: num('NumberOfFrames'),
    rows,
    columns,
    imagePositionPatient: ipp?.length === 3 ? (ipp as unknown as Vec3) : undefined,
    imageOrientationPatient: iop?.length === 6 ? (iop as unknown as Orientation) : undefined,
    pixelSpacing: ps?.length === 2 ? [ps[0], ps[1]] : undefined,
    sliceThickness: num('SliceThickness'),
    patientOrientation: str('PatientOrientation'),
    patientStudy,
  };
}

/** From a DICOM JSON instance (PS3.18 F.2), e.g. one item of a WADO-RS metadata response. */
export function sourceFromDicomJson(json: Record<string, { vr?: string; Value?: unknown[] }>): SourceImage {
  const upper: Record<string, { Value?: unknown[] }> = {};
  for (const [k, v] of Object.entries(json)) upper[k.toUpperCase()] = v;
  return fromGetter(keyword => upper[JSON_TAGS[keyword]]?.Value);
}

/** From a naturalized dataset (keywords as keys: dcmjs naturalizeDataset, OHIF's DicomMetadataStore instances). */
export function sourceFromNaturalized(ds: Record<string, unknown>): SourceImage {
  return fromGetter(keyword => {
    const v = ds[keyword];
    if (v === undefined || v === null || v === '') return undefined;
    return Array.isArray(v) ? v : [v];
  });
}

// ----- geometry and validation -----------------------------------------------------------------------------------

export function cross(a: Vec3, b: Vec3): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function sliceNormal(iop: Orientation): [number, number, number] {
  return cross([iop[0], iop[1], iop[2]], [iop[3], iop[4], iop[5]]);
}

/** A checked set of sources: all on one grid, ordered along the slice normal. */
export interface SourceStack {
  sources: readonly SourceImage[];
  rows: number;
  columns: number;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** Null for images without a patient coordinate system (endoscopy, secondary capture). */
  geometry: {
    frameOfReferenceUid: string;
    orientation: Orientation;
    pixelSpacing: readonly [number, number];
    sliceThickness?: number;
    /** Indices into `sources`, sorted by position along the normal (ascending). */
    order: number[];
    /** Distance between neighbouring slices when they are evenly spaced (mm), else undefined. */
    spacingBetweenSlices?: number;
  } | null;
}

/**
 * How far (as a fraction of the slice spacing) a slice may lie from where an evenly spaced stack puts it and still
 * count as evenly spaced. Scanners write positions rounded or with small jitter (a few hundredths of a mm at 7 mm),
 * so an absolute 0.01 mm refused real series. Readers use a relative tolerance: OHIF, whose extension this is,
 * reconstructs a volume when each spacing is within 10% of the average (spacingTolerance = 0.1 in
 * platform/core/src/utils/isDisplaySetReconstructable.js). 2% is stricter, and is the 1/50 of a voxel within which
 * the volume reader (volume/volume.ts, GRID_TOLERANCE) places a NIfTI's voxels on DICOM slices, so that a NIfTI
 * written on these slices reads back onto them.
 */
export const SLICE_SPACING_TOLERANCE = 0.02;

/**
 * The spacing of positions (mm along the slice normal, ascending) when they lie on an even grid within
 * SLICE_SPACING_TOLERANCE of the spacing, else undefined. One position has no spacing.
 */
export function evenSpacing(positions: readonly number[]): number | undefined {
  if (positions.length < 2) return undefined;
  const first = positions[0];
  const step = (positions[positions.length - 1] - first) / (positions.length - 1);
  if (!(step > 0)) return undefined;
  return positions.every((p, k) => Math.abs(p - (first + k * step)) <= SLICE_SPACING_TOLERANCE * step)
    ? step
    : undefined;
}

const ORIENTATION_TOLERANCE = 1e-4;
const SPACING_TOLERANCE = 1e-4;
/** Two slices closer than this along the normal are the same position (mm). */
const POSITION_TOLERANCE = 1e-3;

/**
 * A slice's name: its instance, and the frame of a multi-frame one. For messages, and as a key wherever slices are
 * told apart (the frames of one instance share its SOP Instance UID).
 */
export function sliceName(s: Pick<SourceImage, 'sopInstanceUid' | 'referencedFrameNumber'>): string {
  return s.referencedFrameNumber === undefined
    ? s.sopInstanceUid
    : `${s.sopInstanceUid} frame ${s.referencedFrameNumber}`;
}

/**
 * Checks that the sources can form one SEG, as highdicom does: one study, one series, one frame of reference,
 * one size, one orientation and pixel spacing, distinct slices (single-frame instances, or frames of multi-frame
 * ones each named by its referencedFrameNumber) at distinct positions. Throws INCONSISTENT_SOURCES or
 * INVALID_SOURCE naming the first offending instance.
 */
export function checkSources(sources: readonly SourceImage[]): SourceStack {
  if (sources.length === 0) throw new SegError('INVALID_SOURCE', 'A SEG needs at least one source image', {});
  const first = sources[0];
  const seen = new Set<string>();
  const mismatch = (s: SourceImage, what: string, a: unknown, b: unknown): never => {
    throw new SegError(
      'INCONSISTENT_SOURCES',
      `Source image ${s.sopInstanceUid} has ${what} ${String(a)}, the first source has ${String(b)}: a SEG covers images of one series on one grid`,
      { sopInstanceUid: s.sopInstanceUid, what, value: String(a), expected: String(b) },
    );
  };
  for (const s of sources) {
    const key = sliceName(s);
    if (seen.has(key)) {
      throw new SegError('INCONSISTENT_SOURCES', `Source image ${key} is given twice`, {
        sopInstanceUid: s.sopInstanceUid,
      });
    }
    seen.add(key);
    const frames = s.numberOfFrames ?? 1;
    const frame = s.referencedFrameNumber;
    if (frame === undefined ? frames !== 1 : !(Number.isInteger(frame) && frame >= 1 && frame <= frames)) {
      throw new SegError(
        'INVALID_SOURCE',
        frame === undefined
          ? `Source image ${s.sopInstanceUid} has ${frames} frames; each frame is a slice of its own (give one source per frame with its referencedFrameNumber)`
          : `Source image ${s.sopInstanceUid} has ${frames} frame(s); frame ${frame} does not exist`,
        { sopInstanceUid: s.sopInstanceUid },
      );
    }
    if (s.studyInstanceUid !== first.studyInstanceUid)
      mismatch(s, 'StudyInstanceUID', s.studyInstanceUid, first.studyInstanceUid);
    if (s.seriesInstanceUid !== first.seriesInstanceUid)
      mismatch(s, 'SeriesInstanceUID', s.seriesInstanceUid, first.seriesInstanceUid);
    if (s.rows !== first.rows || s.columns !== first.columns) {
      mismatch(s, 'size', `${s.rows}x${s.columns}`, `${first.rows}x${first.columns}`);
    }
    if ((s.frameOfReferenceUid ?? '') !== (first.frameOfReferenceUid ?? '')) {
      mismatch(s, 'FrameOfReferenceUID', s.frameOfReferenceUid ?? '(none)', first.frameOfReferenceUid ?? '(none)');
    }
  }

  const located = sources.filter(s => s.imagePositionPatient && s.imageOrientationPatient);
  const base = {
    sources,
    rows: first.rows,
    columns: first.columns,
    studyInstanceUid: first.studyInstanceUid,
    seriesInstanceUid: first.seriesInstanceUid,
  };
  if (located.length === 0) {
    // The frames of one instance (a cine) are ordered by their number: they need no patient coordinates for that.
    if (
      sources.length > 1 &&
      !sources.every(s => s.sopInstanceUid === first.sopInstanceUid && s.referencedFrameNumber !== undefined)
    ) {
      throw new SegError(
        'INVALID_SOURCE',
        `The ${sources.length} source images have no ImagePositionPatient/ImageOrientationPatient; without a patient coordinate system only a single image can be segmented per SEG`,
        {},
      );
    }
    return { ...base, geometry: null };
  }
  if (located.length !== sources.length) {
    const s = sources.find(x => !x.imagePositionPatient || !x.imageOrientationPatient)!;
    throw new SegError(
      'INVALID_SOURCE',
      `Source image ${sliceName(s)} has no ImagePositionPatient/ImageOrientationPatient while others do`,
      {
        sopInstanceUid: s.sopInstanceUid,
      },
    );
  }
  if (!first.frameOfReferenceUid) {
    throw new SegError(
      'INVALID_SOURCE',
      `Source image ${first.sopInstanceUid} has a position but no FrameOfReferenceUID`,
      {
        sopInstanceUid: first.sopInstanceUid,
      },
    );
  }
  const orientation = first.imageOrientationPatient!;
  const spacing = first.pixelSpacing;
  if (!spacing)
    throw new SegError('INVALID_SOURCE', `Source image ${first.sopInstanceUid} has no PixelSpacing`, {
      sopInstanceUid: first.sopInstanceUid,
    });
  for (const s of sources) {
    const o = s.imageOrientationPatient!;
    if (o.some((v, i) => Math.abs(v - orientation[i]) > ORIENTATION_TOLERANCE)) {
      mismatch(s, 'ImageOrientationPatient', o.join('\\'), orientation.join('\\'));
    }
    const p = s.pixelSpacing;
    if (!p || Math.abs(p[0] - spacing[0]) > SPACING_TOLERANCE || Math.abs(p[1] - spacing[1]) > SPACING_TOLERANCE) {
      mismatch(s, 'PixelSpacing', p?.join('\\') ?? '(none)', spacing.join('\\'));
    }
  }
  const normal = sliceNormal(orientation);
  const distance = sources.map(s => dot(s.imagePositionPatient!, normal));
  const order = sources.map((_, i) => i).sort((a, b) => distance[a] - distance[b]);
  for (let k = 1; k < order.length; k++) {
    if (distance[order[k]] - distance[order[k - 1]] < POSITION_TOLERANCE) {
      const a = sliceName(sources[order[k - 1]]);
      const b = sliceName(sources[order[k]]);
      throw new SegError(
        'INCONSISTENT_SOURCES',
        `Source images ${a} and ${b} lie at the same position; a SEG frame must map to one slice`,
        {
          sopInstanceUids: [a, b],
        },
      );
    }
  }
  const even = evenSpacing(order.map(i => distance[i]));
  const spacingBetweenSlices = even !== undefined ? Math.round(even * 1e4) / 1e4 : undefined;
  return {
    ...base,
    geometry: {
      frameOfReferenceUid: first.frameOfReferenceUid,
      orientation,
      pixelSpacing: spacing,
      sliceThickness: first.sliceThickness,
      order,
      spacingBetweenSlices,
    },
  };
}
