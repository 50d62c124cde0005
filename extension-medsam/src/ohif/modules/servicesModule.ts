import { BROWSER_DEPS, MedsamService, type MedsamServiceConfig } from '../app/medsamService';
import { SERVICE_NAME } from './ids';
import type { HostModuleArgs, HostServiceRegistration } from '../host/hostTypes';

/** How OHIF creates the service: the app configuration, the browser's worker and cache, the viewer's segment rename. */
export const MEDSAM_SERVICE_REGISTRATION: HostServiceRegistration<MedsamService> = {
  name: SERVICE_NAME,
  create: ({ configuration, servicesManager }) =>
    new MedsamService((configuration ?? {}) as MedsamServiceConfig, {
      ...BROWSER_DEPS,
      renameSegment: (segmentationId, segmentIndex, label) =>
        servicesManager?.services.segmentationService?.setSegmentLabel?.(segmentationId, segmentIndex, label),
    }),
};

/**
 * The services the extension adds. OHIF 3.13 has no "services module" type: an extension registers its
 * services in preRegistration, which calls this list (see index.ts).
 */
export function getServicesModule(): Array<HostServiceRegistration<unknown>> {
  return [MEDSAM_SERVICE_REGISTRATION];
}

/** The service configuration from the app config (window.config.medsam). */
export function serviceConfiguration({
  appConfig,
  configuration,
}: Pick<HostModuleArgs, 'appConfig' | 'configuration'>): MedsamServiceConfig {
  const fromApp = (appConfig?.medsam ?? {}) as MedsamServiceConfig;
  return { ...fromApp, ...(configuration ?? {}) };
}
