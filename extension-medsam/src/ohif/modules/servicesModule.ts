import { MedsamService, type MedsamServiceConfig } from '../app/medsamService';
import type { HostModuleArgs, HostServiceRegistration } from '../host/hostTypes';

/**
 * The services the extension adds. OHIF 3.13 has no "services module" type: an extension registers its
 * services in preRegistration, which calls this list (see index.ts).
 */
export function getServicesModule(): Array<HostServiceRegistration<unknown>> {
  return [MedsamService.REGISTRATION];
}

/** The service configuration from the app config (window.config.medsam). */
export function serviceConfiguration({
  appConfig,
  configuration,
}: Pick<HostModuleArgs, 'appConfig' | 'configuration'>): MedsamServiceConfig {
  const fromApp = (appConfig?.medsam ?? {}) as MedsamServiceConfig;
  return { ...fromApp, ...(configuration ?? {}) };
}
