/**
 * What "Segment volume" works on and reports: the scene the viewer hands in (slices, key slices, labelmaps), the
 * engine calls a run makes, and the run's state as the panel shows it (progress, preview, review queue).
 */
import type { ImageBox, ImageSize } from '../../engine/geometry/box';
import type { SliceInput } from '../../engine/session/pipeline';
import type { KeySlice, VolumePlan } from '../../engine/volume/plan';
import type { PreprocessingProfileId } from '../../engine/manifest';
import type { VolumeStatus } from '../../engine/volume/run';
import type { LabelmapSliceAccess } from './labelmapEdit';

/** A box accepted with the MedSAM box tool, remembered as a key slice of its segment. */
export interface AcceptedBox {
  imageId: string;
  segmentationId: string;
  segmentIndex: number;
  box: ImageBox;
}

/** The viewer's side of one run, read when the user starts it. Slice z is imageIds[z], ordered along the normal. */
export interface VolumeScene {
  viewportId: string;
  imageIds: readonly string[];
  keys: readonly KeySlice[];
  image: ImageSize;
  /** [column, row, slice] in mm; null when the slices are not evenly spaced (no volume in mL then). */
  spacingMm: [number, number, number] | null;
  segmentationId: string;
  segmentIndex: number;
  /** The engine input of slice z (loads it when the viewer has not yet). */
  loadSlice(z: number): Promise<SliceInput>;
  /** The segment's labelmap slice z and its id (the ledger's key). */
  labelmap(z: number): { labelmapImageId: string; access: LabelmapSliceAccess };
  /**
   * Labelmap writes happened: on `slice` only, or anywhere (undefined). The host re-renders when the slice is on
   * screen: a render per slice written would cost more than the slice itself where WebGL is slow.
   */
  changed(slice?: number): void;
  /** Puts an accepted run on the host's undo history (ctrl+z). */
  record(entry: { undo(): void; redo(): void }): void;
}

export interface VolumeEngine {
  segment(
    imageId: string,
    image: SliceInput,
    box: ImageBox,
    signal: AbortSignal,
  ): Promise<{ mask: Uint8Array; iou: number }>;
  /** Encodes a slice ahead of its turn (the worker runs it while the main thread paints the previous slice). */
  prefetch(imageId: string, image: SliceInput, signal: AbortSignal): void;
}

export interface VolumeReviewItem {
  slice: number;
  iou: number;
  areaJump: number;
  area: number;
}

export interface VolumeRunState {
  /** idle: nothing to show; running; preview: the run's masks wait for accept or reject; accepted. */
  phase: 'idle' | 'running' | 'preview' | 'accepted';
  /** How the last run ended. */
  outcome: VolumeStatus | null;
  done: number;
  total: number;
  msPerSlice: number | null;
  msLeft: number | null;
  /** The slice being segmented (running) or null. */
  slice: number | null;
  sliceCount: number;
  keySlices: number[];
  mode: VolumePlan['mode'] | null;
  /** Slices ranked by how much they are worth checking (low predicted IoU, jumps in area). */
  review: VolumeReviewItem[];
  /** Volume of the run's mask in mL (null without even slice spacing). */
  volumeMl: number | null;
  message: string | null;
}

export const IDLE_VOLUME: Readonly<VolumeRunState> = Object.freeze({
  phase: 'idle',
  outcome: null,
  done: 0,
  total: 0,
  msPerSlice: null,
  msLeft: null,
  slice: null,
  sliceCount: 0,
  keySlices: [],
  mode: null,
  review: [],
  volumeMl: null,
  message: null,
});

export interface VolumeRunOptions {
  /** Keep pixels edited by hand since MedSAM wrote them (default true). */
  keepHandEdits?: boolean;
  /** How many slices of the review queue to list. */
  reviewLimit?: number;
  /** The model's preprocessing profile: propagation pads boxes as its official 3D script does (volume/padding.ts). */
  profile?: PreprocessingProfileId;
}
