/**
 * One volume-benchmark cell: one model variant on one runtime runs the 3D workflow (key slices -> planVolumeRun in
 * interpolate mode -> runVolume) over a DICOM series, as `medsam segment --markers` does, in its own process so that
 * its peak memory is its own. Started by volume-bench.ts; prints one JSON line (prefixed BENCH_RESULT) on stdout.
 */
import { readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { slicePixels } from '../../extension-medsam/src/cli/pixels';
import { clampImageBox, type ImageSize } from '../../extension-medsam/src/engine/geometry/box';
import type { Precision } from '../../extension-medsam/src/engine/manifest';
import { preprocessSlice, segmentBoxes } from '../../extension-medsam/src/engine/session/pipeline';
import { planVolumeRun, type KeySlice } from '../../extension-medsam/src/engine/volume/plan';
import { doneSlices, runVolume, type VolumeStatus } from '../../extension-medsam/src/engine/volume/run';
import { checkSources } from '../../extension-medsam/src/seg/source';
import { benchChildMain, openBenchSession, peakRssMB, type BenchRuntime } from './support';

export interface VolumeCellArgs {
  manifest: string;
  modelId: string;
  precision: Precision;
  runtime: BenchRuntime;
  threads: number;
  /** Folder of the series. */
  dicom: string;
  /** How many slices the run covers (the key slices span exactly this many); undefined: the whole series. */
  slices?: number;
}

/** Per slice, in visit order; ms. */
export interface SliceTiming {
  slice: number;
  /** DICOM pixel data -> SliceImage (the 20-slice CT is JPEG 2000). */
  pixelsMs: number;
  preprocessMs: number;
  encoderMs: number;
  decoderMs: number;
  postprocessMs: number;
}

export interface VolumeCellResult {
  args: VolumeCellArgs;
  executionProvider: string;
  loadMs: number;
  keySlices: KeySlice[];
  status: VolumeStatus;
  /** Slices the run wrote. */
  slices: number;
  /** runVolume's own figure: busy time per written slice (segmentation + writing the labelmap). */
  msPerSlice: number;
  /** runVolume from call to return. */
  runMs: number;
  perSlice: SliceTiming[];
  peakRssMB: number;
}

/**
 * Three key boxes around the image centre (the body's centre on an axial CT), at the first, middle and last slice of
 * an n-slice window in the middle of the series; the middle box is the largest, so interpolation changes the box on
 * every slice. Computed from the image size only, so no model output steers the run.
 */
export function benchKeySlices(sliceCount: number, image: ImageSize, n = sliceCount): KeySlice[] {
  if (!Number.isInteger(n) || n < 3 || n > sliceCount) {
    throw new Error(
      `--slices must be an integer from 3 (three key slices) to ${sliceCount} (the series' slices); got ${n}`,
    );
  }
  const lo = Math.floor((sliceCount - n) / 2);
  const box = (fw: number, fh: number) => {
    const cx = image.width / 2;
    const cy = image.height / 2;
    const hw = (fw * image.width) / 2;
    const hh = (fh * image.height) / 2;
    return clampImageBox(cx - hw, cy - hh, cx + hw, cy + hh, image);
  };
  return [
    { slice: lo, box: box(0.3, 0.24) },
    { slice: lo + Math.floor((n - 1) / 2), box: box(0.4, 0.3) },
    { slice: lo + n - 1, box: box(0.34, 0.26) },
  ];
}

const now = () => performance.now();

export async function runVolumeCell(args: VolumeCellArgs): Promise<VolumeCellResult> {
  const { files, sources } = readSourceFolder(args.dicom, { withoutPixelData: false });
  if (sources.length === 0) throw new Error(`No DICOM images in ${args.dicom}: pass --dicom with a series folder`);
  const order = checkSources(sources).geometry?.order ?? sources.map((_, i) => i);
  const image: ImageSize = { width: sources[0].columns, height: sources[0].rows };
  const keySlices = benchKeySlices(order.length, image, args.slices ?? order.length);
  const plan = planVolumeRun(keySlices, order.length, image, { mode: 'interpolate' });

  const { session, loadMs } = await openBenchSession(args);

  const perSlice: SliceTiming[] = [];
  let msPerSlice = NaN;
  const r0 = now();
  const result = await runVolume({
    plan,
    segmentSlice: async (z, box, signal) => {
      const k = order[z];
      const p0 = now();
      const slice = await slicePixels(files[k]);
      const pixelsMs = now() - p0;
      const r = await segmentBoxes(session, preprocessSlice, sources[k].sopInstanceUid, { slice }, image, [box], {
        signal,
      });
      const t = r.timings;
      perSlice.push({
        slice: z,
        pixelsMs,
        preprocessMs: t.preprocessMs,
        encoderMs: t.encodeMs,
        decoderMs: t.decodeMs,
        postprocessMs: t.postprocessMs,
      });
      return { mask: r.masks[0], iou: r.iou[0] };
    },
    onProgress: p => (msPerSlice = p.msPerSlice),
  });
  const runMs = now() - r0;
  const executionProvider = session.executionProviders.encoder;
  await session.release();
  if (result.status === 'failed') throw result.error;

  return {
    args,
    executionProvider,
    loadMs,
    keySlices,
    status: result.status,
    slices: doneSlices(result).length,
    msPerSlice,
    runMs,
    perSlice,
    peakRssMB: peakRssMB(),
  };
}

if (require.main === module) benchChildMain(runVolumeCell);
