import { createElement } from 'react';
import { foreignRootElement } from './foreignRoot';
import { PANEL_NAME, SERVICE_NAME } from './ids';
import { MedsamPanel } from './MedsamPanel';
import type { MedsamService } from './medsamService';
import type { HostModuleArgs } from './hostTypes';

/**
 * The panel entry. OHIF renders `component` with its own React; ours returns a foreign-root element so the
 * panel's content runs on the React bundled with the extension.
 */
export function getPanelModule({ servicesManager, commandsManager }: HostModuleArgs) {
  const HostPanel = () => {
    const service = servicesManager.services[SERVICE_NAME] as MedsamService | undefined;
    if (!service) throw new Error(`MedSAM: the ${SERVICE_NAME} service is not registered`);
    return foreignRootElement(() => createElement(MedsamPanel, { service, onActivateTool: () => void commandsManager?.runCommand('activateMedsamBox') }), {
      'data-cy': 'medsam-panel-host',
      style: { height: '100%', overflow: 'auto' },
    });
  };
  return [
    {
      name: PANEL_NAME,
      iconName: 'tab-segmentation',
      iconLabel: 'MedSAM',
      label: 'MedSAM',
      component: HostPanel,
    },
  ];
}
