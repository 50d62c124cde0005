/**
 * Typed engine errors. Every failure a user or administrator can act on is one of these codes, with a message
 * that names the problem (which pixel, which box, which file) so that the adapters can show it as it is.
 * Errors cross the worker boundary as { code, message, details }, so keep details structured-cloneable.
 */
import { CodedError, type CodedErrorJson } from './coded-error';

export type MedsamErrorCode =
  /** Pixel data that cannot be processed: NaN/Infinity, wrong length, unsupported bit depth or layout. */
  | 'INVALID_IMAGE'
  /** Image too small (below 2x2) or too large (above the engine's pixel limit) to segment. */
  | 'IMAGE_SIZE_UNSUPPORTED'
  /** A box that lies outside the image or has no area after clamping. */
  | 'INVALID_BOX'
  /** A manifest that is malformed, or names a model, profile or tensor that does not exist. */
  | 'INVALID_MANIFEST'
  /** A model file whose size or sha256 differs from the manifest. */
  | 'MODEL_INTEGRITY'
  /** A model file that could not be fetched or read. */
  | 'MODEL_UNAVAILABLE'
  /** The runtime failed while running a model (session creation or run). */
  | 'INFERENCE_FAILED'
  /** Work cancelled by the caller; not a failure to report as such. */
  | 'CANCELLED'
  /** Inputs whose shapes do not agree (e.g. masks of different sizes given to a metric). */
  | 'SHAPE_MISMATCH';

export class MedsamError extends CodedError<MedsamErrorCode> {
  constructor(code: MedsamErrorCode, message: string, details: Record<string, unknown> = {}) {
    super('MedsamError', code, message, details);
  }

  static fromJSON(o: CodedErrorJson<MedsamErrorCode>): MedsamError {
    return new MedsamError(o.code, o.message, o.details ?? {});
  }
}

export function isMedsamError(e: unknown, code?: MedsamErrorCode): e is MedsamError {
  return e instanceof MedsamError && (code === undefined || e.code === code);
}
