/** Models for the command line: the manifest and its files from disk, onnxruntime-node as the runtime. */
import fs from 'node:fs';
import path from 'node:path';
import { MedsamError } from '../engine/errors';
import type { Manifest, ManifestEntry, Precision } from '../engine/manifest';
import { defaultModel, findModel, parseManifest } from '../engine/session/fetch-bytes';
import type { FetchBytes, LoadProgress } from '../engine/session/model-loader';
import type { OrtLike } from '../engine/session/runtime';
import { MedsamSession } from '../engine/session/session';

export function readManifestFile(file: string): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new MedsamError('MODEL_UNAVAILABLE', `could not read the model manifest ${file}: ${(e as Error).message}`, {
      path: file,
    });
  }
  return parseManifest(JSON.parse(text), file);
}

/**
 * Reads model files relative to a manifest's folder; a missing file is MODEL_UNAVAILABLE naming the full path and,
 * for converted published weights, the command that makes it.
 */
export function fsFetchBytes(dir: string, makeWith?: string): FetchBytes {
  return async (rel, onProgress) => {
    const full = path.resolve(dir, rel);
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(full);
    } catch (e) {
      const hint = makeWith ? `; make it with: ${makeWith}` : '';
      throw new MedsamError('MODEL_UNAVAILABLE', `could not read model file ${full}: ${(e as Error).message}${hint}`, {
        path: full,
      });
    }
    onProgress?.(bytes.byteLength, bytes.byteLength);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

export async function openModel(
  manifestFile: string,
  /** undefined: the manifest's default (its first clinical model, LiteMedSAM in the project's manifest). */
  modelId: string | undefined,
  precision: Precision,
  onProgress?: (p: LoadProgress) => void,
  /** onnxruntime's threads per model run; undefined: its default (one per physical core). */
  threads?: number,
): Promise<{ session: MedsamSession; entry: ManifestEntry }> {
  const manifest = readManifestFile(manifestFile);
  const entry =
    modelId === undefined ? defaultModel(manifest, manifestFile) : findModel(manifest, modelId, manifestFile);
  const ort = require('onnxruntime-node') as OrtLike;
  const session = await MedsamSession.create({
    runtime: {
      ort,
      executionProviders: ['cpu'],
      sessionOptions: threads === undefined ? undefined : { intraOpNumThreads: threads },
    },
    entry,
    precision,
    fetchBytes: fsFetchBytes(path.dirname(path.resolve(manifestFile)), entry.provenance?.converter),
    onProgress,
    cache: { maxBytes: 64 * 1024 * 1024 },
  });
  return { session, entry };
}
