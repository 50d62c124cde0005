/** What the service needs from its surroundings: the browser's in browserDeps.ts, fakes in tests. */
import type { PageContext } from '../config';
import type { Manifest } from '../../../engine/manifest';
import type { SliceInput } from '../../../engine/session/pipeline';
import type { WorkerLike } from '../../../worker/engine-client';
import type { SegmentRenamer } from './segmentChoices';

/** What the engine connection needs from the page: the worker, the manifest, the model file cache. */
export interface EngineDeps {
  createWorker(): Promise<WorkerLike>;
  loadManifest(url: string): Promise<Manifest>;
  evictModelFiles(urls: readonly string[]): Promise<number>;
}

/** A slice as the engine takes it: the panel's intensity preset applied, and the embedding key that goes with it. */
export interface PreparedSlice {
  key: string;
  image: SliceInput;
}

export interface MedsamServiceDeps extends EngineDeps {
  page(): PageContext;
  /** The viewer's own segment rename, where it has one (set by the service's registration). */
  renameSegment?: SegmentRenamer;
}
