/**
 * The model for `medsam benchmark`: as openModel (models.ts), with an embedding cache large enough for a whole
 * series, because the 3D protocols revisit every slice several times and should pay for each encode once, and with
 * what identifies the model in a report (id, profile, the weights' sha256 and the ONNX files' sha256).
 */
import path from 'node:path';
import type { BenchSegment } from '../engine/benchmark/types';
import type { Precision } from '../engine/manifest';
import { defaultModel, findModel } from '../engine/session/fetch-bytes';
import { preprocessSlice, segmentBoxes, type SliceInput } from '../engine/session/pipeline';
import type { OrtLike } from '../engine/session/runtime';
import { MedsamSession } from '../engine/session/session';
import { MedsamError } from '../engine/errors';
import { fsFetchBytes, readManifestFile } from './models';

export interface ModelInfo {
  id: string;
  displayName: string;
  testModel: boolean;
  profile: string;
  inputSize: number;
  precision: Precision;
  weights: { source: string; sha256: string | null };
  files: { encoder: { path: string; sha256: string }; decoder: { path: string; sha256: string } };
}

/** 1 GiB: 250 embeddings of 256 x 64 x 64 float32, more than any series the benchmark is meant for. */
const CACHE_BYTES = 1024 * 1024 * 1024;

export async function openBenchModel(
  manifestFile: string,
  modelId: string | undefined,
  precision: Precision,
): Promise<{ session: MedsamSession; info: ModelInfo }> {
  const manifest = readManifestFile(manifestFile);
  const entry =
    modelId === undefined ? defaultModel(manifest, manifestFile) : findModel(manifest, modelId, manifestFile);
  const variant = entry.variants[precision];
  if (!variant)
    throw new MedsamError('INVALID_MANIFEST', `Model ${entry.id} has no ${precision} variant in ${manifestFile}`, {
      model: entry.id,
      precision,
    });
  const ort = require('onnxruntime-node') as OrtLike;
  const session = await MedsamSession.create({
    runtime: { ort, executionProviders: ['cpu'] },
    entry,
    precision,
    fetchBytes: fsFetchBytes(path.dirname(path.resolve(manifestFile)), entry.provenance?.converter),
    cache: { maxBytes: CACHE_BYTES },
  });
  return {
    session,
    info: {
      id: entry.id,
      displayName: entry.displayName,
      testModel: entry.testModel,
      profile: entry.profile,
      inputSize: entry.inputSize,
      precision,
      weights: entry.weights,
      files: {
        encoder: { path: variant.encoder.path, sha256: variant.encoder.sha256 },
        decoder: { path: variant.decoder.path, sha256: variant.decoder.sha256 },
      },
    },
  };
}

/** The session as the benchmark's segmenter: all boxes of a slice in one decoder run after one (cached) encode. */
export function sessionSegmenter(session: MedsamSession): BenchSegment<SliceInput> {
  return async (slice, boxes) => {
    const image = await slice.load();
    const r = await segmentBoxes(session, preprocessSlice, slice.id, image, slice.size, boxes);
    return { masks: r.masks, iou: r.iou };
  };
}
