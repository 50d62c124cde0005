/**
 * `medsam segment`: MedSAM on a DICOM series, boxes from a JSON file, a model from the manifest -> a DICOM SEG
 * (and optionally a NIfTI label map), optionally stored with verified STOW-RS. The same engine and pipeline as the
 * viewer (preprocess -> encoder -> decoder -> postprocess), on onnxruntime-node.
 *
 * Boxes file (image pixels, continuous pixel-edge coordinates as in the viewer: a box over pixels 10..20 is 10..21):
 *   { "segments": [ { "target": "liver" | "label": "Free text", "color": [r, g, b],
 *                     "boxes": [ { "slice": 3 | "instanceNumber": 270 | "sopInstanceUid": "1.2...",
 *                                  "box": [x0, y0, x1, y1] } ] } ] }
 * "slice" is the 0-based index of the slice in the series ordered along its normal (for axial CT: from feet to
 * head). Several boxes of one segment on one slice are united.
 */
import fs from 'node:fs';
import path from 'node:path';
import { clampImageBox, type ImageBox } from '../engine/geometry/box';
import type { Precision } from '../engine/manifest';
import { preprocessSlice, segmentBoxes } from '../engine/session/pipeline';
import { targetById, type Rgb } from '../seg/codes';
import { SegError } from '../seg/errors';
import { checkSources, sliceName } from '../seg/source';
import type { SegmentationKind } from '../seg/writer';
import { InputError, UsageError, num, one, parseArgs, required } from './args';
import { describeJson, isObject } from './json-input';
import { checkOutputPath } from './output-path';
import { warnRescaleProblems } from './rescale';
import { readSourceFolder, reportSkipped } from './dicom-folder';
import { readDicomwebSeries, seriesUrl } from './dicomweb-series';
import type { Io } from './io';
import { readMarkers } from './markers-file';
import { openModel } from './models';
import { checkReadable, slicePixels } from './pixels';
import { Progress } from './progress';
import { checkSegOutput, writeSegmentOutputs } from './segment-output';
import { segmentMarkers } from './segment-volume';

export const SEGMENT_USAGE = `medsam segment (--dicom DIR | --dicomweb URL --study UID --series UID) (--boxes FILE | --markers FILE)
               [--model ID] --out SEG.dcm [options]

  --dicom DIR            the DICOM series (one series), in any of these transfer syntaxes: implicit/explicit
                         VR little endian, deflated, explicit big endian, JPEG baseline 8-bit and extended
                         12-bit, JPEG lossless (57, 70), JPEG-LS (80, 81), JPEG 2000 (90, 91), RLE
  --dicomweb URL         instead of --dicom: retrieve the series by WADO-RS from this DICOMweb root
                         (e.g. http://127.0.0.1:8042/dicom-web), with --study UID and --series UID
  --boxes FILE           boxes JSON: {"segments": [{"target": "liver" | "label": "...", "color": [r,g,b],
                         "boxes": [{"slice": N | "instanceNumber": N | "sopInstanceUid": "...", "box": [x0,y0,x1,y1]}]}]}
  --markers FILE         3D: key slices with boxes or linear markers (long/short axes), boxes interpolated between
                         them (or propagated from mask to mask), MedSAM on every slice of the range:
                         {"mode": "interpolate" | "propagate", "markerPadPx": 0, "propagatePadPx": P, "beyondKeys": N,
                          "segments": [{"target": ..., "keySlices": [{"slice": N | "instanceNumber": N | "sopInstanceUid": "...",
                          "box": [x0,y0,x1,y1] | "lines": [[xa,ya,xb,yb], ...]}]}]}
                         (propagatePadPx default: the model's, as the official 3D scripts: MedSAM 5 px,
                         LiteMedSAM 3 px of its 256 input, i.e. 6 px on a 512 x 512 slice)
  --model ID             a model of the manifest (default: its first clinical model, litemedsam: the published
                         LiteMedSAM weights, made by npm run model:litemedsam; others e.g. medsam-vit-b, box-oracle)
  --manifest FILE        default models/manifest.json
  --precision P          fp32 (default), fp16 or int8
  --out FILE             the DICOM SEG to write
  --label-map            write a Label Map SEG (1.2.840.10008.5.1.4.1.1.66.7) instead of a binary SEG
  --nifti FILE           also write the label map as NIfTI-1 (.nii or .nii.gz)
  --stow URL             store the SEG by STOW-RS at this DICOMweb root and verify it
  --header "K: V"        an HTTP header for --dicomweb and --stow (repeatable), e.g. "Authorization: Basic ..."
  --timeout S            seconds to wait for each DICOMweb request (--dicomweb, --stow); default 60, and 120 for --stow
  --series-description T the SEG's SeriesDescription
  --threads N            onnxruntime threads per model run (default: one per physical core)
  --quiet                no progress on stderr
`;

interface BoxSpec {
  slice?: number;
  instanceNumber?: number;
  sopInstanceUid?: string;
  box: [number, number, number, number];
}

interface SegmentSpec {
  target?: string;
  label?: string;
  color?: Rgb;
  boxes: BoxSpec[];
}

