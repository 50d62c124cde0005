/**
 * What `medsam segment` writes once the masks exist, whichever way they were made (boxes or markers): the DICOM SEG,
 * optionally a NIfTI label map and a verified STOW-RS store, and the JSON summary on stdout.
 */
import fs from 'node:fs';
import type { ManifestEntry, Precision } from '../engine/manifest';
import { resolveTarget, targetById, type Rgb, type SegmentTarget } from '../seg/codes';
import type { SegError } from '../seg/errors';
import type { SourceImage } from '../seg/source';
import { stowInstances } from '../seg/stow';
import { writeNiftiLabels } from '../seg/volume/nifti-writer';
import { medsamAlgorithm, writeSeg, type SegmentationKind } from '../seg/writer';
import type { Io } from './main';

/** A segment as the boxes and markers files name it. */
export interface SegmentNaming {
  target?: string;
  label?: string;
  color?: Rgb;
}

export interface SegmentOutputs {
  io: Io;
  sources: readonly SourceImage[];
  segments: readonly SegmentNaming[];
  /** masks[segment][source index]: row-major [rows, columns], null where the segment is absent. */
  masks: (Uint8Array | null)[][];
  entry: ManifestEntry;
  precision: Precision;
  out: string;
  kind: SegmentationKind;
  seriesDescription?: string;
  nifti?: string;
  stow?: string;
  stowHeaders: Record<string, string>;
  /** Added to the summary (e.g. the volume run's report). */
  extra?: Record<string, unknown>;
}

/** Writes everything and prints the summary; the exit status (1 when the SEG was written but not stored). */
export async function writeSegmentOutputs(o: SegmentOutputs): Promise<number> {
  const { io, sources, segments, masks, entry, precision, out } = o;
  const targets: SegmentTarget[] = segments.map((s) => (s.target ? targetById(s.target)! : resolveTarget(s.label!)));
  const algorithm = medsamAlgorithm({ id: entry.id, weightsSha256: entry.weights.sha256, weightsSource: entry.weights.source, precision });
  const seg = writeSeg({
    sources,
    segments: targets.map((t, i) => ({
      label: segments[i].label ?? t.label,
      category: t.category,
      type: t.type,
      typeModifier: t.typeModifier,
      color: segments[i].color ?? t.color,
      algorithmType: 'SEMIAUTOMATIC',
      algorithm,
    })),
    masks,
    options: { kind: o.kind, seriesDescription: o.seriesDescription ?? `MedSAM ${entry.id}${entry.testModel ? ' (TEST MODEL)' : ''}` },
  });
  fs.writeFileSync(out, seg.bytes);
  const summary = {
    seg: out,
    sopInstanceUid: seg.sopInstanceUid,
    seriesInstanceUid: seg.seriesInstanceUid,
    studyInstanceUid: seg.studyInstanceUid,
    frames: seg.frames.length,
    segments: targets.map((t, i) => ({ number: i + 1, label: segments[i].label ?? t.label, voxels: masks[i].reduce((n, m) => n + (m ? m.reduce((a, b) => a + b, 0) : 0), 0) })),
    model: entry.id,
    testModel: entry.testModel,
    ...o.extra,
  } as Record<string, unknown>;

  if (o.nifti) {
    const pixels = sources[0].rows * sources[0].columns;
    const labels = sources.map((_, k) => {
      const l = new Uint16Array(pixels);
      masks.forEach((perSlice, s) => perSlice[k]?.forEach((v, p) => v && (l[p] = s + 1)));
      return l;
    });
    let bytes = writeNiftiLabels(sources, labels);
    if (/\.gz$/i.test(o.nifti)) bytes = new Uint8Array((await import('node:zlib')).gzipSync(bytes));
    fs.writeFileSync(o.nifti, bytes);
    summary.nifti = o.nifti;
  }

  let code = 0;
  if (o.stow) {
    try {
      const r = await stowInstances([seg], { root: o.stow, headers: o.stowHeaders });
      summary.stow = { status: r.status, stored: r.stored.map((s) => s.sopInstanceUid), url: r.url };
    } catch (e) {
      summary.stow = { error: (e as SegError).code ?? 'UNKNOWN', message: (e as Error).message };
      io.stderr.write(`medsam: the SEG was written to ${out} but not stored: ${(e as Error).message}\n`);
      code = 1;
    }
  }
  io.stdout(`${JSON.stringify(summary, null, 1)}\n`);
  return code;
}
