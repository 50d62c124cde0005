/**
 * Child process of tiny-model.test.ts: the golden cases through onnxruntime-web's WASM backend (the browser's CPU
 * path), in plain Node, because jest's CommonJS sandbox cannot load onnxruntime-web's ES-module WASM glue.
 *   node -r ./extension-medsam/bin/register-ts.cjs tests/parity/web-runner.ts MANIFEST GOLDENS_DIR OUT_DIR [THREADS]
 * Writes OUT_DIR/web-result.json and the arrays as raw little-endian float32 files beside it.
 *
 * Then the real worker entry (engine-worker.ts: onnxruntime-web, the official preprocessing, model files fetched over
 * HTTP with progress and sha256 checks) segments the golden image's first box through the worker protocol over a
 * MessageChannel; the mask goes to OUT_DIR/web-worker-mask.u8.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { MessageChannel } from 'worker_threads';
import * as ortWeb from 'onnxruntime-web';
import { MedsamWorkerClient, type WorkerLike } from '../../extension-medsam/src/worker/engine-client';
import type { PortLike } from '../../extension-medsam/src/worker/engine-host';
import { startWebEngineWorker } from '../../extension-medsam/src/worker/engine-worker';
import type { Progress } from '../../extension-medsam/src/worker/protocol';
import { createWebRuntime } from '../../extension-medsam/src/worker/web-runtime';
import { readGoldens } from './support/goldens';
import { runGoldenCases } from './support/tiny-run';

/** Serves a folder read-only over HTTP on 127.0.0.1, as a viewer host serves the models. */
async function serve(dir: string): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

async function segmentThroughWorker(manifestPath: string, goldensDir: string, outDir: string, threads: number) {
  const goldens = readGoldens(goldensDir);
  const server = await serve(path.dirname(path.resolve(manifestPath)));
  const { port1, port2 } = new MessageChannel();
  startWebEngineWorker(port2 as unknown as PortLike);
  const client = new MedsamWorkerClient(port1 as unknown as WorkerLike);
  try {
    const downloads: Progress[] = [];
    const init = await client.init(
      {
        manifestUrl: `${server.url}${path.basename(manifestPath)}`,
        modelId: goldens.modelId,
        precision: 'fp32',
        executionProviders: ['wasm'],
        wasm: { numThreads: threads },
      },
      { onProgress: p => p.stage === 'download' && downloads.push(p) },
    );
    const { width, height, data } = goldens.image;
    const [x0, y0, x1, y1] = goldens.cases[0].boxes[0];
    const r = await client.segment({
      imageId: 'golden',
      // The golden image is already the official uint8 image at 1024 x 1024: intensities pass unchanged.
      image: {
        slice: { rows: height, columns: width, samplesPerPixel: 1, pixels: data },
        intensity: { kind: 'unchanged-if-8bit' },
      },
      boxes: [{ space: 'image', x0, y0, x1, y1 }],
    });
    fs.writeFileSync(path.join(outDir, 'web-worker-mask.u8'), r.masks[0]);
    return { init, downloadMessages: downloads.length, timings: r.timings, iou: r.iou };
  } finally {
    port1.close();
    port2.close();
    server.close();
  }
}

async function main(): Promise<void> {
  const [manifestPath, goldensDir, outDir, threads = '1'] = process.argv.slice(2);
  const runtime = createWebRuntime(
    ortWeb,
    { executionProviders: ['wasm'], wasm: { numThreads: Number(threads) } },
    {
      hasWebGpu: false,
      hardwareConcurrency: Number(threads),
      crossOriginIsolated: true,
    },
  );
  const out = await runGoldenCases(runtime, manifestPath, goldensDir);
  fs.mkdirSync(outDir, { recursive: true });
  const write = (name: string, a: Float32Array) => {
    fs.writeFileSync(path.join(outDir, name), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    return name;
  };
  const result = {
    executionProvider: out.executionProvider,
    numThreads: ortWeb.env.wasm.numThreads,
    encodeMs: out.encodeMs,
    embedding: write('web.embedding.f32', out.embedding),
    cases: out.cases.map(c => ({
      name: c.name,
      iou: c.iou,
      logits: c.logits.map((l, b) => write(`web.${c.name}.${b}.f32`, l)),
    })),
  };
  const worker = await segmentThroughWorker(manifestPath, goldensDir, outDir, Number(threads));
  fs.writeFileSync(path.join(outDir, 'web-result.json'), JSON.stringify({ ...result, worker }, null, 2));
}

main().then(
  () => process.exit(0),
  e => {
    process.stderr.write(`web-runner failed: ${e?.code ?? ''} ${e?.stack ?? e}\n`);
    process.exit(1);
  },
);
