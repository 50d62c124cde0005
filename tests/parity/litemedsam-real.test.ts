/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * Fidelity with the real weights (issue 10): the product's default model, LiteMedSAM with the published
 * lite_medsam.pth (models/litemedsam, installed by `npm run model:litemedsam`), gives through the TypeScript engine
 * the masks of the official LiteMedSAM inference steps (CVPR24_LiteMedSAM_infer.py) run in PyTorch with the same
 * checkpoint, on real images: both CTs of tests/data (organ boxes from their reference labels), pydicom's MR test
 * files, and the Kvasir-SEG endoscopy JPEGs (read from ../shared/data in place, never copied).
 *
 * The reference (masks, low-res logits, boxes) is made by models/reference/litemedsam_reference.py into
 * tests/out/litemedsam-reference/; it needs torch and the checkpoint, so it is made here at test time, again whenever
 * its key (the checkpoint's sha256, the sha256 of the reference scripts, the installed fp32 files' sha256) differs.
 * That script also writes the fp16 and int8 variants of the real model (made as `npm run model:export -- --lite`
 * makes them) and a manifest naming them with the installed fp32 files.
 *
 * The engine runs as the command line runs it: pixels from the DICOM files by its reader (native and JPEG 2000), the
 * JPEGs decoded by jpeg-js, intensity "auto" (CT soft-tissue window, MR percentiles, RGB unchanged), then
 * segmentBoxes (preprocessing, MedsamSession encode and one batched decode, post-processing per box). The logits are
 * also taken box by box (session.decode with one box, as the viewer decodes a box being drawn) and compared with
 * PyTorch's. Acceptance: mask IoU >= 0.999 for every box, on onnxruntime-node and on onnxruntime-web WASM (the
 * browser's CPU path, in a child Node process running this same file, because jest's CommonJS sandbox cannot load
 * onnxruntime-web's ES-module WASM glue). WASM runs on a subset (WASM_IMAGES: one or two images of each source,
 * with the non-square, the 16 x 16, the JPEG 2000 and the largest image: 17 boxes), because its encoder takes 3-8 s
 * per image on a 2-core machine against under 1 s native; LITEMEDSAM_WASM_ALL=1 runs every image (idle machine: about
 * 75 s instead of 35 s). The whole test takes about 2 minutes on an idle 2-core machine, plus about 1 minute when the
 * reference is (re)made; a loaded machine can double that.
 * fp16 and int8 are measured against fp32 (both on onnxruntime-node) on the same images and boxes; their figures are
 * printed and written to tests/out/litemedsam-variants.json.
 */
import { execFile } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import * as jpeg from 'jpeg-js';
import { readDicomFile } from '../../extension-medsam/src/cli/dicom-folder';
import { fsFetchBytes, openModel, readManifestFile } from '../../extension-medsam/src/cli/models';
import { slicePixels } from '../../extension-medsam/src/cli/pixels';
import {
  imageBoxFromPoints,
  toModelBox,
  type ImageBox,
  type ImageSize,
} from '../../extension-medsam/src/engine/geometry/box';
import type { ManifestEntry, Precision } from '../../extension-medsam/src/engine/manifest';
import type { SliceImage } from '../../extension-medsam/src/engine/preprocess';
import { findModel } from '../../extension-medsam/src/engine/session/fetch-bytes';
import { preprocessSlice, segmentBoxes } from '../../extension-medsam/src/engine/session/pipeline';
import { MedsamSession } from '../../extension-medsam/src/engine/session/session';
import { quietDcmjs } from '../../extension-medsam/src/seg/dicom/parse';
import { createWebRuntime, type OrtWebLike } from '../../extension-medsam/src/worker/web-runtime';
import { agreement } from './support/agreement';

