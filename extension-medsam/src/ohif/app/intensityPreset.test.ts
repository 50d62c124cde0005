import { describeIntensity, intensityFor, intensityKey, isIntensityPreset } from './intensityPreset';

describe('intensity presets', () => {
  it('applies CT windows to CT only', () => {
    expect(intensityFor('lung', 'CT')).toEqual({ kind: 'ct-window', window: 'lung' });
    expect(intensityFor('lung', 'MR')).toEqual({ kind: 'auto' });
    expect(intensityFor('auto', 'CT')).toEqual({ kind: 'auto' });
  });

  it('describes what auto means for the modality', () => {
    expect(describeIntensity({ kind: 'auto' }, { samplesPerPixel: 1, modality: 'CT' })).toBe(
      'CT soft tissue (W 400, L 40)',
    );
    expect(describeIntensity({ kind: 'auto' }, { samplesPerPixel: 1, modality: 'MR' })).toBe('percentiles 0.5–99.5');
    expect(describeIntensity({ kind: 'auto' }, { samplesPerPixel: 3, modality: 'ES' })).toBe('RGB as stored');
    expect(describeIntensity({ kind: 'ct-window', window: 'lung' }, { samplesPerPixel: 1, modality: 'CT' })).toBe(
      'CT lung (W 1500, L -160)',
    );
  });

  it('keys embeddings by normalisation', () => {
    expect(intensityKey({ kind: 'auto' })).toBe('auto');
    expect(intensityKey({ kind: 'ct-window', window: 'brain' })).toBe('ct:brain');
    expect(isIntensityPreset('lung')).toBe(true);
    expect(isIntensityPreset('bone')).toBe(false);
  });
});
