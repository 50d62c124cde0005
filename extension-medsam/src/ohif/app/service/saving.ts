/**
 * "Save to PACS" and the outbox as the service runs them. The SegSaver port is what the viewer provides (host/
 * saveSegmentation.ts: the labelmap -> SEG -> outbox -> verified STOW-RS); this side keeps the panel's save line and
 * outbox list, refuses to save a preview nobody accepted, and never rejects a click handler's promise.
 */
import type { SegmentTarget } from '../../../seg/codes';
import type { OutboxSummary, SaveOutcome } from '../../../seg/outbox';
import type { SegmentationKind } from '../../../seg/writer';
import type { MedsamSaveState, StateStore } from './state';

/** The model a SEG names in its AlgorithmIdentification. */
export interface ExportModel {
  id: string;
  weightsSha256: string | null;
  weightsSource?: string;
  precision?: string;
}

export interface SaveReport {
  outcome: SaveOutcome;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  segments: Array<{ label: string; voxels: number }>;
  notes: string[];
  /**
   * Set when the outbox could not keep the SEG and the STOW failed: the file handed to the user (filename), or why
   * even that failed (error). The user must be told either way.
   */
  downloaded?: { filename: string } | { filename: string; error: string };
}

/** A retry as the panel reports it: stored, failed (message), or gone (another tab stored or discarded it). */
export interface RetryReport {
  ok: boolean;
  message: string | null;
  gone?: boolean;
  /** Stored according to QIDO: the STOW was refused because the PACS already had the SEG. */
  alreadyStored?: boolean;
}

/** The panel's choices for one save. */
export interface SaveOptions {
  /** Targets chosen in the panel, keyed `${segmentationId}:${segmentIndex}`; segments without one keep their label's. */
  targets?: Readonly<Record<string, SegmentTarget>>;
  /** BINARY (66.4, the default) or LABELMAP (66.7). */
  kind?: SegmentationKind;
}

/** What the panel needs from a saver (the service stays free of OHIF and IndexedDB). */
export interface SegSaver {
  save(model: ExportModel, options?: SaveOptions): Promise<SaveReport>;
  list(): Promise<OutboxSummary[]>;
  retry(id: string): Promise<RetryReport>;
  download(id: string): Promise<void>;
  /** Removes an outbox entry for good (the user confirmed it). */
  discard(id: string): Promise<void>;
}

export class Saving {
  #saver: SegSaver | null = null;

  constructor(
    private readonly store: StateStore,
    /** Why saving now would store something the user has not accepted (a preview, a running volume run), or null. */
    private readonly blocking: () => string | null,
  ) {}

  /** The viewer side (set by the extension on mode entry); the outbox list is read at once. */
  setSaver(saver: SegSaver | null): void {
    this.#saver = saver;
    void this.refreshOutbox();
  }

