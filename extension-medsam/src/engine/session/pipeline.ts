/**
 * The whole 2D path for one image and its boxes, composed from the engine's parts:
 *   preprocess (image -> encoder input) -> encode (cached) -> image box -> model box -> decode -> post-process (mask).
 * The preprocessing step is passed in, so this file stays independent of how an image is described.
 */
import { toModelBox, type ImageBox, type ImageSize } from '../geometry/box';
import type { PreprocessingProfileId } from '../manifest';
import { maskFromLowResLogits } from '../postprocess';
import { preprocessForModel, type IntensityOptions, type SliceImage } from '../preprocess';
import type { MedsamSession } from './session';
import { Priority } from './scheduler';

/** Image -> encoder input ([1, 3, S, S] float32 in [0, 1]) for a profile. */
export type Preprocess<Image> = (image: Image, profile: PreprocessingProfileId) => Float32Array;

/** A DICOM slice with its intensity normalisation: what the viewer and the worker segment. */
export interface SliceInput {
  slice: SliceImage;
  intensity?: IntensityOptions;
}

/** The official preprocessing (../preprocess) as a Preprocess. */
export const preprocessSlice: Preprocess<SliceInput> = (image, profile) =>
  preprocessForModel(image.slice, profile, image.intensity ?? { kind: 'auto' }).input;

export function sliceSize(image: SliceInput): ImageSize {
  return { width: image.slice.columns, height: image.slice.rows };
}

export interface SegmentOptions {
  signal?: AbortSignal;
  /** Called as each stage starts, for progress display. */
  onStage?: (stage: 'preprocess' | 'encode' | 'decode' | 'postprocess') => void;
}

export interface SegmentResult {
  /** One mask per box, row-major [height, width], 1 inside. */
  masks: Uint8Array[];
  iou: number[];
  width: number;
  height: number;
  timings: { preprocessMs: number; encodeMs: number; decodeMs: number; postprocessMs: number; cached: boolean };
}

const now = (): number => (globalThis.performance ?? Date).now();

export async function segmentBoxes<Image>(
  session: MedsamSession,
  preprocess: Preprocess<Image>,
  imageId: string,
  image: Image,
  size: ImageSize,
  boxes: readonly ImageBox[],
  options: SegmentOptions = {},
): Promise<SegmentResult> {
  const profile = session.entry.profile;
  // Boxes are checked before any model work, so a bad box costs nothing.
  const modelBoxes = boxes.map(b => toModelBox(b, size, profile));
  const cached = session.hasEmbedding(imageId);
  let preprocessMs = 0;
  const t0 = now();
  const embedding = await session.encode(
    imageId,
    () => {
      options.onStage?.('preprocess');
      const p0 = now();
      const input = preprocess(image, profile);
      preprocessMs = now() - p0;
      options.onStage?.('encode');
      return input;
    },
    { signal: options.signal, priority: Priority.interactive },
  );
  const encodeMs = cached ? 0 : now() - t0 - preprocessMs;
  options.onStage?.('decode');
  const t1 = now();
  const decoded = await session.decodeEmbedding(embedding, modelBoxes, { signal: options.signal });
  const decodeMs = now() - t1;
  options.onStage?.('postprocess');
  const t2 = now();
  const masks = decoded.lowResLogits.map(logits => maskFromLowResLogits(logits, size, profile));
  const postprocessMs = now() - t2;
  return {
    masks,
    iou: Array.from(decoded.iou),
    width: size.width,
    height: size.height,
    timings: { preprocessMs, encodeMs, decodeMs, postprocessMs, cached },
  };
}

/** A slice and one image box -> the mask ([rows, columns], 1 inside): the whole official pipeline. */
export async function segmentSliceBox(
  session: MedsamSession,
  imageId: string,
  image: SliceInput,
  box: ImageBox,
  options: SegmentOptions = {},
): Promise<Uint8Array> {
  return segmentBox(session, preprocessSlice, imageId, image, sliceSize(image), box, options);
}

/** One box: the mask alone. */
export async function segmentBox<Image>(
  session: MedsamSession,
  preprocess: Preprocess<Image>,
  imageId: string,
  image: Image,
  size: ImageSize,
  box: ImageBox,
  options: SegmentOptions = {},
): Promise<Uint8Array> {
  const r = await segmentBoxes(session, preprocess, imageId, image, size, [box], options);
  return r.masks[0];
}
