import { useCallback, useSyncExternalStore, type ReactElement } from 'react';
import type { MedsamState } from '../app/medsamService';
import { EngineStatus } from './EngineStatus';
import { IntensityRow } from './IntensityRow';
import type { MedsamPanelService } from './MedsamPanelService';
import { ModelInfo } from './ModelInfo';
import { PreviewButtons } from './PreviewButtons';
import { SaveSection } from './SaveSection';
import { SegmentsSection } from './SegmentsSection';
import { styles } from './styles';
import { VolumeSection } from './VolumeSection';

export interface MedsamPanelProps {
  service: MedsamPanelService;
  onActivateTool?: () => void;
  /** Accept / Reject of a box preview (default: the service's preview; the panel module runs the viewer's Enter / Esc commands). */
  onAcceptPreview?: () => void;
  onRejectPreview?: () => void;
}

/** The service's state, rendering again on each change. */
function useMedsamState(service: MedsamPanelService): MedsamState {
  const subscribe = useCallback(
    (listener: () => void) => {
      const subscription = service.subscribe(listener);
      return () => subscription.unsubscribe();
    },
    [service],
  );
  const snapshot = useCallback(() => service.getState(), [service]);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

/** The MedSAM side panel: model, device, status, download, timings, intensity, box preview, segments, volume, save. */
export function MedsamPanel({
  service,
  onActivateTool,
  onAcceptPreview,
  onRejectPreview,
}: MedsamPanelProps): ReactElement {
  const state = useMedsamState(service);
  return (
    <section style={styles.panel} data-cy="medsam-panel">
      <h2 style={styles.title} data-cy="medsam-panel-title">
        MedSAM
      </h2>
      <ModelInfo model={state.model} />
      <EngineStatus state={state} />
      <IntensityRow state={state} service={service} />
      {onActivateTool ? (
        <button
          type="button"
          style={styles.button}
          data-cy="medsam-activate"
          disabled={state.status === 'error'}
          onClick={onActivateTool}
        >
          Draw a box (M)
        </button>
      ) : null}
      {state.previewPending ? (
        <PreviewButtons
          onAccept={onAcceptPreview ?? (() => void service.preview.accept())}
          onReject={onRejectPreview ?? (() => service.preview.reject())}
        />
      ) : null}
      {state.notice ? (
        <div style={styles.notice} data-cy="medsam-notice">
          {state.notice}
        </div>
      ) : null}
      {state.message ? (
        <div style={styles.message} data-cy="medsam-message" role="alert">
          {state.message}
        </div>
      ) : null}
      <SegmentsSection state={state} service={service} />
      <VolumeSection state={state} service={service} />
      <SaveSection state={state} service={service} />
    </section>
  );
}
