/**
 * The viewer side of "Segment volume": the slices of the active viewport (in the viewport's order, which OHIF sorts
 * along the slice normal), the key slices the user marked there (the host's Bidirectional annotations as long and
 * short axes, and boxes accepted with the MedSAM box tool), slice pixels (loaded through the host's image loader
 * when not yet in its cache), and the active segment's labelmap slices.
 */
import type { ImageBox, ImageSize } from '../../engine/geometry/box';
import type { ImageSegment } from '../../engine/geometry/markers';
import type { KeySlice } from '../../engine/volume/plan';
import { evenSpacing as evenSliceSpacing } from '../../seg/source';
import type { HostCornerstone, HostViewport } from './hostLibraries';
import {
  ensureActiveSegment,
  labelmapAccess,
  recordInHostHistory,
  segmentChanged,
  type ActiveSegment,
} from './hostSegmentation';
import type { HostCommandsManager, HostServices } from './hostTypes';
import { PANEL_ID } from '../modules/ids';
import { sliceImageFor } from './hostViewport';
import {
  distanceFromPlane,
  planeFromImagePlaneModule,
  worldToImagePoint,
  type ImagePlane,
  type Vec3,
} from '../app/imagePlane';
import type { LabelmapSliceAccess } from '../app/labelmapEdit';
import type { AcceptedBox, VolumeScene } from '../app/volumeController';
import { ViewerError } from '../app/errors';

/** The annotation tools whose lines count as markers (cornerstone's tool names). */
export const MARKER_TOOL_NAMES = ['Bidirectional'];

/** A cornerstone3D annotation (tools Types.Annotation): the fields a marker is read from. */
export interface HostAnnotation {
  isVisible?: boolean;
  metadata?: { toolName?: string; referencedImageId?: string };
  data?: { handles?: { points?: readonly Vec3[] } };
}

export interface VolumeSceneDeps {
  cs: HostCornerstone;
  services: HostServices;
  commandsManager: HostCommandsManager;
  acceptedBoxes(): Iterable<AcceptedBox>;
}

/** The viewport with this id (the active one when null). */
export function viewportById(
  cs: HostCornerstone,
  services: HostServices,
  viewportId?: string | null,
): HostViewport | null {
  const id = viewportId ?? services.viewportGridService?.getActiveViewportId?.();
  const fromService = id ? services.cornerstoneViewportService?.getCornerstoneViewport?.(id) : null;
  if (fromService) return fromService;
  const enabled = cs.core.getEnabledElements?.() ?? [];
  return (id ? enabled.find(e => e.viewport?.id === id) : enabled[0])?.viewport ?? null;
}

const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const normalOf = (p: ImagePlane): Vec3 => {
  const r = p.rowCosines;
  const c = p.columnCosines;
  return [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]];
};

/** The slices' planes; every slice must have geometry and the size of the first. */
export function slicePlanes(cs: HostCornerstone, imageIds: readonly string[]): ImagePlane[] {
  return imageIds.map((imageId, z) => {
    const plane = planeFromImagePlaneModule(cs.core.metaData.get('imagePlaneModule', imageId));
    if (!plane)
      throw new ViewerError('IMAGE_NOT_READY', `slice ${z + 1} (${imageId}) has no geometry in the viewer`, {
        imageId,
      });
    return plane;
  });
}

/**
 * [column, row, slice] spacing in mm, the slice step from the positions along the normal; null when the slices are not
 * evenly spaced by the same rule as the command line (seg/source.ts evenSpacing: a volume in mL would be wrong) or
 * there is a single slice.
 */
export function evenSpacing(planes: readonly ImagePlane[]): [number, number, number] | null {
  if (planes.length < 2) return null;
  const n = normalOf(planes[0]);
  const positions = planes.map(p => dot(p.origin, n));
  // ascending along the normal, as the shared rule expects (a viewport may list the slices either way)
  const step = evenSliceSpacing(
    positions[0] <= positions[positions.length - 1] ? positions : positions.slice().reverse(),
  );
  return step === undefined ? null : [planes[0].columnSpacing, planes[0].rowSpacing, step];
}

