import { resolveMedsamConfig } from './config';

const page = (href: string) => ({
  href,
  hardwareConcurrency: 8,
  extensionBaseUrl: 'https://pacs.example/ohif/medsam-plugin/extension-medsam/',
});

describe('resolveMedsamConfig', () => {
  it('defaults to /medsam-models/manifest.json on the page origin, all cores and the extension ort/ folder', () => {
    const c = resolveMedsamConfig(undefined, page('https://pacs.example/ohif/medsam?StudyInstanceUIDs=1'));
    expect(c).toEqual({
      manifestUrl: 'https://pacs.example/medsam-models/manifest.json',
      modelId: null,
      precision: null,
      executionProviders: null,
      numThreads: 8,
      wasmPaths: 'https://pacs.example/ohif/medsam-plugin/extension-medsam/ort/',
      cacheModels: true,
      stowTimeoutMs: 120_000,
      modelDownloadIdleTimeoutMs: 60_000,
      modelDownloadTimeoutMs: 1_800_000,
    });
  });

  it('takes the STOW and model download time limits in seconds from the site; nonsense gives the defaults', () => {
    const c = resolveMedsamConfig(
      { stowTimeoutSeconds: 2.5, modelDownloadIdleTimeoutSeconds: 10, modelDownloadTimeoutSeconds: 600 },
      page('https://p.example/'),
    );
    expect([c.stowTimeoutMs, c.modelDownloadIdleTimeoutMs, c.modelDownloadTimeoutMs]).toEqual([2500, 10_000, 600_000]);
    const bad = resolveMedsamConfig(
      { stowTimeoutSeconds: 0, modelDownloadIdleTimeoutSeconds: -1, modelDownloadTimeoutSeconds: 'x' as never },
      page('https://p.example/'),
    );
    expect([bad.stowTimeoutMs, bad.modelDownloadIdleTimeoutMs, bad.modelDownloadTimeoutMs]).toEqual([
      120_000, 60_000, 1_800_000,
    ]);
  });

  it('takes a model folder with or without the trailing slash, or the manifest URL itself', () => {
    const at = (modelBaseUrl: string) =>
      resolveMedsamConfig({ modelBaseUrl }, page('https://pacs.example/ohif/medsam')).manifestUrl;
    expect(at('/ohif/medsam-models/')).toBe('https://pacs.example/ohif/medsam-models/manifest.json');
    expect(at('/ohif/medsam-models')).toBe('https://pacs.example/ohif/medsam-models/manifest.json');
    expect(at('https://models.example/v2/site.json')).toBe('https://models.example/v2/site.json');
    expect(at('models/')).toBe('https://pacs.example/ohif/models/manifest.json');
  });

  it('lets the page URL choose the model and the device (for trying a test model or WASM)', () => {
    const c = resolveMedsamConfig(
      { modelId: 'medsam-vit-b', executionProviders: ['webgpu', 'wasm'] },
      page('https://p.example/medsam?medsamModel=box-oracle&medsamProvider=wasm'),
    );
    expect(c.modelId).toBe('box-oracle');
    expect(c.executionProviders).toEqual(['wasm']);
  });

  it('ignores URL overrides when the site turns them off, and unknown providers and precisions', () => {
    const c = resolveMedsamConfig(
      { modelId: 'medsam-vit-b', allowUrlOverrides: false, precision: 'fp64' as never },
      page('https://p.example/medsam?medsamModel=box-oracle&medsamProvider=cuda'),
    );
    expect(c.modelId).toBe('medsam-vit-b');
    expect(c.executionProviders).toBeNull();
    expect(c.precision).toBeNull();
    expect(resolveMedsamConfig({}, page('https://p.example/?medsamProvider=cuda')).executionProviders).toBeNull();
  });

  it('honours numThreads and cacheModels from the site', () => {
    const c = resolveMedsamConfig({ numThreads: 2.7, cacheModels: false }, page('https://p.example/'));
    expect(c.numThreads).toBe(2);
    expect(c.cacheModels).toBe(false);
  });
});
