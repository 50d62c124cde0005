/**
 * The attributes this package writes, with their tags and VRs (PS3.6). Kept small on purpose: the writer emits
 * only what it knows. dictionary.test.ts checks every entry against dcmjs's full dictionary.
 */
export type VR =
  | 'AE'
  | 'AS'
  | 'AT'
  | 'CS'
  | 'DA'
  | 'DS'
  | 'DT'
  | 'FD'
  | 'FL'
  | 'IS'
  | 'LO'
  | 'LT'
  | 'OB'
  | 'OW'
  | 'PN'
  | 'SH'
  | 'SQ'
  | 'SS'
  | 'ST'
  | 'TM'
  | 'UC'
  | 'UI'
  | 'UL'
  | 'UN'
  | 'UR'
  | 'US'
  | 'UT';

const D = {
  // File meta information (group 0002)
  FileMetaInformationGroupLength: ['00020000', 'UL'],
  FileMetaInformationVersion: ['00020001', 'OB'],
  MediaStorageSOPClassUID: ['00020002', 'UI'],
  MediaStorageSOPInstanceUID: ['00020003', 'UI'],
  TransferSyntaxUID: ['00020010', 'UI'],
  ImplementationClassUID: ['00020012', 'UI'],
  ImplementationVersionName: ['00020013', 'SH'],
  // SOP common, general study/series/equipment
  SpecificCharacterSet: ['00080005', 'CS'],
  ImageType: ['00080008', 'CS'],
  InstanceCreationDate: ['00080012', 'DA'],
  InstanceCreationTime: ['00080013', 'TM'],
  SOPClassUID: ['00080016', 'UI'],
  SOPInstanceUID: ['00080018', 'UI'],
  StudyDate: ['00080020', 'DA'],
  SeriesDate: ['00080021', 'DA'],
  ContentDate: ['00080023', 'DA'],
  StudyTime: ['00080030', 'TM'],
  SeriesTime: ['00080031', 'TM'],
  ContentTime: ['00080033', 'TM'],
  AccessionNumber: ['00080050', 'SH'],
  Modality: ['00080060', 'CS'],
  Manufacturer: ['00080070', 'LO'],
  ReferringPhysicianName: ['00080090', 'PN'],
  CodeValue: ['00080100', 'SH'],
  CodingSchemeDesignator: ['00080102', 'SH'],
  CodingSchemeVersion: ['00080103', 'SH'],
  CodeMeaning: ['00080104', 'LO'],
  LongCodeValue: ['00080119', 'UC'],
  StudyDescription: ['00081030', 'LO'],
  SeriesDescription: ['0008103E', 'LO'],
  ManufacturerModelName: ['00081090', 'LO'],
  ReferencedSeriesSequence: ['00081115', 'SQ'],
  ReferencedInstanceSequence: ['0008114A', 'SQ'],
  ReferencedSOPClassUID: ['00081150', 'UI'],
  ReferencedSOPInstanceUID: ['00081155', 'UI'],
  ReferencedFrameNumber: ['00081160', 'IS'],
  SourceImageSequence: ['00082112', 'SQ'],
  AnatomicRegionSequence: ['00082218', 'SQ'],
  AnatomicRegionModifierSequence: ['00082220', 'SQ'],
  DerivationImageSequence: ['00089124', 'SQ'],
  DerivationCodeSequence: ['00089215', 'SQ'],
  // Patient, patient study
  PatientName: ['00100010', 'PN'],
  PatientID: ['00100020', 'LO'],
  IssuerOfPatientID: ['00100021', 'LO'],
  PatientBirthDate: ['00100030', 'DA'],
  PatientSex: ['00100040', 'CS'],
  PatientAge: ['00101010', 'AS'],
  PatientSize: ['00101020', 'DS'],
  PatientWeight: ['00101030', 'DS'],
  // Equipment, acquisition geometry
  SliceThickness: ['00180050', 'DS'],
  SpacingBetweenSlices: ['00180088', 'DS'],
  DeviceSerialNumber: ['00181000', 'LO'],
  SoftwareVersions: ['00181020', 'LO'],
  StudyInstanceUID: ['0020000D', 'UI'],
  SeriesInstanceUID: ['0020000E', 'UI'],
  StudyID: ['00200010', 'SH'],
  SeriesNumber: ['00200011', 'IS'],
  InstanceNumber: ['00200013', 'IS'],
  PatientOrientation: ['00200020', 'CS'],
  ImagePositionPatient: ['00200032', 'DS'],
  ImageOrientationPatient: ['00200037', 'DS'],
  FrameOfReferenceUID: ['00200052', 'UI'],
  PositionReferenceIndicator: ['00201040', 'LO'],
  FrameContentSequence: ['00209111', 'SQ'],
  PlanePositionSequence: ['00209113', 'SQ'],
  PlaneOrientationSequence: ['00209116', 'SQ'],
  DimensionIndexValues: ['00209157', 'UL'],
  DimensionOrganizationUID: ['00209164', 'UI'],
  DimensionIndexPointer: ['00209165', 'AT'],
  FunctionalGroupPointer: ['00209167', 'AT'],
  DimensionOrganizationSequence: ['00209221', 'SQ'],
  DimensionIndexSequence: ['00209222', 'SQ'],
  DimensionOrganizationType: ['00209311', 'CS'],
  DimensionDescriptionLabel: ['00209421', 'LO'],
  // Image pixel
  SamplesPerPixel: ['00280002', 'US'],
  PhotometricInterpretation: ['00280004', 'CS'],
  NumberOfFrames: ['00280008', 'IS'],
  Rows: ['00280010', 'US'],
  Columns: ['00280011', 'US'],
  PixelSpacing: ['00280030', 'DS'],
  BitsAllocated: ['00280100', 'US'],
  BitsStored: ['00280101', 'US'],
  HighBit: ['00280102', 'US'],
  PixelRepresentation: ['00280103', 'US'],
  PixelPaddingValue: ['00280120', 'US'],
  SpatialLocationsPreserved: ['0028135A', 'CS'],
  LossyImageCompression: ['00282110', 'CS'],
  PixelMeasuresSequence: ['00289110', 'SQ'],
  PurposeOfReferenceCodeSequence: ['0040A170', 'SQ'],
  // Segmentation
  SegmentationType: ['00620001', 'CS'],
  SegmentSequence: ['00620002', 'SQ'],
  SegmentedPropertyCategoryCodeSequence: ['00620003', 'SQ'],
  SegmentNumber: ['00620004', 'US'],
  SegmentLabel: ['00620005', 'LO'],
  SegmentDescription: ['00620006', 'ST'],
  SegmentationAlgorithmIdentificationSequence: ['00620007', 'SQ'],
  SegmentAlgorithmType: ['00620008', 'CS'],
  SegmentAlgorithmName: ['00620009', 'LO'],
  SegmentIdentificationSequence: ['0062000A', 'SQ'],
  ReferencedSegmentNumber: ['0062000B', 'US'],
  RecommendedDisplayCIELabValue: ['0062000D', 'US'],
  SegmentedPropertyTypeCodeSequence: ['0062000F', 'SQ'],
  SegmentedPropertyTypeModifierCodeSequence: ['00620011', 'SQ'],
  SegmentsOverlap: ['00620013', 'CS'],
  TrackingID: ['00620020', 'UT'],
  TrackingUID: ['00620021', 'UI'],
  AlgorithmFamilyCodeSequence: ['0066002F', 'SQ'],
  AlgorithmVersion: ['00660031', 'LO'],
  AlgorithmParameters: ['00660032', 'LT'],
  AlgorithmName: ['00660036', 'LO'],
  ContentLabel: ['00700080', 'CS'],
  ContentDescription: ['00700081', 'LO'],
  ContentCreatorName: ['00700084', 'PN'],
  SharedFunctionalGroupsSequence: ['52009229', 'SQ'],
  PerFrameFunctionalGroupsSequence: ['52009230', 'SQ'],
  PixelData: ['7FE00010', 'OB'],
} as const satisfies Record<string, readonly [string, VR]>;

export type Keyword = keyof typeof D;

export interface TagInfo {
  readonly keyword: Keyword;
  /** (group << 16) | element */
  readonly tag: number;
  readonly vr: VR;
}

export const DICTIONARY: Readonly<Record<Keyword, TagInfo>> = Object.fromEntries(
  Object.entries(D).map(([keyword, [hex, vr]]) => [keyword, { keyword, tag: parseInt(hex, 16), vr }]),
) as unknown as Record<Keyword, TagInfo>;

export function tagOf(keyword: Keyword): number {
  return DICTIONARY[keyword].tag;
}

export function tagHex(tag: number): string {
  return tag.toString(16).toUpperCase().padStart(8, '0');
}
