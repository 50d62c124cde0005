/**
 * A button that asks before it acts: the first click turns it into "<label>? yes", the second one acts, leaving it
 * (blur) takes the question back. Not window.confirm: a modal dialog stops the viewer and the browser tests.
 */
import { useState, type CSSProperties, type ReactElement } from 'react';

export interface ConfirmButtonProps {
  label: string;
  onConfirm(): void;
  style?: CSSProperties;
  'data-cy'?: string;
  title?: string;
}

export function ConfirmButton({ label, onConfirm, style, title, ...rest }: ConfirmButtonProps): ReactElement {
  const [asking, setAsking] = useState(false);
  const onClick = (): void => {
    if (!asking) return setAsking(true);
    setAsking(false);
    onConfirm();
  };
  return (
    <button
      type="button"
      style={asking ? { ...style, color: '#fca5a5', borderColor: '#b91c1c' } : style}
      data-cy={rest['data-cy']}
      data-confirm={asking ? 'true' : 'false'}
      title={title}
      onClick={onClick}
      onBlur={() => setAsking(false)}
    >
      {asking ? `${label}? yes` : label}
    </button>
  );
}