/** The slice a world point lies on: within half a slice step of its plane (a tenth of a millimetre without a step). */
function sliceOfPoint(planes: readonly ImagePlane[], world: Vec3, stepMm: number | null): number {
  let best = -1;
  let bestDistance = Infinity;
  planes.forEach((p, z) => {
    const d = Math.abs(distanceFromPlane(p, world));
    if (d < bestDistance) {
      best = z;
      bestDistance = d;
    }
  });
  return bestDistance <= (stepMm ? stepMm / 2 : 0.1) ? best : -1;
}

/**
 * The key slices of a segment: per slice, the accepted MedSAM box (it wins: the user checked its mask) or the lines
 * of every marker annotation on that slice.
 */
export function gatherKeySlices(
  annotations: readonly HostAnnotation[],
  imageIds: readonly string[],
  planes: readonly ImagePlane[],
  boxes: Iterable<AcceptedBox>,
  segment: ActiveSegment,
): KeySlice[] {
  const step = evenSpacing(planes)?.[2] ?? null;
  const zOf = new Map(imageIds.map((id, z) => [id, z]));
  const lines = new Map<number, ImageSegment[]>();
  for (const a of annotations) {
    const toolName = a?.metadata?.toolName;
    if (!toolName || !MARKER_TOOL_NAMES.includes(toolName) || a.isVisible === false) continue;
    const points = a.data?.handles?.points;
    if (!points || points.length < 4) continue;
    // By position only when the annotation names no image (volume viewports): one that names an image of another
    // series is not a marker of this one, however near its planes it lies.
    const referenced = a.metadata?.referencedImageId;
    const z = referenced ? zOf.get(referenced) : sliceOfPoint(planes, points[0], step);
    if (z === undefined || z < 0) continue;
    const [p0, p1, p2, p3] = points.map(p => worldToImagePoint(planes[z], p));
    lines.set(z, [...(lines.get(z) ?? []), { a: p0, b: p1 }, { a: p2, b: p3 }]);
  }
  const keyBoxes = new Map<number, ImageBox>();
  for (const b of boxes) {
    const z = zOf.get(b.imageId);
    if (z !== undefined && b.segmentationId === segment.segmentationId && b.segmentIndex === segment.segmentIndex)
      keyBoxes.set(z, b.box);
  }
  const keys: KeySlice[] = [];
  for (const [slice, box] of keyBoxes) keys.push({ slice, box });
  for (const [slice, markers] of lines) if (!keyBoxes.has(slice)) keys.push({ slice, markers });
  return keys.sort((p, q) => p.slice - q.slice);
}

/**
 * The labelmap image of slice `imageId` in the segment's layer: only that slice's own labelmap images count (never the
 * one on screen), and with several layers (overlapping segments) the layer that the viewport's current slice uses for
 * the active segment.
 */
export function labelmapImageIdOfSlice(
  cs: HostCornerstone,
  segmentationId: string,
  imageId: string,
  viewport: HostViewport,
): string {
  const seg = cs.tools.segmentation;
  const ids: string[] = seg.getLabelmapImageIdsForImageId?.(imageId, segmentationId) ?? [];
  if (ids.length === 0)
    throw new ViewerError(
      'LABELMAP_UNAVAILABLE',
      `the segmentation ${segmentationId} has no labelmap for slice ${imageId}`,
      {
        imageId,
      },
    );
  if (ids.length === 1) return ids[0];
  const shown = viewport.getCurrentImageId?.();
  const shownIds: string[] = (shown ? seg.getLabelmapImageIdsForImageId?.(shown, segmentationId) : undefined) ?? [];
  const layer = shownIds.indexOf(seg.state?.getCurrentLabelmapImageIdForViewport?.(viewport.id, segmentationId) ?? '');
  return ids[layer] ?? ids[0];
}

