/**
 * "Save to PACS" against the host viewer: reads the active viewport's labelmap segmentation and its source instances
 * from OHIF and cornerstone, writes a binary SEG, and stores it on the active DICOMweb data source with a verified
 * STOW-RS; anything that fails waits in the IndexedDB outbox.
 */
import type { SegmentTarget } from '../seg/codes';
import { Outbox, saveToPacs, stowSender, type OutboxSummary, type SaveOutcome } from '../seg/outbox';
import type { StowConfig } from '../seg/stow';
import { writeSeg, type SegmentationKind } from '../seg/writer';
import type { HostCornerstone } from './hostLibraries';
import type { HostExtensionManager, HostServicesManager } from './hostTypes';
import type { MedsamLedger } from './medsamLedger';
import { buildSegExport, type ExportModel, type ExportSlice, type HostSegment } from './segExport';

export interface SaveReport {
  outcome: SaveOutcome;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  segments: Array<{ label: string; voxels: number }>;
  notes: string[];
}

/** The panel's choices for one save. */
export interface SaveOptions {
  /** Targets chosen in the panel, keyed `${segmentationId}:${segmentIndex}`; segments without one keep their label's. */
  targets?: Readonly<Record<string, SegmentTarget>>;
  /** BINARY (66.4, the default) or LABELMAP (66.7). */
  kind?: SegmentationKind;
}

/** What the panel needs from a saver (the service stays free of OHIF and IndexedDB). */
export interface SegSaver {
  save(model: ExportModel, options?: SaveOptions): Promise<SaveReport>;
  list(): Promise<OutboxSummary[]>;
  retry(id: string): Promise<{ ok: boolean; message: string | null }>;
  download(id: string): Promise<void>;
  /** Removes an outbox entry for good (the user confirmed it). */
  discard(id: string): Promise<void>;
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
  const slices: Array<ExportSlice & { tracked: Array<{ labelmapImageId: string; labels: ArrayLike<number> }> }> = displaySet.instances.map((instance: any) => {
    // The labelmap images are keyed by the source image id (cornerstone's referenced image id).
    const imageId: string | undefined = instance.imageId ?? dataSource?.getImageIdsForInstance?.({ instance });
    const ids: string[] = imageId ? seg.getLabelmapImageIdsForImageId?.(imageId, segmentation.segmentationId) ?? [] : [];
    const read = ids.map(id => ({ labelmapImageId: id, labels: labelsOf(cs.core.cache.getImage(id)) }));
    const tracked = read.filter((l): l is { labelmapImageId: string; labels: ArrayLike<number> } => l.labels !== null);
    return { instance, layers: tracked.map(l => l.labels), tracked };
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
  return { viewportId, segmentationId: segmentation.segmentationId as string, slices, segments, seriesDescription: `MedSAM ${segmentation.label ?? 'segmentation'}`.slice(0, 64) };
}

/** The gathered segments with the panel's target choices attached (keyed by segmentation and segment index). */
export function withTargets<G extends { segmentationId: string; segments: HostSegment[] }>(gathered: G, targets: SaveOptions['targets']): G {
  if (!targets) return gathered;
  const segments = gathered.segments.map(s => {
    const target = targets[`${gathered.segmentationId}:${s.segmentIndex}`];
    return target ? { ...s, target } : s;
  });
  return { ...gathered, segments };
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

/** Each segment flagged edited-by-hand when its pixels differ from what MedSAM wrote (see medsamLedger.ts). */
export function withHandEdits<G extends ReturnType<typeof gatherActiveSegmentation>>(gathered: G, ledger: MedsamLedger): G {
  const layers = gathered.slices.flatMap(s => s.tracked);
  const segments = gathered.segments.map(s => ({ ...s, editedByHand: ledger.editedByHand(gathered.segmentationId, s.segmentIndex, layers) }));
  return { ...gathered, segments };
}

export function createHostSaver(args: {
  services: HostServicesManager['services'];
  extensionManager: HostExtensionManager;
  cs: HostCornerstone;
  outbox: Promise<Outbox>;
  ledger: MedsamLedger;
}): SegSaver {
  const { services, extensionManager, cs } = args;
  return {
    async save(model, options = {}) {
      const gathered = withTargets(withHandEdits(gatherActiveSegmentation(services, extensionManager, cs), args.ledger), options.targets);
      const exported = buildSegExport({ slices: gathered.slices, segments: gathered.segments, model, editedByHand: null, seriesDescription: gathered.seriesDescription });
      const seg = writeSeg({ ...exported.input, options: { ...exported.input.options, kind: options.kind ?? 'BINARY' } });
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
    discard: async id => (await args.outbox).discard(id),
  };
}
