/**
 * `medsam segment --markers`: the paper's 3D workflow on a DICOM series. Per segment, key slices (boxes or linear
 * markers) -> planVolumeRun -> runVolume over onnxruntime-node, one progress line per slice on stderr; the masks go to
 * the same writer as --boxes.
 */
import { clampImageBox, type ImageSize } from '../engine/geometry/box';
import type { MedsamSession } from '../engine/session/session';
import { segmentBoxes } from '../engine/session/pipeline';
import { planVolumeRun, type KeySlice } from '../engine/volume/plan';
import { reviewQueue, volumeMl } from '../engine/volume/review';
import { doneSlices, runVolume } from '../engine/volume/run';
import { sliceName, type SourceImage } from '../seg/source';
import { UsageError } from './args';
import type { DicomFile } from './dicom-folder';
import type { Io } from './main';
import { linesToSegments, type KeySliceSpec, type MarkersFile } from './markers-file';
import { afterModelStarts, prepareSlice, preparedInput, type PreparedSlice } from './prepared-slice';

export interface MarkerRunInput {
  io: Io;
  quiet: boolean;
  session: MedsamSession;
  files: readonly DicomFile[];
  sources: readonly SourceImage[];
  /** Source indices ordered along the slice normal: slice z of the volume is sources[order[z]]. */
  order: readonly number[];
  /** [column, row, slice] spacing in mm, for the volume in mL (undefined without a regular grid). */
  spacingMm?: [number, number, number];
  markers: MarkersFile;
  dir: string;
}

export async function segmentMarkers(input: MarkerRunInput): Promise<{ masks: (Uint8Array | null)[][]; report: Record<string, unknown>[]; complete: boolean }> {
  const { io, quiet, session, files, sources, order, markers } = input;
  const image: ImageSize = { width: sources[0].columns, height: sources[0].rows };
  const pixels = image.width * image.height;
  const zOf = (k: KeySliceSpec, where: string): number => {
    let z = -1;
    if (k.sopInstanceUid !== undefined) z = order.findIndex((i) => sources[i].sopInstanceUid === k.sopInstanceUid);
    else if (k.instanceNumber !== undefined) z = order.findIndex((i) => sources[i].instanceNumber === k.instanceNumber);
    else if (k.slice !== undefined && Number.isInteger(k.slice) && k.slice >= 0 && k.slice < order.length) z = k.slice;
    if (z < 0) throw new UsageError(`${where}: no such slice in ${input.dir} (${JSON.stringify({ slice: k.slice, instanceNumber: k.instanceNumber, sopInstanceUid: k.sopInstanceUid })})`);
    return z;
  };
  const masks: (Uint8Array | null)[][] = [];
  const report: Record<string, unknown>[] = [];
  let complete = true;
  for (const [si, spec] of markers.segments.entries()) {
    const keys: KeySlice[] = spec.keySlices.map((k, j) => {
      const slice = zOf(k, `segments[${si}].keySlices[${j}]`);
      return k.box ? { slice, box: clampImageBox(k.box[0], k.box[1], k.box[2], k.box[3], image) } : { slice, markers: linesToSegments(k.lines!) };
    });
    // The propagation padding follows the model's profile unless the markers file sets propagatePadPx.
    const plan = planVolumeRun(keys, order.length, image, { profile: session.entry.profile, ...markers });
    const name = spec.label ?? spec.target ?? `segment ${si + 1}`;
    const prefetch = slicePrefetch(plan.steps.map((step) => step.slice), (z) => prepareSlice(files[order[z]], session.entry.profile));
    const result = await runVolume({
      plan,
      segmentSlice: async (z, box, signal) => {
        const current = await prefetch.take(z);
        const run = segmentBoxes(session, preparedInput, sliceName(sources[order[z]]), current, image, [box], { signal });
        prefetch.after(z);
        const r = await run;
        return { mask: r.masks[0], iou: r.iou[0] };
      },
      onProgress: (p) => {
        if (!quiet) io.stderr.write(`volume ${name}: ${p.done}/${p.total} (slice ${p.slice}) ${p.msPerSlice.toFixed(0)} ms/slice, ~${(p.msLeft / 1000).toFixed(1)} s left\n`);
      },
    });
    if (result.status === 'failed') throw result.error;
    complete &&= result.status === 'complete';
    masks.push(sources.map((_, k) => {
      const z = order.indexOf(k);
      return result.done[z] ? result.labelmap.slice(z * pixels, (z + 1) * pixels) : null;
    }));
    report.push({
      segment: si + 1,
      mode: plan.mode,
      start: plan.start,
      status: result.status,
      slices: doneSlices(result),
      stoppedAt: result.stoppedAt,
      volumeMl: input.spacingMm ? Number(volumeMl(result.labelmap, input.spacingMm).toFixed(3)) : null,
      review: reviewQueue(result, 5).map((r) => ({ slice: r.slice, iou: Number(r.iou.toFixed(4)), areaJump: Number(r.areaJump.toFixed(4)) })),
    });
  }
  return { masks, report, complete };
}

/**
 * The next slice of the plan's visiting order is read and preprocessed while the model runs on this one. When a
 * propagation stops early, the slice prepared for the direction it left is dropped.
 */
function slicePrefetch(visit: readonly number[], prepare: (z: number) => Promise<PreparedSlice>): { take(z: number): Promise<PreparedSlice>; after(z: number): void } {
  let ahead: { z: number; slice: Promise<PreparedSlice> } | undefined;
  return {
    take(z) {
      const hit = ahead?.z === z ? ahead.slice : undefined;
      ahead = undefined;
      return hit ?? prepare(z);
    },
    after(z) {
      const next = visit[visit.indexOf(z) + 1];
      if (next !== undefined) ahead = { z: next, slice: afterModelStarts(() => prepare(next)) };
    },
  };
}
