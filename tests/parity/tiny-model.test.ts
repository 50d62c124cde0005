/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * Parity of the TypeScript engine with PyTorch on the tiny random model (models/test/goldens, made by PyTorch with
 * the official segment_anything modules): the same image and boxes through MedsamSession on onnxruntime-node and on
 * onnxruntime-web WASM (the browser's CPU path, run in a child Node process) must give low-res logits within 1e-3
 * of the goldens and identical masks (logits > 0). The figures are printed.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MessageChannel } from 'worker_threads';
import * as ortNode from 'onnxruntime-node';
import { MedsamError } from '../../extension-medsam/src/engine/errors';
import { medsamMaskFromLogits } from '../../extension-medsam/src/engine/postprocess';
import type { RuntimeConfig } from '../../extension-medsam/src/engine/session/runtime';
import { findModel } from '../../extension-medsam/src/engine/session/fetch-bytes';
import { MedsamSession } from '../../extension-medsam/src/engine/session/session';
import { MedsamWorkerClient, type WorkerLike } from '../../extension-medsam/src/worker/engine-client';
import { startEngineHost, type PortLike } from '../../extension-medsam/src/worker/engine-host';
import {
  GOLDENS_DIR,
  MODELS_MANIFEST,
  compareCase,
  goldensAvailable,
  greyToModelInput,
  maxAbsDiff,
  readGoldens,
  type CaseFigures,
} from './support/goldens';
import { REPO_ROOT, fsFetchBytes, readManifest } from './support/node-models';
import { runGoldenCases } from './support/tiny-run';

const LOGITS_TOLERANCE = 1e-3;

function maskAgreement(a: Uint8Array, b: Uint8Array): { iou: number; differing: number } {
  let inter = 0;
  let union = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
    if (a[i] !== b[i]) differing++;
  }
  return { iou: union === 0 ? 1 : inter / union, differing };
}
const nodeRuntime: RuntimeConfig = { ort: ortNode, executionProviders: ['cpu'] };

function print(label: string, figures: CaseFigures[], extra = ''): void {
  const lines = figures.map(
    f =>
      `  ${label} ${f.name.padEnd(20)} boxes ${f.boxes}  max|d logits| ${f.maxAbsDiffLogits.toExponential(2)}` +
      `  mask pixels differing ${f.maskPixelsDiffering}/${f.maskPixels}  max|d iou| ${f.maxAbsDiffIou.toExponential(2)}`,
  );
  process.stdout.write(`${lines.join('\n')}${extra ? `\n  ${label} ${extra}` : ''}\n`);
}

function expectParity(figures: CaseFigures[]): void {
  for (const f of figures) {
    expect(f.maxAbsDiffLogits).toBeLessThanOrEqual(LOGITS_TOLERANCE);
    expect(f.maskPixelsDiffering).toBe(0);
  }
}

if (!goldensAvailable() || !fs.existsSync(MODELS_MANIFEST)) {
  throw new Error(`tiny-model goldens missing in ${GOLDENS_DIR}: run bash scripts/py.sh models/make_goldens.py`);
}
const goldens = readGoldens();

