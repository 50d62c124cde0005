/** Inference over an injected onnxruntime: model loading and checks, the session, its cache and scheduling. */
export type {
  ExecutionProviderName,
  OrtLike,
  OrtSessionLike,
  OrtSessionOptionsLike,
  OrtTensorLike,
  OrtTensorType,
  OrtValueMetadataLike,
  RuntimeConfig,
} from './runtime';
export {
  checkTensorNames,
  createSessionWithFallback,
  fetchModelBytes,
  fetchModelFile,
  selectVariant,
  verifyModelBytes,
  type ByteProgress,
  type CreatedSession,
  type FetchBytes,
  type LoadProgress,
  type ModelBytes,
  type ModelPart,
} from './model-loader';
export { fetchManifest, findModel, parseManifest, urlFetchBytes } from './fetch-bytes';
export { sha256Hex } from './sha256';
export { EmbeddingCache, type Embedding, type EmbeddingCacheOptions, type EmbeddingStorage } from './embedding-cache';
export { float16ArrayToFloat32, float16BitsToFloat32, float32ArrayToFloat16, float32ToFloat16Bits } from './float16';
export { EncodeScheduler, Priority, type JobContext, type SubmitOptions } from './scheduler';
export {
  DEFAULT_CACHE_BYTES,
  MedsamSession,
  type DecodeResult,
  type EncodeOptions,
  type EncoderInputSource,
  type MedsamSessionOptions,
} from './session';
export {
  preprocessSlice,
  segmentBox,
  segmentBoxes,
  segmentSliceBox,
  sliceSize,
  type Preprocess,
  type SegmentOptions,
  type SegmentResult,
  type SliceInput,
} from './pipeline';
