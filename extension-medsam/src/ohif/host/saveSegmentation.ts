/**
 * "Save to PACS" against the host viewer: reads the active viewport's labelmap segmentation and its source instances
 * from OHIF and cornerstone, writes a binary SEG, and stores it on the active DICOMweb data source with a verified
 * STOW-RS. The SEG is written into the IndexedDB outbox before the STOW starts and leaves it once stored; when the
 * outbox cannot keep it (storage full, no IndexedDB) and the STOW fails, the SEG is downloaded at once. While a store
 * runs, leaving the page asks first.
 */
import { Outbox, saveToPacs, segFile, stowSender } from '../../seg/outbox';
import type { StowConfig } from '../../seg/stow';
import { downloadFile, pageLeaveGuard, persistentStorage } from './outboxBrowser';
import { writeSeg } from '../../seg/writer';
import type { HostCornerstone } from './hostLibraries';
import type {
  HostDataSourceConfig,
  HostExtensionManager,
  HostInstance,
  HostSegmentationSegment,
  HostServices,
} from './hostTypes';
import type { MedsamLedger } from '../app/medsamLedger';
import { buildSegExport, type ExportSlice, type HostSegment } from './segExport';
import type { SaveOptions, SaveReport, SegSaver } from '../app/service/saving';
import { numberOfFrames } from '../../seg/multiframe';
import { ViewerError } from '../app/errors';

type HostImage = ReturnType<HostCornerstone['core']['cache']['getImage']>;

function labelsOf(image: HostImage | undefined): ArrayLike<number> | null {
  if (!image) return null;
  return image.voxelManager?.getScalarData?.() ?? image.getPixelData?.() ?? null;
}

function rgbOf(c: unknown): [number, number, number] | null {
  return Array.isArray(c) && c.length >= 3 ? [Number(c[0]), Number(c[1]), Number(c[2])] : null;
}

/** The active DICOMweb data source's STOW root and the host's auth headers (timeoutMs: the site's STOW limit). */
export function stowConfigFor(
  services: HostServices,
  extensionManager: HostExtensionManager,
  timeoutMs?: number,
): StowConfig {
  const source = extensionManager.getActiveDataSource?.()?.[0];
  const config: HostDataSourceConfig = source?.getConfig?.() ?? {};
  const root: string | undefined = config.stowRoot ?? config.wadoRoot ?? config.qidoRoot;
  return {
    root,
    ...(timeoutMs ? { timeoutMs } : {}),
    headers: () => {
      const auth = services.userAuthenticationService?.getAuthorizationHeader?.();
      return auth && typeof auth === 'object' ? (auth as Record<string, string>) : {};
    },
  };
}

/** The active viewport's segmentation over its display set, slice by slice in the display set's order. */
export function gatherActiveSegmentation(
  services: HostServices,
  extensionManager: HostExtensionManager,
  cs: HostCornerstone,
) {
  const { viewportGridService, displaySetService, segmentationService } = services;
  const viewportId: string | undefined = viewportGridService?.getActiveViewportId?.();
  if (!viewportGridService || !viewportId) throw new ViewerError('NO_VIEWPORT', 'no active viewport');
  const segmentation = segmentationService?.getActiveSegmentation?.(viewportId);
  if (!segmentationService || !segmentation)
    throw new ViewerError('NO_SEGMENTATION', 'the active viewport has no segmentation: draw a box first');
  const viewportState = viewportGridService.getState?.().viewports?.get?.(viewportId);
  const displaySetUid: string | undefined = viewportState?.displaySetInstanceUIDs?.find((uid: string) => {
    const ds = displaySetService?.getDisplaySetByUID(uid);
    return ds && ds.Modality !== 'SEG' && ds.instances?.length;
  });
  const displaySet = displaySetUid ? displaySetService?.getDisplaySetByUID(displaySetUid) : null;
  if (!displaySet) throw new ViewerError('NO_VIEWPORT', 'the active viewport shows no image series');
  const dataSource = extensionManager.getActiveDataSource?.()?.[0];
  const seg = cs.tools.segmentation;
  // One slice per frame: a multi-frame instance (enhanced CT/MR, a cine) has an image id per frame (from 1).
  const slices: Array<ExportSlice & { tracked: Array<{ labelmapImageId: string; labels: ArrayLike<number> }> }> =
    displaySet.instances.flatMap((instance: HostInstance) => {
      const frames = numberOfFrames(instance);
      return Array.from({ length: frames }, (_, f) => {
        const frame = frames > 1 ? f + 1 : undefined;
        // The labelmap images are keyed by the source image id (cornerstone's referenced image id).
        const imageId: string | undefined =
          frame === undefined
            ? (instance.imageId ?? dataSource?.getImageIdsForInstance?.({ instance }))
            : dataSource?.getImageIdsForInstance?.({ instance, frame });
        const ids: string[] = imageId
          ? (seg.getLabelmapImageIdsForImageId?.(imageId, segmentation.segmentationId) ?? [])
          : [];
        const read = ids.map(id => ({ labelmapImageId: id, labels: labelsOf(cs.core.cache.getImage(id)) }));
        const tracked = read.filter(
          (l): l is { labelmapImageId: string; labels: ArrayLike<number> } => l.labels !== null,
        );
        return { instance, ...(frame !== undefined ? { frame } : {}), layers: tracked.map(l => l.labels), tracked };
      });
    });
  const segments: HostSegment[] = Object.values(segmentation.segments ?? {})
    .filter((s): s is HostSegmentationSegment => !!s?.segmentIndex)
    .map(s => {
      let color: [number, number, number] | null = null;
      try {
        color = rgbOf(segmentationService.getSegmentColor(viewportId, segmentation.segmentationId, s.segmentIndex));
      } catch {
        color = null;
      }
      return { segmentIndex: s.segmentIndex, label: String(s.label ?? `Segment ${s.segmentIndex}`), color };
    });
  return {
    viewportId,
    segmentationId: segmentation.segmentationId as string,
    slices,
    segments,
    seriesDescription: `MedSAM ${segmentation.label ?? 'segmentation'}`.slice(0, 64),
  };
}

