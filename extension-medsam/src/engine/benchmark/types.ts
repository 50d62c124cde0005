/** What the accuracy benchmark takes (cases with reference masks) and gives (records per slice and per 3D run). */
import type { ImageBox, ImageSize } from '../geometry/box';
import type { PreprocessingProfileId } from '../manifest';
import type { BoxMode } from './prompts';

/** One 2D image (a slice of a volume, or a photograph) and how to get its pixels when the model needs them. */
export interface BenchSlice<I> {
  /** Unique over the whole benchmark: the embedding cache key. */
  id: string;
  size: ImageSize;
  /** [between rows, between columns] in mm; null for images without a spacing (NSD then in pixels). */
  pixelSpacingMm: readonly [number, number] | null;
  load: () => Promise<I>;
}

export interface BenchTarget {
  name: string;
  /** The reference mask on slice z ([H, W], nonzero inside). */
  mask: (z: number) => ArrayLike<number>;
}

export interface BenchCase<I> {
  name: string;
  /** CT, MR, endoscopy, ...: the per-modality rows. */
  modality: string;
  slices: readonly BenchSlice<I>[];
  targets: readonly BenchTarget[];
  /** Distance between slice centres (mm) when the slices form a regular volume (3D runs); null for 2D image sets. */
  sliceSpacingMm: number | null;
}

/** The model in use, boxes in -> masks out, one encode per slice (the CLI passes a MedsamSession). */
export type BenchSegment<I> = (
  slice: BenchSlice<I>,
  boxes: readonly ImageBox[],
) => Promise<{ masks: Uint8Array[]; iou: number[] }>;

export interface BenchOptions {
  profile: PreprocessingProfileId;
  seed: number;
  boxMode: BoxMode;
  /** Model-input pixels (see prompts.ts). */
  maxJitterPx: number;
  marginPx: number;
  /** NSD tolerance: mm, or pixels for images without spacing. */
  tau: number;
  /** Key-slice steps of the 3D marker study, e.g. [3, 5, 10]; empty: no 3D. */
  keySteps: readonly number[];
  /** Also run single-box propagation from the middle slice. */
  propagate: boolean;
  /** Share of slices the review-queue check looks at (0.1). */
  reviewFraction: number;
}

export interface SliceRecord {
  case: string;
  modality: string;
  target: string;
  slice: number;
  dice: number;
  nsd: number;
  nsdUnit: 'mm' | 'px';
  boxes: number[][];
  jitter: number[][];
  refPixels: number;
  predPixels: number;
}

export type VolumeProtocol = { kind: 'markers'; k: number } | { kind: 'propagate'; padPx: number };

export interface VolumeRecord {
  case: string;
  modality: string;
  target: string;
  protocol: VolumeProtocol;
  /** Boxes drawn by the simulated user (key slices). */
  userActions: number;
  keySlices: number[];
  slicesSegmented: number;
  /** Slices where the reference has the target. */
  referenceSlices: number;
  dice: number;
  nsd: number;
  nsdUnit: 'mm' | 'px';
  status: string;
  /** Per slice run: Dice against the reference and the review queue's score (for the ranking check). */
  perSlice: { slice: number; dice: number; score: number; iou: number; areaJump: number }[];
}