describe('tiny random model: TypeScript engine vs PyTorch goldens', () => {
  test('the manifest names the files the goldens were made with', () => {
    const entry = findModel(readManifest(MODELS_MANIFEST), goldens.modelId, MODELS_MANIFEST);
    expect(entry.variants.fp32?.encoder.sha256).toBe(goldens.encoderSha256);
    expect(entry.variants.fp32?.decoder.sha256).toBe(goldens.decoderSha256);
  });

  test('onnxruntime-node: logits within 1e-3, identical masks', async () => {
    const out = await runGoldenCases(nodeRuntime, MODELS_MANIFEST, GOLDENS_DIR);
    const figures = goldens.cases.map((g, i) => compareCase(g, out.cases[i].logits, out.cases[i].iou));
    const embDiff = maxAbsDiff(out.embedding, goldens.embedding);
    print('node', figures, `max|d embedding| ${embDiff.toExponential(2)} (encode ${out.encodeMs} ms)`);
    expectParity(figures);
  });

  test('onnxruntime-web WASM (child Node process): logits within 1e-3, identical masks', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-web-parity-'));
    try {
      await new Promise<void>((resolve, reject) => {
        execFile(
          process.execPath,
          [
            '-r',
            path.join(REPO_ROOT, 'extension-medsam/bin/register-ts.cjs'),
            path.join(REPO_ROOT, 'tests/parity/web-runner.ts'),
            MODELS_MANIFEST,
            GOLDENS_DIR,
            outDir,
            '1',
          ],
          { cwd: REPO_ROOT, timeout: 280_000 },
          (error, _stdout, stderr) =>
            error ? reject(new Error(`web runner failed: ${stderr || error.message}`)) : resolve(),
        );
      });
      const result = JSON.parse(fs.readFileSync(path.join(outDir, 'web-result.json'), 'utf8')) as {
        executionProvider: string;
        encodeMs: number;
        embedding: string;
        cases: Array<{ name: string; iou: number[]; logits: string[] }>;
        worker: {
          init: { executionProviders: { encoder: string } };
          downloadMessages: number;
          timings: Record<string, unknown>;
        };
      };
      const read = (f: string) => {
        const b = fs.readFileSync(path.join(outDir, f));
        return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      };
      expect(result.executionProvider).toBe('wasm');
      const figures = goldens.cases.map((g, i) =>
        compareCase(g, result.cases[i].logits.map(read), result.cases[i].iou),
      );
      const embDiff = maxAbsDiff(read(result.embedding), goldens.embedding);
      print('web-wasm', figures, `max|d embedding| ${embDiff.toExponential(2)} (encode ${result.encodeMs} ms)`);
      expectParity(figures);

      // The real worker entry (engine-worker.ts) over HTTP with the official preprocessing, first golden box.
      const mask = new Uint8Array(fs.readFileSync(path.join(outDir, 'web-worker-mask.u8')));
      const { width, height } = goldens.image;
      const expected = medsamMaskFromLogits(goldens.cases[0].lowResLogits.subarray(0, 256 * 256), { width, height });
      const { iou, differing } = maskAgreement(mask, expected);
      process.stdout.write(
        `  web-worker (engine-worker.ts, ${result.worker.init.executionProviders.encoder}, model over HTTP, ${result.worker.downloadMessages} download progress messages): ` +
          `${goldens.cases[0].name} mask IoU ${iou.toFixed(6)} vs post-processed goldens, ${differing} of ${mask.length} pixels differ\n`,
      );
      expect(result.worker.init.executionProviders.encoder).toBe('wasm');
      expect(iou).toBeGreaterThanOrEqual(0.995);
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }
    // A child Node process with WASM on a busy 2-core machine: allow it time.
  }, 300_000);

  test('through the worker protocol (real message handler, onnxruntime-node): masks equal post-processed goldens', async () => {
    const { port1, port2 } = new MessageChannel();
    type GreyImage = { grey: Uint8Array; width: number; height: number };
    startEngineHost<GreyImage>(port2 as unknown as PortLike, {
      createRuntime: () => nodeRuntime,
      loadManifest: async url => readManifest(url),
      fetchBytesFor: url => fsFetchBytes(path.dirname(url)),
      preprocess: image => greyToModelInput(image.grey),
      imageSize: image => ({ width: image.width, height: image.height }),
    });
    const client = new MedsamWorkerClient<GreyImage>(port1 as unknown as WorkerLike);
    try {
      await client.init({ manifestUrl: MODELS_MANIFEST, modelId: goldens.modelId, precision: 'fp32' });
      const { width, height } = goldens.image;
      const golden = goldens.cases[0];
      const [x0, y0, x1, y1] = golden.boxes[0];
      // The golden image is 1024 x 1024, so image space equals model space.
      const r = await client.segment({
        imageId: 'golden',
        image: { grey: goldens.image.data, width, height },
        boxes: [{ space: 'image', x0, y0, x1, y1 }],
      });
      const expected = medsamMaskFromLogits(golden.lowResLogits.subarray(0, 256 * 256), { width, height });
      let differing = 0;
      let inside = 0;
      for (let i = 0; i < expected.length; i++) {
        if (r.masks[0][i] !== expected[i]) differing++;
        inside += expected[i];
      }
      process.stdout.write(
        `  worker ${golden.name}: ${width}x${height} mask, ${inside} pixels inside, ${differing} differing from the post-processed goldens; ` +
          `timings ms: pre ${r.timings.preprocessMs.toFixed(1)}, encode ${r.timings.encodeMs.toFixed(1)}, ` +
          `decode ${r.timings.decodeMs.toFixed(1)}, post ${r.timings.postprocessMs.toFixed(1)}\n`,
      );
      expect(differing).toBe(0);
    } finally {
      port1.close();
      port2.close();
    }
  });

  test('a manifest hash that does not match the file is MODEL_INTEGRITY naming the file; a missing file MODEL_UNAVAILABLE', async () => {
    const entry = findModel(readManifest(MODELS_MANIFEST), goldens.modelId, MODELS_MANIFEST);
    const file = entry.variants.fp32!.decoder;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-integrity-'));
    try {
      for (const part of ['encoder', 'decoder'] as const) {
        const f = entry.variants.fp32![part];
        fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
        fs.copyFileSync(path.resolve(path.dirname(MODELS_MANIFEST), f.path), path.join(dir, f.path));
      }
      const target = path.join(dir, file.path);
      const bytes = fs.readFileSync(target);
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      fs.writeFileSync(target, bytes);

      const create = () =>
        MedsamSession.create({ runtime: nodeRuntime, entry, precision: 'fp32', fetchBytes: fsFetchBytes(dir) });
      const e = await create().then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(MedsamError);
      const err = e as MedsamError;
      expect(err.code).toBe('MODEL_INTEGRITY');
      expect(err.message).toContain(file.path);
      expect(err.message).toContain(file.sha256);
      process.stdout.write(`  integrity: ${err.message}\n`);

      fs.rmSync(target);
      const missing = (await create().then(
        () => null,
        (x: unknown) => x,
      )) as MedsamError;
      expect(missing.code).toBe('MODEL_UNAVAILABLE');
      expect(missing.message).toContain(target);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