const REPO_ROOT = path.resolve(__dirname, '../..');
const MANIFEST = path.join(REPO_ROOT, 'models/manifest.json');
const MODEL_ID = 'litemedsam';
const REF_DIR = path.join(REPO_ROOT, 'tests/out/litemedsam-reference');
const VARIANTS_JSON = path.join(REPO_ROOT, 'tests/out/litemedsam-variants.json');
const REFERENCE_SCRIPT = 'models/reference/litemedsam_reference.py';
/** The files whose sha256 keys the reference (the script and the reference modules whose functions it uses). */
const KEY_FILES = [
  REFERENCE_SCRIPT,
  'models/reference/preprocess_reference.py',
  'models/reference/postprocess_reference.py',
];
const MIN_IOU = 0.999;
/** A sanity bound only (the figure is printed): equal preprocessing leaves float32 noise of about 1e-4 in the logits. */
const MAX_LOGITS_DIFF = 1e-2;
const WEB_RUNNER_FLAG = '--litemedsam-web-runner';
/** The images run on WASM (see the header); every image with LITEMEDSAM_WASM_ALL=1. */
const WASM_IMAGES = [
  'ct-abdomen-10',
  'ct-liver-02',
  'mr-small-j2k',
  'mr-abdomen-484x300',
  'mr-localizer-16',
  'kvasir-cju0qoxqj9q6',
  'kvasir-cju0roawvklr',
];
const WASM_THREADS = Math.max(1, Math.min(4, os.cpus().length));
const SIDE = 256;

interface RefBox {
  name: string;
  box: [number, number, number, number];
  mask: string;
  positives: number;
  nearThreshold: number;
}

interface RefImage {
  id: string;
  source: string;
  input: { kind: 'dicom' | 'jpeg'; path: string };
  width: number;
  height: number;
  logits: string;
  boxes: RefBox[];
}

interface RefKey {
  checkpointSha256: string;
  files: Record<string, string>;
  onnxFp32: { encoderSha256: string; decoderSha256: string };
  variants: boolean;
}

interface RefIndex {
  key: RefKey;
  seconds: number;
  variants: Record<
    Precision,
    { encoder: { path: string; bytes: number }; decoder: { path: string; bytes: number } }
  > | null;
  images: RefImage[];
}

interface BoxFigure {
  image: string;
  source: string;
  box: string;
  iou: number;
  differing: number;
  maxAbsDiffLogits?: number;
  nearThreshold?: number;
}

interface RunResult {
  figures: BoxFigure[];
  masks: Map<string, Uint8Array[]>;
  encodeMs: number[];
  /** Seconds per stage over all images: segmentBoxes' own timings, the one-box decodes, reading the pixels. */
  stages: {
    read: number;
    preprocess: number;
    encode: number;
    decode: number;
    postprocess: number;
    singleDecodes: number;
  };
  seconds: number;
}

// ------------------------------------------------------------------------------------------------ reference

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function litemedsamEntry(): ManifestEntry {
  return findModel(readManifestFile(MANIFEST), MODEL_ID, MANIFEST);
}

/** Fails with the command to run when the converted model is not installed. */
function assertModelInstalled(entry: ManifestEntry): void {
  const fp32 = entry.variants.fp32;
  for (const part of [fp32?.encoder, fp32?.decoder]) {
    const file = part && path.resolve(path.dirname(MANIFEST), part.path);
    if (!file || !fs.existsSync(file)) {
      throw new Error(
        `LiteMedSAM is not installed: ${file ?? 'the manifest entry has no fp32 files'} is missing. Run \`npm run model:litemedsam\` ` +
          '(npm test installs it first), then run this test again.',
      );
    }
  }
}

function expectedKey(entry: ManifestEntry): RefKey {
  return {
    checkpointSha256: entry.weights?.sha256 ?? '',
    files: Object.fromEntries(KEY_FILES.map(f => [f, sha256File(path.join(REPO_ROOT, f))])),
    onnxFp32: {
      encoderSha256: entry.variants.fp32!.encoder.sha256,
      decoderSha256: entry.variants.fp32!.decoder.sha256,
    },
    variants: true,
  };
}

