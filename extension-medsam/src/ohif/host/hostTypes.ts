/**
 * The parts of OHIF's managers that the extension uses, typed here because a runtime plugin cannot import
 * @ohif/core (the prebuilt viewer does not expose it, and a second copy would be a different instance).
 */

export interface PubSubSubscription {
  unsubscribe(): void;
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
  services: Record<string, any>;
  registerService<T>(registration: HostServiceRegistration<T>, configuration?: unknown): void;
}

export interface HostModuleEntry {
  exports?: any;
  [key: string]: unknown;
}

export interface HostExtensionManager {
  getModuleEntry(entry: string): HostModuleEntry | undefined;
  registeredExtensionIds?: string[];
  /** The data sources of the current mode ([0] is the active one): DICOMweb sources give getConfig() with wadoRoot etc. */
  getActiveDataSource?(): any[];
}

export interface HostCommandsManager {
  runCommand(name: string, options?: Record<string, unknown>, context?: string): unknown;
}

/** What OHIF passes to every `getXModule` and to `preRegistration`. */
export interface HostModuleArgs {
  servicesManager: HostServicesManager;
  extensionManager: HostExtensionManager;
  commandsManager: HostCommandsManager;
  appConfig?: Record<string, any>;
  configuration?: Record<string, any>;
}
