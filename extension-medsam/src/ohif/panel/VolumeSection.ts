/**
 * The panel's "Volume (3D)" section: Segment volume, its progress with time left and Cancel, the preview's Accept
 * and Reject (an accepted run is one ctrl+z), whether hand edits survive a re-run, and the review queue (click a slice to
 * show it).
 */
import { createElement as h, type CSSProperties, type ReactElement } from 'react';
import type { MedsamService, MedsamState } from '../app/medsamService';

function seconds(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '';
  return ms < 60_000 ? `~${Math.ceil(ms / 1000)} s left` : `~${Math.ceil(ms / 60_000)} min left`;
}

const OUTCOME: Record<string, string> = { complete: 'done', cancelled: 'cancelled', failed: 'stopped by an error' };

export function volumeSection(
  state: MedsamState,
  service: MedsamService,
  styles: Record<string, CSSProperties>,
): ReactElement {
  const v = state.volume;
  const running = v.phase === 'running';
  const button = (dataCy: string, label: string, onClick: () => void, title?: string) =>
    h('button', { type: 'button', style: styles.small, 'data-cy': dataCy, onClick, title, key: dataCy }, label);
  const fraction = v.total ? Math.min(1, v.done / v.total) : 0;
  return h(
    'div',
    {
      style: styles.section,
      key: 'volume',
      'data-cy': 'medsam-volume',
      'data-phase': v.phase,
      'data-outcome': v.outcome ?? '',
    },
    h('div', { style: styles.label }, 'Volume (3D)'),
    h(
      'div',
      { style: { ...styles.label, fontSize: 11 } },
      'Mark a few key slices (long and short axes with the marker tool, or accepted MedSAM boxes), then segment every slice between them.',
    ),
    h(
      'button',
      {
        type: 'button',
        style: styles.button,
        'data-cy': 'medsam-volume-run',
        disabled: running || state.status === 'error',
        onClick: () => void service.segmentVolume(),
      },
      running ? 'Segmenting…' : 'Segment volume',
    ),
    h(
      'label',
      { style: { ...styles.label, display: 'block', marginTop: 4 } },
      h('input', {
        type: 'checkbox',
        checked: state.keepHandEdits,
        'data-cy': 'medsam-keep-hand-edits',
        onChange: (e: { target: { checked: boolean } }) => service.setKeepHandEdits(e.target.checked),
      }),
      ' keep hand edits when re-running',
    ),
    running || v.phase === 'preview'
      ? h(
          'div',
          { 'data-cy': 'medsam-volume-progress', 'data-done': v.done, 'data-total': v.total, style: { marginTop: 4 } },
          h(
            'div',
            { style: styles.row },
            h('span', null, `${v.done} of ${v.total} slices${v.slice !== null ? ` (slice ${v.slice + 1})` : ''}`),
            h('span', { style: styles.label }, running ? seconds(v.msLeft) : (OUTCOME[v.outcome ?? ''] ?? '')),
          ),
          h(
            'div',
            {
              style: styles.bar,
              role: 'progressbar',
              'aria-valuemin': 0,
              'aria-valuemax': 100,
              'aria-valuenow': Math.round(fraction * 100),
            },
            h('div', { style: { ...styles.barFill, width: `${fraction * 100}%` } }),
          ),
        )
      : null,
    running
      ? button(
          'medsam-volume-cancel',
          'Cancel (Esc)',
          () => service.volume.cancel(),
          'Stop after the slice in progress; the slices done stay as a preview',
        )
      : null,
    v.phase === 'preview'
      ? h(
          'div',
          { style: { marginTop: 4 } },
          v.volumeMl !== null
            ? h('span', { 'data-cy': 'medsam-volume-ml', style: { marginRight: 6 } }, `${v.volumeMl.toFixed(1)} mL`)
            : null,
          button('medsam-volume-accept', 'Accept (Enter)', () => void service.volume.accept()),
          button('medsam-volume-reject', 'Reject (Esc)', () => void service.volume.reject()),
        )
      : null,
    v.message
      ? h(
          'div',
          {
            style: v.outcome === 'failed' ? styles.message : styles.notice,
            'data-cy': 'medsam-volume-message',
            role: 'status',
          },
          v.message,
        )
      : null,
    v.review.length && v.phase !== 'idle'
      ? h(
          'div',
          { style: { marginTop: 6 } },
          h('div', { style: styles.label }, 'Check first (low predicted IoU, jumps in area):'),
          h(
            'ul',
            { 'data-cy': 'medsam-review', style: { margin: 0, paddingLeft: 4, listStyle: 'none' } },
            v.review.map(r =>
              h(
                'li',
                { key: r.slice, 'data-cy': 'medsam-review-item', 'data-slice': r.slice },
                h(
                  'button',
                  {
                    type: 'button',
                    style: { ...styles.small, marginLeft: 0 },
                    onClick: () => service.jumpToVolumeSlice(r.slice),
                    title: 'Show this slice',
                  },
                  `slice ${r.slice + 1}`,
                ),
                h(
                  'span',
                  { style: styles.label },
                  ` IoU ${Number.isFinite(r.iou) ? r.iou.toFixed(2) : '–'}, area ${r.areaJump > 0 ? `jump ${(r.areaJump * 100).toFixed(0)} %` : 'steady'}`,
                ),
              ),
            ),
          ),
        )
      : null,
  );
}
