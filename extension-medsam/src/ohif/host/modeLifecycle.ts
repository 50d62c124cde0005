/**
 * What the extension does on each mode entry and exit: registers the box tool with the host's cornerstone (once),
 * gives the service its viewer sides (saving, "Segment volume"), keeps the panel's segment list and volumes in step
 * with the host's segmentation service, and refreshes the toolbar when the model fails or recovers. The model itself
 * is loaded by the MedSAM mode (or the tool's first use), so other modes never download it.
 */
import type { MedsamService } from '../app/medsamService';
import type { Outbox } from '../../seg/outbox';
import { getHostCornerstone } from './hostLibraries';
import { listSegments } from './hostSegmentation';
import { hostSupportProblems, unsupportedHostMessage } from './hostSupport';
import type { HostModuleArgs, HostServicesManager } from './hostTypes';
import { jumpToSlice, prepareVolumeScene, segmentVolumesMl } from './hostVolume';
import { registerMedsamBoxTool } from './MedsamBoxTool';
import { createBrowserOutbox } from './outboxBrowser';
import { createHostSaver } from './saveSegmentation';
import { ViewerError } from '../app/errors';

/** The host's segmentation events that change the panel's segment list. */
const SEGMENT_LIST_EVENTS = [
  'SEGMENTATION_MODIFIED',
  'SEGMENTATION_ADDED',
  'SEGMENTATION_REMOVED',
  'SEGMENTATION_DATA_MODIFIED',
  'SEGMENTATION_REPRESENTATION_MODIFIED',
];

/** Volumes in mL read every labelmap slice: measured once the segmentation has been still this long. */
const VOLUME_SETTLE_MS = 500;

export class ModeLifecycle {
  #cleanups: Array<() => void> = [];
  /**
   * One outbox per page (IndexedDB: it survives a reload). Its database opens on first use and again after a failed
   * open: a refusal is not memoised, so a later Save still works (and, with the PACS up, stores at once).
   */
  #outbox: Outbox | null = null;

  enter(service: MedsamService, args: HostModuleArgs): void {
    this.#connectViewer(service, args);
    this.#followSegments(service, args);
    this.#refreshToolbarOnModelFailure(service, args.servicesManager);
  }

  exit(service: MedsamService | undefined): void {
    this.#cleanups.forEach(cleanup => cleanup());
    this.#cleanups = [];
    service?.setSaver(null);
    service?.setVolumeHost(null);
    service?.onModeExit();
  }

  /** The box tool, Save to PACS and Segment volume; a viewer that lacks what they need is told so, once. */
  #connectViewer(service: MedsamService, { servicesManager, extensionManager, commandsManager }: HostModuleArgs): void {
    const services = servicesManager.services;
    try {
      const cs = getHostCornerstone(extensionManager);
      const missing = hostSupportProblems(cs, services);
      if (missing.length) throw new ViewerError('HOST_UNSUPPORTED', unsupportedHostMessage(missing));
      registerMedsamBoxTool({ cs, service, servicesManager, commandsManager });
      this.#outbox ??= createBrowserOutbox();
      service.setSaver(
        createHostSaver({
          services,
          extensionManager,
          cs,
          outbox: this.#outbox,
          ledger: service.ledger,
          // Reads the site's settings: a malformed one is said in the panel like a missing part of the viewer.
          stowTimeoutMs: service.settings.stowTimeoutMs,
        }),
      );
      service.setVolumeHost({
        prepare: acceptedBoxes => prepareVolumeScene({ cs, services, commandsManager, acceptedBoxes }),
        jumpTo: (viewportId, slice) => jumpToSlice(cs, services, viewportId, slice),
      });
    } catch (e) {
      const message = (e as Error).message;
      service.reportUnsupportedHost(
        message.startsWith('MedSAM cannot run') ? message : `MedSAM cannot run in this viewer: ${message}`,
      );
    }
  }

  /** The panel's segment list follows the host's segmentation service; a removed segmentation is forgotten. */
  #followSegments(service: MedsamService, { servicesManager, extensionManager }: HostModuleArgs): void {
    const { segmentationService, viewportGridService } = servicesManager.services;
    let volumes = new Map<string, number>();
    let volumeTimer: ReturnType<typeof setTimeout> | null = null;
    const withVolumes = () =>
      listSegments(servicesManager.services, viewportGridService?.getActiveViewportId?.() ?? null).map(s => {
        const ml = volumes.get(`${s.segmentationId}:${s.segmentIndex}`);
        return ml === undefined ? s : { ...s, volumeMl: ml };
      });
    const refresh = () => {
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
      }, VOLUME_SETTLE_MS);
    };
    this.#cleanups.push(() => volumeTimer !== null && clearTimeout(volumeTimer));
    const removed = segmentationService?.EVENTS?.SEGMENTATION_REMOVED;
    if (removed) {
      // A new segmentation may reuse the id: MedSAM's record of the old one must not count as the new one's.
      const forget = (evt: { segmentationId?: string }) =>
        evt?.segmentationId && service.forgetSegmentation(evt.segmentationId);
      this.#cleanups.push(segmentationService.subscribe(removed, forget).unsubscribe);
    }
    for (const name of SEGMENT_LIST_EVENTS) {
      const event = segmentationService?.EVENTS?.[name];
      if (event) this.#cleanups.push(segmentationService.subscribe(event, refresh).unsubscribe);
    }
    refresh();
  }

  /** The toolbar's evaluators read the service (e.g. the box button is disabled after a model error). */
  #refreshToolbarOnModelFailure(service: MedsamService, servicesManager: HostServicesManager): void {
    const { toolbarService, viewportGridService } = servicesManager.services;
    let lastStatus = service.getState().status;
    const sub = service.subscribe(state => {
      const changed = (state.status === 'error') !== (lastStatus === 'error');
      lastStatus = state.status;
      if (changed) toolbarService?.refreshToolbarState?.({ viewportId: viewportGridService?.getActiveViewportId?.() });
    });
    this.#cleanups.push(() => sub.unsubscribe());
  }
}
