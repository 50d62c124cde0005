/**
 * "Segment volume" as the service runs it: the viewer prepares the scene (its slices and key slices), the volume
 * controller segments every slice of the range as a preview, and the review queue jumps the viewer to a slice.
 */
import type { MedsamLedger } from '../medsamLedger';
import { VolumeController, type AcceptedBox, type VolumeRunState, type VolumeScene } from '../volumeController';
import type { BoxSession } from './boxSession';
import type { EngineConnection } from './engineConnection';
import type { StateStore } from './state';

/** The viewer side of "Segment volume" (set by the extension on mode entry). */
export interface VolumeHost {
  prepare(acceptedBoxes: () => Iterable<AcceptedBox>): Promise<VolumeScene>;
  jumpTo(viewportId: string | null, slice: number): void;
}

export class VolumeRun {
  readonly controller: VolumeController;
  #host: VolumeHost | null = null;
  #viewportId: string | null = null;

  constructor(
    private readonly store: StateStore,
    private readonly engine: EngineConnection,
    private readonly boxes: BoxSession,
    ledger: MedsamLedger,
  ) {
    this.controller = new VolumeController(
      {
        segment: (imageId, image, box, signal) => engine.segment(imageId, image, box, { signal, interactive: false }),
        prefetch: (imageId, image, signal) => engine.encodeAhead(imageId, image, signal),
      },
      ledger,
      volume => this.store.patch({ volume }),
    );
  }

  /** The viewer side (null: not available in this viewer); a run in progress stops when it goes. */
  setHost(host: VolumeHost | null): void {
    this.#host = host;
    if (!host && this.controller.isRunning) this.controller.cancel();
  }

  /** Why the labelmap cannot be saved or boxed now, or null. */
  blocking(): string | null {
    if (this.controller.isRunning) return 'Segment volume is running: wait for it or cancel it (Esc) first';
    if (this.controller.hasPreview) return 'The volume run is a preview: accept it (Enter) or reject it (Esc) first';
    return null;
  }

  /**
   * The key slices of the active viewport -> every slice of their range, shown as a preview (Enter or Accept keeps
   * it, Esc or Reject drops it). A box preview still pending is the user's latest mark: it is accepted first and
   * becomes a key slice, not thrown away.
   */
  async run(ensureModel: () => Promise<unknown>): Promise<VolumeRunState> {
    const host = this.#host;
    if (!host) {
      const volume = this.store.get().volume;
      this.store.patch({ volume: { ...volume, message: 'Segment volume is not available in this viewer' } });
      return this.store.get().volume;
    }
    if (this.boxes.preview.hasPreview) await this.boxes.preview.accept();
    return this.controller.run(
      async () => {
        await ensureModel();
        const scene = await host.prepare(() => this.boxes.acceptedBoxes());
        this.#viewportId = scene.viewportId;
        return scene;
      },
      { keepHandEdits: this.store.get().keepHandEdits, profile: this.engine.profile ?? undefined },
    );
  }

  /** Shows a slice of the last run (the review queue's click). */
  jumpTo(slice: number): void {
    this.#host?.jumpTo(this.#viewportId, slice);
  }
}
