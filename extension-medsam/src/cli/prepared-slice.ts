/**
 * A slice read, decoded and preprocessed ahead of its model run. onnxruntime-node computes on its own threads and
 * leaves the JavaScript thread free meanwhile, so the command line prepares the next slice (JPEG 2000 decoding is about
 * 90 ms of a 512 x 512 CT slice) while the model runs on the current one.
 */
import type { PreprocessingProfileId } from '../engine/manifest';
import type { SliceImage } from '../engine/preprocess/types';
import { preprocessSlice } from '../engine/session/pipeline';
import type { DicomFile } from './dicom-folder';
import { slicePixels } from './pixels';

export interface PreparedSlice {
  slice: SliceImage;
  /** The encoder input for the model's profile. */
  input: Float32Array;
}

export async function prepareSlice(file: DicomFile, profile: PreprocessingProfileId): Promise<PreparedSlice> {
  const slice = await slicePixels(file);
  return { slice, input: preprocessSlice({ slice }, profile) };
}

/** The Preprocess step of segmentBoxes for a prepared slice: the input is already made. */
export const preparedInput = (p: PreparedSlice): Float32Array => p.input;

/**
 * Runs work on a later turn of the event loop, once the caller's model run has been handed to onnxruntime. Its failure
 * surfaces only where the result is awaited (an unused prefetch that fails is not an unhandled rejection).
 */
export function afterModelStarts<T>(work: () => Promise<T>): Promise<T> {
  const p = new Promise<T>((resolve, reject) => setImmediate(() => work().then(resolve, reject)));
  p.catch(() => undefined);
  return p;
}
