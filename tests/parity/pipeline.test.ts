/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * The whole 2D pipeline against the official Python one, end to end: the same pixels (the CT DICOM slices read here
 * by the command line's reader, a synthetic RGB image from the same integer formula) and the same boxes go through
 * the engine (preprocessForModel -> MedsamSession on onnxruntime-node with the tiny random model, fp32 ->
 * maskFromLowResLogits, composed by segmentBoxes), and each mask must have IoU >= 0.995 with the mask that
 * MedSAM_Inference.py's steps gave in PyTorch (tests/fixtures/pipeline, made by models/reference/pipeline_reference.py).
 * The tiny model's logits are within about +-0.11 of zero, so several per cent of the pixels lie within 1e-3 (in logit)
 * of the threshold: the IoU, not bit equality, is the contract here, and the figures are printed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { readDicomFile } from '../../extension-medsam/src/cli/dicom-folder';
import { openModel } from '../../extension-medsam/src/cli/models';
import { slicePixels } from '../../extension-medsam/src/cli/pixels';
import { quietDcmjs } from '../../extension-medsam/src/seg/dicom/parse';
import { imageBoxFromPoints, type ImageSize } from '../../extension-medsam/src/engine/geometry/box';
import type { IntensityOptions, SliceImage } from '../../extension-medsam/src/engine/preprocess';
import { preprocessSlice, segmentBoxes, type SliceInput } from '../../extension-medsam/src/engine/session/pipeline';
import type { MedsamSession } from '../../extension-medsam/src/engine/session/session';
import { syntheticValues } from '../fixtures/preprocess/load';
import { REPO_ROOT } from './support/node-models';
import { agreement } from './support/agreement';

const FIXTURE_DIR = path.join(REPO_ROOT, 'tests/fixtures/pipeline');
const MANIFEST = path.join(REPO_ROOT, 'models/manifest.json');
const MIN_IOU = 0.995;

interface Generator {
  rows: number;
  columns: number;
  samplesPerPixel: 1 | 3;
  lo: number;
  hi: number;
  background: number;
}

interface PipelineCase {
  id: string;
  input: { source: 'dicom'; file: string } | { source: 'synthetic'; generator: Generator; dtype: 'uint8' };
  intensity: IntensityOptions;
  width: number;
  height: number;
  masks: Array<{ box: [number, number, number, number]; file: string; positives: number; nearThreshold: number }>;
}

interface PipelineFixtures {
  model: { id: string; onnxFp32: { encoderSha256: string; decoderSha256: string } };
  cases: PipelineCase[];
}

const fixtures = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'cases.json'), 'utf8')) as PipelineFixtures;

/** numpy packbits(bitorder="little"), gzip -> one byte per pixel. */
function readMask(file: string, pixels: number): Uint8Array {
  const bits = gunzipSync(fs.readFileSync(path.join(FIXTURE_DIR, file)));
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) out[i] = (bits[i >> 3] >> (i & 7)) & 1;
  return out;
}

async function sliceOf(c: PipelineCase): Promise<SliceImage> {
  if (c.input.source === 'dicom') return slicePixels(readDicomFile(path.join(REPO_ROOT, c.input.file)));
  const g = c.input.generator;
  return {
    rows: g.rows,
    columns: g.columns,
    samplesPerPixel: g.samplesPerPixel,
    planar: false,
    pixels: Uint8Array.from(syntheticValues({ ...g, divisor: 1 })),
  };
}

describe(`whole pipeline, ${fixtures.model.id} fp32 on onnxruntime-node vs the official Python pipeline in PyTorch`, () => {
  let session: MedsamSession;

  beforeAll(async () => {
    quietDcmjs(); // dcmjs logs every guessed VR of these implicit-VR files; real problems are thrown
    const opened = await openModel(MANIFEST, fixtures.model.id, 'fp32');
    session = opened.session;
    // The goldens were made with the PyTorch model these files were exported from.
    expect(opened.entry.variants.fp32?.encoder.sha256).toBe(fixtures.model.onnxFp32.encoderSha256);
    expect(opened.entry.variants.fp32?.decoder.sha256).toBe(fixtures.model.onnxFp32.decoderSha256);
  });

  afterAll(async () => {
    await session?.release();
  });

  test.each(fixtures.cases.map(c => [c.id, c] as const))(`%s: mask IoU >= ${MIN_IOU} for every box`, async (_id, c) => {
    const slice = await sliceOf(c);
    expect([slice.columns, slice.rows]).toEqual([c.width, c.height]);
    const size: ImageSize = { width: c.width, height: c.height };
    const boxes = c.masks.map(m =>
      imageBoxFromPoints({ x: m.box[0], y: m.box[1] }, { x: m.box[2], y: m.box[3] }, size),
    );
    const image: SliceInput = { slice, intensity: c.intensity };
    const result = await segmentBoxes(session, preprocessSlice, c.id, image, size, boxes);
    const n = c.width * c.height;
    const figures = c.masks.map((m, i) => ({
      ...agreement(result.masks[i], readMask(m.file, n)),
      near: m.nearThreshold,
    }));
    process.stdout.write(
      figures
        .map(
          (f, i) =>
            `pipeline ${c.id} box ${i} [${c.masks[i].box.join(', ')}]: IoU ${f.iou.toFixed(6)}, differing pixels ${f.differing}/${n}` +
            ` (${f.near} golden pixels within 1e-3 logit of the threshold)`,
        )
        .join('\n') + '\n',
    );
    for (const f of figures) expect(f.iou).toBeGreaterThanOrEqual(MIN_IOU);
  });
});
