import type { ReactElement } from 'react';
import { styles } from './styles';

/** Accept and Reject for a box preview (the same as Enter and Esc). */
export function PreviewButtons({ onAccept, onReject }: { onAccept(): void; onReject(): void }): ReactElement {
  return (
    <div data-cy="medsam-box-preview" style={{ display: 'flex', gap: 6, marginTop: 6 }}>
      <button
        type="button"
        style={{ ...styles.button, marginTop: 0 }}
        data-cy="medsam-box-accept"
        onClick={onAccept}
        title="Keep the mask (Enter)"
      >
        Accept (Enter)
      </button>
      <button
        type="button"
        style={{ ...styles.button, marginTop: 0 }}
        data-cy="medsam-box-reject"
        onClick={onReject}
        title="Drop the mask and restore the labelmap (Esc)"
      >
        Reject (Esc)
      </button>
    </div>
  );
}