function readIndex(): RefIndex | null {
  const file = path.join(REF_DIR, 'index.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as RefIndex) : null;
}

function sameKey(a: RefKey | undefined, b: RefKey): boolean {
  return !!a && JSON.stringify(a) === JSON.stringify(b);
}

/** The reference as it is on disk, made (again) with PyTorch when missing or stale. */
async function ensureReference(entry: ManifestEntry): Promise<RefIndex> {
  const key = expectedKey(entry);
  const present = readIndex();
  if (present && sameKey(present.key, key)) return present;
  process.stdout.write(
    `litemedsam reference ${present ? 'is stale' : 'is missing'}: running bash scripts/py.sh ${REFERENCE_SCRIPT} (PyTorch, about a minute)\n`,
  );
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    execFile(
      'bash',
      [path.join(REPO_ROOT, 'scripts/py.sh'), REFERENCE_SCRIPT, '--out', REF_DIR],
      { cwd: REPO_ROOT, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 },
      (error, out, err) => {
        if (error)
          reject(
            new Error(`${REFERENCE_SCRIPT} failed (${error.message.split('\n')[0]}):\n${String(err).slice(-4000)}`),
          );
        else resolve({ stdout: String(out) });
      },
    );
  });
  process.stdout.write(stdout);
  const made = readIndex();
  if (!made || !sameKey(made.key, key))
    throw new Error(`${REFERENCE_SCRIPT} ran but ${REF_DIR}/index.json does not carry the expected key`);
  return made;
}

/** numpy packbits(bitorder="little"), gzip -> one byte per pixel. */
function readRefMask(file: string, pixels: number): Uint8Array {
  const bits = gunzipSync(fs.readFileSync(path.join(REF_DIR, file)));
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) out[i] = (bits[i >> 3] >> (i & 7)) & 1;
  return out;
}

function readRefLogits(file: string): Float32Array {
  const b = fs.readFileSync(path.join(REF_DIR, file));
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

// ------------------------------------------------------------------------------------------------ the engine's run

function resolveInput(p: string): string {
  return path.isAbsolute(p) ? p : path.join(REPO_ROOT, p);
}

async function loadSlice(img: RefImage): Promise<SliceImage> {
  const file = resolveInput(img.input.path);
  if (img.input.kind === 'dicom') return slicePixels(readDicomFile(file));
  const d = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false });
  return { rows: d.height, columns: d.width, samplesPerPixel: 3, planar: false, pixels: new Uint8Array(d.data) };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Every image through the engine on one session. compare: against the PyTorch reference (masks, and the logits of
 * one-box decodes); otherwise only the masks are kept (the variants, compared with fp32 afterwards).
 */
async function runImages(session: MedsamSession, images: readonly RefImage[], compare: boolean): Promise<RunResult> {
  const t0 = Date.now();
  const figures: BoxFigure[] = [];
  const masks = new Map<string, Uint8Array[]>();
  const encodeMs: number[] = [];
  const stages = { read: 0, preprocess: 0, encode: 0, decode: 0, postprocess: 0, singleDecodes: 0 };
  for (const img of images) {
    const r0 = Date.now();
    const slice = await loadSlice(img);
    stages.read += (Date.now() - r0) / 1000;
    if (slice.columns !== img.width || slice.rows !== img.height) {
      throw new Error(
        `${img.id}: the engine's reader gives ${slice.columns}x${slice.rows}, the reference ${img.width}x${img.height}`,
      );
    }
    const size: ImageSize = { width: img.width, height: img.height };
    const boxes: ImageBox[] = img.boxes.map(b =>
      imageBoxFromPoints({ x: b.box[0], y: b.box[1] }, { x: b.box[2], y: b.box[3] }, size),
    );
    const imageId = `${session.cacheModelId}:${img.id}`;
    const result = await segmentBoxes(session, preprocessSlice, imageId, { slice }, size, boxes);
    encodeMs.push(result.timings.encodeMs);
    stages.preprocess += result.timings.preprocessMs / 1000;
    stages.encode += result.timings.encodeMs / 1000;
    stages.decode += result.timings.decodeMs / 1000;
    stages.postprocess += result.timings.postprocessMs / 1000;
    masks.set(img.id, result.masks);
    if (!compare) continue;
    const refLogits = readRefLogits(img.logits);
    for (let k = 0; k < img.boxes.length; k++) {
      const b = img.boxes[k];
      const { iou, differing } = agreement(result.masks[k], readRefMask(b.mask, size.width * size.height));
      // One box per decoder run, as the official script and the viewer's live preview decode.
      const d0 = Date.now();
      const single = await session.decode(imageId, [toModelBox(boxes[k], size, session.entry.profile)]);
      stages.singleDecodes += (Date.now() - d0) / 1000;
      const maxAbsDiffLogits = maxAbsDiff(
        single.lowResLogits[0],
        refLogits.subarray(k * SIDE * SIDE, (k + 1) * SIDE * SIDE),
      );
      figures.push({
        image: img.id,
        source: img.source,
        box: b.name,
        iou,
        differing,
        maxAbsDiffLogits,
        nearThreshold: b.nearThreshold,
      });
    }
  }
  return { figures, masks, encodeMs, stages, seconds: (Date.now() - t0) / 1000 };
}

