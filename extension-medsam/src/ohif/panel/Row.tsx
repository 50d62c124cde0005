import type { ReactElement, ReactNode } from 'react';
import { styles } from './styles';

/** A label on the left, its value on the right; `dataCy` names the row and `${dataCy}-value` its value. */
export function Row({ label, value, dataCy }: { label: string; value: ReactNode; dataCy: string }): ReactElement {
  return (
    <div style={styles.row} data-cy={dataCy}>
      <span style={styles.label}>{label}</span>
      <span data-cy={`${dataCy}-value`}>{value}</span>
    </div>
  );
}

/** A progress bar, 0 to 1. */
export function ProgressBar({ fraction }: { fraction: number }): ReactElement {
  return (
    <div
      style={styles.bar}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(fraction * 100)}
    >
      <div style={{ ...styles.barFill, width: `${fraction * 100}%` }} />
    </div>
  );
}
