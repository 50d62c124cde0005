/**
 * Whether this viewer has what MedSAM uses, checked by feature (never by version string) on mode entry. OHIF 3.11 to
 * 3.14 have all of it (npm run test:compat); a viewer that lacks a piece gets one message naming what is missing in
 * the panel and the console, rather than errors later in the middle of a box or a save.
 */
import type { HostCornerstone } from './hostLibraries';
import type { HostServicesManager } from './hostTypes';

export const TESTED_OHIF = 'OHIF 3.11.1 to 3.14.0-beta.6';

const fn = (x: unknown): boolean => typeof x === 'function';

/** The host's cornerstone before these checks: any part may be missing, so nothing of its declared shape is assumed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a viewer of unknown shape, probed by feature
export type UncheckedCornerstone = { core?: any; tools?: any } | HostCornerstone;

/** What is missing, in words a site administrator can check (empty: nothing the checks know of). */
export function hostSupportProblems(cs: UncheckedCornerstone, services: HostServicesManager['services']): string[] {
  const missing: string[] = [];
  const tools = cs.tools ?? {};
  const seg = tools.segmentation ?? {};
  if (!fn(tools.LabelmapBaseTool)) missing.push('cornerstone3D tools LabelmapBaseTool (cornerstone3D 2 or later)');
  if (!fn(tools.addTool)) missing.push('cornerstone3D tools addTool');
  if (!fn(seg.getLabelmapImageIdsForImageId) && !fn(seg.state?.getCurrentLabelmapImageIdForViewport)) {
    missing.push('cornerstone3D labelmap images per source image (segmentation.getLabelmapImageIdsForImageId)');
  }
  if (!fn(seg.triggerSegmentationEvents?.triggerSegmentationDataModified))
    missing.push('cornerstone3D segmentation events');
  if (!fn(cs.core?.cache?.getImage)) missing.push('cornerstone3D image cache');
  const ss = services.segmentationService;
  for (const method of ['getActiveSegmentation', 'getActiveSegment', 'addSegment', 'getSegmentations']) {
    if (!fn(ss?.[method])) missing.push(`segmentationService.${method}`);
  }
  if (!fn(services.displaySetService?.getDisplaySetByUID)) missing.push('displaySetService');
  if (!fn(services.viewportGridService?.getActiveViewportId)) missing.push('viewportGridService.getActiveViewportId');
  if (!fn(services.toolGroupService?.getToolGroup)) missing.push('toolGroupService');
  return missing;
}

export function unsupportedHostMessage(missing: string[]): string {
  return `MedSAM cannot run in this viewer: it lacks ${missing.join('; ')}. The MedSAM extension is tested on ${TESTED_OHIF}.`;
}
