/**
 * The panel's segment list and what the user chose for each segment: the coded target the SEG will carry, and the
 * SEG kind to write. The list follows the host's segmentation events; choices follow their segment.
 */
import type { SegmentTarget } from '../../../seg/codes';
import { segmentKey, type MedsamSaveKind, type MedsamSegmentInfo, type StateStore } from './state';

/** Renames a segment in the viewer (absent where the viewer cannot). */
export type SegmentRenamer = (segmentationId: string, segmentIndex: number, label: string) => void;

export class SegmentChoices {
  constructor(
    private readonly store: StateStore,
    private readonly rename: SegmentRenamer | undefined,
  ) {}

  /** Called on every segmentation event, preview paints included: the panel re-renders only when the list changed. */
  setSegments(segments: MedsamSegmentInfo[]): void {
    const { segments: shown, targets } = this.store.get();
    if (sameSegments(shown, segments)) return;
    // A removed segment's choice must not pass to a new segment that reuses its index.
    const present = new Set(segments.map(s => segmentKey(s.segmentationId, s.segmentIndex)));
    const kept = Object.entries(targets).filter(([key]) => present.has(key));
    this.store.patch({
      segments,
      targets: kept.length === Object.keys(targets).length ? targets : Object.fromEntries(kept),
    });
  }

  /**
   * The target that codes a segment in the saved SEG (null: back to its label's). The viewer's segment label
   * follows when it can rename it; the SEG's coding does not depend on that.
   */
  setTarget(segmentationId: string, segmentIndex: number, target: SegmentTarget | null): void {
    const key = segmentKey(segmentationId, segmentIndex);
    const { [key]: _previous, ...others } = this.store.get().targets;
    this.store.patch({ targets: target ? { ...others, [key]: target } : others });
    if (!target) return;
    try {
      this.rename?.(segmentationId, segmentIndex, target.label);
    } catch {
      // Renaming is a convenience: the choice is kept and used when saving.
    }
  }

  setSaveKind(kind: MedsamSaveKind): void {
    if ((kind === 'binary' || kind === 'labelmap') && kind !== this.store.get().saveKind)
      this.store.patch({ saveKind: kind });
  }
}

function sameSegments(a: readonly MedsamSegmentInfo[], b: readonly MedsamSegmentInfo[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (x, i) =>
        x.segmentationId === b[i].segmentationId &&
        x.segmentationLabel === b[i].segmentationLabel &&
        x.segmentIndex === b[i].segmentIndex &&
        x.label === b[i].label &&
        x.active === b[i].active &&
        x.color === b[i].color &&
        x.volumeMl === b[i].volumeMl,
    )
  );
}
