/**
 * Multi-frame images as slices. Each frame of a multi-frame instance is one slice: an enhanced CT or MR carries the
 * frame's position, orientation, pixel spacing and rescale in functional groups (PS3.3 C.7.6.16: the frame's
 * per-frame item, else the shared item), a plain multi-frame (ultrasound cine, a multi-frame secondary capture)
 * carries them, if at all, at the top level for every frame. frameDatasets() lifts the functional groups of each
 * frame to where a single-frame image holds them, so that everything that reads a single-frame dataset (the source
 * adapter, the rescale, the window) reads a frame the same way.
 */
import { items, type Naturalized } from './dicom/parse';
import { sourceFromNaturalized, type SourceImage } from './source';

/** Functional group sequence -> the attributes lifted from its item. */
const LIFTED: Record<string, readonly string[]> = {
  PlanePositionSequence: ['ImagePositionPatient'],
  PlaneOrientationSequence: ['ImageOrientationPatient'],
  PixelMeasuresSequence: ['PixelSpacing', 'SliceThickness', 'SpacingBetweenSlices'],
  PixelValueTransformationSequence: ['RescaleSlope', 'RescaleIntercept', 'RescaleType'],
  FrameVOILUTSequence: ['WindowCenter', 'WindowWidth', 'VOILUTFunction'],
};

/** The number of frames of an instance (1 when NumberOfFrames is absent or not a positive integer). */
export function numberOfFrames(ds: Naturalized): number {
  const n = Number(ds.NumberOfFrames ?? 1);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** One dataset per frame, the frame's functional group values at the top level (the instance itself when single-frame). */
export function frameDatasets(ds: Naturalized): Naturalized[] {
  const n = numberOfFrames(ds);
  if (n === 1 && ds.PerFrameFunctionalGroupsSequence === undefined) return [ds];
  const shared = items(ds, 'SharedFunctionalGroupsSequence')[0];
  const perFrame = items(ds, 'PerFrameFunctionalGroupsSequence');
  return Array.from({ length: n }, (_, f) => {
    const frame: Naturalized = { ...ds };
    for (const [sequence, keywords] of Object.entries(LIFTED)) {
      const item = items(perFrame[f] ?? {}, sequence)[0] ?? items(shared ?? {}, sequence)[0];
      if (!item) continue;
      for (const k of keywords) if (item[k] !== undefined) frame[k] = item[k];
    }
    return frame;
  });
}

/** The slices of an instance: one SourceImage per frame, numbered from 1 (ReferencedFrameNumber) when multi-frame. */
export function sourcesOfInstance(ds: Naturalized): SourceImage[] {
  const frames = frameDatasets(ds);
  if (numberOfFrames(ds) === 1) return [sourceFromNaturalized(frames[0])];
  return frames.map((f, k) => ({ ...sourceFromNaturalized(f), referencedFrameNumber: k + 1 }));
}
