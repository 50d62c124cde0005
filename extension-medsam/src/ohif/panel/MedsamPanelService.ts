/**
 * What the panel needs of the MedSAM service: its state, change notifications, and the actions its controls run.
 * Structural, so that the service (app/medsamService.ts) satisfies it as it is, and tests render with a small fake.
 */
import type { SegmentTarget } from '../../seg/codes';
import type { IntensityPreset } from '../app/intensityPreset';
import type { MedsamSaveKind, MedsamState } from '../app/medsamService';

export interface MedsamPanelService {
  getState(): MedsamState;
  /** Calls `listener` with each new state until unsubscribed. */
  subscribe(listener: (state: MedsamState) => void): { unsubscribe(): void };

  setIntensityPreset(preset: IntensityPreset): void;
  /** A target for the segment, or null to code it from its label again. */
  setSegmentTarget(segmentationId: string, segmentIndex: number, target: SegmentTarget | null): void;
  setSaveKind(kind: MedsamSaveKind): void;
  setKeepHandEdits(keep: boolean): void;

  saveToPacs(): Promise<void>;
  retryOutbox(id: string): Promise<void>;
  downloadOutbox(id: string): Promise<void>;
  discardOutbox(id: string): Promise<void>;

  segmentVolume(): Promise<unknown>;
  jumpToVolumeSlice(slice: number): void;

  /** The box preview (Accept / Reject when the panel module gives no viewer commands). */
  readonly preview: { accept(): Promise<unknown>; reject(): void };
  /** The "Segment volume" run: Cancel while running, Accept / Reject of its preview. */
  readonly volume: { cancel(): void; accept(): unknown; reject(): unknown };
}
