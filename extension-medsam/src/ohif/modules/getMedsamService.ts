import type { MedsamService } from '../app/medsamService';
import type { HostServices } from '../host/hostTypes';
import { SERVICE_NAME } from './ids';

/** The host boundary's types, for the mode (which imports this entry, '@medsam/extension-medsam/service'). */
export type {
  HostCommandsManager,
  HostCustomizationService,
  HostPanelService,
  HostServices,
  HostServicesManager,
  HostToolbarButton,
  HostToolbarService,
  HostToolGroupService,
} from '../host/hostTypes';

/**
 * The extension's service as the viewer holds it, or undefined where the extension is not registered (a mode used
 * without it, a viewer that refused it). The one typed lookup: nothing else casts the host's service table.
 */
export function getMedsamService(servicesManager: {
  services: Pick<HostServices, typeof SERVICE_NAME>;
}): MedsamService | undefined {
  return servicesManager.services[SERVICE_NAME] as MedsamService | undefined;
}