/** The gathered segments with the panel's target choices attached (keyed by segmentation and segment index). */
export function withTargets<G extends { segmentationId: string; segments: HostSegment[] }>(
  gathered: G,
  targets: SaveOptions['targets'],
): G {
  if (!targets) return gathered;
  const segments = gathered.segments.map(s => {
    const target = targets[`${gathered.segmentationId}:${s.segmentIndex}`];
    return target ? { ...s, target } : s;
  });
  return { ...gathered, segments };
}

/** Each segment flagged edited-by-hand when its pixels differ from what MedSAM wrote (see medsamLedger.ts). */
export function withHandEdits<G extends ReturnType<typeof gatherActiveSegmentation>>(
  gathered: G,
  ledger: MedsamLedger,
): G {
  const layers = gathered.slices.flatMap(s => s.tracked);
  const segments = gathered.segments.map(s => ({
    ...s,
    editedByHand: ledger.editedByHand(gathered.segmentationId, s.segmentIndex, layers),
  }));
  return { ...gathered, segments };
}

/** What the saver needs from the page (the browser's by default; tests pass their own). */
export interface SaverPage {
  download(filename: string, bytes: Uint8Array): void;
  /** Makes leaving the page ask first until the returned release is called. */
  holdPageLeave(): () => void;
  /** Asks for persistent storage (once; the answer does not matter to the save). */
  persist(): Promise<boolean>;
}

export function browserSaverPage(): SaverPage {
  return {
    download: (filename, bytes) => downloadFile(filename, bytes),
    holdPageLeave: pageLeaveGuard(),
    persist: persistentStorage(),
  };
}

/** Runs a store with the page-leave prompt on. */
async function guarded<T>(page: SaverPage, work: () => Promise<T>): Promise<T> {
  const release = page.holdPageLeave();
  try {
    return await work();
  } finally {
    release();
  }
}

/** The last resort when the outbox cannot keep a SEG the PACS did not take: the user gets the file now. */
function handOver(
  page: SaverPage,
  seg: { sopInstanceUid: string; bytes: Uint8Array },
): NonNullable<SaveReport['downloaded']> {
  const { filename } = segFile(seg);
  try {
    page.download(filename, seg.bytes);
    return { filename };
  } catch (e) {
    return { filename, error: (e as Error)?.message ?? String(e) };
  }
}

export function createHostSaver(args: {
  services: HostServices;
  extensionManager: HostExtensionManager;
  cs: HostCornerstone;
  outbox: Outbox;
  ledger: MedsamLedger;
  /** The site's STOW (and QIDO check) time limit in ms; stow.ts's default when absent. */
  stowTimeoutMs?: number;
  page?: SaverPage;
}): SegSaver {
  const { services, extensionManager, cs, outbox } = args;
  const page = args.page ?? browserSaverPage();
  const config = () => stowConfigFor(services, extensionManager, args.stowTimeoutMs);
  return {
    async save(model, options = {}) {
      const gathered = withTargets(
        withHandEdits(gatherActiveSegmentation(services, extensionManager, cs), args.ledger),
        options.targets,
      );
      const exported = buildSegExport({
        slices: gathered.slices,
        segments: gathered.segments,
        model,
        editedByHand: null,
        seriesDescription: gathered.seriesDescription,
      });
      const seg = writeSeg({
        ...exported.input,
        options: { ...exported.input.options, kind: options.kind ?? 'BINARY' },
      });
      const description = `${gathered.seriesDescription}: ${exported.written.map(s => s.label).join(', ')}`;
      void page.persist();
      const outcome = await guarded(page, () => saveToPacs({ ...seg, description }, config(), outbox));
      return {
        outcome,
        seriesInstanceUid: seg.seriesInstanceUid,
        sopInstanceUid: seg.sopInstanceUid,
        segments: exported.written.map((s, i) => ({ label: s.label, voxels: exported.voxels[i] })),
        notes: exported.notes,
        ...(!outcome.stored && outcome.outboxId === null ? { downloaded: handOver(page, seg) } : {}),
      };
    },
    list: () => outbox.list(),
    async retry(id) {
      // Each entry goes to the root it was meant for (stowSender); the current data source's when it has none.
      const r = await guarded(page, () => outbox.retry(id, stowSender(config())));
      if (r.ok) return { ok: true, message: null, ...(r.verifiedBy === 'qido' ? { alreadyStored: true } : {}) };
      return { ok: false, message: r.error.message, ...(r.gone ? { gone: true } : {}) };
    },
    async download(id) {
      const file = await outbox.download(id);
      page.download(file.filename, file.bytes);
    },
    discard: id => outbox.discard(id),
  };
}
