/**
 * The parts of OHIF's managers and services that the extension uses, typed here because a runtime plugin cannot import
 * @ohif/core (the prebuilt viewer does not expose it, a second copy would be a different instance, and its npm package
 * publishes no type declarations). Each interface holds only the members MedSAM calls, with OHIF 3.13's signatures
 * (platform/core/src/services/..., extensions/cornerstone/src/services/...). A member is optional where the code
 * feature-detects it at the call (`service.member?.()`); a required one is called plainly, either checked on mode entry
 * (hostSupport.ts) or present in every OHIF 3.x. Every service is optional: a viewer may lack any of them.
 */
import type * as CornerstoneCore from '@cornerstonejs/core';
import type { PubSubSubscription } from '../app/service/state';

/** A viewport of the host (stack, volume, or a newer kind: what MedSAM calls on it is checked where it is called). */
export type HostViewport = NonNullable<ReturnType<typeof CornerstoneCore.getEnabledElement>>['viewport'];

/**
 * OHIF's PubSubService (platform/core/src/services/_shared/pubSubServiceInterface.ts): EVENTS maps event keys to event
 * names; subscribe(eventName, callback) returns the subscription. The payload is the event's (OHIF types it Function).
 */
export interface HostPubSub {
  EVENTS?: Readonly<Record<string, string | undefined>>;
  subscribe<Payload = unknown>(eventName: string, callback: (payload: Payload) => void): PubSubSubscription;
}

/** A segment as cornerstone3D's segmentation state holds it (tools Types.Segment): the fields MedSAM reads. */
export interface HostSegmentationSegment {
  segmentIndex: number;
  label?: string;
  active?: boolean;
}

/**
 * A segmentation as OHIF's segmentationService hands it out (cornerstone3D tools Types.Segmentation since OHIF 3.9):
 * the fields MedSAM reads. representationData is keyed by representation ('Labelmap', 'Contour', 'Surface').
 */
export interface HostSegmentation {
  segmentationId: string;
  label?: string;
  segments?: Readonly<Record<number, HostSegmentationSegment | null | undefined>>;
  representationData?: Readonly<Record<string, unknown>>;
}

/** extensions/cornerstone/src/services/SegmentationService/SegmentationService.ts */
export interface HostSegmentationService extends HostPubSub {
  getActiveSegmentation(viewportId: string): HostSegmentation | null | undefined;
  setActiveSegmentation(viewportId: string, segmentationId: string): void;
  getActiveSegment(viewportId: string): HostSegmentationSegment | undefined;
  addSegment(
    segmentationId: string,
    config?: { segmentIndex?: number; label?: string; isLocked?: boolean; active?: boolean; visibility?: boolean },
  ): void;
  getSegmentations?(): HostSegmentation[];
  /** RGBA, 0 to 255 (cornerstone3D's segmentation.config.color.getSegmentIndexColor). */
  getSegmentColor(viewportId: string, segmentationId: string, segmentIndex: number): ArrayLike<number> | undefined;
  setSegmentLabel?(segmentationId: string, segmentIndex: number, label: string): void;
}

/** One viewport of the grid's state (platform/core/src/services/ViewportGridService: AppTypes.ViewportGrid.Viewport). */
export interface HostGridViewport {
  displaySetInstanceUIDs?: string[];
}

/** platform/core/src/services/ViewportGridService/ViewportGridService.ts */
export interface HostViewportGridService {
  getActiveViewportId?(): string | undefined;
  getState?(): { activeViewportId?: string; viewports?: ReadonlyMap<string, HostGridViewport> };
}

/** An instance of a display set: naturalized DICOM keywords (InstanceMetadata), and the image id OHIF gave it. */
export interface HostInstance {
  imageId?: string;
  [keyword: string]: unknown;
}

/** platform/core/src/types/DisplaySet.ts: the fields MedSAM reads. */
export interface HostDisplaySet {
  displaySetInstanceUID?: string;
  Modality?: string;
  instances: HostInstance[];
}

/** platform/core/src/services/DisplaySetService/DisplaySetService.ts */
export interface HostDisplaySetService {
  getDisplaySetByUID(displaySetInstanceUID: string): HostDisplaySet | undefined;
}

/** The button definitions ToolbarService.register takes (platform/core/src/services/ToolBarService/types.ts). */
export interface HostToolbarButton {
  id: string;
  uiType?: string;
  props?: Record<string, unknown>;
}

/** platform/core/src/services/ToolBarService/ToolbarService.ts */
export interface HostToolbarService {
  /** buttonSections: the button ids of each section (e.g. 'primary'). */
  state?: { buttonSections?: Record<string, string[]> };
  register(buttons: HostToolbarButton[], replace?: boolean): void;
  /** Appends the buttons to the section (creates it when new); ids already there are not added twice. */
  updateSection(key: string, buttonIds: string[]): void;
  refreshToolbarState?(refreshProps: { viewportId?: string }): void;
}

