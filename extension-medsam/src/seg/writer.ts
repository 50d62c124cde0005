/**
 * Segmentation -> DICOM SEG (PS3.3 A.51), following docs/pipeline.md ("DICOM SEG rules followed"):
 *  - same study as the sources, a new series; patient and study attributes copied; the sources' frame of reference;
 *  - classic BINARY SEG (SOP class 1.2.840.10008.5.1.4.1.1.66.4, 1 bit per pixel, frames packed without padding) by
 *    default, or a LABELMAP SEG (1.2.840.10008.5.1.4.1.1.66.7, 8/16-bit segment numbers) on request;
 *  - ReferencedSeriesSequence with every source instance; per-frame SegmentIdentification (BINARY), DerivationImage
 *    with SourceImageSequence (and ReferencedFrameNumber for a frame of a multi-frame source), PlanePosition; shared
 *    PixelMeasures and PlaneOrientation; a dimension index on ReferencedSegmentNumber (BINARY) and
 *    ImagePositionPatient (images without patient geometry, a cine's frames say, have none: their frames are told
 *    apart by the frame they reference, as highdicom reads them);
 *  - per segment: number from 1, label, SNOMED CT category and type, algorithm type/name/identification, colour.
 * Empty frames are omitted (a segment may end up with no frame); when every mask is empty, every frame is kept,
 * as highdicom does, because a SEG needs at least one frame.
 * Inputs are validated first, and the dataset built is validated against every rule the Part 10 writer applies
 * (dicom/elements.ts): an input that cannot make a valid, writable SEG throws a SegError naming the problem.
 */
import { DCM_CODES } from './codes';
import { SegError } from './errors';
import { validatePart10, type Dataset } from './dicom/elements';
import { writePart10 } from './dicom/part10';
import { dicomDate, dicomTime } from './dicom/values';
import { checkSources } from './source';
import { randomUid } from './uid';
import { copiedAttributes, type ValueFix } from './write/copied';
import { planFrames } from './write/frames';
import { dimensionIndex, perFrameGroups, sharedGroups } from './write/groups';
import { backgroundItem, segmentItem } from './write/items';
import type { AlgorithmIdentification, FrameInfo, SegInput, SegmentationKind } from './write/types';
import { checkMasks, checkSegments } from './write/validate';

export type {
  AlgorithmIdentification,
  FrameInfo,
  SegInput,
  SegmentAlgorithmType,
  SegmentationKind,
  SegmentDescription,
  WriteSegOptions,
} from './write/types';

export const SEG_SOP_CLASS = {
  BINARY: '1.2.840.10008.5.1.4.1.1.66.4',
  LABELMAP: '1.2.840.10008.5.1.4.1.1.66.7',
} as const satisfies Record<SegmentationKind, string>;

