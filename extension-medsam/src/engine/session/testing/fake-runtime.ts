/**
 * A fake onnxruntime for tests of the session, the scheduler and the worker: tiny shapes, deterministic outputs,
 * and an encoder that can be held on a promise to test ordering. Model files are short UTF-8 texts
 * ("fake-encoder", "fake-decoder") so that tests can build a manifest with real sizes and sha256.
 */
import type { ManifestEntry } from '../../manifest';
import type { OrtLike, OrtSessionLike, OrtSessionOptionsLike, OrtTensorLike, OrtTensorType } from '../runtime';
import { sha256Hex } from '../sha256';

export const FAKE_INPUT_SIZE = 1024;
export const FAKE_EMBEDDING_DIMS = [1, 2, 4, 4] as const;
export const FAKE_LOGITS_SIDE = 256;

class FakeTensor implements OrtTensorLike {
  constructor(
    readonly type: OrtTensorType,
    readonly data: Float32Array | Uint16Array,
    readonly dims: readonly number[],
  ) {}
}

export interface FakeRunRecord {
  model: 'encoder' | 'decoder';
  event: 'start' | 'end';
  /** Encoder: mean of the input; decoder: number of boxes. */
  value: number;
}

export interface FakeOrtControls {
  ort: OrtLike;
  log: FakeRunRecord[];
  /** When set, each encoder run awaits this before finishing (replace it to hold the next run). */
  encoderGate: Promise<void> | null;
  /** Providers for which InferenceSession.create throws (e.g. 'webgpu'). */
  failingProviders: Set<string>;
  createdWith: string[];
  /** Input or output names to drop from the fake graphs, to test name validation. */
  renameOutput?: { from: string; to: string };
}

export function createFakeOrt(): FakeOrtControls {
  const controls: FakeOrtControls = {
    ort: undefined as unknown as OrtLike,
    log: [],
    encoderGate: null,
    failingProviders: new Set(),
    createdWith: [],
  };

  class FakeSession implements OrtSessionLike {
    readonly inputNames: string[];
    readonly outputNames: string[];
    constructor(readonly kind: 'encoder' | 'decoder') {
      this.inputNames = kind === 'encoder' ? ['image'] : ['image_embeddings', 'boxes'];
      const outs = kind === 'encoder' ? ['image_embeddings'] : ['low_res_logits', 'iou_predictions'];
      const r = controls.renameOutput;
      this.outputNames = r ? outs.map(n => (n === r.from ? r.to : n)) : outs;
    }

    async run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>> {
      if (this.kind === 'encoder') {
        const x = feeds.image.data as Float32Array;
        let sum = 0;
        for (let i = 0; i < x.length; i++) sum += x[i];
        const mean = sum / x.length;
        controls.log.push({ model: 'encoder', event: 'start', value: mean });
        if (controls.encoderGate) await controls.encoderGate;
        const n = FAKE_EMBEDDING_DIMS.reduce((a: number, b: number) => a * b, 1);
        const emb = new Float32Array(n).map((_, i) => mean + i / 1024);
        controls.log.push({ model: 'encoder', event: 'end', value: mean });
        return { image_embeddings: new FakeTensor('float32', emb, FAKE_EMBEDDING_DIMS) };
      }
      const emb = feeds.image_embeddings.data as Float32Array;
      const boxes = feeds.boxes.data as Float32Array;
      const b = boxes.length / 4;
      controls.log.push({ model: 'decoder', event: 'start', value: b });
      // Logit at (r, c) of box i: positive inside the box scaled to the low-res grid, offset by the embedding's first value.
      const side = FAKE_LOGITS_SIDE;
      const scale = side / FAKE_INPUT_SIZE;
      const logits = new Float32Array(b * side * side);
      const iou = new Float32Array(b);
      for (let i = 0; i < b; i++) {
        const [x0, y0, x1, y1] = boxes.subarray(i * 4, i * 4 + 4);
        for (let r = 0; r < side; r++) {
          for (let c = 0; c < side; c++) {
            const inside =
              c + 0.5 >= x0 * scale && c + 0.5 <= x1 * scale && r + 0.5 >= y0 * scale && r + 0.5 <= y1 * scale;
            logits[i * side * side + r * side + c] = (inside ? 10 : -10) + emb[0];
          }
        }
        iou[i] = emb[0];
      }
      controls.log.push({ model: 'decoder', event: 'end', value: b });
      return {
        low_res_logits: new FakeTensor('float32', logits, [b, 1, side, side]),
        iou_predictions: new FakeTensor('float32', iou, [b, 1]),
      };
    }

    async release(): Promise<void> {}
  }

  controls.ort = {
    InferenceSession: {
      async create(model: Uint8Array, options?: OrtSessionOptionsLike): Promise<OrtSessionLike> {
        const ep = String((options?.executionProviders ?? ['cpu'])[0]);
        controls.createdWith.push(ep);
        if (controls.failingProviders.has(ep)) throw new Error(`fake: ${ep} backend not available`);
        const text = new TextDecoder().decode(model);
        if (text === 'fake-encoder') return new FakeSession('encoder');
        if (text === 'fake-decoder') return new FakeSession('decoder');
        throw new Error('fake: not a model');
      },
    },
    Tensor: FakeTensor,
  };
  return controls;
}