function summarise(figures: BoxFigure[]) {
  const bySource: Record<
    string,
    { boxes: number; minIoU: number; meanIoU: number; maxAbsDiffLogits?: number; differingPixels: number }
  > = {};
  for (const source of [...new Set(figures.map(f => f.source)), 'all']) {
    const fs_ = source === 'all' ? figures : figures.filter(f => f.source === source);
    const logits = fs_.map(f => f.maxAbsDiffLogits).filter((v): v is number => v !== undefined);
    bySource[source] = {
      boxes: fs_.length,
      minIoU: Math.min(...fs_.map(f => f.iou)),
      meanIoU: fs_.reduce((a, f) => a + f.iou, 0) / fs_.length,
      ...(logits.length ? { maxAbsDiffLogits: Math.max(...logits) } : {}),
      differingPixels: fs_.reduce((a, f) => a + f.differing, 0),
    };
  }
  return bySource;
}

function printFigures(label: string, run: Omit<RunResult, 'masks'>): void {
  const lines = run.figures.map(
    f =>
      `  ${label} ${f.image} ${f.box}: IoU ${f.iou.toFixed(6)}, ${f.differing} px differ` +
      (f.maxAbsDiffLogits !== undefined ? `, logits max|d| ${f.maxAbsDiffLogits.toExponential(2)}` : '') +
      (f.nearThreshold !== undefined ? ` (${f.nearThreshold} px within 1e-3 of the threshold)` : ''),
  );
  const summary = Object.entries(summarise(run.figures)).map(
    ([source, s]) =>
      `  ${label} ${source.padEnd(18)} ${String(s.boxes).padStart(2)} boxes: IoU min ${s.minIoU.toFixed(6)} mean ${s.meanIoU.toFixed(6)}` +
      (s.maxAbsDiffLogits !== undefined ? `, logits max|d| ${s.maxAbsDiffLogits.toExponential(2)}` : '') +
      `, ${s.differingPixels} px differ`,
  );
  const enc = [...run.encodeMs].sort((a, b) => a - b);
  process.stdout.write(
    [
      ...lines,
      ...summary,
      `  ${label}: ${run.figures.length} boxes on ${run.encodeMs.length} images in ${run.seconds.toFixed(1)} s (encode p50 ${enc[enc.length >> 1].toFixed(0)} ms; ` +
        Object.entries(run.stages)
          .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
          .join(', ') +
        ')',
    ].join('\n') + '\n',
  );
}

/** Every box's IoU and logits difference within bounds; the failing boxes are named. */
function expectFidelity(figures: BoxFigure[]): void {
  const bad = figures
    .filter(f => !(f.iou >= MIN_IOU) || !((f.maxAbsDiffLogits ?? 0) <= MAX_LOGITS_DIFF))
    .map(f => `${f.image} ${f.box}: IoU ${f.iou.toFixed(6)}, logits max|d| ${f.maxAbsDiffLogits}`);
  expect(bad).toEqual([]);
}