function readBoxes(file: string): SegmentSpec[] {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read the boxes file ${file}: ${(e as Error).message}`);
  }
  if (!isObject(json))
    throw new InputError(
      `${file}: the boxes file must hold a JSON object {"segments": [...]}, not ${describeJson(json)}`,
    );
  const segments = json.segments;
  if (!Array.isArray(segments) || segments.length === 0)
    throw new InputError(`${file}: "segments" must be a non-empty list`);
  segments.forEach((s: SegmentSpec, i) => {
    const where = `${file}: segments[${i}]`;
    if (!isObject(s)) throw new InputError(`${where} must be an object, not ${describeJson(s)}`);
    if (!s.target && !s.label) throw new UsageError(`${where} needs "target" (a catalogue id) or "label" (free text)`);
    if (s.target && !targetById(s.target))
      throw new UsageError(`${where}: unknown target "${s.target}" (see the catalogue in src/seg/codes.ts)`);
    if (!Array.isArray(s.boxes) || s.boxes.length === 0) throw new UsageError(`${where} has no boxes`);
    s.boxes.forEach((b, j) => {
      if (!isObject(b)) throw new InputError(`${where}.boxes[${j}] must be an object, not ${describeJson(b)}`);
      if (!Array.isArray(b.box) || b.box.length !== 4 || !b.box.every(Number.isFinite))
        throw new UsageError(`${where}.boxes[${j}].box must be [x0, y0, x1, y1]`);
      if (b.slice === undefined && b.instanceNumber === undefined && b.sopInstanceUid === undefined) {
        throw new UsageError(`${where}.boxes[${j}] needs "slice", "instanceNumber" or "sopInstanceUid"`);
      }
    });
  });
  return segments as SegmentSpec[];
}

function headers(values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of values ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`--header must be "Name: value", got "${h}"`);
    out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return out;
}

export async function runSegment(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, {
    options: [
      'dicom',
      'dicomweb',
      'study',
      'series',
      'boxes',
      'markers',
      'model',
      'manifest',
      'precision',
      'out',
      'nifti',
      'stow',
      'header',
      'series-description',
      'timeout',
      'threads',
    ],
    flags: ['label-map', 'quiet', 'help'],
  });
  if (args.flags.has('help')) {
    io.stdout(SEGMENT_USAGE);
    return 0;
  }
  const dicomweb = one(args, 'dicomweb');
  if ((one(args, 'dicom') === undefined) === (dicomweb === undefined))
    throw new UsageError('give either --dicom DIR or --dicomweb URL --study UID --series UID');
  const remote =
    dicomweb !== undefined
      ? { root: dicomweb, study: required(args, 'study'), series: required(args, 'series') }
      : undefined;
  if (!remote && (one(args, 'study') !== undefined || one(args, 'series') !== undefined))
    throw new UsageError('--study and --series go with --dicomweb URL');
  // Where the slices come from, in messages.
  const dir = remote ? seriesUrl(remote) : required(args, 'dicom');
  const boxesFile = one(args, 'boxes');
  const markersFile = one(args, 'markers');
  if ((boxesFile === undefined) === (markersFile === undefined))
    throw new UsageError('give either --boxes FILE or --markers FILE');
  const specs = boxesFile !== undefined ? readBoxes(boxesFile) : [];
  const markers = markersFile !== undefined ? readMarkers(markersFile) : undefined;
  const modelId = one(args, 'model');
  const out = required(args, 'out');
  const nifti = one(args, 'nifti');
  // Before the series is read and the model run: a mistyped path must not cost the run and its result.
  checkOutputPath(out, 'out');
  if (nifti !== undefined) checkOutputPath(nifti, 'nifti');
  const timeoutS = num(args, 'timeout', 60);
  if (!(timeoutS > 0)) throw new UsageError('--timeout must be a number of seconds > 0');
  const timeoutMs = timeoutS * 1000;
  const threadsArg = one(args, 'threads');
  const threads = threadsArg === undefined ? undefined : /^\d+$/.test(threadsArg) ? Number(threadsArg) : NaN;
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
    throw new UsageError(`--threads must be a whole number >= 1, got "${threadsArg}"`);
  const precision = (one(args, 'precision') ?? 'fp32') as Precision;
  if (!['fp32', 'fp16', 'int8'].includes(precision)) throw new UsageError(`--precision must be fp32, fp16 or int8`);
  const manifest = one(args, 'manifest') ?? path.resolve(__dirname, '../../../models/manifest.json');
  const kind: SegmentationKind = args.flags.has('label-map') ? 'LABELMAP' : 'BINARY';
  const quiet = args.flags.has('quiet');
  const httpHeaders = headers(args.options.get('header'));

  const { files, sources } = remote
    ? await readDicomwebSeries({ ...remote, headers: httpHeaders, timeoutMs })
    : readSourceFolder(dir, { withoutPixelData: false, onSkip: reportSkipped(io) });
  if (sources.length === 0) throw new SegError('INVALID_SOURCE', `No DICOM images in ${dir}`, {});
  const stack = checkSources(sources);
  warnRescaleProblems(files, io);
  // A transfer syntax the CLI cannot decode stops the run here, before the model is loaded.
  files.forEach(checkReadable);
  const order = stack.geometry?.order ?? sources.map((_, i) => i);

  const sliceOf = (b: BoxSpec, where: string): number => {
    let k = -1;
    if (b.sopInstanceUid !== undefined) k = sources.findIndex(s => s.sopInstanceUid === b.sopInstanceUid);
    else if (b.instanceNumber !== undefined) k = sources.findIndex(s => s.instanceNumber === b.instanceNumber);
    else if (b.slice !== undefined && Number.isInteger(b.slice) && b.slice >= 0 && b.slice < order.length)
      k = order[b.slice];
    if (k < 0)
      throw new UsageError(
        `${where}: no such slice in ${dir} (${JSON.stringify({ slice: b.slice, instanceNumber: b.instanceNumber, sopInstanceUid: b.sopInstanceUid })})`,
      );
    return k;
  };
  // Work per slice: which boxes of which segment.
  const work = new Map<number, { segment: number; box: ImageBox }[]>();
  specs.forEach((s, si) =>
    s.boxes.forEach((b, bi) => {
      const where = `segments[${si}].boxes[${bi}]`;
      const k = sliceOf(b, where);
      const [x0, y0, x1, y1] = b.box;
      let box: ImageBox;
      try {
        box = clampImageBox(x0, y0, x1, y1, { width: sources[k].columns, height: sources[k].rows });
      } catch (e) {
        throw new UsageError(`${where}: ${(e as Error).message}`);
      }
      work.set(k, [...(work.get(k) ?? []), { segment: si, box }]);
    }),
  );

  const { session, entry } = await openModel(manifest, modelId, precision, undefined, threads);
  if (entry.testModel && !quiet) io.stderr.write(`TEST MODEL: ${entry.displayName}\n`);
  const segments = markers ? markers.segments : specs;
  const seriesDescription = one(args, 'series-description');
  try {
    checkSegOutput({ sources, segments, entry, precision, kind, seriesDescription }, io);
  } catch (e) {
    await session.release();
    throw e;
  }

  let masks: (Uint8Array | null)[][];
  let extra: Record<string, unknown> | undefined;
  try {
    if (markers) {
      const g = stack.geometry;
      const spacingMm: [number, number, number] | undefined = g?.spacingBetweenSlices
        ? [g.pixelSpacing[1], g.pixelSpacing[0], g.spacingBetweenSlices]
        : undefined;
      const r = await segmentMarkers({ io, quiet, session, files, sources, order, spacingMm, markers, dir });
      masks = r.masks;
      extra = { volume: r.report };
    } else {
      masks = await segmentBoxWork();
    }
  } finally {
    await session.release();
  }

  return writeSegmentOutputs({
    io,
    sources,
    segments,
    masks,
    entry,
    precision,
    out,
    kind,
    seriesDescription,
    nifti,
    stow: one(args, 'stow'),
    stowHeaders: httpHeaders,
    // A large SEG may take longer to store than a read to answer: --stow waits as the viewer does unless told.
    stowTimeoutMs: one(args, 'timeout') === undefined ? undefined : timeoutMs,
    extra,
  });

  /**
   * The slices with boxes, in series order, each slice's boxes in one decoder batch. (onnxruntime-node's run holds
   * this thread until it returns, so reading the next slice during a model run would need a worker thread: at about
   * 0.1 s of a 0.7 s slice on two cores, not worth one yet.)
   */
  async function segmentBoxWork(): Promise<(Uint8Array | null)[][]> {
    const pixels = stack.rows * stack.columns;
    const masks: (Uint8Array | null)[][] = specs.map(() => sources.map(() => null));
    const slices = order.filter(i => work.has(i));
    const bar = new Progress('segment', slices.length, io.stderr, quiet);
    const started = Date.now();
    bar.update(0);
    for (let n = 0; n < slices.length; n++) {
      const k = slices[n];
      const jobs = work.get(k)!;
      const slice = await slicePixels(files[k]);
      const size = { width: slice.columns, height: slice.rows };
      const result = await segmentBoxes(
        session,
        preprocessSlice,
        sliceName(sources[k]),
        { slice },
        size,
        jobs.map(j => j.box),
      );
      jobs.forEach((j, i) => {
        const m = (masks[j.segment][k] ??= new Uint8Array(pixels));
        const r = result.masks[i];
        for (let p = 0; p < pixels; p++) if (r[p]) m[p] = 1;
      });
      const perSecond = (n + 1) / ((Date.now() - started) / 1000);
      bar.update(
        n + 1,
        `(${perSecond.toFixed(2)} slices/s; encode ${result.timings.encodeMs.toFixed(0)} ms, decode ${result.timings.decodeMs.toFixed(0)} ms for ${jobs.length} box${jobs.length === 1 ? '' : 'es'})`,
      );
    }
    if (!quiet && slices.length > 0) {
      const seconds = (Date.now() - started) / 1000;
      io.stderr.write(
        `segment: ${slices.length} slices in ${seconds.toFixed(1)} s (${(slices.length / seconds).toFixed(2)} slices/s)\n`,
      );
    }
    return masks;
  }
}
