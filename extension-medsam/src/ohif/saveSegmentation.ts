/**
 * "Save to PACS" against the host viewer: reads the active viewport's labelmap segmentation and its source instances
 * from OHIF and cornerstone, writes a binary SEG, and stores it on the active DICOMweb data source with a verified
 * STOW-RS; anything that fails waits in the IndexedDB outbox.
 */
import { Outbox, saveToPacs, stowSender, type OutboxSummary, type SaveOutcome } from '../seg/outbox';
import type { StowConfig } from '../seg/stow';
import { writeSeg } from '../seg/writer';
import type { HostCornerstone } from './hostLibraries';
import type { HostExtensionManager, HostServicesManager } from './hostTypes';
import { buildSegExport, type ExportModel, type ExportSlice, type HostSegment } from './segExport';

export interface SaveReport {
  outcome: SaveOutcome;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  segments: Array<{ label: string; voxels: number }>;
  notes: string[];
}

/** What the panel needs from a saver (the service stays free of OHIF and IndexedDB). */
export interface SegSaver {
  save(model: ExportModel): Promise<SaveReport>;
  list(): Promise<OutboxSummary[]>;
  retry(id: string): Promise<{ ok: boolean; message: string | null }>;
  download(id: string): Promise<void>;
}

function labelsOf(image: any): ArrayLike<number> | null {
  if (!image) return null;
  return image.voxelManager?.getScalarData?.() ?? image.getPixelData?.() ?? null;
}

function rgbOf(c: unknown): [number, number, number] | null {
  return Array.isArray(c) && c.length >= 3 ? [Number(c[0]), Number(c[1]), Number(c[2])] : null;
}

/** The active DICOMweb data source's STOW root and the host's auth headers. */
export function stowConfigFor(services: HostServicesManager['services'], extensionManager: HostExtensionManager): StowConfig {
  const source = extensionManager.getActiveDataSource?.()?.[0];
  const config = source?.getConfig?.() ?? {};
  const root: string | undefined = config.stowRoot ?? config.wadoRoot ?? config.qidoRoot;
  return {
    root,
    headers: () => {
      const auth = services.userAuthenticationService?.getAuthorizationHeader?.();
      return auth && typeof auth === 'object' ? (auth as Record<string, string>) : {};
    },
  };
}

/** The active viewport's segmentation over its display set, slice by slice in the display set's order. */
export function gatherActiveSegmentation(services: HostServicesManager['services'], extensionManager: HostExtensionManager, cs: HostCornerstone) {
  const { viewportGridService, displaySetService, segmentationService } = services;
  const viewportId: string | undefined = viewportGridService?.getActiveViewportId?.();
  if (!viewportId) throw new Error('no active viewport');
  const segmentation = segmentationService?.getActiveSegmentation?.(viewportId);
  if (!segmentation) throw new Error('the active viewport has no segmentation: draw a box first');
  const viewportState = viewportGridService.getState?.().viewports?.get?.(viewportId);
  const displaySetUid: string | undefined = viewportState?.displaySetInstanceUIDs?.find((uid: string) => {
    const ds = displaySetService.getDisplaySetByUID(uid);
    return ds && ds.Modality !== 'SEG' && ds.instances?.length;
  });
  const displaySet = displaySetUid ? displaySetService.getDisplaySetByUID(displaySetUid) : null;
  if (!displaySet) throw new Error('the active viewport shows no image series');
  const dataSource = extensionManager.getActiveDataSource?.()?.[0];
  const seg = cs.tools.segmentation;
  const slices: ExportSlice[] = displaySet.instances.map((instance: any) => {
    // The labelmap images are keyed by the source image id (cornerstone's referenced image id).
    const imageId: string | undefined = instance.imageId ?? dataSource?.getImageIdsForInstance?.({ instance });
    const ids: string[] = imageId ? seg.getLabelmapImageIdsForImageId?.(imageId, segmentation.segmentationId) ?? [] : [];
    const layers = ids.map(id => labelsOf(cs.core.cache.getImage(id))).filter((l): l is ArrayLike<number> => l !== null);
    return { instance, layers };
  });
  const segments: HostSegment[] = Object.values<any>(segmentation.segments ?? {})
    .filter(s => s?.segmentIndex)
    .map(s => {
      let color: [number, number, number] | null = null;
      try {
        color = rgbOf(segmentationService.getSegmentColor(viewportId, segmentation.segmentationId, s.segmentIndex));
      } catch {
        color = null;
      }
      return { segmentIndex: s.segmentIndex, label: String(s.label ?? `Segment ${s.segmentIndex}`), color };
    });
  return { viewportId, slices, segments, seriesDescription: `MedSAM ${segmentation.label ?? 'segmentation'}`.slice(0, 64) };
}

function triggerDownload(filename: string, bytes: Uint8Array): void {
  const blob = new Blob([new Uint8Array(bytes)], { type: 'application/dicom' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function createHostSaver(args: { services: HostServicesManager['services']; extensionManager: HostExtensionManager; cs: HostCornerstone; outbox: Promise<Outbox> }): SegSaver {
  const { services, extensionManager, cs } = args;
  return {
    async save(model) {
      const gathered = gatherActiveSegmentation(services, extensionManager, cs);
      const exported = buildSegExport({ slices: gathered.slices, segments: gathered.segments, model, editedByHand: null, seriesDescription: gathered.seriesDescription });
      const seg = writeSeg(exported.input);
      const description = `${gathered.seriesDescription}: ${exported.written.map(s => s.label).join(', ')}`;
      const outcome = await saveToPacs({ ...seg, description }, stowConfigFor(services, extensionManager), await args.outbox);
      return {
        outcome,
        seriesInstanceUid: seg.seriesInstanceUid,
        sopInstanceUid: seg.sopInstanceUid,
        segments: exported.written.map((s, i) => ({ label: s.label, voxels: exported.voxels[i] })),
        notes: exported.notes,
      };
    },
    list: async () => (await args.outbox).list(),
    async retry(id) {
      const outbox = await args.outbox;
      const entry = await outbox.get(id);
      // The root it was meant for; the current data source's when the entry has none.
      const config = stowConfigFor(services, extensionManager);
      const r = await outbox.retry(id, stowSender({ ...config, root: entry?.target || config.root }));
      return { ok: r.ok, message: r.ok ? null : r.error.message };
    },
    async download(id) {
      const file = await (await args.outbox).download(id);
      triggerDownload(file.filename, file.bytes);
    },
  };
}