/** MedSAM's AlgorithmIdentification: the model id and its weights' sha256 (null for random test weights). */
export function medsamAlgorithm(model: {
  id: string;
  weightsSha256: string | null;
  weightsSource?: string;
  precision?: string;
}): AlgorithmIdentification {
  const hash = model.weightsSha256;
  if (hash !== null && !/^[0-9a-f]{64}$/i.test(hash)) {
    throw new SegError('INVALID_SEGMENT', `Weights sha256 "${hash}" is not 64 hexadecimal digits`, { hash });
  }
  const version = hash ? `${model.id} sha256:${hash.slice(0, 16).toLowerCase()}` : `${model.id} (no checkpoint)`;
  const parameters = [
    `model=${model.id}`,
    `weights_sha256=${hash ? hash.toLowerCase() : 'none'}`,
    model.weightsSource ? `weights=${model.weightsSource}` : '',
    model.precision ? `precision=${model.precision}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return { name: 'MedSAM', version, family: DCM_CODES.artificialIntelligence, parameters };
}

export interface BuiltSeg {
  dataset: Dataset;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopClassUid: string;
  frames: FrameInfo[];
  /** Copied source values that were cleaned or left out to fit their VRs (write/copied.ts). */
  valueFixes: ValueFix[];
}

export interface WrittenSeg extends BuiltSeg {
  /** The Part 10 file. */
  bytes: Uint8Array;
}

const DEFAULTS = {
  seriesDescription: 'MedSAM segmentation',
  seriesNumber: 300,
  instanceNumber: 1,
  contentLabel: 'MEDSAM',
  contentDescription: 'MedSAM box-prompt segmentation',
  contentCreatorName: '',
  manufacturer: 'MedSAM for OHIF',
  manufacturerModelName: 'medsam-for-ohif',
  softwareVersions: '0.1.0',
  deviceSerialNumber: '0',
};

/** Per-slice label volumes (value = segment number, 0 = none) -> masks[segment][slice] for writeSeg. */
export function masksFromLabelmap(
  labels: ReadonlyArray<ArrayLike<number> | null | undefined>,
  segmentNumbers: readonly number[],
): (Uint8Array | null)[][] {
  return segmentNumbers.map(n =>
    labels.map(slice => {
      if (!slice) return null;
      const mask = new Uint8Array(slice.length);
      let any = false;
      for (let i = 0; i < slice.length; i++) {
        if (slice[i] === n) {
          mask[i] = 1;
          any = true;
        }
      }
      return any ? mask : null;
    }),
  );
}

/** The SEG as a dataset, with the frame list; writeSeg() adds the Part 10 encoding. */
export function buildSeg(input: SegInput): BuiltSeg {
  const o = { ...DEFAULTS, ...input.options };
  const kind: SegmentationKind = input.options?.kind ?? 'BINARY';
  if (kind !== 'BINARY' && kind !== 'LABELMAP')
    throw new SegError('INVALID_SEGMENT', `Unknown segmentation kind ${String(kind)}`, {});
  const stack = checkSources(input.sources);
  if (!stack.geometry && kind === 'LABELMAP') {
    throw new SegError(
      'INVALID_SOURCE',
      'A Label Map SEG needs images with a patient coordinate system; write a BINARY SEG for this image',
      {},
    );
  }
  checkSegments(input.segments, kind);
  checkMasks(input, stack, kind);
  const { sources } = input;
  const first = sources[0];
  const geometry = stack.geometry;
  const order = geometry ? geometry.order : sources.map((_, i) => i);
  const plan = planFrames(input, kind, order, stack.rows * stack.columns, o.keepEmptyFrames === true);
  const shared = sharedGroups(geometry, first, o.sliceThicknessMm);

  const uid = o.uid ?? randomUid;
  const dimensionOrganizationUid = uid();
  const seriesInstanceUid = uid();
  const sopInstanceUid = uid();
  const sopClassUid = SEG_SOP_CLASS[kind];
  const now = o.now ?? new Date();
  const date = dicomDate(now);
  const time = dicomTime(now);

  const segmentItems = input.segments.map((s, i) => segmentItem(s, i + 1));
  if (kind === 'LABELMAP') segmentItems.unshift(backgroundItem(input.segments[0]));

  // Cleaned to fit their VRs or left out (write/copied.ts): a source's old-style date must not lose the SEG.
  const { values: patientStudy, fixes: valueFixes } = copiedAttributes(first.patientStudy);
  // Type 2 attributes of the Patient and General Study modules: present, empty when the source has no value.
  for (const k of [
    'PatientName',
    'PatientID',
    'PatientBirthDate',
    'PatientSex',
    'StudyDate',
    'StudyTime',
    'ReferringPhysicianName',
    'StudyID',
    'AccessionNumber',
  ] as const) {
    if (patientStudy[k] === undefined) patientStudy[k] = null;
  }

  const dataset: Dataset = {
    ...patientStudy,
    SOPClassUID: sopClassUid,
    SOPInstanceUID: sopInstanceUid,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    StudyInstanceUID: first.studyInstanceUid,
    SeriesInstanceUID: seriesInstanceUid,
    Modality: 'SEG',
    SeriesNumber: o.seriesNumber,
    SeriesDescription: o.seriesDescription,
    SeriesDate: date,
    SeriesTime: time,
    InstanceNumber: o.instanceNumber,
    ContentDate: date,
    ContentTime: time,
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: o.contentLabel,
    ContentDescription: o.contentDescription || null,
    ContentCreatorName: o.contentCreatorName || null,
    Manufacturer: o.manufacturer,
    ManufacturerModelName: o.manufacturerModelName,
    SoftwareVersions: o.softwareVersions,
    DeviceSerialNumber: o.deviceSerialNumber,
    // Every source instance, also those without a frame: viewers attach the SEG to its images through this list.
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: first.seriesInstanceUid,
        // Once per instance: the frames of a multi-frame instance are told apart in the per-frame groups.
        ReferencedInstanceSequence: [...new Map(order.map(k => [sources[k].sopInstanceUid, sources[k]])).values()].map(
          src => ({
            ReferencedSOPClassUID: src.sopClassUid,
            ReferencedSOPInstanceUID: src.sopInstanceUid,
          }),
        ),
      },
    ],
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: dimensionIndex(dimensionOrganizationUid, kind, geometry !== null),
    SharedFunctionalGroupsSequence: [shared],
    PerFrameFunctionalGroupsSequence: perFrameGroups(plan.frames, sources, kind, geometry, plan.positionIndex),
    NumberOfFrames: plan.frames.length,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: stack.rows,
    Columns: stack.columns,
    BitsAllocated: plan.bitsAllocated,
    BitsStored: plan.bitsAllocated,
    HighBit: plan.bitsAllocated - 1,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: kind,
    SegmentSequence: segmentItems,
    PixelData: plan.pixelData,
  };
  if (geometry) {
    dataset.FrameOfReferenceUID = geometry.frameOfReferenceUid;
    dataset.PositionReferenceIndicator = null;
  } else {
    // General Image module: PatientOrientation is Type 2C, required when there is no patient position/orientation.
    dataset.PatientOrientation = first.patientOrientation ? first.patientOrientation.split('\\') : null;
  }
  if (kind === 'LABELMAP') {
    dataset.PixelPaddingValue = 0;
    dataset.SegmentsOverlap = 'NO';
  }
  // Every value against the rules the Part 10 writer applies (dicom/elements.ts, shared with it): a value it would
  // refuse (a source's UID, an option too long for its VR, a character a VR cannot hold) fails here, naming the
  // attribute and the value, so that a built SEG is always a writable one.
  validatePart10(dataset);
  return {
    dataset,
    sopInstanceUid,
    seriesInstanceUid,
    studyInstanceUid: first.studyInstanceUid,
    sopClassUid,
    frames: plan.frames,
    valueFixes,
  };
}

/**
 * Builds (and so validates) the SEG these sources, segments and options make, with a one-pixel mask standing in
 * for the masks: run before a long inference, it finds what would stop the SEG from being written (an invalid
 * source UID, an option too long for its VR) while nothing is lost yet, and gives the copied values it had to
 * clean or leave out.
 */
export function checkSegInput(input: Omit<SegInput, 'masks'>): { valueFixes: ValueFix[] } {
  const stack = checkSources(input.sources);
  const order = stack.geometry ? stack.geometry.order : input.sources.map((_, i) => i);
  const dot = new Uint8Array(stack.rows * stack.columns);
  dot[0] = 1;
  const masks = input.segments.map((_, s) => input.sources.map((__, k) => (s === 0 && k === order[0] ? dot : null)));
  return { valueFixes: buildSeg({ ...input, masks }).valueFixes };
}

/** Builds, validates and encodes a SEG as a Part 10 file (explicit VR little endian). */
export function writeSeg(input: SegInput): WrittenSeg {
  const built = buildSeg(input);
  return { ...built, bytes: writePart10(built.dataset) };
}
