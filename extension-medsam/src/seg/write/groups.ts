/** The multi-frame functional groups and dimension index of a SEG (PS3.3 C.7.6.16, C.7.6.17, A.51.5). */
import { DCM_CODES } from '../codes';
import type { Dataset } from '../dicom/elements';
import { tagOf } from '../dicom/dictionary';
import { SegError } from '../errors';
import type { SourceImage, SourceStack } from '../source';
import type { FrameInfo, SegmentationKind } from './types';
import { codeItem } from './items';

type Geometry = NonNullable<SourceStack['geometry']>;

/** Per frame: its source image (derivation), its position, its dimension index values and (BINARY) its segment. */
export function perFrameGroups(
  frames: readonly FrameInfo[],
  sources: readonly SourceImage[],
  kind: SegmentationKind,
  geometry: Geometry | null,
  positionIndex: Map<number, number>,
): Dataset[] {
  return frames.map(f => {
    const src = sources[f.sourceIndex];
    const position = positionIndex.get(f.sourceIndex)!;
    const indexValues = kind === 'BINARY' ? (geometry ? [f.segmentNumber, position] : [f.segmentNumber]) : [position];
    const item: Dataset = {
      DerivationImageSequence: [
        {
          DerivationCodeSequence: [codeItem(DCM_CODES.segmentation)],
          SourceImageSequence: [
            {
              ReferencedSOPClassUID: src.sopClassUid,
              ReferencedSOPInstanceUID: src.sopInstanceUid,
              // A frame of a multi-frame source: which one (PS3.3 C.7.6.16.2.6, Image SOP Instance Reference Macro).
              ...(src.referencedFrameNumber !== undefined ? { ReferencedFrameNumber: src.referencedFrameNumber } : {}),
              PurposeOfReferenceCodeSequence: [codeItem(DCM_CODES.sourceImageForProcessing)],
              SpatialLocationsPreserved: 'YES',
            },
          ],
        },
      ],
      FrameContentSequence: [{ DimensionIndexValues: indexValues }],
    };
    if (geometry) item.PlanePositionSequence = [{ ImagePositionPatient: [...src.imagePositionPatient!] }];
    if (kind === 'BINARY') item.SegmentIdentificationSequence = [{ ReferencedSegmentNumber: f.segmentNumber }];
    return item;
  });
}

/** DimensionIndexSequence: the segment number (BINARY), then the position (when the images have one). */
export function dimensionIndex(organizationUid: string, kind: SegmentationKind, hasGeometry: boolean): Dataset[] {
  const out: Dataset[] = [];
  if (kind === 'BINARY') {
    out.push({
      DimensionOrganizationUID: organizationUid,
      DimensionIndexPointer: tagOf('ReferencedSegmentNumber'),
      FunctionalGroupPointer: tagOf('SegmentIdentificationSequence'),
      DimensionDescriptionLabel: 'Segment Number',
    });
  }
  if (hasGeometry) {
    out.push({
      DimensionOrganizationUID: organizationUid,
      DimensionIndexPointer: tagOf('ImagePositionPatient'),
      FunctionalGroupPointer: tagOf('PlanePositionSequence'),
      DimensionDescriptionLabel: 'Image Position Patient',
    });
  }
  return out;
}

/** Shared by every frame: pixel measures and plane orientation. */
export function sharedGroups(
  geometry: Geometry | null,
  first: SourceImage,
  sliceThicknessMm: number | undefined,
): Dataset {
  if (!geometry)
    return first.pixelSpacing ? { PixelMeasuresSequence: [{ PixelSpacing: [...first.pixelSpacing] }] } : {};
  // SliceThickness (1C, present and not empty): the caller's, else the sources', else the slice spacing.
  const thickness = sliceThicknessMm ?? geometry.sliceThickness ?? geometry.spacingBetweenSlices;
  if (thickness === undefined || !(thickness > 0)) {
    throw new SegError(
      'INVALID_SOURCE',
      'The source images give no SliceThickness and no slice spacing (a single slice?); the SEG needs one: pass options.sliceThicknessMm',
      {},
    );
  }
  const measures: Dataset = { PixelSpacing: [...geometry.pixelSpacing], SliceThickness: thickness };
  if (geometry.spacingBetweenSlices !== undefined) measures.SpacingBetweenSlices = geometry.spacingBetweenSlices;
  return {
    PixelMeasuresSequence: [measures],
    PlaneOrientationSequence: [{ ImageOrientationPatient: [...geometry.orientation] }],
  };
}
