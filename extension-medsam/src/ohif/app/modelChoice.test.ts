import { isMedsamError } from '../../engine/errors';
import type { Manifest, ManifestEntry } from '../../engine/manifest';
import { chooseModel } from './modelChoice';

const file = (bytes: number) => ({ path: `m/${bytes}.onnx`, bytes, sha256: 'a'.repeat(64) });
const entry = (id: string, testModel: boolean, variants: string[] = ['fp32']): ManifestEntry =>
  ({
    id,
    displayName: id,
    testModel,
    variants: Object.fromEntries(variants.map((v, i) => [v, { encoder: file(100 + i), decoder: file(10 + i) }])),
  }) as unknown as ManifestEntry;
const manifest = (...models: ManifestEntry[]): Manifest => ({ manifestVersion: 1, models }) as Manifest;
const URL_ = 'https://p.example/medsam-models/manifest.json';

describe('chooseModel', () => {
  it('prefers the first clinical model over test models', () => {
    const c = chooseModel(manifest(entry('tiny-random', true), entry('medsam-vit-b', false, ['fp32', 'fp16'])), URL_, {
      modelId: null,
      precision: null,
    });
    expect(c.entry.id).toBe('medsam-vit-b');
    expect(c.precision).toBe('fp32');
    expect(c.downloadBytes).toBe(110);
  });

  it('falls back to the first test model when only test models are listed', () => {
    expect(
      chooseModel(manifest(entry('tiny-random', true), entry('box-oracle', true)), URL_, {
        modelId: null,
        precision: null,
      }).entry.id,
    ).toBe('tiny-random');
  });

  it('takes the named model and precision, and the first variant when fp32 is absent', () => {
    const m = manifest(entry('a', false, ['fp32', 'fp16']), entry('b', true, ['int8', 'fp16']));
    expect(chooseModel(m, URL_, { modelId: 'a', precision: 'fp16' }).variant.encoder.bytes).toBe(101);
    expect(chooseModel(m, URL_, { modelId: 'b', precision: null }).precision).toBe('fp16');
  });

  it('names the manifest URL and the ids it has when the model or the variant is missing', () => {
    const m = manifest(entry('a', false));
    for (const wanted of [
      { modelId: 'zzz', precision: null },
      { modelId: 'a', precision: 'int8' as const },
    ]) {
      try {
        chooseModel(m, URL_, wanted);
        throw new Error('no error');
      } catch (e) {
        expect(isMedsamError(e, 'INVALID_MANIFEST')).toBe(true);
        expect((e as Error).message).toContain(URL_);
      }
    }
    expect(() => chooseModel(manifest(), URL_, { modelId: null, precision: null })).toThrow('lists no model');
  });
});