/** The tools of a tool group by mode, as ToolGroupService.addToolsToToolGroup takes them. */
export interface HostToolGroupTools {
  active?: Array<{ toolName: string; bindings?: unknown[] }>;
  passive?: Array<{ toolName: string }>;
  enabled?: Array<{ toolName: string }>;
  disabled?: Array<{ toolName: string }>;
}

/** extensions/cornerstone/src/services/ToolGroupService/ToolGroupService.ts */
export interface HostToolGroupService {
  /** The cornerstone3D tool group (undefined when there is none by that id). */
  getToolGroup(toolGroupId?: string): unknown;
  addToolsToToolGroup(toolGroupId: string, tools: HostToolGroupTools, configs?: Record<string, unknown>): void;
}

/** platform/core/src/services/PanelService/PanelService.ts */
export interface HostPanelService extends Partial<HostPubSub> {
  activatePanel(panelId: string, forceActive?: boolean): void;
}

/** platform/core/src/services/UserAuthenticationService/UserAuthenticationService.ts */
export interface HostUserAuthenticationService {
  /** E.g. { Authorization: 'Bearer ...' }; undefined before sign-in or without authentication. */
  getAuthorizationHeader?(): Record<string, string> | undefined;
}

/** extensions/cornerstone/src/services/ViewportService/CornerstoneViewportService.ts */
export interface HostCornerstoneViewportService {
  getCornerstoneViewport?(viewportId: string): HostViewport | null | undefined;
}

/** platform/core/src/services/CustomizationService/CustomizationService.ts */
export interface HostCustomizationService {
  /** scope: 'global' | 'mode' (the default) | 'default'. */
  setCustomizations?(customizations: Record<string, unknown>, scope?: string): void;
}

/** ServicesManager.services: the host's services by registration name (any may be missing). */
export interface HostServices {
  segmentationService?: HostSegmentationService;
  viewportGridService?: HostViewportGridService;
  displaySetService?: HostDisplaySetService;
  toolbarService?: HostToolbarService;
  toolGroupService?: HostToolGroupService;
  panelService?: HostPanelService;
  userAuthenticationService?: HostUserAuthenticationService;
  cornerstoneViewportService?: HostCornerstoneViewportService;
  customizationService?: HostCustomizationService;
  /** The extension's own service (SERVICE_NAME in modules/ids.ts), read through getMedsamService. */
  medsamService?: unknown;
}

export interface HostServiceRegistration<T> {
  name: string;
  altName?: string;
  create(args: {
    configuration?: unknown;
    servicesManager: HostServicesManager;
    extensionManager: HostExtensionManager;
    commandsManager: HostCommandsManager;
  }): T;
}

export interface HostServicesManager {
  services: HostServices;
  registerService<T>(registration: HostServiceRegistration<T>, configuration?: unknown): void;
}

/** A module entry ('extensionId.moduleType.name'): its exports are the extension's, checked by whoever reads them. */
export interface HostModuleEntry {
  exports?: unknown;
  [key: string]: unknown;
}

/** A data source's configuration (DICOMweb: the roots of its services). */
export interface HostDataSourceConfig {
  stowRoot?: string;
  wadoRoot?: string;
  qidoRoot?: string;
  [key: string]: unknown;
}

/** A data source of the mode (platform/core/src/DataSources: IWebApiDataSource), the members MedSAM calls. */
export interface HostDataSource {
  getConfig?(): HostDataSourceConfig | undefined;
  /** The image id of an instance (of one frame, from 1, of a multi-frame instance). */
  getImageIdsForInstance?(args: { instance: HostInstance; frame?: number }): string | undefined;
}

export interface HostExtensionManager {
  getModuleEntry(entry: string): HostModuleEntry | undefined;
  registeredExtensionIds?: string[];
  /** The data sources of the current mode ([0] is the active one): DICOMweb sources give getConfig() with wadoRoot etc. */
  getActiveDataSource?(): HostDataSource[];
}

export interface HostCommandsManager {
  runCommand(name: string, options?: Record<string, unknown>, context?: string): unknown;
}

/** What OHIF passes to every `getXModule` and to `preRegistration`. */
export interface HostModuleArgs {
  servicesManager: HostServicesManager;
  extensionManager: HostExtensionManager;
  commandsManager: HostCommandsManager;
  /** window.config (MedSAM's own settings are under `medsam`). */
  appConfig?: { medsam?: unknown; [key: string]: unknown };
  configuration?: Record<string, unknown>;
}
