/**
 * Model files from a manifest entry: fetched through an injected reader (fetch in the browser, fs in Node), checked
 * against the manifest's byte size and sha256 before any byte reaches onnxruntime, then turned into sessions whose
 * tensor names are checked against the manifest.
 */
import { MedsamError, isMedsamError } from '../errors';
import type { ManifestEntry, ModelFile, ModelVariant, Precision } from '../manifest';
import type { ExecutionProviderName, OrtSessionLike, RuntimeConfig } from './runtime';
import { sha256Hex } from './sha256';

export type ByteProgress = (loaded: number, total: number | undefined) => void;

/**
 * Reads one file named by its manifest path (relative to the manifest). It should throw
 * MedsamError('MODEL_UNAVAILABLE') naming the URL or path it tried; any other error is wrapped as that.
 * expectedBytes is the size the manifest gives: a hint (e.g. to read into one buffer of that size), not a check.
 */
export type FetchBytes = (path: string, onProgress?: ByteProgress, expectedBytes?: number) => Promise<Uint8Array>;

export type ModelPart = 'encoder' | 'decoder';

export interface LoadProgress {
  part: ModelPart;
  path: string;
  loaded: number;
  /** Total from the manifest (the transport may not know it). */
  total: number;
}

export function selectVariant(entry: ManifestEntry, precision: Precision): ModelVariant {
  const variant = entry.variants[precision];
  if (!variant) {
    const have = Object.keys(entry.variants).join(', ') || 'none';
    throw new MedsamError('INVALID_MANIFEST', `model "${entry.id}" has no ${precision} variant (it has: ${have})`, {
      modelId: entry.id,
      precision,
    });
  }
  return variant;
}

/** Throws MODEL_INTEGRITY when bytes differ from the manifest; the message names the file, expected and actual. */
export async function verifyModelBytes(file: ModelFile, bytes: Uint8Array): Promise<void> {
  if (bytes.byteLength !== file.bytes) {
    throw new MedsamError(
      'MODEL_INTEGRITY',
      `model file ${file.path} has ${bytes.byteLength} bytes, the manifest expects ${file.bytes} ` +
        '(incomplete download or a different model version)',
      { path: file.path, expectedBytes: file.bytes, actualBytes: bytes.byteLength },
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== file.sha256.toLowerCase()) {
    throw new MedsamError(
      'MODEL_INTEGRITY',
      `model file ${file.path} has sha256 ${actual}, the manifest expects ${file.sha256} ` +
        '(corrupted or replaced file)',
      { path: file.path, expectedSha256: file.sha256, actualSha256: actual },
    );
  }
}

export async function fetchModelFile(
  part: ModelPart,
  file: ModelFile,
  fetchBytes: FetchBytes,
  onProgress?: (p: LoadProgress) => void,
): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await fetchBytes(
      file.path,
      loaded => onProgress?.({ part, path: file.path, loaded, total: file.bytes }),
      file.bytes,
    );
  } catch (e) {
    if (isMedsamError(e)) throw e;
    throw new MedsamError(
      'MODEL_UNAVAILABLE',
      `could not read model file ${file.path}: ${String((e as Error)?.message ?? e)}`,
      {
        path: file.path,
      },
    );
  }
  onProgress?.({ part, path: file.path, loaded: bytes.byteLength, total: file.bytes });
  await verifyModelBytes(file, bytes);
  return bytes;
}

export interface ModelBytes {
  encoder: Uint8Array;
  decoder: Uint8Array;
}

/** Decoder first: it is small, so a wrong URL or a bad manifest fails before a 360 MB encoder download. */
export async function fetchModelBytes(
  entry: ManifestEntry,
  precision: Precision,
  fetchBytes: FetchBytes,
  onProgress?: (p: LoadProgress) => void,
): Promise<ModelBytes> {
  const variant = selectVariant(entry, precision);
  const decoder = await fetchModelFile('decoder', variant.decoder, fetchBytes, onProgress);
  const encoder = await fetchModelFile('encoder', variant.encoder, fetchBytes, onProgress);
  return { encoder, decoder };
}

export interface CreatedSession {
  session: OrtSessionLike;
  executionProvider: ExecutionProviderName;
}

/**
 * Tries the providers one at a time, in order, and returns the first session that builds. A WebGPU session can fail
 * to build where WebGPU itself initialised (an operator or data type the provider lacks), which onnxruntime does not
 * fall back from when given a list, so the fallback is done here.
 */
export async function createSessionWithFallback(
  runtime: RuntimeConfig,
  bytes: Uint8Array,
  label: string,
  providers: readonly ExecutionProviderName[] = runtime.executionProviders,
): Promise<CreatedSession> {
  if (providers.length === 0) {
    throw new MedsamError('INFERENCE_FAILED', `no execution provider given for the ${label}`, { model: label });
  }
  const failures: string[] = [];
  for (const ep of providers) {
    try {
      const session = await runtime.ort.InferenceSession.create(bytes, {
        ...runtime.sessionOptions,
        executionProviders: [ep],
      });
      return { session, executionProvider: ep };
    } catch (e) {
      failures.push(`${ep}: ${String((e as Error)?.message ?? e)}`);
    }
  }
  throw new MedsamError('INFERENCE_FAILED', `could not create the ${label} session (${failures.join('; ')})`, {
    model: label,
    failures,
  });
}

/** Throws INVALID_MANIFEST when the graph lacks a tensor the manifest names (wrong export or wrong manifest). */
export function checkTensorNames(
  label: string,
  session: OrtSessionLike,
  expected: { inputs: string[]; outputs: string[] },
): void {
  const missingIn = expected.inputs.filter(n => !session.inputNames.includes(n));
  const missingOut = expected.outputs.filter(n => !session.outputNames.includes(n));
  if (missingIn.length || missingOut.length) {
    const parts: string[] = [];
    if (missingIn.length) parts.push(`inputs ${missingIn.join(', ')} (graph has ${session.inputNames.join(', ')})`);
    if (missingOut.length) parts.push(`outputs ${missingOut.join(', ')} (graph has ${session.outputNames.join(', ')})`);
    throw new MedsamError('INVALID_MANIFEST', `the ${label} model lacks the manifest's ${parts.join('; ')}`, {
      model: label,
      missingInputs: missingIn,
      missingOutputs: missingOut,
    });
  }
}
