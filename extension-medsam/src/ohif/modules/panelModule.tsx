import { foreignRootElement } from '../panel/foreignRoot';
import { ViewerError } from '../app/errors';
import { getMedsamService } from './getMedsamService';
import { PANEL_HOST_DATA_CY, PANEL_NAME, SERVICE_NAME } from './ids';
import { MedsamPanel } from '../panel/MedsamPanel';
import type { HostModuleArgs } from '../host/hostTypes';

/**
 * The panel entry. OHIF renders `component` with its own React; ours returns a foreign-root element so the
 * panel's content runs on the React bundled with the extension.
 */
export function getPanelModule({ servicesManager, commandsManager }: HostModuleArgs) {
  const HostPanel = () => {
    const service = getMedsamService(servicesManager);
    if (!service) throw new ViewerError('HOST_UNSUPPORTED', `MedSAM: the ${SERVICE_NAME} service is not registered`);
    // Accept / Reject run the viewer's own Enter / Esc commands (every labelmap tool's preview, the box outline redrawn).
    const hostCommand = (name: 'acceptPreview' | 'rejectPreview', fallback: () => void) => () => {
      try {
        if (commandsManager) return void commandsManager.runCommand(name);
      } catch {
        // a viewer without the command: the service's own preview
      }
      fallback();
    };
    return foreignRootElement(
      () => (
        <MedsamPanel
          service={service}
          onActivateTool={() => void commandsManager?.runCommand('activateMedsamBox')}
          onAcceptPreview={hostCommand('acceptPreview', () => void service.preview.accept())}
          onRejectPreview={hostCommand('rejectPreview', () => service.preview.reject())}
        />
      ),
      { 'data-cy': PANEL_HOST_DATA_CY, style: { height: '100%', overflow: 'auto' } },
    );
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
