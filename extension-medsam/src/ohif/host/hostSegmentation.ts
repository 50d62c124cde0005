/**
 * The host's segmentation state as the box tool needs it: a labelmap segmentation with an active segment for the
 * viewport's display set (created when there is none, through the host's own command), the labelmap slice of an
 * image as a LabelmapSliceAccess, re-rendering after a change, and the host's undo history.
 */
import type { HostCornerstone } from './hostLibraries';
import type { HostCommandsManager, HostSegmentation, HostServices } from './hostTypes';
import type { LabelmapSliceAccess } from '../app/labelmapEdit';
import type { MedsamSegmentInfo } from '../app/medsamService';
import type { PreviewTarget } from '../app/previewController';
import { ViewerError } from '../app/errors';

export interface ActiveSegment {
  segmentationId: string;
  segmentIndex: number;
}

const LABELMAP = 'Labelmap';

function hasLabelmap(segmentation: HostSegmentation | null | undefined): boolean {
  return !!segmentation?.representationData?.[LABELMAP];
}

/**
 * The active labelmap segment of the viewport: the active segmentation when it is a labelmap, else a new labelmap
 * for the viewport's display set (OHIF's createLabelmapForViewport, which also registers it as a display set);
 * a segment is added when none is active.
 */
export async function ensureActiveSegment(
  services: HostServices,
  commandsManager: HostCommandsManager,
  viewportId: string,
): Promise<ActiveSegment> {
  const segmentationService = services.segmentationService;
  if (!segmentationService)
    throw new ViewerError('HOST_UNSUPPORTED', 'the viewer has no segmentation service (OHIF 3.9 or later is needed)');
  let segmentation = segmentationService.getActiveSegmentation(viewportId);
  if (!hasLabelmap(segmentation)) {
    const created = await commandsManager.runCommand('createLabelmapForViewport', {
      viewportId,
      options: { createInitialSegment: true, label: 'MedSAM' },
    });
    const segmentationId =
      typeof created === 'string' ? created : segmentationService.getActiveSegmentation(viewportId)?.segmentationId;
    if (!segmentationId)
      throw new ViewerError(
        'NO_SEGMENTATION',
        'could not create a segmentation for this viewport (no display set in it?)',
      );
    if (segmentationService.getActiveSegmentation(viewportId)?.segmentationId !== segmentationId) {
      segmentationService.setActiveSegmentation(viewportId, segmentationId);
    }
    segmentation = segmentationService.getActiveSegmentation(viewportId);
  }
  if (!segmentation) throw new ViewerError('NO_SEGMENTATION', 'the viewport has no labelmap segmentation');
  let active = segmentationService.getActiveSegment(viewportId);
  if (!active) {
    segmentationService.addSegment(segmentation.segmentationId, { label: 'MedSAM 1' });
    active = segmentationService.getActiveSegment(viewportId);
  }
  if (!active?.segmentIndex) throw new ViewerError('NO_SEGMENTATION', 'the segmentation has no active segment');
  return { segmentationId: segmentation.segmentationId, segmentIndex: active.segmentIndex };
}

/** The labelmap image id that holds `imageId`'s labels in the segment's layer. */
export function labelmapImageIdFor(
  cs: HostCornerstone,
  segmentationId: string,
  imageId: string,
  viewportId: string,
): string {
  const seg = cs.tools.segmentation;
  const ids: string[] = seg.getLabelmapImageIdsForImageId?.(imageId, segmentationId) ?? [];
  if (ids.length > 1) {
    // Overlapping segments live in separate layers; the viewport's current one follows the active segment.
    const current = seg.state?.getCurrentLabelmapImageIdForViewport?.(viewportId, segmentationId);
    if (current && ids.includes(current)) return current;
  }
  if (ids[0]) return ids[0];
  const current = seg.state?.getCurrentLabelmapImageIdForViewport?.(viewportId, segmentationId);
  if (current) return current;
  throw new ViewerError(
    'LABELMAP_UNAVAILABLE',
    `the segmentation ${segmentationId} has no labelmap for image ${imageId}`,
    {
      imageId,
    },
  );
}

