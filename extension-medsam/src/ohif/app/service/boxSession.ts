/**
 * The box tool's side of the service: the live preview of the box being drawn (one per page: only one box is edited
 * at a time), and what an accepted box leaves behind: a key slice of its segment for "Segment volume" and its pixels
 * in the ledger, both kept in step with the labelmap by undo and redo.
 */
import type { LabelmapEdit } from '../labelmapEdit';
import type { LedgerSliceRef, MedsamLedger } from '../medsamLedger';
import { PreviewController, type PreviewTarget } from '../previewController';
import type { AcceptedBox } from '../volumeController';
import { segmentMessage } from '../errorMessages';
import { isIntensityPreset, type IntensityPreset } from '../intensityPreset';
import type { EngineConnection } from './engineConnection';
import type { StateStore } from './state';

/** Where an accepted box was drawn: its slice, its segmentation, and the labelmap slice it wrote. */
export interface AcceptedBoxPlace {
  imageId: string;
  segmentationId: string;
  labelmapImageId: string;
  pixels: number;
}

export class BoxSession {
  readonly preview: PreviewController;
  /** Boxes accepted with the box tool, by source image and segment: key slices of "Segment volume". */
  readonly #accepted = new Map<string, AcceptedBox>();

  constructor(
    private readonly store: StateStore,
    engine: EngineConnection,
    private readonly ledger: MedsamLedger,
  ) {
    this.preview = new PreviewController(
      {
        segment: async (imageId, image, box, signal) =>
          (await engine.segment(imageId, image, box, { signal, interactive: true })).mask,
      },
      {
        minIntervalMs: 40,
        onError: e => this.store.patch({ message: segmentMessage(e) }),
        onChange: () => {
          const pending = this.preview.hasPreview;
          if (pending === this.store.get().previewPending) return;
          this.store.patch({
            previewPending: pending,
            notice: pending ? 'Preview: Enter accepts, Esc rejects; drag the corners to adjust the box.' : null,
          });
        },
      },
    );
  }

  /** The key slices of "Segment volume" (the boxes accepted so far, latest per slice and segment). */
  acceptedBoxes(): Iterable<AcceptedBox> {
    return this.#accepted.values();
  }

  /** Changes the CT window of the encoder input; a box being previewed is segmented again with it. */
  setIntensityPreset(preset: IntensityPreset): void {
    const { intensity } = this.store.get();
    if (!isIntensityPreset(preset) || preset === intensity.preset) return;
    this.store.patch({ intensity: { ...intensity, preset } });
    const box = this.preview.current?.box;
    if (box) this.preview.setBox(box, { force: true });
  }

  /** The preview target with MedSAM's bookkeeping: the box and the ledger follow accept, undo and redo. */
  track(target: PreviewTarget, where: AcceptedBoxPlace): PreviewTarget {
    const ref: LedgerSliceRef = {
      segmentationId: where.segmentationId,
      segmentIndex: target.segmentIndex,
      labelmapImageId: where.labelmapImageId,
    };
    const boxKey = `${where.imageId}\u0000${where.segmentationId}\u0000${target.segmentIndex}`;
    const mark = (edit: LabelmapEdit, owned: boolean) => this.ledger.mark(ref, where.pixels, edit.indices, () => owned);
    return {
      ...target,
      record: (entry, accepted) => {
        const box: AcceptedBox = {
          imageId: where.imageId,
          segmentationId: where.segmentationId,
          segmentIndex: target.segmentIndex,
          box: accepted.box,
        };
        const previousBox = this.#accepted.get(boxKey);
        mark(accepted.edit, true);
        this.#accepted.set(boxKey, box);
        target.record?.(
          {
            undo: () => {
              entry.undo();
              mark(accepted.edit, false);
              if (previousBox) this.#accepted.set(boxKey, previousBox);
              else this.#accepted.delete(boxKey);
            },
            redo: () => {
              entry.redo();
              mark(accepted.edit, true);
              this.#accepted.set(boxKey, box);
            },
          },
          accepted,
        );
      },
    };
  }

  /** A removed segmentation's key boxes go with it. */
  forgetSegmentation(segmentationId: string): void {
    for (const [key, box] of this.#accepted) if (box.segmentationId === segmentationId) this.#accepted.delete(key);
  }

  reset(): void {
    this.preview.reject();
    this.#accepted.clear();
  }
}
