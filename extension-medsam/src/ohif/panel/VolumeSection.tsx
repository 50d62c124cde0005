/**
 * The panel's "Volume (3D)" section: Segment volume, its progress with time left and Cancel, the preview's Accept
 * and Reject (an accepted run is one ctrl+z), whether hand edits survive a re-run, and the review queue (click a slice to
 * show it).
 */
import type { ChangeEvent, ReactElement } from 'react';
import type { MedsamState } from '../app/medsamService';
import type { VolumeReviewItem, VolumeRunState } from '../app/volumeController';
import type { MedsamPanelService } from './MedsamPanelService';
import { ProgressBar } from './Row';
import { styles } from './styles';

function seconds(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '';
  return ms < 60_000 ? `~${Math.ceil(ms / 1000)} s left` : `~${Math.ceil(ms / 60_000)} min left`;
}

const OUTCOME: Record<string, string> = { complete: 'done', cancelled: 'cancelled', failed: 'stopped by an error' };

interface SmallButtonProps {
  dataCy: string;
  label: string;
  onClick(): void;
  title?: string;
}

function SmallButton({ dataCy, label, onClick, title }: SmallButtonProps): ReactElement {
  return (
    <button type="button" style={styles.small} data-cy={dataCy} onClick={onClick} title={title}>
      {label}
    </button>
  );
}

/** Slices done of all, time left or how the run ended, and the bar. */
function VolumeProgress({ v }: { v: VolumeRunState }): ReactElement {
  const fraction = v.total ? Math.min(1, v.done / v.total) : 0;
  return (
    <div data-cy="medsam-volume-progress" data-done={v.done} data-total={v.total} style={{ marginTop: 4 }}>
      <div style={styles.row}>
        <span>{`${v.done} of ${v.total} slices${v.slice !== null ? ` (slice ${v.slice + 1})` : ''}`}</span>
        <span style={styles.label}>{v.phase === 'running' ? seconds(v.msLeft) : (OUTCOME[v.outcome ?? ''] ?? '')}</span>
      </div>
      <ProgressBar fraction={fraction} />
    </div>
  );
}

/** The slices to check first; a click shows the slice. */
function ReviewQueue({
  review,
  service,
}: {
  review: readonly VolumeReviewItem[];
  service: MedsamPanelService;
}): ReactElement {
  return (
    <div style={{ marginTop: 6 }}>
      <div style={styles.label}>Check first (low predicted IoU, jumps in area):</div>
      <ul data-cy="medsam-review" style={{ margin: 0, paddingLeft: 4, listStyle: 'none' }}>
        {review.map(r => (
          <li key={r.slice} data-cy="medsam-review-item" data-slice={r.slice}>
            <button
              type="button"
              style={{ ...styles.small, marginLeft: 0 }}
              onClick={() => service.jumpToVolumeSlice(r.slice)}
              title="Show this slice"
            >
              {`slice ${r.slice + 1}`}
            </button>
            <span style={styles.label}>
              {` IoU ${Number.isFinite(r.iou) ? r.iou.toFixed(2) : '–'}, area ${r.areaJump > 0 ? `jump ${(r.areaJump * 100).toFixed(0)} %` : 'steady'}`}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The "Volume (3D)" section (see the top of this file). */
export function VolumeSection({ state, service }: { state: MedsamState; service: MedsamPanelService }): ReactElement {
  const v = state.volume;
  const running = v.phase === 'running';
  return (
    <div style={styles.section} data-cy="medsam-volume" data-phase={v.phase} data-outcome={v.outcome ?? ''}>
      <div style={styles.label}>Volume (3D)</div>
      <div style={{ ...styles.label, fontSize: 11 }}>
        Mark a few key slices (long and short axes with the marker tool, or accepted MedSAM boxes), then segment every
        slice between them.
      </div>
      <button
        type="button"
        style={styles.button}
        data-cy="medsam-volume-run"
        disabled={running || state.status === 'error'}
        onClick={() => void service.segmentVolume()}
      >
        {running ? 'Segmenting…' : 'Segment volume'}
      </button>
      <label style={{ ...styles.label, display: 'block', marginTop: 4 }}>
        <input
          type="checkbox"
          checked={state.keepHandEdits}
          data-cy="medsam-keep-hand-edits"
          onChange={(e: ChangeEvent<HTMLInputElement>) => service.setKeepHandEdits(e.target.checked)}
        />
        {' keep hand edits when re-running'}
      </label>
      {running || v.phase === 'preview' ? <VolumeProgress v={v} /> : null}
      {running ? (
        <SmallButton
          dataCy="medsam-volume-cancel"
          label="Cancel (Esc)"
          onClick={() => service.volume.cancel()}
          title="Stop after the slice in progress; the slices done stay as a preview"
        />
      ) : null}
      {v.phase === 'preview' ? (
        <div style={{ marginTop: 4 }}>
          {v.volumeMl !== null ? (
            <span data-cy="medsam-volume-ml" style={{ marginRight: 6 }}>{`${v.volumeMl.toFixed(1)} mL`}</span>
          ) : null}
          <SmallButton
            dataCy="medsam-volume-accept"
            label="Accept (Enter)"
            onClick={() => void service.volume.accept()}
          />
          <SmallButton
            dataCy="medsam-volume-reject"
            label="Reject (Esc)"
            onClick={() => void service.volume.reject()}
          />
        </div>
      ) : null}
      {v.message ? (
        <div
          style={v.outcome === 'failed' ? styles.message : styles.notice}
          data-cy="medsam-volume-message"
          role="status"
        >
          {v.message}
        </div>
      ) : null}
      {v.review.length && v.phase !== 'idle' ? <ReviewQueue review={v.review} service={service} /> : null}
    </div>
  );
}