// ------------------------------------------------------------------------------------------------ WASM child process

/**
 * `node -r register-ts.cjs <this file> --litemedsam-web-runner OUT_JSON THREADS IMAGE_IDS`: the fp32 run on
 * onnxruntime-web WASM of the images named (comma-separated), compared with the reference; figures to OUT_JSON.
 */
async function webRunnerMain(outJson: string, threads: number, ids: string[]): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ortWeb = require('onnxruntime-web') as OrtWebLike;
  const runtime = createWebRuntime(
    ortWeb,
    { executionProviders: ['wasm'], wasm: { numThreads: threads } },
    {
      hasWebGpu: false,
      hardwareConcurrency: threads,
      crossOriginIsolated: true,
    },
  );
  quietDcmjs();
  const entry = litemedsamEntry();
  const index = readIndex();
  if (!index) throw new Error(`no reference in ${REF_DIR}`);
  const session = await MedsamSession.create({
    runtime,
    entry,
    precision: 'fp32',
    fetchBytes: fsFetchBytes(path.dirname(MANIFEST), entry.provenance?.converter),
  });
  try {
    const images = index.images.filter(i => ids.includes(i.id));
    const unknown = ids.filter(id => !images.some(i => i.id === id));
    if (unknown.length) throw new Error(`images not in the reference: ${unknown.join(', ')}`);
    const run = await runImages(session, images, true);
    fs.writeFileSync(
      outJson,
      JSON.stringify({
        executionProviders: session.executionProviders,
        numThreads: ortWeb.env.wasm.numThreads,
        ...run,
        masks: undefined,
      }),
    );
  } finally {
    await session.release();
  }
}

// ------------------------------------------------------------------------------------------------ the tests

