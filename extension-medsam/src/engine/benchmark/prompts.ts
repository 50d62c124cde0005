/**
 * Box prompts as the MedSAM paper made them from reference masks: the mask's bounding box, each side pushed outward
 * by a random whole number of 0..maxJitter pixels (training: random.randint(0, bbox_shift), bbox_shift = 20) in the
 * MODEL's input space - 1024 x 1024 for MedSAM (a stretch: x and y scale differently), 256 on the longest side for
 * LiteMedSAM - plus an optional fixed margin in the same space. Drawing in model space keeps the perturbation the
 * model was trained with whatever the image size; it is converted back to image pixels for the engine, which scales
 * the box to the model again exactly as the official code does.
 */
import { clampImageBox, maskBoundingBox, PROFILE_INPUT_SIZE, type ImageBox, type ImageSize } from '../geometry/box';
import type { PreprocessingProfileId } from '../manifest';
import { MedsamError } from '../errors';
import { connectedComponents } from './components';
import { randomInt, type Random } from './random';

/** One box per connected component (the challenge's protocol) or one covering the whole target on the slice. */
export type BoxMode = 'component' | 'target';

export interface PromptOptions {
  mode: BoxMode;
  /** Largest outward shift of each side, model-input pixels (20: the paper's training boxes). */
  maxJitterPx: number;
  /** Fixed outward margin of each side, model-input pixels, added to the jitter. */
  marginPx: number;
}

export interface Prompt {
  box: ImageBox;
  /** The reference box it was made from (tight, pixel edges). */
  reference: ImageBox;
  /** The jitter drawn for [left, top, right, bottom], model-input pixels (margin not included). */
  jitter: [number, number, number, number];
}

/** The paper's training jitter: 0..20 px on MedSAM's 1024 x 1024 input. */
export const PAPER_JITTER_PX = 20;
export const PAPER_INPUT_SIZE = 1024;

/**
 * The default jitter for a profile: the paper's 20 px of 1024 as the same share of the model's input, i.e. 20 px for
 * MedSAM and 5 px of LiteMedSAM's 256 (the same looseness relative to the image; 20 px of 256 would be four times
 * looser than anything MedSAM was trained with, 40 image px on each side of a 512 x 512 slice).
 */
export function defaultJitterPx(profile: PreprocessingProfileId): number {
  return Math.round((PAPER_JITTER_PX * PROFILE_INPUT_SIZE[profile]) / PAPER_INPUT_SIZE);
}

/** Model-input pixels per image pixel along x and y, for a profile (what toModelBox multiplies by). */
export function modelScale(image: ImageSize, profile: PreprocessingProfileId): { x: number; y: number } {
  const s = PROFILE_INPUT_SIZE[profile];
  if (profile === 'medsam-1024-stretch') return { x: s / image.width, y: s / image.height };
  const k = s / Math.max(image.width, image.height);
  return { x: k, y: k };
}

export function checkPromptOptions(o: PromptOptions): void {
  for (const [name, v] of [
    ['maxJitterPx', o.maxJitterPx],
    ['marginPx', o.marginPx],
  ] as const) {
    if (!(Number.isInteger(v) && v >= 0))
      throw new MedsamError('INVALID_BOX', `${name} must be a whole number of pixels >= 0, got ${v}`, { [name]: v });
  }
  if (o.mode !== 'component' && o.mode !== 'target')
    throw new MedsamError('INVALID_BOX', `Box mode must be "component" or "target", got ${String(o.mode)}`, {
      mode: o.mode,
    });
}

/** A reference box grown by margin + a random 0..maxJitter per side (model pixels), clamped to the image. */
export function jitterBox(
  reference: ImageBox,
  image: ImageSize,
  profile: PreprocessingProfileId,
  o: Omit<PromptOptions, 'mode'>,
  random: Random,
): Prompt {
  const jitter: [number, number, number, number] = [0, 0, 0, 0].map(() => randomInt(random, 0, o.maxJitterPx)) as [
    number,
    number,
    number,
    number,
  ];
  const s = modelScale(image, profile);
  const box = clampImageBox(
    reference.x0 - (jitter[0] + o.marginPx) / s.x,
    reference.y0 - (jitter[1] + o.marginPx) / s.y,
    reference.x1 + (jitter[2] + o.marginPx) / s.x,
    reference.y1 + (jitter[3] + o.marginPx) / s.y,
    image,
  );
  return { box, reference, jitter };
}

/**
 * The prompts for one target on one slice: none for an empty mask. Components are taken in raster order of their
 * first pixel, so the random draws, and with them the boxes, depend only on the seed and the data.
 */
export function referencePrompts(
  mask: ArrayLike<number>,
  image: ImageSize,
  profile: PreprocessingProfileId,
  o: PromptOptions,
  random: Random,
): Prompt[] {
  checkPromptOptions(o);
  const refs =
    o.mode === 'component'
      ? connectedComponents(mask, image).map(c => c.box)
      : [maskBoundingBox(mask, image)].filter((b): b is ImageBox => b !== null);
  return refs.map(r => jitterBox(r, image, profile, o, random));
}
