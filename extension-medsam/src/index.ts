/**
 * The MedSAM OHIF extension. Built as an ES module (webpack.config.js) whose default export the viewer
 * loads by URL from window.config.extensions; `id` is how modes and the viewer refer to it.
 */
import { ModeLifecycle } from './ohif/host/modeLifecycle';
import type { HostModuleArgs } from './ohif/host/hostTypes';
import { getCommandsModule } from './ohif/modules/commandsModule';
import { getMedsamService } from './ohif/modules/getMedsamService';
import { EXTENSION_ID } from './ohif/modules/ids';
import { getPanelModule } from './ohif/modules/panelModule';
import { getServicesModule, serviceConfiguration } from './ohif/modules/servicesModule';
import { getToolbarModule } from './ohif/modules/toolbarModule';

export {
  EXTENSION_ID,
  PANEL_ID,
  SERVICE_NAME,
  BOX_TOOL_NAME,
  BOX_TOOL_BUTTON_ID,
  BOX_TOOL_EVALUATOR,
  TOOL_GROUP_IDS,
} from './ohif/modules/ids';
export { getMedsamService } from './ohif/modules/getMedsamService';
export type { MedsamState, MedsamStatus, MedsamDevice, MedsamModelInfo } from './ohif/app/medsamService';

const lifecycle = new ModeLifecycle();

const extension = {
  id: EXTENSION_ID,

  /** Registers the extension's services before any module is read. */
  preRegistration(args: HostModuleArgs): void {
    const configuration = serviceConfiguration(args);
    for (const registration of getServicesModule()) {
      args.servicesManager.registerService(registration, configuration);
    }
  },

  onModeEnter(args: HostModuleArgs): void {
    const service = getMedsamService(args.servicesManager);
    if (service) lifecycle.enter(service, args);
  },

  onModeExit({ servicesManager }: HostModuleArgs): void {
    lifecycle.exit(getMedsamService(servicesManager));
  },

  getPanelModule,
  getCommandsModule,
  getToolbarModule,
};

export default extension;
