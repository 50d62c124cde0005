/**
 * The benchmark's labelled sets from disk, as engine BenchCases:
 *  - a DICOM series with reference label files (DICOM SEG, NIfTI, NRRD) on its grid: a volume, slices in stack order;
 *  - a folder of 2D images (PNG, JPEG, DICOM) with a folder of mask images of the same base names.
 * Pixels are decoded when the model first needs them and kept (a 20-slice CT is about 10 MB): the 3D runs visit
 * each slice several times.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchCase, BenchSlice, BenchTarget } from '../engine/benchmark/types';
import type { SliceInput } from '../engine/session/pipeline';
import type { SliceImage } from '../engine/preprocess/types';
import { SegError } from '../seg/errors';
import { checkSources, sliceName } from '../seg/source';
import { InputError, UsageError } from './args';
import { readDicomFile, readSourceFolder } from './dicom-folder';
import { readLabels } from './labels';
import { decodePng, isPng, type RasterImage } from './png';
import { slicePixels } from './pixels';

function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}

/** "5:liver" -> [5, "liver"]. */
export function parseTargetSpec(spec: string): [number, string] {
  const m = spec.match(/^(\d+):(.+)$/);
  if (!m)
    throw new UsageError(
      `--target must be NUMBER:NAME (a label value or SEG segment number, and its name), got "${spec}"`,
    );
  return [Number(m[1]), m[2].trim()];
}

export interface VolumeSetOptions {
  dicom: string;
  labels: readonly string[];
  /** Label number -> name; when given, only these labels are benchmarked. */
  targets?: ReadonlyMap<number, string>;
  name?: string;
  modality?: string;
}

export function readVolumeSet(o: VolumeSetOptions): BenchCase<SliceInput> {
  const { files, sources } = readSourceFolder(o.dicom, { withoutPixelData: false });
  if (sources.length === 0) throw new SegError('INVALID_SOURCE', `No DICOM images in ${o.dicom}`, {});
  const stack = checkSources(sources);
  const g = stack.geometry;
  const order = g?.order ?? sources.map((_, i) => i);
  const targets: BenchTarget[] = [];
  const taken = new Set<number>();
  for (const file of o.labels) {
    for (const l of readLabels(file, sources).labels) {
      if (o.targets && !o.targets.has(l.number)) continue;
      if (taken.has(l.number))
        throw new UsageError(`label ${l.number} is in more than one label file (${file}); give each target once`);
      taken.add(l.number);
      let masks: Uint8Array[] | undefined;
      targets.push({ name: o.targets?.get(l.number) ?? l.name, mask: z => (masks ??= l.masks())[order[z]] });
    }
  }
  for (const n of o.targets?.keys() ?? [])
    if (!taken.has(n)) throw new UsageError(`--target ${n}: no label or segment ${n} in ${o.labels.join(', ')}`);
  const name = o.name ?? path.basename(path.resolve(o.dicom));
  const slices: BenchSlice<SliceInput>[] = order.map(k => ({
    id: `${name}:${sliceName(sources[k])}`,
    size: { width: sources[k].columns, height: sources[k].rows },
    pixelSpacingMm: g ? [g.pixelSpacing[0], g.pixelSpacing[1]] : null,
    load: once(async () => ({ slice: await slicePixels(files[k]) })),
  }));
  return {
    name,
    modality: o.modality ?? String(files[order[0]].dataset.Modality ?? 'unknown'),
    slices,
    targets,
    sliceSpacingMm: g?.spacingBetweenSlices ?? null,
  };
}

const IMAGE_EXT = /\.(png|jpe?g|dcm)$/i;

function readRaster(file: string): RasterImage {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (isPng(bytes)) return decodePng(bytes, file);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    // jpeg-js: the JPEG decoder the project already uses for the Kvasir images (a devDependency, loaded on use).
    const jpeg = require('jpeg-js') as {
      decode: (b: Uint8Array, o: object) => { width: number; height: number; data: Uint8Array };
    };
    const d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
    const channels = d.data.length === d.width * d.height ? 1 : 3;
    return { width: d.width, height: d.height, channels, data: d.data };
  }
  throw new InputError(`${file}: not a PNG or JPEG image`);
}

/**
 * A mask image -> 0/1: the first channel, foreground >= 128 when the image reaches 128 (0/255 masks, also after JPEG
 * compression, as Kvasir's), else any nonzero value (0/1 label images).
 */
export function maskFromRaster(r: RasterImage): Uint8Array {
  const n = r.width * r.height;
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, r.data[i * r.channels]);
  const threshold = max >= 128 ? 128 : 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = r.data[i * r.channels] >= threshold ? 1 : 0;
  return out;
}

function rasterSlice(r: RasterImage, modality: string | undefined): SliceImage {
  return { rows: r.height, columns: r.width, samplesPerPixel: r.channels, pixels: r.data, modality };
}

export interface ImageSetOptions {
  images: string;
  masks: string;
  target?: string;
  name?: string;
  modality?: string;
}

/** 2D images with masks of the same base name (x.jpg <-> x.png or x.jpg): one case, one target, no 3D. */
export function readImageSet(o: ImageSetOptions): BenchCase<SliceInput> {
  const list = (dir: string): string[] => {
    try {
      return fs
        .readdirSync(dir)
        .filter(f => IMAGE_EXT.test(f))
        .sort();
    } catch (e) {
      throw new InputError(
        `cannot read the folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  };
  const stem = (f: string): string => f.replace(IMAGE_EXT, '');
  const masks = new Map(list(o.masks).map(f => [stem(f), path.join(o.masks, f)]));
  const images = list(o.images).filter(f => masks.has(stem(f)));
  if (images.length === 0) throw new InputError(`no image in ${o.images} has a mask of the same name in ${o.masks}`);
  const name = o.name ?? path.basename(path.resolve(o.images));
  const loaded = images.map(f => {
    const file = path.join(o.images, f);
    const mask = maskFromRaster(readRaster(masks.get(stem(f))!));
    if (/\.dcm$/i.test(f)) {
      const dicom = readDicomFile(file);
      const rows = Number(dicom.dataset.Rows);
      const columns = Number(dicom.dataset.Columns);
      const ps = dicom.dataset.PixelSpacing as number[] | undefined;
      const slice: BenchSlice<SliceInput> = {
        id: `${name}:${f}`,
        size: { width: columns, height: rows },
        pixelSpacingMm: Array.isArray(ps) && ps.length === 2 ? [Number(ps[0]), Number(ps[1])] : null,
        load: once(async () => ({ slice: await slicePixels(dicom) })),
      };
      return { slice, mask, file };
    }
    const raster = readRaster(file);
    const slice: BenchSlice<SliceInput> = {
      id: `${name}:${f}`,
      size: { width: raster.width, height: raster.height },
      pixelSpacingMm: null,
      load: once(async () => ({ slice: rasterSlice(raster, o.modality) })),
    };
    return { slice, mask, file };
  });
  for (const l of loaded) {
    if (l.mask.length !== l.slice.size.width * l.slice.size.height)
      throw new InputError(`${l.file}: its mask is not ${l.slice.size.width}x${l.slice.size.height}`);
  }
  return {
    name,
    modality: o.modality ?? 'image',
    slices: loaded.map(l => l.slice),
    targets: [{ name: o.target ?? 'target', mask: z => loaded[z].mask }],
    sliceSpacingMm: null,
  };
}
