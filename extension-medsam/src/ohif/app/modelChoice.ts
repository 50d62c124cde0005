/**
 * Which model and variant the viewer loads from a manifest: the one the site or the URL names, else the first
 * clinical (non-test) model, else the first test model; fp32 unless another precision is asked for or fp32 is absent.
 */
import { MedsamError } from '../../engine/errors';
import type { Manifest, ManifestEntry, ModelVariant, Precision } from '../../engine/manifest';
import { defaultModel } from '../../engine/session/fetch-bytes';
import type { MedsamModelInfo } from './service/state';

export interface ModelChoice {
  entry: ManifestEntry;
  precision: Precision;
  variant: ModelVariant;
  /** Encoder + decoder bytes: what a first load downloads. */
  downloadBytes: number;
}

const PRECISION_ORDER: readonly Precision[] = ['fp32', 'fp16', 'int8'];

export function chooseModel(
  manifest: Manifest,
  manifestUrl: string,
  wanted: { modelId: string | null; precision: Precision | null },
): ModelChoice {
  let entry: ManifestEntry | undefined;
  if (wanted.modelId) {
    entry = manifest.models.find(m => m.id === wanted.modelId);
    if (!entry) {
      const ids = manifest.models.map(m => m.id).join(', ') || 'none';
      throw new MedsamError(
        'INVALID_MANIFEST',
        `the model manifest ${manifestUrl} has no model "${wanted.modelId}" (it has: ${ids})`,
        {
          url: manifestUrl,
          modelId: wanted.modelId,
        },
      );
    }
  } else {
    entry = defaultModel(manifest, `the model manifest ${manifestUrl}`);
  }
  const available = PRECISION_ORDER.filter(p => entry!.variants[p]);
  const precision = wanted.precision ?? available[0];
  const variant = precision ? entry.variants[precision] : undefined;
  if (!precision || !variant) {
    throw new MedsamError(
      'INVALID_MANIFEST',
      `model "${entry.id}" in ${manifestUrl} has no ${wanted.precision ?? ''} variant (it has: ${available.join(', ') || 'none'})`.replace(
        '  ',
        ' ',
      ),
      { url: manifestUrl, modelId: entry.id },
    );
  }
  return { entry, precision, variant, downloadBytes: variant.encoder.bytes + variant.decoder.bytes };
}

/** The chosen model as the panel shows it and the SEG's AlgorithmIdentification names it. */
export function modelInfoOf(found: ModelChoice): MedsamModelInfo {
  return {
    id: found.entry.id,
    label: found.entry.displayName,
    isTestModel: found.entry.testModel,
    precision: found.precision,
    weightsSha256: found.entry.weights?.sha256 ?? null,
    weightsSource: found.entry.weights?.source,
    ...(found.entry.provenance ? { provenance: found.entry.provenance } : {}),
  };
}