/** Reads the active viewport into a VolumeScene (creating the segmentation and segment when there is none). */
export async function prepareVolumeScene(deps: VolumeSceneDeps): Promise<VolumeScene> {
  const { cs, services, commandsManager } = deps;
  const viewport = viewportById(cs, services);
  if (!viewport) throw new ViewerError('NO_VIEWPORT', 'no viewport is active: open a series first');
  const imageIds: string[] = viewport.getImageIds?.() ?? [];
  if (imageIds.length < 2)
    throw new ViewerError(
      'NOT_A_VOLUME',
      'the active viewport shows a single image: Segment volume needs a series of slices',
    );
  const planes = slicePlanes(cs, imageIds);
  const image: ImageSize = { width: planes[0].columns, height: planes[0].rows };
  if (planes.some(p => p.columns !== image.width || p.rows !== image.height)) {
    throw new ViewerError('NOT_A_VOLUME', 'the slices of this series differ in size: Segment volume needs one grid');
  }
  const annotations: readonly HostAnnotation[] = cs.tools.annotation?.state?.getAllAnnotations?.() ?? [];
  // The segment is resolved before the keys: boxes belong to a segment, markers to whichever is active.
  const segment = await ensureActiveSegment(services, commandsManager, viewport.id);
  // Creating a segmentation makes the host show its own segmentation panel: progress, Cancel and the review queue
  // are in ours.
  services.panelService?.activatePanel?.(PANEL_ID, true);
  const keys = gatherKeySlices(annotations, imageIds, planes, deps.acceptedBoxes(), segment);
  if (!keys.length) {
    throw new ViewerError(
      'NO_KEY_SLICES',
      'no key slices: draw long and short axes (the marker tool) or accept a MedSAM box on a few slices, then Segment volume',
    );
  }
  const pixels = image.width * image.height;
  const labelmaps = new Map<number, { labelmapImageId: string; access: LabelmapSliceAccess }>();
  return {
    viewportId: viewport.id,
    imageIds,
    keys,
    image,
    spacingMm: evenSpacing(planes),
    segmentationId: segment.segmentationId,
    segmentIndex: segment.segmentIndex,
    async loadSlice(z) {
      const imageId = imageIds[z];
      if (!cs.core.cache.getImage(imageId)) await cs.core.imageLoader.loadAndCacheImage(imageId);
      return sliceImageFor(cs, imageId);
    },
    labelmap(z) {
      let entry = labelmaps.get(z);
      if (!entry) {
        const labelmapImageId = labelmapImageIdOfSlice(cs, segment.segmentationId, imageIds[z], viewport);
        entry = { labelmapImageId, access: labelmapAccess(cs, labelmapImageId, pixels) };
        labelmaps.set(z, entry);
      }
      return entry;
    },
    changed: slice => {
      if (slice === undefined || viewport.getCurrentImageIdIndex?.() === slice) segmentChanged(cs, segment);
    },
    record: entry => recordInHostHistory(cs, entry),
  };
}

/** Shows slice z of the viewport's image ids (the review queue's jump). */
export function jumpToSlice(cs: HostCornerstone, services: HostServices, viewportId: string | null, z: number): void {
  const viewport = viewportById(cs, services, viewportId);
  if (!viewport) return;
  if ('setImageIdIndex' in viewport && typeof viewport.setImageIdIndex === 'function') void viewport.setImageIdIndex(z);
  // A volume viewport has no image index to set: cornerstone's jumpToSlice (core utilities since cornerstone3D 2).
  else void cs.core.utilities?.jumpToSlice?.(viewport.element, { imageIndex: z });
}

/**
 * Volume in mL of every segment of the segmentations on the active viewport's slices, keyed
 * `${segmentationId}:${segmentIndex}`; empty when the slices are not evenly spaced.
 */
export function segmentVolumesMl(cs: HostCornerstone, services: HostServices): Map<string, number> {
  const out = new Map<string, number>();
  const viewport = viewportById(cs, services);
  const imageIds: string[] = viewport?.getImageIds?.() ?? [];
  if (imageIds.length < 2) return out;
  let spacing: [number, number, number] | null;
  try {
    spacing = evenSpacing(slicePlanes(cs, imageIds));
  } catch {
    return out;
  }
  if (!spacing) return out;
  const mlPerVoxel = (spacing[0] * spacing[1] * spacing[2]) / 1000;
  const seg = cs.tools.segmentation;
  for (const s of services.segmentationService?.getSegmentations?.() ?? []) {
    const counts = new Map<number, number>();
    for (const imageId of imageIds) {
      for (const id of (seg.getLabelmapImageIdsForImageId?.(imageId, s.segmentationId) ?? []) as string[]) {
        const image = cs.core.cache.getImage(id);
        const labels: ArrayLike<number> | undefined = image?.voxelManager?.getScalarData?.() ?? image?.getPixelData?.();
        if (!labels) continue;
        for (let i = 0; i < labels.length; i++) if (labels[i]) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
      }
    }
    for (const [index, n] of counts) out.set(`${s.segmentationId}:${index}`, n * mlPerVoxel);
  }
  return out;
}
