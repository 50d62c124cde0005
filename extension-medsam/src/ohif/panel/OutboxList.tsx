import type { ReactElement } from 'react';
import type { MedsamOutboxItem } from '../app/medsamService';
import { ConfirmButton } from './ConfirmButton';
import type { MedsamPanelService } from './MedsamPanelService';
import { styles } from './styles';

/** One SEG waiting in the outbox: why, and Retry, Download and Discard. */
function OutboxEntry({ entry: e, service }: { entry: MedsamOutboxItem; service: MedsamPanelService }): ReactElement {
  return (
    <div
      data-cy="medsam-outbox-entry"
      data-id={e.id}
      data-code={e.code}
      style={{ marginTop: 4, wordBreak: 'break-word' }}
    >
      <div>{e.description}</div>
      <div style={styles.label}>{`${e.attempts} attempt(s), ${(e.bytesLength / 1024).toFixed(1)} KiB: ${e.error}`}</div>
      <button
        type="button"
        style={styles.small}
        data-cy="medsam-outbox-retry"
        onClick={() => void service.retryOutbox(e.id)}
      >
        Retry
      </button>
      <button
        type="button"
        style={styles.small}
        data-cy="medsam-outbox-download"
        onClick={() => void service.downloadOutbox(e.id)}
      >
        Download
      </button>
      <ConfirmButton
        label="Discard"
        style={styles.small}
        data-cy="medsam-outbox-discard"
        title="Delete this SEG from the outbox (download it first to keep it)"
        onConfirm={() => void service.discardOutbox(e.id)}
      />
    </div>
  );
}

/** The SEGs the PACS did not take, kept in the browser until retried, downloaded or discarded. */
export function OutboxList({
  outbox,
  service,
}: {
  outbox: readonly MedsamOutboxItem[];
  service: MedsamPanelService;
}): ReactElement {
  return (
    <div data-cy="medsam-outbox" data-count={outbox.length} style={{ marginTop: 6 }}>
      <div style={styles.label}>{`Outbox: ${outbox.length ? `${outbox.length} waiting` : 'empty'}`}</div>
      {outbox.map(e => (
        <OutboxEntry key={e.id} entry={e} service={service} />
      ))}
    </div>
  );
}
