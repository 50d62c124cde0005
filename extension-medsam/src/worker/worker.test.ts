/**
 * The client and the real worker message handler, connected by a MessageChannel (structured clone and transfer as
 * between a page and a worker), over the fake runtime.
 */
import { rejection } from '../engine/session/testing/rejection';
import { MessageChannel } from 'worker_threads';
import { MedsamError } from '../engine/errors';
import type { ImageBox } from '../engine/geometry/box';
import type { Manifest } from '../engine/manifest';
import {
  FAKE_INPUT_SIZE,
  createFakeOrt,
  fakeEncoderInput,
  fakeFetchBytes,
  fakeManifestEntry,
  makeGate,
  type FakeOrtControls,
} from '../engine/session/testing/fake-runtime';
import { MedsamWorkerClient, type WorkerLike } from './engine-client';
import { startEngineHost, type EngineHostDeps, type PortLike } from './engine-host';
import { resultTransferables, type Progress, type WorkerEvent } from './protocol';

/** The test's image: a constant grey level (the fake encoder's embedding starts at it) and a size. */
interface TestImage {
  width: number;
  height: number;
  value: number;
}

function connect(fake: FakeOrtControls, over: Partial<EngineHostDeps<TestImage>> = {}) {
  const { port1, port2 } = new MessageChannel();
  const preprocessed: number[] = [];
  let lost: ((reason: string) => void) | null = null;
  const manifestPromise = fakeManifestEntry('fake-model').then((e): Manifest => ({ manifestVersion: 1, models: [e] }));
  startEngineHost<TestImage>(port2 as unknown as PortLike, {
    createRuntime: params => ({ ort: fake.ort, executionProviders: params.executionProviders ?? ['wasm'] }),
    loadManifest: async url => {
      if (url !== 'https://pacs.example/models/manifest.json') throw new MedsamError('MODEL_UNAVAILABLE', `no ${url}`);
      return manifestPromise;
    },
    fetchBytesFor: () => fakeFetchBytes(),
    preprocess: image => {
      preprocessed.push(image.value);
      return fakeEncoderInput(image.value);
    },
    imageSize: image => ({ width: image.width, height: image.height }),
    watchDeviceLoss: onLost => {
      lost = onLost;
    },
    ...over,
  });
  const client = new MedsamWorkerClient<TestImage>(port1 as unknown as WorkerLike);
  const close = () => {
    port1.close();
    port2.close();
  };
  return { client, preprocessed, loseDevice: (reason: string) => lost?.(reason), close };
}

const INIT = {
  manifestUrl: 'https://pacs.example/models/manifest.json',
  modelId: 'fake-model',
  precision: 'fp32' as const,
};
const imageBox = (x0: number, y0: number, x1: number, y1: number): ImageBox => ({ space: 'image', x0, y0, x1, y1 });

