/** Preprocessing: DICOM pixel values -> the official uint8 image -> the encoder input of a preprocessing profile. */
export type {
  CtWindowName,
  IntensityOptions,
  PixelArray,
  PreprocessResult,
  SliceImage,
  WindowWidthLevel,
} from './types';
export type { Uint8Image, SplineResizeStats, ResizedPlanes } from './resize-spline';
export type { PixelDataDescription } from './pixels';
export type { ResolvedIntensity } from './intensity';
export { preprocessForModel, preprocessUint8Image, MEDSAM_INPUT_SIZE, LITEMEDSAM_INPUT_SIZE } from './preprocess';
export { normaliseIntensity, resolveIntensity, numpyUint8, CT_WINDOWS, PERCENTILE_MODALITIES } from './intensity';
export { decodeNativePixelData, validateSliceImage, MAX_IMAGE_SIDE, MAX_IMAGE_SAMPLES } from './pixels';
export { resizeSplineUint8 } from './resize-spline';
export { resizeAreaUint8, longestSideSize } from './resize-area';
export { asMonochrome2, isMonochrome1, storedValueRange } from './photometric';
