import type { ChangeEvent, ReactElement } from 'react';
import { CT_PRESETS, isIntensityPreset } from '../app/intensityPreset';
import type { MedsamState } from '../app/medsamService';
import type { MedsamPanelService } from './MedsamPanelService';
import { Row } from './Row';
import { styles } from './styles';

/** The intensity window: a preset for CT (Auto names what it chose), otherwise what the modality gives. */
export function IntensityRow({ state, service }: { state: MedsamState; service: MedsamPanelService }): ReactElement {
  const { preset, modality, description } = state.intensity;
  const isCt = (modality ?? '').toUpperCase() === 'CT';
  const onChange = (e: ChangeEvent<HTMLSelectElement>): void => {
    if (isIntensityPreset(e.target.value)) service.setIntensityPreset(e.target.value);
  };
  const value = isCt ? (
    <select style={styles.select} value={preset} data-cy="medsam-intensity-select" onChange={onChange}>
      {CT_PRESETS.map(p => (
        <option key={p.preset} value={p.preset}>
          {p.preset === 'auto' && description ? `Auto: ${description}` : p.label}
        </option>
      ))}
    </select>
  ) : (
    (description ?? 'automatic (from Modality)')
  );
  return <Row label="Intensity" value={value} dataCy="medsam-intensity" />;
}
