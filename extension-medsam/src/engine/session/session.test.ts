import { rejection } from './testing/rejection';
import { MedsamError } from '../errors';
import type { ModelBox } from '../geometry/box';
import type { ManifestEntry } from '../manifest';
import { MedsamSession, type MedsamSessionOptions } from './session';
import {
  FAKE_INPUT_SIZE,
  FAKE_LOGITS_SIDE,
  createFakeOrt,
  fakeEncoderInput,
  fakeFetchBytes,
  fakeManifestEntry,
  makeGate,
  type FakeOrtControls,
} from './testing/fake-runtime';

const box = (x0: number, y0: number, x1: number, y1: number): ModelBox => ({
  space: 'model',
  inputSize: FAKE_INPUT_SIZE,
  x0,
  y0,
  x1,
  y1,
});

async function setup(
  over: Partial<MedsamSessionOptions> = {},
  tweak?: (fake: FakeOrtControls) => void,
): Promise<{ session: MedsamSession; fake: FakeOrtControls; entry: ManifestEntry }> {
  const fake = createFakeOrt();
  tweak?.(fake);
  const entry = over.entry ?? (await fakeManifestEntry());
  const session = await MedsamSession.create({
    runtime: { ort: fake.ort, executionProviders: ['cpu'] },
    entry,
    precision: 'fp32',
    fetchBytes: fakeFetchBytes(),
    ...over,
  });
  return { session, fake, entry };
}

const flush = () => new Promise(r => setTimeout(r, 0));

/** Waits (macrotask by macrotask, 5 s at most) until cond holds: loading new sessions takes more ticks on a busy machine. */
async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond() && Date.now() < end) await flush();
}

