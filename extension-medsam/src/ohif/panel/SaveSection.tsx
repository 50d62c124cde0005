import type { ChangeEvent, ReactElement } from 'react';
import type { MedsamSaveKind, MedsamState } from '../app/medsamService';
import type { MedsamPanelService } from './MedsamPanelService';
import { OutboxList } from './OutboxList';
import { styles } from './styles';

/** "Save to PACS", the SEG type, what the last save did, and the outbox. */
export function SaveSection({ state, service }: { state: MedsamState; service: MedsamPanelService }): ReactElement {
  const { save, outbox } = state;
  const saving = save.status === 'saving';
  return (
    <div style={styles.section}>
      <button
        type="button"
        style={styles.button}
        data-cy="medsam-save"
        disabled={saving || state.segments.length === 0}
        onClick={() => void service.saveToPacs()}
      >
        {saving ? 'Saving…' : 'Save to PACS'}
      </button>
      <label style={{ ...styles.row, marginTop: 4 }}>
        <span style={styles.label}>SEG type</span>
        <select
          style={styles.select}
          value={state.saveKind}
          disabled={saving}
          data-cy="medsam-save-kind"
          onChange={(e: ChangeEvent<HTMLSelectElement>) => service.setSaveKind(e.target.value as MedsamSaveKind)}
        >
          <option value="binary">Binary (66.4)</option>
          <option value="labelmap">Label Map (66.7)</option>
        </select>
      </label>
      {save.message ? (
        <div
          style={save.status === 'failed' ? styles.message : styles.ok}
          data-cy="medsam-save-result"
          data-status={save.status}
          role={save.status === 'failed' ? 'alert' : undefined}
        >
          {save.message}
        </div>
      ) : null}
      {/* Not kept anywhere but in the user's downloads: said on its own line, so that it cannot be missed. */}
      {save.downloaded ? (
        <div style={styles.message} data-cy="medsam-save-downloaded" data-filename={save.downloaded} role="alert">
          {`Downloaded ${save.downloaded}: the outbox could not keep it; keep this file.`}
        </div>
      ) : null}
      <OutboxList outbox={outbox} service={service} />
    </div>
  );
}
