/**
 * Errors of the viewer side: what the host viewer lacks or what the user has not done yet. Same base as the engine's
 * and the SEG part's errors (engine/coded-error.ts), so the panel shows any of them the same way; these codes are the
 * viewer's own, never an engine code borrowed for another meaning.
 */
import { CodedError } from '../../engine/coded-error';

export type ViewerErrorCode =
  /** The viewer lacks a service, library or tool MedSAM needs (an OHIF build without it, or too old). */
  | 'HOST_UNSUPPORTED'
  /** No viewport is active, or it shows no image series MedSAM can work on. */
  | 'NO_VIEWPORT'
  /** The viewport has no labelmap segmentation or no active segment to write into. */
  | 'NO_SEGMENTATION'
  /** A labelmap slice the work needs is not loaded, or does not match its image's grid. */
  | 'LABELMAP_UNAVAILABLE'
  /** A slice's pixels or geometry are not (yet) in the viewer (still loading, or no ImageOrientationPatient). */
  | 'IMAGE_NOT_READY'
  /** The view is not an acquired slice (a reformatted or 3D view): MedSAM segments the acquired plane. */
  | 'NOT_ACQUIRED_PLANE'
  /** "Segment volume" on a viewport that is not a stack of slices on one grid (a single image, mixed sizes). */
  | 'NOT_A_VOLUME'
  /** "Segment volume" without a key slice (an accepted box or a bidirectional marker) in the viewport. */
  | 'NO_KEY_SLICES'
  /** A save of a segmentation with no segmented voxel. */
  | 'EMPTY_SEGMENTATION'
  /** Work that needs the model while it is not loaded (the load failed: the panel says why). */
  | 'MODEL_NOT_LOADED';

export class ViewerError extends CodedError<ViewerErrorCode> {
  constructor(code: ViewerErrorCode, message: string, details: Record<string, unknown> = {}) {
    super('ViewerError', code, message, details);
  }
}

export function isViewerError(e: unknown, code?: ViewerErrorCode): e is ViewerError {
  return e instanceof ViewerError && (code === undefined || e.code === code);
}
