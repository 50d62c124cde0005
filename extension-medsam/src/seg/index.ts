/**
 * DICOM SEG for MedSAM: labelmap -> SEG (binary or label map), SEG -> masks, verified STOW-RS and the outbox.
 * Pure TypeScript for the browser, a worker and Node (no DOM; idb-store.ts is the only browser-only module).
 * The reader (./reader, SEG -> masks) is imported on its own: it parses with dcmjs, which the writer does not need.
 */
export { SegError, isSegError, type SegErrorCode } from './errors';
export {
  CATEGORY,
  DCM_CODES,
  LATERALITY,
  SEGMENT_TARGETS,
  freeTextTarget,
  resolveTarget,
  searchTargets,
  targetById,
  type Code,
  type Rgb,
  type SegmentTarget,
} from './codes';
export { rgbToDicomLab, dicomLabToRgb } from './colour';
export {
  checkSources,
  sourceFromDicomJson,
  sourceFromNaturalized,
  type SourceImage,
  type SliceGeometry,
  type SourceStack,
} from './source';
export {
  SEG_SOP_CLASS,
  buildSeg,
  checkSegInput,
  masksFromLabelmap,
  medsamAlgorithm,
  writeSeg,
  type AlgorithmIdentification,
  type SegInput,
  type SegmentAlgorithmType,
  type SegmentDescription,
  type SegmentationKind,
  type WriteSegOptions,
  type WrittenSeg,
} from './writer';
export {
  stowInstances,
  failureReasonText,
  type FetchLike,
  type StowConfig,
  type StowInstance,
  type StowResult,
} from './stow';
export { multipartBody, parseMultipart } from './multipart';
export {
  Outbox,
  memoryStore,
  saveToPacs,
  stowSender,
  type KeyValueStore,
  type OutboxEntry,
  type OutboxSummary,
  type SaveOutcome,
} from './outbox';
export { indexedDbStore } from './idb-store';
export { randomUid, uuidToUid, type UidGenerator } from './uid';
