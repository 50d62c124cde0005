/**
 * Typed errors of the SEG part (writing, reading, storing). Both extend the engine's CodedError
 * ({ code, message, details }, structured-cloneable details), so that the panel shows either the same way.
 */
import { CodedError, type CodedErrorJson } from '../engine/coded-error';

export type SegErrorCode =
  /** Source images that cannot form one SEG: different study, series, frame of reference, size or orientation. */
  | 'INCONSISTENT_SOURCES'
  /** A source image without what a SEG needs (UIDs, geometry). */
  | 'INVALID_SOURCE'
  /** Masks that do not fit the sources (wrong count or size, values other than 0/1, overlap in a label map). */
  | 'MASK_MISMATCH'
  /** A segment description that cannot be written (empty label, bad code, bad colour). */
  | 'INVALID_SEGMENT'
  /** An attribute value that DICOM cannot hold (too long, wrong characters). */
  | 'INVALID_VALUE'
  /** A file that is not a SEG this reader understands (compressed, fractional, missing attributes). */
  | 'UNSUPPORTED_SEG'
  /** A SEG frame that maps to no source slice. */
  | 'UNMATCHED_FRAME'
  /** A volume file (NRRD, NIfTI) that cannot be read or does not lie on the DICOM grid. */
  | 'INVALID_VOLUME'
  /** A multipart/related body (a WADO-RS answer) that cannot be split into its parts: no boundary, or cut short. */
  | 'INVALID_MULTIPART'
  /** STOW-RS: no endpoint configured. */
  | 'STOW_NO_ENDPOINT'
  /** STOW-RS: the request did not complete (DNS, refused, reset, aborted). */
  | 'STOW_NETWORK'
  /** STOW-RS: HTTP status other than 200/202. */
  | 'STOW_HTTP'
  /** STOW-RS: the server listed an instance in FailedSOPSequence. */
  | 'STOW_FAILED_INSTANCE'
  /** STOW-RS: an instance sent is missing from ReferencedSOPSequence (includes HTTP 200 with empty lists). */
  | 'STOW_NOT_STORED'
  /** STOW-RS: a response body that is not the DICOM JSON the standard requires. */
  | 'STOW_BAD_RESPONSE'
  /** STOW-RS or the QIDO check after it: the PACS did not answer within the configured time. */
  | 'STOW_TIMEOUT'
  /** STOW-RS: the store was started but never finished (the page was closed or reloaded while it was sending). */
  | 'STOW_INTERRUPTED'
  /** The outbox cannot keep a SEG: IndexedDB is missing or refused (private window, blocked storage). */
  | 'OUTBOX_UNAVAILABLE'
  /** The outbox cannot keep a SEG: the browser's storage for the site is full (QuotaExceededError). */
  | 'OUTBOX_FULL'
  /** No outbox entry with that id (stored or discarded meanwhile, e.g. by another tab). */
  | 'OUTBOX_NO_ENTRY';

export class SegError extends CodedError<SegErrorCode> {
  constructor(code: SegErrorCode, message: string, details: Record<string, unknown> = {}) {
    super('SegError', code, message, details);
  }

  static fromJSON(o: CodedErrorJson<SegErrorCode>): SegError {
    return new SegError(o.code, o.message, o.details ?? {});
  }
}

export function isSegError(e: unknown, code?: SegErrorCode): e is SegError {
  return e instanceof SegError && (code === undefined || e.code === code);
}
