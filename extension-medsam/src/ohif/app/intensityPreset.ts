/**
 * The intensity normalisation the user picks in the panel: automatic from the Modality (the paper's rule), or one of
 * the paper's CT windows. A different normalisation is a different encoder input, so it is part of the key under
 * which the worker caches a slice's embedding.
 */
import { CT_WINDOWS, resolveIntensity, type CtWindowName, type IntensityOptions } from '../../engine/preprocess';

export type IntensityPreset = 'auto' | CtWindowName;

export const CT_PRESETS: ReadonlyArray<{ preset: IntensityPreset; label: string }> = [
  { preset: 'auto', label: 'Automatic (from Modality)' },
  { preset: 'soft-tissue', label: 'CT soft tissue (W 400, L 40)' },
  { preset: 'lung', label: 'CT lung (W 1500, L -160)' },
  { preset: 'brain', label: 'CT brain (W 80, L 40)' },
];

export function isIntensityPreset(value: unknown): value is IntensityPreset {
  return value === 'auto' || (typeof value === 'string' && value in CT_WINDOWS);
}

/** CT windows apply to CT only; any other modality keeps the automatic rule. */
export function intensityFor(preset: IntensityPreset, modality: string | undefined): IntensityOptions {
  if (preset !== 'auto' && (modality ?? '').toUpperCase() === 'CT') return { kind: 'ct-window', window: preset };
  return { kind: 'auto' };
}

/** What the normalisation is, in words, for the panel. */
export function describeIntensity(
  options: IntensityOptions,
  image: { samplesPerPixel: 1 | 3; modality?: string },
): string {
  const r = resolveIntensity(options, image);
  switch (r.kind) {
    case 'ct-window': {
      const w = typeof r.window === 'string' ? CT_WINDOWS[r.window] : r.window;
      const name = typeof r.window === 'string' ? `CT ${r.window.replace('-', ' ')}` : 'CT window';
      return `${name} (W ${w.width}, L ${w.level})`;
    }
    case 'percentile':
      return `percentiles ${r.lowerPercentile ?? 0.5}–${r.upperPercentile ?? 99.5}`;
    case 'unchanged-if-8bit':
      return 'RGB as stored';
    case 'min-max':
      return 'min–max';
  }
}

/** Part of the embedding cache key: slices normalised differently must not share an embedding. */
export function intensityKey(options: IntensityOptions): string {
  return options.kind === 'ct-window'
    ? `ct:${typeof options.window === 'string' ? options.window : `${options.window.width}/${options.window.level}`}`
    : options.kind;
}
