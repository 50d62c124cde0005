/**
 * `medsam segment --markers`: the paper's 3D workflow on a DICOM series. Per segment, key slices (boxes or linear
 * markers) -> planVolumeRun -> runVolume over onnxruntime-node, one progress line per slice on stderr; the masks go to
 * the same writer as --boxes.
 */
import { clampImageBox, type ImageSize } from '../engine/geometry/box';
import type { MedsamSession } from '../engine/session/session';
import { preprocessSlice, segmentBoxes } from '../engine/session/pipeline';
import { planVolumeRun, type KeySlice } from '../engine/volume/plan';
import { reviewQueue, volumeMl } from '../engine/volume/review';
import { doneSlices, runVolume } from '../engine/volume/run';
import { sliceName, type SourceImage } from '../seg/source';
import { UsageError } from './args';
import type { DicomFile } from './dicom-folder';
import type { Io } from './io';
import { linesToSegments, type KeySliceSpec, type MarkersFile } from './markers-file';
import { slicePixels } from './pixels';

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

export async function segmentMarkers(
  input: MarkerRunInput,
): Promise<{ masks: (Uint8Array | null)[][]; report: Record<string, unknown>[]; complete: boolean }> {
  const { io, quiet, session, files, sources, order, markers } = input;
  const image: ImageSize = { width: sources[0].columns, height: sources[0].rows };
  const pixels = image.width * image.height;
  const zOf = (k: KeySliceSpec, where: string): number => {
    let z = -1;
    if (k.sopInstanceUid !== undefined) z = order.findIndex(i => sources[i].sopInstanceUid === k.sopInstanceUid);
    else if (k.instanceNumber !== undefined) z = order.findIndex(i => sources[i].instanceNumber === k.instanceNumber);
    else if (k.slice !== undefined && Number.isInteger(k.slice) && k.slice >= 0 && k.slice < order.length) z = k.slice;
    if (z < 0)
      throw new UsageError(
        `${where}: no such slice in ${input.dir} (${JSON.stringify({ slice: k.slice, instanceNumber: k.instanceNumber, sopInstanceUid: k.sopInstanceUid })})`,
      );
    return z;
  };
  const masks: (Uint8Array | null)[][] = [];
  const report: Record<string, unknown>[] = [];
  let complete = true;
  for (const [si, spec] of markers.segments.entries()) {
    const keys: KeySlice[] = spec.keySlices.map((k, j) => {
      const slice = zOf(k, `segments[${si}].keySlices[${j}]`);
      return k.box
        ? { slice, box: clampImageBox(k.box[0], k.box[1], k.box[2], k.box[3], image) }
        : { slice, markers: linesToSegments(k.lines!) };
    });
    // The propagation padding follows the model's profile unless the markers file sets propagatePadPx.
    const plan = planVolumeRun(keys, order.length, image, { profile: session.entry.profile, ...markers });
    const name = spec.label ?? spec.target ?? `segment ${si + 1}`;
    const started = Date.now();
    const result = await runVolume({
      plan,
      segmentSlice: async (z, box, signal) => {
        const k = order[z];
        const slice = await slicePixels(files[k]);
        const r = await segmentBoxes(session, preprocessSlice, sliceName(sources[k]), { slice }, image, [box], {
          signal,
        });
        return { mask: r.masks[0], iou: r.iou[0] };
      },
      onProgress: p => {
        if (!quiet)
          io.stderr.write(
            `volume ${name}: ${p.done}/${p.total} (slice ${p.slice}) ${p.msPerSlice.toFixed(0)} ms/slice, ~${(p.msLeft / 1000).toFixed(1)} s left\n`,
          );
      },
    });
    if (result.status === 'failed') throw result.error;
    if (!quiet) {
      const done = doneSlices(result).length;
      const seconds = (Date.now() - started) / 1000;
      io.stderr.write(
        `volume ${name}: ${done} slices in ${seconds.toFixed(1)} s (${(done / seconds).toFixed(2)} slices/s)\n`,
      );
    }
    complete &&= result.status === 'complete';
    masks.push(
      sources.map((_, k) => {
        const z = order.indexOf(k);
        return result.done[z] ? result.labelmap.slice(z * pixels, (z + 1) * pixels) : null;
      }),
    );
    report.push({
      segment: si + 1,
      mode: plan.mode,
      start: plan.start,
      status: result.status,
      slices: doneSlices(result),
      stoppedAt: result.stoppedAt,
      volumeMl: input.spacingMm ? Number(volumeMl(result.labelmap, input.spacingMm).toFixed(3)) : null,
      review: reviewQueue(result, 5).map(r => ({
        slice: r.slice,
        iou: Number(r.iou.toFixed(4)),
        areaJump: Number(r.areaJump.toFixed(4)),
      })),
    });
  }
  return { masks, report, complete };
}