describe('MedsamSession: loading', () => {
  test('checks size and sha256 and names the file, expected and actual', async () => {
    const fake = createFakeOrt();
    const entry = await fakeManifestEntry();
    const tampered = new TextEncoder().encode('fake-encodeR'); // same size, one byte differs
    const e = await rejection(
      MedsamSession.create({
        runtime: { ort: fake.ort, executionProviders: ['cpu'] },
        entry,
        precision: 'fp32',
        fetchBytes: fakeFetchBytes({ 'fake/encoder.onnx': tampered }),
      }),
    );
    expect(e.code).toBe('MODEL_INTEGRITY');
    expect(e.message).toContain('fake/encoder.onnx');
    expect(e.message).toContain(entry.variants.fp32!.encoder.sha256);
    expect(e.details.actualSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(e.details.actualSha256).not.toBe(entry.variants.fp32!.encoder.sha256);
    expect(fake.createdWith).toEqual([]); // nothing reached the runtime

    const short = await rejection(
      MedsamSession.create({
        runtime: { ort: fake.ort, executionProviders: ['cpu'] },
        entry,
        precision: 'fp32',
        fetchBytes: fakeFetchBytes({ 'fake/decoder.onnx': new Uint8Array(3) }),
      }),
    );
    expect(short.code).toBe('MODEL_INTEGRITY');
    expect(short.message).toMatch(/fake\/decoder\.onnx has 3 bytes, the manifest expects 12/);
  });

  test('a missing file is MODEL_UNAVAILABLE naming the path', async () => {
    const entry = await fakeManifestEntry();
    entry.variants.fp32!.encoder.path = 'elsewhere/encoder.onnx';
    const e = await rejection(setup({ entry }));
    expect(e.code).toBe('MODEL_UNAVAILABLE');
    expect(e.message).toContain('elsewhere/encoder.onnx');
  });

  test('a missing variant or tensor name is INVALID_MANIFEST', async () => {
    const noVariant = await rejection(setup({ precision: 'int8' }));
    expect(noVariant.code).toBe('INVALID_MANIFEST');
    expect(noVariant.message).toMatch(/no int8 variant \(it has: fp32\)/);

    const badName = await rejection(setup({}, f => (f.renameOutput = { from: 'low_res_logits', to: 'masks' })));
    expect(badName.code).toBe('INVALID_MANIFEST');
    expect(badName.message).toContain('low_res_logits');
    expect(badName.message).toContain('masks');
  });

  test('falls back to the next execution provider when a session cannot be built', async () => {
    const f2 = createFakeOrt();
    f2.failingProviders.add('webgpu');
    const s2 = await MedsamSession.create({
      runtime: { ort: f2.ort, executionProviders: ['webgpu', 'wasm'] },
      entry: await fakeManifestEntry(),
      precision: 'fp32',
      fetchBytes: fakeFetchBytes(),
    });
    expect(s2.executionProviders).toEqual({ encoder: 'wasm', decoder: 'wasm' });
    expect(f2.createdWith).toEqual(['webgpu', 'wasm', 'webgpu', 'wasm']);

    f2.failingProviders.add('wasm');
    const e = await rejection(
      MedsamSession.create({
        runtime: { ort: f2.ort, executionProviders: ['webgpu', 'wasm'] },
        entry: await fakeManifestEntry(),
        precision: 'fp32',
        fetchBytes: fakeFetchBytes(),
      }),
    );
    expect(e.code).toBe('INFERENCE_FAILED');
    expect(e.message).toMatch(/webgpu: fake: webgpu backend not available; wasm: fake/);
  });

  test('switchExecutionProviders rebuilds the sessions and keeps the embeddings', async () => {
    const f = createFakeOrt();
    const s = await MedsamSession.create({
      runtime: { ort: f.ort, executionProviders: ['webgpu', 'wasm'] },
      entry: await fakeManifestEntry(),
      precision: 'fp32',
      fetchBytes: fakeFetchBytes(),
    });
    expect(s.executionProviders.encoder).toBe('webgpu');
    await s.encode('a', fakeEncoderInput(1));
    await s.switchExecutionProviders(['wasm']);
    expect(s.executionProviders).toEqual({ encoder: 'wasm', decoder: 'wasm' });
    expect(s.hasEmbedding('a')).toBe(true);
    const r = await s.decode('a', [box(0, 0, 8, 8)]);
    expect(r.lowResLogits).toHaveLength(1);
  });
});

describe('MedsamSession: switching providers with work in flight', () => {
  test('the old sessions are released only after the running encode has finished with them', async () => {
    const f = createFakeOrt();
    const released: string[] = [];
    const create = f.ort.InferenceSession.create.bind(f.ort.InferenceSession);
    f.ort.InferenceSession.create = async (model, options) => {
      const session = await create(model, options);
      const ep = String(options?.executionProviders?.[0]);
      const name = `${ep} ${(session as unknown as { kind: string }).kind}`;
      session.release = async () => void released.push(name);
      return session;
    };
    const s = await MedsamSession.create({
      runtime: { ort: f.ort, executionProviders: ['webgpu'] },
      entry: await fakeManifestEntry(),
      precision: 'fp32',
      fetchBytes: fakeFetchBytes(),
    });
    const gate = makeGate();
    f.encoderGate = gate.promise;
    const encoding = s.encode('a', fakeEncoderInput(1));
    await flush();
    expect(f.log.map(r => `${r.model} ${r.event}`)).toEqual(['encoder start']);

    let switched = false;
    const switching = s.switchExecutionProviders(['wasm']).then(() => (switched = true));
    await until(() => s.executionProviders.encoder === 'wasm');
    expect(s.executionProviders).toEqual({ encoder: 'wasm', decoder: 'wasm' }); // new work goes to the new sessions
    expect(released).toEqual([]); // the running encode still uses the old encoder
    expect(switched).toBe(false);

    gate.open();
    await encoding;
    await switching;
    expect(released).toEqual(['webgpu encoder', 'webgpu decoder']);
    const r = await s.decode('a', [box(0, 0, 8, 8)]);
    expect(r.lowResLogits).toHaveLength(1);
  });
});

describe('MedsamSession: float16 decoder input', () => {
  test('the embedding is converted to float16 once for several decodes on one slice', async () => {
    const fake = createFakeOrt();
    const fed: unknown[] = [];
    const create = fake.ort.InferenceSession.create.bind(fake.ort.InferenceSession);
    fake.ort.InferenceSession.create = async (model, options) => {
      const session = await create(model, options);
      const run = session.run.bind(session);
      session.run = async feeds => {
        if (feeds.boxes) fed.push(feeds.image_embeddings.data);
        return run(feeds);
      };
      return session;
    };
    const entry = await fakeManifestEntry();
    entry.decoder.inputs.embedding.dtype = 'float16';
    const s = await MedsamSession.create({
      runtime: { ort: fake.ort, executionProviders: ['cpu'] },
      entry,
      precision: 'fp32',
      fetchBytes: fakeFetchBytes(),
      cache: { maxBytes: 1 << 20, storage: 'fp16' },
    });
    await s.encode('a', fakeEncoderInput(1));
    await s.encode('b', fakeEncoderInput(2));
    await s.decode('a', [box(0, 0, 8, 8)]);
    await s.decode('a', [box(8, 8, 16, 16)]);
    await s.decode('b', [box(0, 0, 8, 8)]);
    expect(fed).toHaveLength(3);
    expect(fed[0]).toBeInstanceOf(Uint16Array);
    expect(fed[1]).toBe(fed[0]); // the same converted array: no second conversion
    expect(fed[2]).not.toBe(fed[0]);
    expect((fed[2] as Uint16Array)[0]).toBe(0x4000); // 2.0 in half precision: slice b's own embedding
  });
});

describe('MedsamSession: encode and decode', () => {
  test('an encoded image is cached: a second encode does not run the encoder', async () => {
    const { session, fake } = await setup();
    const e1 = await session.encode('slice-1', fakeEncoderInput(0.5));
    const e2 = await session.encode('slice-1', fakeEncoderInput(0.9));
    expect(e2.data[0]).toBeCloseTo(0.5);
    expect(e1.dims).toEqual([1, 2, 4, 4]);
    expect(fake.log.filter(r => r.model === 'encoder' && r.event === 'start')).toHaveLength(1);
  });

  test('decode returns low-res logits and an IoU per box (one batch)', async () => {
    const { session, fake } = await setup();
    await session.encode('s', fakeEncoderInput(0.25));
    const r = await session.decode('s', [box(0, 0, 8, 8), box(8, 8, 16, 16)]);
    expect([r.height, r.width]).toEqual([FAKE_LOGITS_SIDE, FAKE_LOGITS_SIDE]);
    expect(r.lowResLogits).toHaveLength(2);
    expect(r.lowResLogits[0][0]).toBeCloseTo(10.25); // top-left inside box 0
    expect(r.lowResLogits[1][0]).toBeCloseTo(-9.75); // top-left outside box 1
    expect(Array.from(r.iou)).toEqual([0.25, 0.25]);
    expect(r.lowResLogits.map(l => l.length)).toEqual([
      FAKE_LOGITS_SIDE * FAKE_LOGITS_SIDE,
      FAKE_LOGITS_SIDE * FAKE_LOGITS_SIDE,
    ]);
    expect(fake.log.filter(x => x.model === 'decoder' && x.event === 'start').map(x => x.value)).toEqual([2]);
  });

  test('rejects boxes of another space or without area', async () => {
    const { session } = await setup();
    await session.encode('s', fakeEncoderInput(0));
    expect((await rejection(session.decode('s', [{ ...box(0, 0, 4, 4), inputSize: 256 }]))).code).toBe('INVALID_BOX');
    expect((await rejection(session.decode('s', [box(4, 4, 4, 8)]))).code).toBe('INVALID_BOX');
    expect((await rejection(session.decode('s', []))).code).toBe('INVALID_BOX');
  });

  test('decode of an image never encoded is a clear error', async () => {
    const { session } = await setup();
    const e = await rejection(session.decode('nowhere', [box(0, 0, 4, 4)]));
    expect(e.code).toBe('INFERENCE_FAILED');
    expect(e.details.reason).toBe('not-encoded');
  });

  test('a wrong encoder input length is SHAPE_MISMATCH', async () => {
    const { session } = await setup();
    expect((await rejection(session.encode('s', new Float32Array(7)))).code).toBe('SHAPE_MISMATCH');
  });

  test('a decode for an encoded image does not wait behind an encode of another slice', async () => {
    const { session, fake } = await setup();
    await session.encode('slice-1', fakeEncoderInput(0.1));
    const gate = makeGate();
    fake.encoderGate = gate.promise;
    const encode2 = session.encode('slice-2', fakeEncoderInput(0.2));
    await flush();
    expect(session.pendingEncodes).toEqual(['slice-2']);

    const decoded = await session.decode('slice-1', [box(0, 0, 8, 8)]);
    expect(decoded.iou[0]).toBeCloseTo(0.1);
    const order = fake.log.map(r => `${r.model}:${r.event}`);
    // The encoder of slice 2 started before and is still held while the decoder ran start to end.
    expect(order.slice(-3)).toEqual(['encoder:start', 'decoder:start', 'decoder:end']);

    gate.open();
    await encode2;
    expect(session.hasEmbedding('slice-2')).toBe(true);
  });

  test('a decode for an image being encoded waits for that encode', async () => {
    const { session, fake } = await setup();
    const gate = makeGate();
    fake.encoderGate = gate.promise;
    const encode = session.encode('s', fakeEncoderInput(0.3));
    const decode = session.decode('s', [box(0, 0, 8, 8)]);
    await flush();
    expect(fake.log.some(r => r.model === 'decoder')).toBe(false);
    gate.open();
    const [, r] = await Promise.all([encode, decode]);
    expect(r.iou[0]).toBeCloseTo(0.3);
  });
});

describe('MedsamSession: scheduling and cancellation', () => {
  test('one encode at a time; interactive encodes run before prefetches', async () => {
    const { session, fake } = await setup();
    const gate = makeGate();
    fake.encoderGate = gate.promise;
    const first = session.encode('current', fakeEncoderInput(1));
    await flush();
    const pre = session.prefetch('next', () => fakeEncoderInput(2));
    const user = session.encode('clicked', fakeEncoderInput(3));
    await flush();
    expect(session.pendingEncodes).toEqual(['current', 'clicked', 'next']);
    expect(fake.log.filter(r => r.event === 'start')).toHaveLength(1);
    fake.encoderGate = null;
    gate.open();
    await Promise.all([first, pre, user]);
    expect(fake.log.filter(r => r.event === 'start').map(r => r.value)).toEqual([1, 3, 2]);
  });

  test('a queued prefetch is promoted, not repeated, when the user asks for the same image', async () => {
    const { session, fake } = await setup();
    const gate = makeGate();
    fake.encoderGate = gate.promise;
    const busy = session.encode('busy', fakeEncoderInput(1));
    const other = session.prefetch('other', () => fakeEncoderInput(4));
    const pre = session.prefetch('wanted', () => fakeEncoderInput(2));
    await flush();
    const user = session.encode('wanted', fakeEncoderInput(2));
    await flush();
    expect(session.pendingEncodes).toEqual(['busy', 'wanted', 'other']);
    fake.encoderGate = null;
    gate.open();
    const [, , a, b] = await Promise.all([busy, other, pre, user]);
    expect(a!.data[0]).toBe(b.data[0]);
    expect(fake.log.filter(r => r.event === 'start').map(r => r.value)).toEqual([1, 2, 4]);
  });

  test('a cancelled queued encode is dropped without running; its input is never made', async () => {
    const { session, fake } = await setup();
    const gate = makeGate();
    fake.encoderGate = gate.promise;
    const busy = session.encode('busy', fakeEncoderInput(1));
    const controller = new AbortController();
    const getInput = jest.fn(() => fakeEncoderInput(2));
    const queued = session.encode('queued', getInput, { signal: controller.signal });
    const prefetchCtl = new AbortController();
    const pre = session.prefetch('pre', () => fakeEncoderInput(5), { signal: prefetchCtl.signal });
    await flush();
    controller.abort();
    prefetchCtl.abort();
    const e = await rejection(queued);
    expect(e.code).toBe('CANCELLED');
    await expect(pre).resolves.toBeUndefined();
    expect(session.pendingEncodes).toEqual(['busy']);
    fake.encoderGate = null;
    gate.open();
    await busy;
    await flush();
    expect(getInput).not.toHaveBeenCalled();
    expect(fake.log.filter(r => r.event === 'start').map(r => r.value)).toEqual([1]);
  });

  test('a running encode cannot be interrupted: the caller is released at once, the result kept by default', async () => {
    const { session, fake } = await setup();
    const gate = makeGate();
    fake.encoderGate = gate.promise;
    const controller = new AbortController();
    const running = session.encode('s', fakeEncoderInput(1), { signal: controller.signal });
    await flush();
    controller.abort();
    expect((await rejection(running)).code).toBe('CANCELLED');
    const next = session.encode('t', fakeEncoderInput(2));
    await flush();
    expect(session.pendingEncodes).toEqual(['s', 't']); // the runtime is still busy with 's'
    fake.encoderGate = null;
    gate.open();
    await next;
    expect(session.hasEmbedding('s')).toBe(true);
  });

  test('keepCancelledEncodes: false discards the result of a cancelled running encode', async () => {
    const { session, fake } = await setup({ keepCancelledEncodes: false });
    const gate = makeGate();
    fake.encoderGate = gate.promise;
    const controller = new AbortController();
    const running = session.encode('s', fakeEncoderInput(1), { signal: controller.signal });
    await flush();
    controller.abort();
    await rejection(running);
    gate.open();
    await session.encode('t', fakeEncoderInput(2));
    expect(session.hasEmbedding('s')).toBe(false);
    expect(session.hasEmbedding('t')).toBe(true);
  });

  test('an already aborted signal never queues work', async () => {
    const { session, fake } = await setup();
    const e = await rejection(session.encode('s', fakeEncoderInput(1), { signal: AbortSignal.abort() }));
    expect(e.code).toBe('CANCELLED');
    expect(fake.log).toHaveLength(0);
  });

  test('an encoder failure rejects that encode only; the queue goes on', async () => {
    const { session } = await setup();
    const bad = session.encode('bad', () => {
      throw new MedsamError('INVALID_IMAGE', 'pixel (3, 4) is NaN');
    });
    const good = session.encode('good', fakeEncoderInput(1));
    expect((await rejection(bad)).code).toBe('INVALID_IMAGE');
    await expect(good).resolves.toBeDefined();
  });

  test('cached embeddings can be stored as fp16 within a byte budget', async () => {
    const { session } = await setup({ cache: { maxBytes: 2 * 32 * 2, storage: 'fp16' } });
    await session.encode('a', fakeEncoderInput(0.5));
    await session.encode('b', fakeEncoderInput(0.25));
    expect(session.cache.bytesUsed).toBe(128);
    await session.encode('c', fakeEncoderInput(0.125));
    expect([session.hasEmbedding('a'), session.hasEmbedding('b'), session.hasEmbedding('c')]).toEqual([
      false,
      true,
      true,
    ]);
    const r = await session.decode('b', [box(0, 0, 8, 8)]);
    expect(r.iou[0]).toBe(0.25); // exactly representable in fp16
  });
});
