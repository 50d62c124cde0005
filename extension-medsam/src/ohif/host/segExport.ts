/**
 * The host's labelmap segmentation as the SEG writer's input: one mask per segment per source slice, the segment
 * descriptions (coded target from the label, colour, algorithm), the sources from the host's metadata. Pure: the
 * host adapter (saveSegmentation.ts) reads the labelmap layers and instances and passes them in.
 */
import { resolveTarget, type Rgb, type SegmentTarget } from '../../seg/codes';
import { sourcesOfInstance } from '../../seg/multiframe';
import { sourceFromNaturalized, type SourceImage } from '../../seg/source';
import { medsamAlgorithm, type SegInput, type SegmentAlgorithmType, type SegmentDescription } from '../../seg/writer';
import type { ExportModel } from '../app/service/saving';
import { ViewerError } from '../app/errors';
import { SegError } from '../../seg/errors';

export interface HostSegment {
  segmentIndex: number;
  label: string;
  /** sRGB 0..255 from the host's colour LUT; the target's default when absent. */
  color: Rgb | null;
  /** The target chosen in the panel; without one the label is resolved (a known name, else coded free text). */
  target?: SegmentTarget;
  /** Changed by hand (brush, eraser) after MedSAM wrote it: MANUAL instead of SEMIAUTOMATIC; absent = untracked. */
  editedByHand?: boolean;
}

export interface ExportSlice {
  /** The source instance as the host's metadata store holds it (naturalized keywords). */
  instance: Record<string, unknown>;
  /** For a multi-frame instance: which frame (from 1) this slice is; the SEG references it by that number. */
  frame?: number;
  /** The labelmap layers that hold this slice's labels (values are segment indices); empty when none. */
  layers: ReadonlyArray<ArrayLike<number>>;
}

export interface ExportRequest {
  slices: readonly ExportSlice[];
  segments: readonly HostSegment[];
  model: ExportModel;
  /** Whether segments without their own editedByHand flag were edited by hand; null when the viewer does not track it. */
  editedByHand: boolean | null;
  seriesDescription?: string;
}

export interface ExportResult {
  input: SegInput;
  /** Segments written (host index -> SEG segment number is position + 1) and those skipped for being empty. */
  written: HostSegment[];
  skipped: HostSegment[];
  voxels: number[];
  notes: string[];
}

/** The segment's coded description: the label names a known target when it can, else a coded free-text fallback. */
export function describeSegment(
  segment: HostSegment,
  algorithmType: SegmentAlgorithmType,
  model: ExportModel,
): SegmentDescription {
  const label = segment.label.trim() || `Segment ${segment.segmentIndex}`;
  // The panel's choice codes the segment whatever its label says; else a known target by name, else free text.
  const target = segment.target ?? resolveTarget(label);
  return {
    label,
    category: target.category,
    type: target.type,
    ...(target.typeModifier ? { typeModifier: target.typeModifier } : {}),
    algorithmType,
    algorithm: medsamAlgorithm(model),
    color: segment.color ?? target.color,
  };
}

/** Frame `frame` (from 1) of a multi-frame instance as a source: its functional groups' geometry, its number. */
function frameSource(instance: Record<string, unknown>, frame: number): SourceImage {
  const source = sourcesOfInstance(instance)[frame - 1];
  if (!source)
    throw new SegError('INVALID_SOURCE', `the instance ${String(instance.SOPInstanceUID)} has no frame ${frame}`);
  return source;
}

export function buildSegExport(req: ExportRequest): ExportResult {
  if (req.slices.length === 0)
    throw new ViewerError('NO_VIEWPORT', 'the viewport shows no source images to save a segmentation for');
  const notes: string[] = [];
  const algorithmTypeOf = (s: HostSegment): SegmentAlgorithmType =>
    (s.editedByHand ?? req.editedByHand) ? 'MANUAL' : 'SEMIAUTOMATIC';
  if (req.editedByHand === null && req.segments.some(s => s.editedByHand === undefined)) {
    notes.push('hand edits are not tracked: segments are saved as SEMIAUTOMATIC');
  }
  const written: HostSegment[] = [];
  const skipped: HostSegment[] = [];
  const masks: (Uint8Array | null)[][] = [];
  const voxels: number[] = [];
  for (const segment of req.segments) {
    let count = 0;
    const perSlice = req.slices.map(({ instance, layers }) => {
      if (layers.length === 0) return null;
      const pixels = Number(instance.Rows) * Number(instance.Columns);
      const mask = new Uint8Array(pixels);
      let any = false;
      for (const layer of layers) {
        if (layer.length !== pixels)
          throw new SegError('MASK_MISMATCH', `a labelmap slice has ${layer.length} voxels, its image ${pixels}`);
        for (let i = 0; i < pixels; i++) {
          if (layer[i] === segment.segmentIndex && !mask[i]) {
            mask[i] = 1;
            any = true;
            count++;
          }
        }
      }
      return any ? mask : null;
    });
    if (count === 0) {
      skipped.push(segment);
      continue;
    }
    written.push(segment);
    masks.push(perSlice);
    voxels.push(count);
  }
  if (written.length === 0)
    throw new ViewerError(
      'EMPTY_SEGMENTATION',
      'the segmentation is empty: draw a box and accept it (Enter) before saving',
    );
  if (skipped.length) notes.push(`empty segments not saved: ${skipped.map(s => s.label).join(', ')}`);
  const input: SegInput = {
    sources: req.slices.map(s =>
      s.frame === undefined ? sourceFromNaturalized(s.instance) : frameSource(s.instance, s.frame),
    ),
    segments: written.map(s => describeSegment(s, algorithmTypeOf(s), req.model)),
    masks,
    options: { seriesDescription: req.seriesDescription ?? 'MedSAM segmentation' },
  };
  return { input, written, skipped, voxels, notes };
}
