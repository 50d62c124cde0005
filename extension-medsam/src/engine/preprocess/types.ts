/**
 * What preprocessing takes and gives. A slice is the stored pixel values of one 2-D frame plus what is needed to
 * turn them into modality values (rescale slope and intercept) and to choose the intensity normalisation.
 */

/** Stored pixel values as a DICOM decoder yields them (Float32Array for already-rescaled or parametric data). */
export type PixelArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Float32Array;

export interface SliceImage {
  rows: number;
  columns: number;
  /** 1 for grey, 3 for RGB. */
  samplesPerPixel: 1 | 3;
  /** For RGB: true when the samples are stored plane by plane (DICOM PlanarConfiguration 1), else interleaved (0). */
  planar?: boolean;
  /** rows * columns * samplesPerPixel stored values, row-major. */
  pixels: PixelArray;
  /** DICOM RescaleSlope; modality value = stored * slope + intercept. Default 1. */
  rescaleSlope?: number;
  /** DICOM RescaleIntercept. Default 0. */
  rescaleIntercept?: number;
  /** DICOM Modality (CT, MR, CR, DX, US, MG, ...); chooses the normalisation when the intensity kind is 'auto'. */
  modality?: string;
  /**
   * DICOM PhotometricInterpretation of a grey slice. MONOCHROME1 (lowest value white) is inverted before the
   * intensity step (photometric.ts); absent means MONOCHROME2.
   */
  photometricInterpretation?: string;
  /**
   * The least and greatest value `pixels` can hold, in its own units (stored values; modality values when the host
   * has rescaled them already): from BitsStored and PixelRepresentation, not the slice's own extremes. MONOCHROME1
   * is inverted over it; without it, over the slice's own min..max.
   */
  pixelValueRange?: readonly [number, number];
}

export type CtWindowName = 'soft-tissue' | 'lung' | 'brain';

export interface WindowWidthLevel {
  width: number;
  level: number;
}

/**
 * How modality values become the 0..255 image that MedSAM was trained on (paper, Methods; pre_CT_MR.py,
 * pre_grey_rgb.py). Every kind ends with numpy's uint8 cast, which truncates toward zero.
 */
export type IntensityOptions =
  /** By modality: CT -> soft-tissue window; MR, X-ray, US, MG, OCT, ... -> percentile over all pixels; RGB ->
   * unchanged-if-8bit; anything else -> min-max. */
  | { kind: 'auto' }
  /**
   * Clip to [level - width/2, level + width/2], then rescale to 0..255. range 'window' (default) rescales by the
   * window bounds; this equals the official script, which rescales by min/max of the clipped VOLUME, whenever the
   * volume reaches both bounds (air below, bone or contrast above: every CT volume in practice). 'slice-min-max'
   * applies the official formula literally to this one slice (min/max of the clipped slice), which stretches slices
   * that reach neither bound differently from the volume the model saw.
   */
  | { kind: 'ct-window'; window: CtWindowName | WindowWidthLevel; range?: 'window' | 'slice-min-max' }
  /**
   * Clip to the lower..upper percentiles (default 0.5 and 99.5, numpy's 'linear' method), then min-max to 0..255.
   * percentileOf 'all' (default) takes the percentiles over every pixel of the slice; 'nonzero' follows the official
   * 3-D script: percentiles over the values > 0 only, and pixels whose value is exactly 0 stay 0.
   */
  | { kind: 'percentile'; lowerPercentile?: number; upperPercentile?: number; percentileOf?: 'all' | 'nonzero' }
  /** Unchanged when every value is within 0..255 (then truncated to uint8), else min-max to 0..255 (the RGB rule). */
  | { kind: 'unchanged-if-8bit' }
  /** (value - min) / (max - min) * 255. */
  | { kind: 'min-max' };

export interface PreprocessResult {
  /** Encoder input [1, 3, inputSize, inputSize], channels planar, values in [0, 1] (padding is 0). */
  input: Float32Array;
  inputSize: number;
  /** The slice's size; post-processing resizes masks back to it. */
  original: { rows: number; columns: number };
  /**
   * Image pixels -> model-input pixels, per axis: x_model = x_image * scale.x. For MedSAM this is 1024/W and 1024/H
   * (the stretch); for LiteMedSAM both are 256 / max(H, W), the factor the official script applies to boxes.
   */
  scale: { x: number; y: number };
  /**
   * The region of the model input that holds image (the rest is zero padding); LiteMedSAM post-processing crops the
   * logits to it before resizing to the original size. MedSAM: the whole input.
   */
  resized: { rows: number; columns: number };
}
