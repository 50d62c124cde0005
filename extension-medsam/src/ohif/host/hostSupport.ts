/**
 * Whether this viewer has what MedSAM uses, checked by feature (never by version string) on mode entry. OHIF 3.11 to
 * 3.14 have all of it (npm run test:compat); a viewer that lacks a piece gets one message naming what is missing in
 * the panel and the console, rather than errors later in the middle of a box or a save.
 */
import type { HostServices } from './hostTypes';

export const TESTED_OHIF = 'OHIF 3.11.1 to 3.14.0-beta.6';

const fn = (x: unknown): boolean => typeof x === 'function';

/** `o[key]` of an object or function (a module, a class), undefined for anything else: a probe that never throws. */
const at = (o: unknown, key: string): unknown =>
  (typeof o === 'object' && o !== null) || typeof o === 'function' ? (o as Record<string, unknown>)[key] : undefined;

/** The host's cornerstone before these checks: any part may be missing, so nothing of its declared shape is assumed. */
export type UncheckedCornerstone = { core?: unknown; tools?: unknown };

const SEGMENTATION_SERVICE_METHODS = [
  'getActiveSegmentation',
  'getActiveSegment',
  'addSegment',
  'getSegmentations',
] as const;

/** What is missing, in words a site administrator can check (empty: nothing the checks know of). */
export function hostSupportProblems(cs: UncheckedCornerstone, services: HostServices): string[] {
  const missing: string[] = [];
  const tools = cs.tools ?? {};
  const seg = at(tools, 'segmentation') ?? {};
  if (!fn(at(tools, 'LabelmapBaseTool')))
    missing.push('cornerstone3D tools LabelmapBaseTool (cornerstone3D 2 or later)');
  if (!fn(at(tools, 'addTool'))) missing.push('cornerstone3D tools addTool');
  if (
    !fn(at(seg, 'getLabelmapImageIdsForImageId')) &&
    !fn(at(at(seg, 'state'), 'getCurrentLabelmapImageIdForViewport'))
  ) {
    missing.push('cornerstone3D labelmap images per source image (segmentation.getLabelmapImageIdsForImageId)');
  }
  if (!fn(at(at(seg, 'triggerSegmentationEvents'), 'triggerSegmentationDataModified')))
    missing.push('cornerstone3D segmentation events');
  if (!fn(at(at(cs.core, 'cache'), 'getImage'))) missing.push('cornerstone3D image cache');
  const ss = services.segmentationService;
  for (const method of SEGMENTATION_SERVICE_METHODS) {
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
