/**
 * The input of the SEG writer (writer.ts) and of its parts (write/*): what a SEG is made from. Types only, importing
 * nothing of the writer, so that writer.ts and write/* both depend on this leaf rather than on each other.
 */
import type { Code, Rgb } from '../codes';
import type { SourceImage } from '../source';
import type { UidGenerator } from '../uid';

/** BINARY: 1 bit per pixel, a frame per segment and slice; LABELMAP: 8/16-bit segment numbers, a frame per slice. */
export type SegmentationKind = 'BINARY' | 'LABELMAP';

export type SegmentAlgorithmType = 'AUTOMATIC' | 'SEMIAUTOMATIC' | 'MANUAL';

export interface AlgorithmIdentification {
  /** AlgorithmName, also written as SegmentAlgorithmName. */
  name: string;
  /** AlgorithmVersion (LO, at most 64 characters). */
  version: string;
  /** CID 7162; default Artificial Intelligence. */
  family?: Code;
  /** AlgorithmParameters (LT): free text, e.g. the full weights hash. */
  parameters?: string;
}

export interface SegmentDescription {
  label: string;
  category: Code;
  type: Code;
  typeModifier?: Code;
  /** SEMIAUTOMATIC for MedSAM output, MANUAL once a user edited it by hand. */
  algorithmType: SegmentAlgorithmType;
  /** Required unless algorithmType is MANUAL (then kept if given: the segment started from the algorithm). */
  algorithm?: AlgorithmIdentification;
  color: Rgb;
  description?: string;
  trackingId?: string;
  trackingUid?: string;
}

export interface WriteSegOptions {
  kind?: SegmentationKind;
  seriesDescription?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  /** ContentLabel: CS, upper case letters, digits, space, underscore; at most 16 characters. */
  contentLabel?: string;
  contentDescription?: string;
  /** ContentCreatorName (PN), e.g. "Doe^Jane"; empty when not known. */
  contentCreatorName?: string;
  manufacturer?: string;
  manufacturerModelName?: string;
  softwareVersions?: string;
  deviceSerialNumber?: string;
  /** SliceThickness (mm) for sources that give none and cannot give a spacing (a single slice). */
  sliceThicknessMm?: number;
  /** Keep empty frames (default false: omit them). */
  keepEmptyFrames?: boolean;
  uid?: UidGenerator;
  now?: Date;
}

export interface SegInput {
  sources: readonly SourceImage[];
  segments: readonly SegmentDescription[];
  /** masks[segment][source]: rows*columns values 0/1 in the source's pixel order; null/undefined for an empty slice. */
  masks: ReadonlyArray<ReadonlyArray<Uint8Array | null | undefined>>;
  options?: WriteSegOptions;
}

export interface FrameInfo {
  /** 1-based segment number (BINARY); 0 for a LABELMAP frame that holds every segment. */
  segmentNumber: number;
  /** Index into the input's sources. */
  sourceIndex: number;
}
