import type * as CornerstoneCore from '@cornerstonejs/core';
import type * as CornerstoneTools from '@cornerstonejs/tools';
import type { HostExtensionManager } from './hostTypes';
export type { HostViewport } from './hostTypes';
import { ViewerError } from '../app/errors';

const CORNERSTONE_UTILITY = '@ohif/extension-cornerstone.utilityModule.common';

/**
 * The host viewer's own cornerstone3D instances (core and tools). Typed by cornerstone3D's published declarations
 * (type-only imports: nothing of it is bundled; webpack.config.js refuses a value import).
 */
export type HostInteractionEvent = CornerstoneTools.Types.EventTypes.InteractionEventType;
export type HostSvgDrawingHelper = CornerstoneTools.Types.SVGDrawingHelper;
export type HostEnabledElement = CornerstoneCore.Types.IEnabledElement;

export interface HostCornerstone {
  core: typeof CornerstoneCore;
  tools: typeof CornerstoneTools;
}

/** What the cornerstone extension's utility module exports for MedSAM (checked before use). */
interface CornerstoneUtilityExports {
  getCornerstoneLibraries?(): { cornerstone?: typeof CornerstoneCore; cornerstoneTools?: typeof CornerstoneTools };
}

/**
 * Tools must extend the host's classes and register in the host's tool groups, so the extension takes
 * cornerstone from the viewer's cornerstone extension instead of bundling a second copy.
 */
export function getHostCornerstone(extensionManager: HostExtensionManager): HostCornerstone {
  const entry = extensionManager.getModuleEntry(CORNERSTONE_UTILITY);
  const exports = entry?.exports as CornerstoneUtilityExports | undefined;
  const libraries = exports?.getCornerstoneLibraries?.();
  if (!libraries?.cornerstone || !libraries?.cornerstoneTools) {
    throw new ViewerError(
      'HOST_UNSUPPORTED',
      `the host viewer has no ${CORNERSTONE_UTILITY} with getCornerstoneLibraries(); MedSAM needs OHIF 3.x with its cornerstone extension`,
    );
  }
  return { core: libraries.cornerstone, tools: libraries.cornerstoneTools };
}
