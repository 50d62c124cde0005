/**
 * What the panel shows, and the one store that holds it. Every part of the service (engine connection, box session,
 * volume run, saving) changes it through `patch`, so each change is one immutable state and one notification, OHIF
 * style: `subscribe(EVENTS.STATE_CHANGED, listener)` (or `subscribe(listener)`, the panel's short form).
 */
import type { SegmentTarget } from '../../../seg/codes';
import type { ModelProvenance } from '../../../engine/manifest';
import type { IntensityPreset } from '../intensityPreset';
import { IDLE_VOLUME, type VolumeRunState } from '../volumeController';

/** Where inference runs; 'none' until the engine has chosen. */
export type MedsamDevice = 'none' | 'webgpu' | 'wasm';

export type MedsamStatus = 'idle' | 'loading-model' | 'ready' | 'encoding' | 'decoding' | 'error';

export interface MedsamModelInfo {
  id: string;
  label: string;
  /** Test models (box oracle, bright-in-box) say so in the panel: their masks are not clinical. */
  isTestModel: boolean;
  precision?: string;
  /** The checkpoint's sha256 and source (the SEG's AlgorithmIdentification names them); null for random weights. */
  weightsSha256?: string | null;
  weightsSource?: string;
  /** Where published weights came from (package, version, licence, checkpoint sha256, homepage); the panel shows it. */
  provenance?: ModelProvenance;
}

/** The SEG SOP class "Save to PACS" writes: classic binary (66.4, the default) or Label Map (66.7). */
export type MedsamSaveKind = 'binary' | 'labelmap';

/** The key of a segment's target choice. */
export const segmentKey = (segmentationId: string, segmentIndex: number): string => `${segmentationId}:${segmentIndex}`;

/** The last "Save to PACS" and what waits in the outbox. */
export interface MedsamSaveState {
  status: 'idle' | 'saving' | 'stored' | 'failed';
  /** Success: the new series; failure: the reason (the SEG is in the outbox, or was downloaded). */
  message: string | null;
  seriesInstanceUid: string | null;
  /** The file name when the outbox could not keep the SEG and it was downloaded instead: the user must keep it. */
  downloaded?: string;
}

export interface MedsamOutboxItem {
  id: string;
  description: string;
  attempts: number;
  error: string;
  /** The reason's code, e.g. STOW_INTERRUPTED for a store the page did not see finish. */
  code: string;
  bytesLength: number;
}

export interface MedsamSegmentInfo {
  segmentationId: string;
  segmentationLabel: string;
  segmentIndex: number;
  label: string;
  active: boolean;
  color: string | null;
  /** Volume in mL over the active viewport's slices (absent until measured, or without even slice spacing). */
  volumeMl?: number;
}

/** What the panel shows. */
export interface MedsamState {
  model: MedsamModelInfo | null;
  device: MedsamDevice;
  status: MedsamStatus;
  /** A message a user can act on (errors name the URL and the fix). */
  message: string | null;
  /** A hint about what to do next (e.g. Enter accepts the preview). */
  notice: string | null;
  /** Last encode (preprocess + encoder), last decode (decoder + postprocess), last box-to-mask round trip, model load. */
  timings: { encodeMs: number | null; decodeMs: number | null; maskMs?: number | null; loadMs?: number | null };
  download: { loadedBytes: number; totalBytes: number | null } | null;
  intensity: { preset: IntensityPreset; modality: string | null; description: string | null };
  segments: MedsamSegmentInfo[];
  /** True while a box preview waits for Enter or Esc. */
  previewPending: boolean;
  save: MedsamSaveState;
  outbox: MedsamOutboxItem[];
  /** "Segment volume": progress, the preview waiting for accept or reject, the review queue. */
  volume: VolumeRunState;
  /** A re-run keeps pixels edited by hand (brush, eraser) unless the user unticks it. */
  keepHandEdits: boolean;
  /** Targets chosen in the panel, by segmentKey; they code the saved SEG's segments. */
  targets: Readonly<Record<string, SegmentTarget>>;
  saveKind: MedsamSaveKind;
}

export const INITIAL_STATE: Readonly<MedsamState> = Object.freeze({
  model: null,
  device: 'none',
  status: 'idle',
  message: null,
  notice: null,
  timings: Object.freeze({ encodeMs: null, decodeMs: null, maskMs: null, loadMs: null }),
  download: null,
  intensity: Object.freeze({ preset: 'auto' as IntensityPreset, modality: null, description: null }),
  segments: [],
  previewPending: false,
  save: Object.freeze({ status: 'idle' as const, message: null, seriesInstanceUid: null }),
  outbox: [],
  volume: IDLE_VOLUME,
  keepHandEdits: true,
  targets: Object.freeze({}),
  saveKind: 'binary' as MedsamSaveKind,
});

export interface PubSubSubscription {
  unsubscribe(): void;
}

export type StateListener = (state: MedsamState) => void;

/** The service's events, named the way OHIF's own services name theirs. */
export const EVENTS = Object.freeze({ STATE_CHANGED: 'event::medsamService:stateChanged' } as const);

export class StateStore {
  #state: MedsamState = { ...INITIAL_STATE };
  readonly #listeners = new Set<StateListener>();

  get(): MedsamState {
    return this.#state;
  }

  /** Replaces the given fields and notifies subscribers with the new (immutable) state. */
  patch(patch: Partial<MedsamState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const listener of [...this.#listeners]) listener(this.#state);
  }

  subscribe(listener: StateListener): PubSubSubscription {
    this.#listeners.add(listener);
    return { unsubscribe: () => void this.#listeners.delete(listener) };
  }
}
