/**
 * What `medsam segment` writes once the masks exist, whichever way they were made (boxes or markers): the DICOM SEG,
 * optionally a NIfTI label map and a verified STOW-RS store, and the JSON summary on stdout.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { ManifestEntry, Precision } from '../engine/manifest';
import { resolveTarget, targetById, type Rgb, type SegmentTarget } from '../seg/codes';
import type { SegError } from '../seg/errors';
import type { SourceImage } from '../seg/source';
import { stowInstances } from '../seg/stow';
import { writeNiftiLabels } from '../seg/volume/nifti-writer';
import { describeFix } from '../seg/write/copied';
import {
  checkSegInput,
  medsamAlgorithm,
  writeSeg,
  type SegInput,
  type SegmentationKind,
  type WrittenSeg,
} from '../seg/writer';
import type { Io } from './io';

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
  /** Time limit of the STOW request (ms); undefined: seg/stow.ts's default. */
  stowTimeoutMs?: number;
  /** Added to the summary (e.g. the volume run's report). */
  extra?: Record<string, unknown>;
}

type SegDescription = Omit<SegInput, 'masks'>;

/** The SEG but its masks: the same for the check before inference and the write after it. */
export function segDescription(
  o: Pick<SegmentOutputs, 'sources' | 'segments' | 'entry' | 'precision' | 'kind' | 'seriesDescription'>,
): SegDescription {
  const { entry } = o;
  const targets: SegmentTarget[] = o.segments.map(s => (s.target ? targetById(s.target)! : resolveTarget(s.label!)));
  const algorithm = medsamAlgorithm({
    id: entry.id,
    weightsSha256: entry.weights.sha256,
    weightsSource: entry.weights.source,
    precision: o.precision,
  });
  return {
    sources: o.sources,
    segments: targets.map((t, i) => ({
      label: o.segments[i].label ?? t.label,
      category: t.category,
      type: t.type,
      typeModifier: t.typeModifier,
      color: o.segments[i].color ?? t.color,
      algorithmType: 'SEMIAUTOMATIC',
      algorithm,
    })),
    options: {
      kind: o.kind,
      seriesDescription: o.seriesDescription ?? `MedSAM ${entry.id}${entry.testModel ? ' (TEST MODEL)' : ''}`,
    },
  };
}

/**
 * Before inference: builds the SEG with a stand-in mask, so that whatever would stop it from being written fails
 * now (a SegError), and says which copied source values will be cleaned or left out.
 */
export function checkSegOutput(o: Parameters<typeof segDescription>[0], io: Io): void {
  for (const f of checkSegInput(segDescription(o)).valueFixes) io.stderr.write(`medsam: warning: ${describeFix(f)}\n`);
}

/** An output asked for that was not written, in the summary. */
interface NotWritten {
  output: 'seg' | 'nifti' | 'stow';
  /** The file or URL. */
  target: string;
  error: string;
  message: string;
}

function failure(output: NotWritten['output'], target: string, e: unknown): NotWritten {
  return {
    output,
    target,
    error: (e as SegError).code ?? (e as NodeJS.ErrnoException).code ?? 'UNKNOWN',
    message: (e as Error).message,
  };
}

function niftiBytes(sources: readonly SourceImage[], masks: (Uint8Array | null)[][], gz: boolean): Uint8Array {
  const pixels = sources[0].rows * sources[0].columns;
  const labels = sources.map((_, k) => {
    const l = new Uint16Array(pixels);
    masks.forEach((perSlice, s) => perSlice[k]?.forEach((v, p) => v && (l[p] = s + 1)));
    return l;
  });
  const bytes = writeNiftiLabels(sources, labels);
  return gz ? new Uint8Array(zlib.gzipSync(bytes)) : bytes;
}

/**
 * Writes every output that can be written, each independently of the others (a NIfTI that cannot be made does
 * not cost the STOW), and prints the summary, which lists what was not written and why. Exit status 1 when an
 * output asked for was not written.
 */
export async function writeSegmentOutputs(o: SegmentOutputs): Promise<number> {
  const { io, sources, masks, out } = o;
  const description = segDescription(o);
  const notWritten: NotWritten[] = [];
  const written: string[] = [];
  const summary: Record<string, unknown> = {};
  let seg: WrittenSeg | undefined;
  try {
    seg = writeSeg({ ...description, masks });
    Object.assign(summary, {
      sopInstanceUid: seg.sopInstanceUid,
      seriesInstanceUid: seg.seriesInstanceUid,
      studyInstanceUid: seg.studyInstanceUid,
      frames: seg.frames.length,
    });
    fs.writeFileSync(out, seg.bytes);
    summary.seg = out;
    written.push('seg');
  } catch (e) {
    notWritten.push(failure('seg', out, e));
  }
  summary.segments = description.segments.map((s, i) => ({
    number: i + 1,
    label: s.label,
    voxels: masks[i].reduce((n, m) => n + (m ? m.reduce((a, b) => a + b, 0) : 0), 0),
  }));
  Object.assign(summary, { model: o.entry.id, testModel: o.entry.testModel, ...o.extra });

  if (o.nifti) {
    try {
      fs.writeFileSync(o.nifti, niftiBytes(sources, masks, /\.gz$/i.test(o.nifti)));
      summary.nifti = o.nifti;
      written.push('nifti');
    } catch (e) {
      notWritten.push(failure('nifti', o.nifti, e));
    }
  }

  if (o.stow) {
    if (!seg)
      notWritten.push({
        output: 'stow',
        target: o.stow,
        error: 'NO_SEG',
        message: "there is no SEG to store (see the SEG's error)",
      });
    else {
      try {
        const r = await stowInstances([seg], { root: o.stow, headers: o.stowHeaders, timeoutMs: o.stowTimeoutMs });
        summary.stow = { status: r.status, stored: r.stored.map(s => s.sopInstanceUid), url: r.url };
        written.push('stow');
      } catch (e) {
        summary.stow = { error: (e as SegError).code ?? 'UNKNOWN', message: (e as Error).message };
        notWritten.push(failure('stow', o.stow, e));
      }
    }
  }
  summary.written = written;
  if (notWritten.length) summary.notWritten = notWritten;
  for (const n of notWritten) io.stderr.write(`medsam: ${notWrittenLine(n, summary.seg as string | undefined)}\n`);
  io.stdout(`${JSON.stringify(summary, null, 1)}\n`);
  return notWritten.length ? 1 : 0;
}

function notWrittenLine(n: NotWritten, seg: string | undefined): string {
  if (n.output === 'stow')
    return seg
      ? `the SEG was written to ${seg} but not stored: ${n.message}`
      : `the SEG was not stored at ${n.target}: ${n.message}`;
  return `--${n.output === 'seg' ? 'out' : 'nifti'} ${n.target} was not written: ${n.error}: ${n.message}`;
}
