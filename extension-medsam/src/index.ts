/**
 * The MedSAM OHIF extension. Built as an ES module (webpack.config.js) whose default export the viewer
 * loads by URL from window.config.extensions; `id` is how modes and the viewer refer to it.
 */
import { getCommandsModule } from './ohif/modules/commandsModule';
import { getHostCornerstone } from './ohif/host/hostLibraries';
import { listSegments } from './ohif/host/hostSegmentation';
import { hostSupportProblems, unsupportedHostMessage } from './ohif/host/hostSupport';
import { jumpToSlice, prepareVolumeScene, segmentVolumesMl } from './ohif/host/hostVolume';
import { EXTENSION_ID, SERVICE_NAME } from './ohif/modules/ids';
import type { MedsamService } from './ohif/app/medsamService';
import { registerMedsamBoxTool } from './ohif/host/MedsamBoxTool';
import { getPanelModule } from './ohif/modules/panelModule';
import { createBrowserOutbox } from './ohif/host/outboxBrowser';
import { createHostSaver } from './ohif/host/saveSegmentation';
import type { Outbox } from './seg/outbox';
import { getServicesModule, serviceConfiguration } from './ohif/modules/servicesModule';
import { getToolbarModule } from './ohif/modules/toolbarModule';
import type { HostModuleArgs } from './ohif/host/hostTypes';

export {
  EXTENSION_ID,
  PANEL_ID,
  SERVICE_NAME,
  BOX_TOOL_NAME,
  BOX_TOOL_BUTTON_ID,
  BOX_TOOL_EVALUATOR,
  TOOL_GROUP_IDS,
} from './ohif/modules/ids';
export type { MedsamState, MedsamStatus, MedsamDevice, MedsamModelInfo } from './ohif/app/medsamService';

let unsubscribers: Array<() => void> = [];
/**
 * One outbox per page (IndexedDB: it survives a reload). Its database opens on first use and again after a failed
 * open: a refusal is not memoised, so a later Save still works (and, with the PACS up, stores at once).
 */
let outbox: Outbox | null = null;
const openOutbox = (): Outbox => (outbox ??= createBrowserOutbox());

const extension = {
  id: EXTENSION_ID,

  /** Registers the extension's services before any module is read. */
  preRegistration(args: HostModuleArgs): void {
    const configuration = serviceConfiguration(args);
    for (const registration of getServicesModule()) {
      args.servicesManager.registerService(registration, configuration);
    }
  },

  /**
   * Every mode entry: the box tool is registered with the host's cornerstone (once), and the panel's segment list
   * follows the host's segmentation service. The model itself is loaded by the MedSAM mode (or the tool's first use),
   * so other modes never download it.
   */
  onModeEnter({ servicesManager, extensionManager, commandsManager }: HostModuleArgs): void {
    const service = servicesManager.services[SERVICE_NAME] as MedsamService | undefined;
    if (!service) return;
    try {
      const cs = getHostCornerstone(extensionManager);
      const missing = hostSupportProblems(cs, servicesManager.services);
      if (missing.length) throw new Error(unsupportedHostMessage(missing));
      registerMedsamBoxTool({ cs, service, servicesManager, commandsManager });
      service.setSaver(
        createHostSaver({
          services: servicesManager.services,
          extensionManager,
          cs,
          outbox: openOutbox(),
          ledger: service.ledger,
          stowTimeoutMs: service.settings.stowTimeoutMs,
        }),
      );
      service.setVolumeHost({
        prepare: acceptedBoxes =>
          prepareVolumeScene({ cs, services: servicesManager.services, commandsManager, acceptedBoxes }),
        jumpTo: (viewportId, slice) => jumpToSlice(cs, servicesManager.services, viewportId, slice),
      });
    } catch (e) {
      const message = (e as Error).message;
      service.reportUnsupportedHost(
        message.startsWith('MedSAM cannot run') ? message : `MedSAM cannot run in this viewer: ${message}`,
      );
    }
    const { segmentationService, viewportGridService, toolbarService } = servicesManager.services;
    // Volumes in mL read every labelmap slice: measured once the segmentation has been still for a moment, not on
    // every preview paint.
    let volumes = new Map<string, number>();
    let volumeTimer: ReturnType<typeof setTimeout> | null = null;
    const withVolumes = () =>
      listSegments(servicesManager.services, viewportGridService?.getActiveViewportId?.() ?? null).map(s => {
        const ml = volumes.get(`${s.segmentationId}:${s.segmentIndex}`);
        return ml === undefined ? s : { ...s, volumeMl: ml };
      });
    const refreshSegments = () => {
      service.setSegments(withVolumes());
      if (volumeTimer !== null) clearTimeout(volumeTimer);
      volumeTimer = setTimeout(() => {
        volumeTimer = null;
        try {
          volumes = segmentVolumesMl(getHostCornerstone(extensionManager), servicesManager.services);
        } catch {
          volumes = new Map();
        }
        service.setSegments(withVolumes());
      }, 500);
    };
    unsubscribers.push(() => volumeTimer !== null && clearTimeout(volumeTimer));
    const removed = segmentationService?.EVENTS?.SEGMENTATION_REMOVED;
    if (removed) {
      // A new segmentation may reuse the id: MedSAM's record of the old one must not count as the new one's.
      const sub = segmentationService.subscribe(
        removed,
        (evt: { segmentationId?: string }) => evt?.segmentationId && service.forgetSegmentation(evt.segmentationId),
      );
      unsubscribers.push(sub.unsubscribe);
    }
    for (const name of [
      'SEGMENTATION_MODIFIED',
      'SEGMENTATION_ADDED',
      'SEGMENTATION_REMOVED',
      'SEGMENTATION_DATA_MODIFIED',
      'SEGMENTATION_REPRESENTATION_MODIFIED',
    ]) {
      const event = segmentationService?.EVENTS?.[name];
      if (event) unsubscribers.push(segmentationService.subscribe(event, refreshSegments).unsubscribe);
    }
    // The toolbar's evaluators read the service (e.g. the box button is disabled after a model error).
    let lastStatus = service.getState().status;
    const sub = service.subscribe(state => {
      if ((state.status === 'error') === (lastStatus === 'error')) return void (lastStatus = state.status);
      lastStatus = state.status;
      toolbarService?.refreshToolbarState?.({ viewportId: viewportGridService?.getActiveViewportId?.() });
    });
    unsubscribers.push(() => sub.unsubscribe());
    refreshSegments();
  },

  onModeExit({ servicesManager }: HostModuleArgs): void {
    unsubscribers.forEach(u => u());
    unsubscribers = [];
    (servicesManager.services[SERVICE_NAME] as MedsamService | undefined)?.setSaver(null);
    (servicesManager.services[SERVICE_NAME] as MedsamService | undefined)?.setVolumeHost(null);
    (servicesManager.services[SERVICE_NAME] as MedsamService | undefined)?.onModeExit();
  },

  getPanelModule,
  getCommandsModule,
  getToolbarModule,
};

export default extension;