describe('engine worker protocol', () => {
  let close: () => void = () => undefined;
  afterEach(() => close());

  test('init reports the model and the provider, with download progress', async () => {
    const fake = createFakeOrt();
    const c = connect(fake);
    close = c.close;
    const progress: Progress[] = [];
    const r = await c.client.init(
      { ...INIT, executionProviders: ['webgpu', 'wasm'] },
      { onProgress: p => progress.push(p) },
    );
    expect(r).toMatchObject({ modelId: 'fake-model', testModel: true, precision: 'fp32', inputSize: FAKE_INPUT_SIZE });
    expect(r.executionProviders).toEqual({ encoder: 'webgpu', decoder: 'webgpu' });
    expect(progress.filter(p => p.stage === 'download').map(p => (p as { part: string }).part)).toEqual(
      expect.arrayContaining(['encoder', 'decoder']),
    );
  });

  test('segment returns one mask per box at the image size, with stage progress', async () => {
    const fake = createFakeOrt();
    const c = connect(fake);
    close = c.close;
    await c.client.init(INIT);
    const stages: string[] = [];
    const r = await c.client.segment(
      {
        imageId: 'slice-7',
        image: { width: 64, height: 32, value: 0.5 },
        boxes: [imageBox(0, 0, 32, 16), imageBox(32, 16, 64, 32)],
      },
      { onProgress: p => stages.push(p.stage) },
    );
    expect([r.width, r.height, r.masks.length]).toEqual([64, 32, 2]);
    expect(r.masks[0].length).toBe(64 * 32);
    // Box 0 covers the top-left quarter: pixel (0, 0) inside, pixel (63, 31) outside; box 1 the opposite.
    expect([r.masks[0][0], r.masks[0][64 * 32 - 1], r.masks[1][0], r.masks[1][64 * 32 - 1]]).toEqual([1, 0, 0, 1]);
    expect(r.iou).toEqual([0.5, 0.5]);
    expect(r.timings.cached).toBe(false);
    expect(stages).toEqual(['preprocess', 'encode', 'decode', 'postprocess']);

    const again = await c.client.segment({
      imageId: 'slice-7',
      image: { width: 64, height: 32, value: 0.9 },
      boxes: [imageBox(1, 1, 9, 9)],
    });
    expect(again.timings.cached).toBe(true);
    expect(c.preprocessed).toEqual([0.5]); // the cached slice was not preprocessed again
  });

  test('resultTransferables lists the buffers of typed arrays in a result', () => {
    const a = new Uint8Array(4);
    const b = new Uint8Array(8);
    expect(resultTransferables({ masks: [a, b], iou: [1], width: 2 })).toEqual([a.buffer, b.buffer]);
  });

  test('errors arrive as MedsamError with code and message', async () => {
    const fake = createFakeOrt();
    const c = connect(fake);
    close = c.close;
    const notReady = await rejection(
      c.client.segment({ imageId: 'x', image: { width: 8, height: 8, value: 0 }, boxes: [imageBox(0, 0, 4, 4)] }),
    );
    expect(notReady.code).toBe('INFERENCE_FAILED');
    expect(notReady.details.reason).toBe('not-initialised');

    const noModel = await rejection(c.client.init({ ...INIT, modelId: 'medsam-vit-b' }));
    expect(noModel.code).toBe('INVALID_MANIFEST');
    expect(noModel.message).toContain('fake-model');

    const noManifest = await rejection(c.client.init({ ...INIT, manifestUrl: 'https://elsewhere/manifest.json' }));
    expect(noManifest.code).toBe('MODEL_UNAVAILABLE');

    await c.client.init(INIT);
    const outside = await rejection(
      c.client.segment({
        imageId: 'x',
        image: { width: 8, height: 8, value: 0 },
        boxes: [{ space: 'image', x0: 2, y0: 2, x1: 2, y1: 6 }],
      }),
    );
    expect(outside.code).toBe('INVALID_BOX');
  });

  test('cancel: a queued encode is dropped, the caller rejected at once with CANCELLED', async () => {
    const fake = createFakeOrt();
    const c = connect(fake);
    close = c.close;
    await c.client.init(INIT);
    const gate = makeGate();
    fake.encoderGate = gate.promise;
    const first = c.client.encode({ imageId: 'a', image: { width: 8, height: 8, value: 1 } });
    const controller = new AbortController();
    const second = c.client.encode(
      { imageId: 'b', image: { width: 8, height: 8, value: 2 } },
      { signal: controller.signal },
    );
    await new Promise(r => setTimeout(r, 20));
    expect((await c.client.status()).pendingEncodes).toEqual(['a', 'b']);
    controller.abort();
    expect((await rejection(second)).code).toBe('CANCELLED');
    await new Promise(r => setTimeout(r, 20));
    expect((await c.client.status()).pendingEncodes).toEqual(['a']);
    fake.encoderGate = null;
    gate.open();
    await expect(first).resolves.toEqual({ imageId: 'a', cached: false, encoded: true });
    expect(c.preprocessed).toEqual([1]);
  });

  test('a segment on an encoded slice is answered while another slice is still encoding', async () => {
    const fake = createFakeOrt();
    const c = connect(fake);
    close = c.close;
    await c.client.init(INIT);
    await c.client.encode({ imageId: 'a', image: { width: 8, height: 8, value: 0.25 } });
    const gate = makeGate();
    fake.encoderGate = gate.promise;
    const prefetch = c.client.encode({
      imageId: 'b',
      image: { width: 8, height: 8, value: 0.75 },
      priority: 'prefetch',
    });
    await new Promise(r => setTimeout(r, 20));
    const r = await c.client.segment({
      imageId: 'a',
      image: { width: 8, height: 8, value: 0.25 },
      boxes: [imageBox(0, 0, 4, 4)],
    });
    expect(r.iou[0]).toBe(0.25);
    expect((await c.client.status()).pendingEncodes).toEqual(['b']);
    gate.open();
    await expect(prefetch).resolves.toMatchObject({ encoded: true });
    const s = await c.client.status();
    expect([s.cachedImages, s.cacheBytes]).toEqual([2, 2 * 32 * 4]);
    expect(await c.client.evict({ imageIds: ['a', 'zz'] })).toEqual({ evicted: 1 });
    expect(await c.client.evict()).toEqual({ evicted: 1 });
  });

  test('WebGPU device loss: sessions are rebuilt on WASM, an event tells the viewer, embeddings stay', async () => {
    const fake = createFakeOrt();
    const c = connect(fake);
    close = c.close;
    const events: WorkerEvent[] = [];
    c.client.onEvent(e => events.push(e));
    await c.client.init({ ...INIT, executionProviders: ['webgpu', 'wasm'] });
    await c.client.encode({ imageId: 'a', image: { width: 8, height: 8, value: 0.5 } });
    c.loseDevice('GPU process crashed');
    await new Promise(r => setTimeout(r, 30));
    expect(events).toEqual([{ type: 'backend-changed', from: 'webgpu', to: 'wasm', reason: 'GPU process crashed' }]);
    const s = await c.client.status();
    expect(s.executionProviders).toEqual({ encoder: 'wasm', decoder: 'wasm' });
    const r = await c.client.segment({
      imageId: 'a',
      image: { width: 8, height: 8, value: 0.5 },
      boxes: [imageBox(0, 0, 4, 4)],
    });
    expect(r.timings.cached).toBe(true);
  });

  test('WebGPU session creation failure falls back to WASM by itself', async () => {
    const fake = createFakeOrt();
    fake.failingProviders.add('webgpu');
    const c = connect(fake);
    close = c.close;
    const r = await c.client.init({ ...INIT, executionProviders: ['webgpu', 'wasm'] });
    expect(r.executionProviders).toEqual({ encoder: 'wasm', decoder: 'wasm' });
  });

  test('concurrent inits run one after another and leave one live session pair', async () => {
    const fake = createFakeOrt();
    let live = 0;
    const create = fake.ort.InferenceSession.create.bind(fake.ort.InferenceSession);
    fake.ort.InferenceSession.create = async (model, options) => {
      const session = await create(model, options);
      live++;
      session.release = async () => void live--;
      return session;
    };
    const c = connect(fake);
    close = c.close;
    const [a, b] = await Promise.all([c.client.init(INIT), c.client.init({ ...INIT, cache: { maxBytes: 1 << 20 } })]);
    expect([a.modelId, b.modelId]).toEqual(['fake-model', 'fake-model']);
    expect(live).toBe(2); // one encoder and one decoder: the first init's pair was released, not leaked
    expect((await c.client.status()).ready).toBe(true);
  });

  test('a failed re-init keeps the model that worked', async () => {
    const fake = createFakeOrt();
    const c = connect(fake);
    close = c.close;
    await c.client.init(INIT);
    await c.client.encode({ imageId: 'a', image: { width: 8, height: 8, value: 1 } });
    fake.failingProviders.add('webgpu');
    const failed = await rejection(c.client.init({ ...INIT, executionProviders: ['webgpu'] }));
    expect(failed.code).toBe('INFERENCE_FAILED');
    const status = await c.client.status();
    expect(status).toMatchObject({
      ready: true,
      modelId: 'fake-model',
      executionProviders: { encoder: 'wasm', decoder: 'wasm' },
      cachedImages: 1,
    });
    const r = await c.client.segment({
      imageId: 'a',
      image: { width: 8, height: 8, value: 1 },
      boxes: [imageBox(0, 0, 4, 4)],
    });
    expect(r.masks).toHaveLength(1);
  });

  test('terminate rejects pending requests', async () => {
    const fake = createFakeOrt();
    const c = connect(fake);
    close = c.close;
    await c.client.init(INIT);
    fake.encoderGate = makeGate().promise;
    const p = c.client.encode({ imageId: 'a', image: { width: 8, height: 8, value: 1 } });
    c.client.terminate();
    expect((await rejection(p)).code).toBe('CANCELLED');
    expect((await rejection(c.client.status())).code).toBe('CANCELLED');
  });
});
