/** What the service needs from its surroundings: the browser's in browserDeps.ts, fakes in tests. */
import type { PageContext } from '../config';
import type { EngineDeps } from './engineConnection';
import type { SegmentRenamer } from './segmentChoices';

export interface MedsamServiceDeps extends EngineDeps {
  page(): PageContext;
  /** The viewer's own segment rename, where it has one (set by the service's registration). */
  renameSegment?: SegmentRenamer;
}