  async refreshOutbox(): Promise<void> {
    if (!this.#saver) return;
    try {
      const list = await this.#saver.list();
      this.store.patch({
        outbox: list.map(e => ({
          id: e.id,
          description: e.description,
          attempts: e.attempts,
          error: e.lastError.message,
          code: e.lastError.code,
          bytesLength: e.bytesLength,
        })),
      });
    } catch (e) {
      this.#failed(`the outbox cannot be read: ${messageOf(e)}`, { keepSeries: true });
    }
  }

  /** Writes the active viewport's segmentation as a SEG and stores it; a failure leaves it in the outbox. */
  async save(): Promise<void> {
    if (!this.#saver) return this.#failed('Save to PACS is not available in this viewer');
    const state = this.store.get();
    if (state.save.status === 'saving') return;
    const blocking = this.blocking();
    if (blocking) return this.#failed(`Not saved: ${blocking}`);
    const model = state.model;
    this.store.patch({ save: { status: 'saving', message: null, seriesInstanceUid: null } });
    try {
      const report = await this.#saver.save(
        {
          id: model?.id ?? 'unknown',
          weightsSha256: model?.weightsSha256 ?? null,
          weightsSource: model?.weightsSource,
          precision: model?.precision,
        },
        { targets: state.targets, kind: state.saveKind === 'labelmap' ? 'LABELMAP' : 'BINARY' },
      );
      this.store.patch({ save: saveStateOf(report) });
    } catch (e) {
      this.#failed(`Cannot save: ${messageOf(e)}`);
    }
    await this.refreshOutbox();
  }

  /** Sends an outbox entry again; never rejects (a click handler has nobody to catch it). */
  async retry(id: string): Promise<void> {
    if (!this.#saver) return;
    try {
      this.store.patch({ save: retryStateOf(id, await this.#saver.retry(id)) });
    } catch (e) {
      this.#failed(`Retry failed: ${messageOf(e)}`);
    }
    await this.refreshOutbox();
  }

  async download(id: string): Promise<void> {
    try {
      await this.#saver?.download(id);
    } catch (e) {
      this.#failed(`Cannot download ${id}: ${messageOf(e)}`);
      await this.refreshOutbox();
    }
  }

  /** Drops an outbox entry the user confirmed to discard (the panel asks first). */
  async discard(id: string): Promise<void> {
    if (!this.#saver) return;
    try {
      await this.#saver.discard(id);
      this.store.patch({
        save: { status: 'idle', message: `Discarded ${id} from the outbox`, seriesInstanceUid: null },
      });
    } catch (e) {
      this.#failed(`Cannot discard ${id}: ${messageOf(e)}`);
    }
    await this.refreshOutbox();
  }

  #failed(message: string, { keepSeries = false } = {}): void {
    const seriesInstanceUid = keepSeries ? this.store.get().save.seriesInstanceUid : null;
    this.store.patch({
      save: { ...(keepSeries ? this.store.get().save : {}), status: 'failed', message, seriesInstanceUid },
    });
  }
}

const messageOf = (e: unknown): string => String((e as Error)?.message ?? e);

/** The panel's save line for a finished save: stored, waiting in the outbox, or downloaded because it could not wait. */
function saveStateOf(report: SaveReport): MedsamSaveState {
  const what = report.segments.map(s => `${s.label} (${s.voxels} voxels)`).join(', ');
  const notes = report.notes.length ? `\n${report.notes.join('\n')}` : '';
  const seriesInstanceUid = report.seriesInstanceUid;
  const outcome = report.outcome;
  if (outcome.stored) {
    const how = outcome.verifiedBy === 'qido' ? ' (the PACS already had it)' : '';
    const unkept = outcome.notKept ? `\nThe outbox could not keep a copy meanwhile (${outcome.notKept.message}).` : '';
    return {
      status: 'stored',
      message: `Stored ${what} as series ${seriesInstanceUid}${how}${notes}${unkept}`,
      seriesInstanceUid,
    };
  }
  const why = `Not stored (${outcome.error.code}): ${outcome.error.message}`;
  if (outcome.outboxId !== null)
    return {
      status: 'failed',
      message: `${why}\nThe SEG waits in the outbox: retry or download it.`,
      seriesInstanceUid,
    };
  const d = report.downloaded;
  const kept =
    d && !('error' in d)
      ? `The outbox cannot keep it (${outcome.notKept.message}), so it was downloaded as ${d.filename}: keep that file and store it later.`
      : `The outbox cannot keep it (${outcome.notKept.message}) and the download failed too${d && 'error' in d ? ` (${d.error})` : ''}: save again once the PACS is up.`;
  return {
    status: 'failed',
    message: `${why}\n${kept}`,
    seriesInstanceUid,
    ...(d && !('error' in d) ? { downloaded: d.filename } : {}),
  };
}

function retryStateOf(id: string, r: RetryReport): MedsamSaveState {
  if (r.ok)
    return {
      status: 'stored',
      message: `Stored ${id} from the outbox${r.alreadyStored ? ' (the PACS already had it)' : ''}`,
      seriesInstanceUid: null,
    };
  if (r.gone)
    return {
      status: 'idle',
      message: `${id} is no longer in the outbox: it was stored or discarded in another tab`,
      seriesInstanceUid: null,
    };
  return { status: 'failed', message: `Retry failed: ${r.message}`, seriesInstanceUid: null };
}
