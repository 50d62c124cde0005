import type { MedsamService } from '../app/medsamService';
import type { HostServicesManager } from '../host/hostTypes';
import { SERVICE_NAME } from './ids';

/**
 * The extension's service as the viewer holds it, or undefined where the extension is not registered (a mode used
 * without it, a viewer that refused it). The one typed lookup: nothing else casts the host's service table.
 */
export function getMedsamService(servicesManager: Pick<HostServicesManager, 'services'>): MedsamService | undefined {
  return servicesManager.services[SERVICE_NAME] as MedsamService | undefined;
}