if (process.argv.includes(WEB_RUNNER_FLAG)) {
  const args = process.argv.slice(process.argv.indexOf(WEB_RUNNER_FLAG) + 1);
  webRunnerMain(args[0], Number(args[1] ?? 1), (args[2] ?? '').split(',').filter(Boolean)).then(
    () => process.exit(0),
    e => {
      process.stderr.write(`litemedsam web runner failed: ${e?.code ?? ''} ${e?.stack ?? e}\n`);
      process.exit(1);
    },
  );
} else {
  describe('LiteMedSAM, real weights: the TypeScript engine vs the official inference steps in PyTorch', () => {
    let index: RefIndex;
    let node: RunResult | undefined;
    const report: Record<string, unknown> = {};

    beforeAll(async () => {
      quietDcmjs(); // dcmjs logs every guessed VR of implicit-VR files; real problems are thrown
      const entry = litemedsamEntry();
      assertModelInstalled(entry);
      index = await ensureReference(entry);
    }, 900_000);

    test('the reference covers both CTs, the MR files and the Kvasir images', () => {
      const sources = new Set(index.images.map(i => i.source));
      expect([...sources].sort()).toEqual(['ct-abdomen-20slice', 'ct-liver-3slice', 'kvasir-seg', 'pydicom-mr']);
      process.stdout.write(
        `litemedsam reference: ${index.images.length} images, ${index.images.reduce((a, i) => a + i.boxes.length, 0)} boxes, ` +
          `checkpoint ${index.key.checkpointSha256.slice(0, 16)}..., made in ${index.seconds} s\n`,
      );
    });

    test(`onnxruntime-node fp32: mask IoU >= ${MIN_IOU} for every box`, async () => {
      const { session } = await openModel(MANIFEST, MODEL_ID, 'fp32');
      try {
        node = await runImages(session, index.images, true);
      } finally {
        await session.release();
      }
      printFigures('node', node);
      report.node = summarise(node.figures);
      expectFidelity(node.figures);
    }, 300_000);

    const wasmAll = process.env.LITEMEDSAM_WASM_ALL === '1';
    const wasmImages = wasmAll ? 'every image' : `${WASM_IMAGES.length} images`;
    test(`onnxruntime-web WASM fp32 (child Node process, ${WASM_THREADS} threads, ${wasmImages}): mask IoU >= ${MIN_IOU} for every box`, async () => {
      const ids = wasmAll ? index.images.map(i => i.id) : WASM_IMAGES;
      const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'litemedsam-web-'));
      const outJson = path.join(outDir, 'web.json');
      try {
        await new Promise<void>((resolve, reject) => {
          execFile(
            process.execPath,
            [
              '-r',
              path.join(REPO_ROOT, 'extension-medsam/bin/register-ts.cjs'),
              __filename,
              WEB_RUNNER_FLAG,
              outJson,
              String(WASM_THREADS),
              ids.join(','),
            ],
            { cwd: REPO_ROOT, timeout: wasmAll ? 580_000 : 280_000, maxBuffer: 16 * 1024 * 1024 },
            (error, _stdout, stderr) =>
              error ? reject(new Error(`web runner failed: ${stderr || error.message}`)) : resolve(),
          );
        });
        type WebResult = RunResult & { executionProviders: { encoder: string; decoder: string }; numThreads: number };
        const web = JSON.parse(fs.readFileSync(outJson, 'utf8')) as WebResult;
        expect(web.executionProviders).toEqual({ encoder: 'wasm', decoder: 'wasm' });
        printFigures(`wasm(${web.numThreads}t)`, web);
        report.wasm = summarise(web.figures);
        expect(web.figures.length).toBe(
          index.images.filter(i => ids.includes(i.id)).reduce((a, i) => a + i.boxes.length, 0),
        );
        expectFidelity(web.figures);
      } finally {
        fs.rmSync(outDir, { recursive: true, force: true });
      }
    }, 600_000);

    test('fp16 and int8 vs fp32 (onnxruntime-node): mask IoU per variant, written to tests/out/litemedsam-variants.json', async () => {
      expect(node).toBeDefined();
      expect(index.variants).not.toBeNull();
      const variantsManifest = path.join(REF_DIR, 'manifest.json');
      const variants: Record<string, unknown> = {};
      for (const precision of ['fp16', 'int8'] as const) {
        const { session } = await openModel(variantsManifest, MODEL_ID, precision);
        let run: RunResult;
        try {
          run = await runImages(session, index.images, false);
        } finally {
          await session.release();
        }
        const figures: BoxFigure[] = [];
        for (const img of index.images) {
          const fp32 = node!.masks.get(img.id)!;
          const mine = run.masks.get(img.id)!;
          img.boxes.forEach((b, k) =>
            figures.push({ image: img.id, source: img.source, box: b.name, ...agreement(mine[k], fp32[k]) }),
          );
        }
        printFigures(`${precision} vs fp32`, { ...run, figures });
        const summary = summarise(figures);
        variants[precision] = {
          files: index.variants![precision],
          minIoU: summary.all.minIoU,
          meanIoU: summary.all.meanIoU,
          bySource: summary,
          encodeMsP50: [...run.encodeMs].sort((a, b) => a - b)[run.encodeMs.length >> 1],
          boxes: figures.map(({ image, box, iou, differing }) => ({ image, box, iou, differing })),
        };
        // A guard against a broken conversion, not a quality bar: the figures are the result.
        expect(summary.all.meanIoU).toBeGreaterThan(0.8);
      }
      fs.writeFileSync(
        VARIANTS_JSON,
        JSON.stringify(
          {
            generatedBy: 'tests/parity/litemedsam-real.test.ts',
            model: MODEL_ID,
            checkpointSha256: index.key.checkpointSha256,
            comparedWith: 'fp32 masks of the same engine on onnxruntime-node (segmentBoxes), same images and boxes',
            images: index.images.length,
            boxes: index.images.reduce((a, i) => a + i.boxes.length, 0),
            variants,
            fp32VsPytorch: report,
          },
          null,
          1,
        ) + '\n',
      );
    }, 400_000);
  });
}
