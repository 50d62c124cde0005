/**
 * Runs the golden cases through MedsamSession on a given runtime: the same code for onnxruntime-node (in jest)
 * and onnxruntime-web WASM (in a child Node process, see web-runner.ts).
 */
import * as path from 'path';
import type { ModelBox } from '../../../extension-medsam/src/engine/geometry/box';
import type { RuntimeConfig } from '../../../extension-medsam/src/engine/session/runtime';
import { MedsamSession } from '../../../extension-medsam/src/engine/session/session';
import { findModel } from '../../../extension-medsam/src/engine/session/fetch-bytes';
import { greyToModelInput, readGoldens } from './goldens';
import { fsFetchBytes, readManifest } from './node-models';

export interface TinyRunOutput {
  executionProvider: string;
  embedding: Float32Array;
  cases: Array<{ name: string; logits: Float32Array[]; iou: number[] }>;
  encodeMs: number;
}

export async function runGoldenCases(
  runtime: RuntimeConfig,
  manifestPath: string,
  goldensDir: string,
): Promise<TinyRunOutput> {
  const goldens = readGoldens(goldensDir);
  const entry = findModel(readManifest(manifestPath), goldens.modelId, manifestPath);
  const session = await MedsamSession.create({
    runtime,
    entry,
    precision: 'fp32',
    fetchBytes: fsFetchBytes(path.dirname(manifestPath)),
  });
  try {
    const t0 = Date.now();
    const embedding = await session.encode('golden-image', greyToModelInput(goldens.image.data));
    const encodeMs = Date.now() - t0;
    const cases = [];
    for (const c of goldens.cases) {
      const boxes: ModelBox[] = c.boxes.map(([x0, y0, x1, y1]) => ({
        space: 'model',
        inputSize: entry.inputSize,
        x0,
        y0,
        x1,
        y1,
      }));
      const r = await session.decode('golden-image', boxes);
      cases.push({ name: c.name, logits: r.lowResLogits, iou: Array.from(r.iou) });
    }
    return { executionProvider: session.executionProviders.encoder, embedding: embedding.data, cases, encodeMs };
  } finally {
    await session.release();
  }
}