/** A labelmap image (cornerstone's cached image) as a LabelmapSliceAccess. */
export function labelmapAccess(
  cs: HostCornerstone,
  labelmapImageId: string,
  expectedLength: number,
): LabelmapSliceAccess {
  const image = cs.core.cache.getImage(labelmapImageId);
  const vm = image?.voxelManager;
  if (image && vm?.getAtIndex && vm?.setAtIndex) {
    const length = image.rows * image.columns;
    if (length !== expectedLength)
      throw new ViewerError('LABELMAP_UNAVAILABLE', `the labelmap has ${length} pixels, the image ${expectedLength}`);
    // Reads straight from the image's own array when the voxel manager hands out the live one (the same array on every
    // call, not a copy): a volume run reads every voxel of a slice, a call per voxel costs tens of ms. Writes still go
    // through the voxel manager, which keeps cornerstone's record of what changed.
    const live = liveScalarData(vm, length);
    return { length, get: live ? i => live[i] : i => vm.getAtIndex(i) as number, set: (i, v) => vm.setAtIndex(i, v) };
  }
  const data = image?.getPixelData?.();
  if (!data || data.length !== expectedLength)
    throw new ViewerError('LABELMAP_UNAVAILABLE', `labelmap image ${labelmapImageId} is not loaded`);
  return { length: data.length, get: i => data[i], set: (i, v) => void (data[i] = v) };
}

/** The voxel manager of a cornerstone image (of a labelmap: one number per pixel). */
type HostVoxelManager = NonNullable<
  NonNullable<ReturnType<HostCornerstone['core']['cache']['getImage']>>['voxelManager']
>;

function liveScalarData(vm: HostVoxelManager, length: number): ArrayLike<number> | null {
  try {
    const a = vm.getScalarData?.();
    return a && a.length === length && a === vm.getScalarData() ? a : null;
  } catch {
    return null;
  }
}

/** Re-renders the segment after its labelmap changed. */
export function segmentChanged(cs: HostCornerstone, segment: ActiveSegment): void {
  cs.tools.segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(
    segment.segmentationId,
    undefined,
    segment.segmentIndex,
  );
}

/** Puts an edit on the host's undo history: ctrl+z / ctrl+y in OHIF walk this ring (its undo and redo commands). */
export function recordInHostHistory(cs: HostCornerstone, edit: { undo(): void; redo(): void }): void {
  cs.core.utilities?.HistoryMemo?.DefaultHistoryMemo?.push({
    id: `medsam-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    operationType: 'labelmap',
    restoreMemo: (undo?: boolean) => (undo ? edit.undo() : edit.redo()),
  });
}

/** The preview target for one image: its labelmap slice, re-render, and the host's undo history. */
export function previewTargetFor(
  cs: HostCornerstone,
  segment: ActiveSegment,
  labelmapImageId: string,
  pixels: number,
): PreviewTarget {
  return {
    labelmap: labelmapAccess(cs, labelmapImageId, pixels),
    segmentIndex: segment.segmentIndex,
    changed: () => segmentChanged(cs, segment),
    record: edit => recordInHostHistory(cs, edit),
  };
}

/** The segments of every segmentation, for the panel. */
export function listSegments(services: HostServices, viewportId: string | null): MedsamSegmentInfo[] {
  const segmentationService = services.segmentationService;
  if (!segmentationService?.getSegmentations) return [];
  const out: MedsamSegmentInfo[] = [];
  for (const s of segmentationService.getSegmentations() ?? []) {
    for (const seg of Object.values(s.segments ?? {})) {
      if (!seg?.segmentIndex) continue;
      let color: string | null = null;
      try {
        const c = viewportId
          ? segmentationService.getSegmentColor(viewportId, s.segmentationId, seg.segmentIndex)
          : null;
        if (c) color = `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
      } catch {
        color = null;
      }
      out.push({
        segmentationId: s.segmentationId,
        segmentationLabel: s.label ?? s.segmentationId,
        segmentIndex: seg.segmentIndex,
        label: seg.label ?? `Segment ${seg.segmentIndex}`,
        active: !!seg.active,
        color,
      });
    }
  }
  return out;
}
