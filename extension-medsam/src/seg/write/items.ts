/** SegmentSequence items and code items of a SEG. */
import { DCM_CODES, type Code } from '../codes';
import { rgbToDicomLab } from '../colour';
import type { Dataset } from '../dicom/elements';
import { SegError } from '../errors';
import type { SegmentDescription } from './types';

export function codeItem(c: Code): Dataset {
  if (!c.value || !c.scheme || !c.meaning) {
    throw new SegError('INVALID_SEGMENT', `Code ${JSON.stringify(c)} needs a value, a scheme and a meaning`, {
      code: { ...c },
    });
  }
  if (c.scheme === 'SRT') {
    throw new SegError('INVALID_SEGMENT', `Code ${c.value} uses the retired scheme SRT; use the SNOMED CT (SCT) code`, {
      code: { ...c },
    });
  }
  // CodeValue is SH (16 characters); longer values go into LongCodeValue.
  return c.value.length > 16
    ? { LongCodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning }
    : { CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning };
}

export function segmentItem(s: SegmentDescription, number: number): Dataset {
  const item: Dataset = {
    SegmentNumber: number,
    SegmentLabel: s.label.trim(),
    SegmentedPropertyCategoryCodeSequence: [codeItem(s.category)],
    SegmentedPropertyTypeCodeSequence: [
      s.typeModifier
        ? { ...codeItem(s.type), SegmentedPropertyTypeModifierCodeSequence: [codeItem(s.typeModifier)] }
        : codeItem(s.type),
    ],
    SegmentAlgorithmType: s.algorithmType,
    RecommendedDisplayCIELabValue: rgbToDicomLab(s.color),
  };
  if (s.description) item.SegmentDescription = s.description;
  if (s.trackingId) item.TrackingID = s.trackingId;
  if (s.trackingUid) item.TrackingUID = s.trackingUid;
  if (s.algorithm) {
    // SegmentAlgorithmName is 1C, required unless MANUAL and not allowed then (dciodvfy); the identification
    // sequence (Type 3) still records that a hand-edited segment started from the algorithm.
    if (s.algorithmType !== 'MANUAL') item.SegmentAlgorithmName = s.algorithm.name;
    const alg: Dataset = {
      AlgorithmFamilyCodeSequence: [codeItem(s.algorithm.family ?? DCM_CODES.artificialIntelligence)],
      AlgorithmName: s.algorithm.name,
      AlgorithmVersion: s.algorithm.version,
    };
    if (s.algorithm.parameters) alg.AlgorithmParameters = s.algorithm.parameters;
    item.SegmentationAlgorithmIdentificationSequence = [alg];
  }
  return item;
}

/** LABELMAP pixel value 0 is described too (as highdicom does): a Background segment numbered 0. */
export function backgroundItem(firstSegment: SegmentDescription): Dataset {
  return {
    SegmentNumber: 0,
    SegmentLabel: 'Background',
    SegmentedPropertyCategoryCodeSequence: [codeItem(DCM_CODES.background)],
    SegmentedPropertyTypeCodeSequence: [codeItem(DCM_CODES.background)],
    SegmentAlgorithmType: firstSegment.algorithmType,
    RecommendedDisplayCIELabValue: [0, 0x8080, 0x8080],
    ...(firstSegment.algorithm && firstSegment.algorithmType !== 'MANUAL'
      ? { SegmentAlgorithmName: firstSegment.algorithm.name }
      : {}),
  };
}
