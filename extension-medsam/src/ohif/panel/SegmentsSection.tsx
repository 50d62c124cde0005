import type { ReactElement } from 'react';
import { segmentKey, type MedsamSegmentInfo, type MedsamState } from '../app/medsamService';
import type { MedsamPanelService } from './MedsamPanelService';
import { styles } from './styles';
import { TargetPicker } from './TargetPicker';

interface SegmentItemProps {
  segment: MedsamSegmentInfo;
  state: MedsamState;
  service: MedsamPanelService;
}

/** One segment: its colour, label, volume and target. */
function SegmentItem({ segment: s, state, service }: SegmentItemProps): ReactElement {
  return (
    <li data-cy="medsam-segment" data-active={s.active ? 'true' : 'false'} style={{ fontWeight: s.active ? 600 : 400 }}>
      <span style={{ ...styles.swatch, background: s.color ?? '#6b7280' }} />
      {`${s.label}${s.active ? ' (active)' : ''}`}
      {s.volumeMl !== undefined ? (
        <span style={styles.label} data-cy="medsam-segment-ml">{` ${s.volumeMl.toFixed(1)} mL`}</span>
      ) : null}
      <TargetPicker
        segmentLabel={s.label}
        chosen={state.targets[segmentKey(s.segmentationId, s.segmentIndex)]}
        onChoose={target => service.setSegmentTarget(s.segmentationId, s.segmentIndex, target)}
      />
    </li>
  );
}

/** The segments of the viewer's segmentations, the active one in bold, each with its target picker. */
export function SegmentsSection({ state, service }: { state: MedsamState; service: MedsamPanelService }): ReactElement {
  return (
    <div style={styles.section}>
      <div style={styles.label}>Segments</div>
      <ul data-cy="medsam-segments" style={{ margin: 0, paddingLeft: 4, listStyle: 'none' }}>
        {state.segments.length ? (
          state.segments.map(s => (
            <SegmentItem key={`${s.segmentationId}:${s.segmentIndex}`} segment={s} state={state} service={service} />
          ))
        ) : (
          <li style={styles.label}>none yet: the first box creates one</li>
        )}
      </ul>
    </div>
  );
}