export const FAKE_FILES: Record<string, Uint8Array> = {
  'fake/encoder.onnx': new TextEncoder().encode('fake-encoder'),
  'fake/decoder.onnx': new TextEncoder().encode('fake-decoder'),
};

/** A manifest entry for the fake model, with the true sizes and sha256 of FAKE_FILES. */
export async function fakeManifestEntry(id = 'fake-model'): Promise<ManifestEntry> {
  const file = async (path: string) => ({
    path,
    bytes: FAKE_FILES[path].byteLength,
    sha256: await sha256Hex(FAKE_FILES[path]),
  });
  return {
    id,
    displayName: 'Fake model (TEST MODEL)',
    testModel: true,
    profile: 'medsam-1024-stretch',
    inputSize: FAKE_INPUT_SIZE,
    encoder: {
      inputs: { image: { name: 'image', shape: [1, 3, FAKE_INPUT_SIZE, FAKE_INPUT_SIZE], dtype: 'float32' } },
      outputs: { embedding: { name: 'image_embeddings', shape: [...FAKE_EMBEDDING_DIMS], dtype: 'float32' } },
    },
    decoder: {
      inputs: {
        embedding: { name: 'image_embeddings', shape: [...FAKE_EMBEDDING_DIMS], dtype: 'float32' },
        boxes: { name: 'boxes', shape: ['boxes', 4], dtype: 'float32' },
      },
      outputs: {
        lowResLogits: {
          name: 'low_res_logits',
          shape: ['boxes', 1, FAKE_LOGITS_SIDE, FAKE_LOGITS_SIDE],
          dtype: 'float32',
        },
        iou: { name: 'iou_predictions', shape: ['boxes', 1], dtype: 'float32' },
      },
    },
    variants: {
      fp32: { encoder: await file('fake/encoder.onnx'), decoder: await file('fake/decoder.onnx') },
    },
    weights: { source: 'fake', sha256: null },
    licence: 'Apache-2.0',
  };
}

/** fetchBytes over FAKE_FILES (plus overrides), throwing like a missing file for unknown paths. */
export function fakeFetchBytes(overrides: Record<string, Uint8Array> = {}) {
  const files = { ...FAKE_FILES, ...overrides };
  return async (
    path: string,
    onProgress?: (loaded: number, total: number | undefined) => void,
  ): Promise<Uint8Array> => {
    const bytes = files[path];
    if (!bytes) throw new Error(`ENOENT: no such file ${path}`);
    onProgress?.(bytes.byteLength, bytes.byteLength);
    return bytes.slice();
  };
}

/** An encoder input of the fake size filled with one value (the fake embedding then starts at that value). */
export function fakeEncoderInput(value: number): Float32Array {
  return new Float32Array(3 * FAKE_INPUT_SIZE * FAKE_INPUT_SIZE).fill(value);
}

/** A promise gate: `gate.open()` lets every waiter through. */
export function makeGate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>(resolve => (open = resolve));
  return { promise, open };
}
