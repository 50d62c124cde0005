/**
 * The panel's target picker for one segment: a text input with the catalogue's matches below it (SNOMED CT coded
 * targets of seg/codes.ts) and, for text that names none of them, a free-text choice (coded Tissue). Only a click on
 * a match or Enter chooses; typing alone never does, so "liv" does not become a free-text target on its way to Liver.
 */
import { useState, type ChangeEvent, type CSSProperties, type KeyboardEvent, type ReactElement } from 'react';
import { freeTextTarget, resolveTarget, searchTargets, type SegmentTarget } from '../../seg/codes';

export interface TargetOption {
  target: SegmentTarget;
  /** True for the free-text choice (no catalogue entry; coded Tissue). */
  freeText: boolean;
}

/** The first `limit` catalogue matches of the text, then the text itself as free text unless it names a target exactly. */
export function targetOptions(text: string, limit = 6): TargetOption[] {
  const options: TargetOption[] = searchTargets(text)
    .slice(0, limit)
    .map(target => ({ target, freeText: false }));
  const exact = text.trim() ? resolveTarget(text) : null;
  if (exact && isFreeText(exact)) options.push({ target: freeTextTarget(text), freeText: true });
  return options;
}

export function isFreeText(target: SegmentTarget): boolean {
  return target.id.startsWith('text:');
}

/** How the SEG will code the segment, in a few words (what the picker shows under the input). */
export function describeCoding(target: SegmentTarget): string {
  if (isFreeText(target)) return 'free text, coded as Tissue';
  const modifier = target.typeModifier ? ` (${target.typeModifier.meaning})` : '';
  return `${target.type.scheme} ${target.type.value} ${target.type.meaning}${modifier}`;
}

const styles: Record<string, CSSProperties> = {
  input: {
    width: '100%',
    boxSizing: 'border-box',
    background: '#111827',
    color: '#d1d5db',
    border: '1px solid #374151',
    borderRadius: 3,
    fontSize: 12,
    padding: '1px 4px',
  },
  list: {
    margin: '2px 0 0',
    padding: 0,
    listStyle: 'none',
    border: '1px solid #374151',
    borderRadius: 3,
    background: '#111827',
  },
  option: {
    display: 'block',
    width: '100%',
    textAlign: 'left',
    padding: '1px 4px',
    background: 'none',
    border: 'none',
    color: '#d1d5db',
    fontSize: 12,
    cursor: 'pointer',
  },
  hint: { color: '#9ca3af', fontSize: 11 },
};

export interface TargetPickerProps {
  /** The segment's current label: names the input, and codes the segment while nothing is chosen. */
  segmentLabel: string;
  chosen: SegmentTarget | undefined;
  /** A target, or null to go back to the label's coding. */
  onChoose(target: SegmentTarget | null): void;
}

/** One choice in the list: a catalogue target with its code, or the typed text as free text. */
function TargetOptionButton({ option, onChoose }: { option: TargetOption; onChoose(): void }): ReactElement {
  const { target, freeText } = option;
  return (
    <button
      type="button"
      style={styles.option}
      role="option"
      data-cy="medsam-target-option"
      data-target-id={target.id}
      // mousedown, not click: the input's blur (which closes this list) comes before a click.
      onMouseDown={e => {
        e.preventDefault();
        onChoose();
      }}
    >
      {freeText ? `Free text: "${target.label}"` : target.label}
      <span style={styles.hint}>{freeText ? ' (Tissue)' : ` ${target.type.scheme} ${target.type.value}`}</span>
    </button>
  );
}

export function TargetPicker({ segmentLabel, chosen, onChoose }: TargetPickerProps): ReactElement {
  // null: not editing (the input shows the choice); a string: what is typed, with the matches listed.
  const [text, setText] = useState<string | null>(null);
  const choose = (target: SegmentTarget | null): void => {
    setText(null);
    onChoose(target);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>): void => {
    // The viewer's hotkeys (Enter accepts a box preview, m draws a box) must not see what is typed here.
    e.stopPropagation();
    if (e.key === 'Enter' && text !== null) choose(text.trim() ? resolveTarget(text) : null);
    else if (e.key === 'Escape') setText(null);
  };
  const coding = chosen ? describeCoding(chosen) : `from the label: ${describeCoding(resolveTarget(segmentLabel))}`;
  return (
    <div style={{ marginTop: 2, fontWeight: 400 }}>
      <input
        type="text"
        style={styles.input}
        data-cy="medsam-target-input"
        data-target-id={chosen?.id ?? ''}
        aria-label={`Target of ${segmentLabel}`}
        placeholder="Target: type to search"
        autoComplete="off"
        value={text ?? chosen?.label ?? ''}
        onFocus={() => setText(t => t ?? chosen?.label ?? '')}
        onChange={(e: ChangeEvent<HTMLInputElement>) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        onKeyUp={e => e.stopPropagation()}
        onBlur={() => setText(null)}
      />
      {text === null ? (
        <div style={styles.hint} data-cy="medsam-target-coding">
          {coding}
        </div>
      ) : (
        <ul style={styles.list} role="listbox" data-cy="medsam-target-options">
          {targetOptions(text).map(option => (
            <li key={option.target.id}>
              <TargetOptionButton option={option} onChoose={() => choose(option.target)} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
