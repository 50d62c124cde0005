/**
 * Node adapters for the engine's model loading: manifest and model files from disk, and the two Node runtimes
 * (onnxruntime-node native, onnxruntime-web WASM). Shared by the parity tests and the benchmark.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MedsamError } from '../../../extension-medsam/src/engine/errors';
import type { Manifest } from '../../../extension-medsam/src/engine/manifest';
import { parseManifest } from '../../../extension-medsam/src/engine/session/fetch-bytes';
import type { FetchBytes } from '../../../extension-medsam/src/engine/session/model-loader';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** Reads files relative to a manifest's folder; a missing file is MODEL_UNAVAILABLE naming the full path. */
export function fsFetchBytes(manifestDir: string): FetchBytes {
  return async (relPath, onProgress) => {
    const full = path.resolve(manifestDir, relPath);
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(full);
    } catch (e) {
      throw new MedsamError('MODEL_UNAVAILABLE', `could not read model file ${full}: ${(e as Error).message}`, { path: full });
    }
    onProgress?.(bytes.byteLength, bytes.byteLength);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

export function readManifest(file: string): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new MedsamError('MODEL_UNAVAILABLE', `could not read the model manifest ${file}: ${(e as Error).message}`, { path: file });
  }
  return parseManifest(JSON.parse(text), file);
}
