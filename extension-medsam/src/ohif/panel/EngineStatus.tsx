import type { ReactElement } from 'react';
import type { MedsamState } from '../app/medsamService';
import { ProgressBar, Row } from './Row';
import { styles } from './styles';

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

/** The model download's progress, while the model loads (nothing once it is complete). */
function DownloadBar({ state }: { state: MedsamState }): ReactElement | null {
  const d = state.download;
  if (!d || !d.totalBytes) return null;
  const fraction = Math.min(1, d.loadedBytes / d.totalBytes);
  if (fraction >= 1 && state.status !== 'loading-model') return null;
  return (
    <div data-cy="medsam-download">
      <div style={styles.row}>
        <span style={styles.label}>Download</span>
        <span data-cy="medsam-download-value">{`${formatMB(d.loadedBytes)} / ${formatMB(d.totalBytes)}`}</span>
      </div>
      <ProgressBar fraction={fraction} />
    </div>
  );
}

/** The engine's device and status, the model download, and the last load, encode and decode times. */
export function EngineStatus({ state }: { state: MedsamState }): ReactElement {
  return (
    <>
      <Row label="Device" value={DEVICE_LABEL[state.device]} dataCy="medsam-device" />
      <Row label="Status" value={STATUS_LABEL[state.status] ?? state.status} dataCy="medsam-status" />
      <DownloadBar state={state} />
      <Row label="Model load" value={formatMs(state.timings.loadMs)} dataCy="medsam-load-time" />
      <Row label="Encode" value={formatMs(state.timings.encodeMs)} dataCy="medsam-encode-time" />
      <Row label="Decode" value={formatMs(state.timings.decodeMs)} dataCy="medsam-decode-time" />
    </>
  );
}
