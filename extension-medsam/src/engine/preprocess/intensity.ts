/**
 * Modality values -> the 0..255 uint8 image MedSAM was trained on (paper, Methods; the official pre_CT_MR.py and
 * pre_grey_rgb.py). Arithmetic follows numpy's: float64, (x - min) / (max - min) * 255.0 in that order, numpy's
 * 'linear' percentile, and np.uint8(...) which truncates toward zero (not rounding).
 *
 * Modality value = stored value * RescaleSlope + RescaleIntercept (pydicom's apply_modality_lut), computed on the fly
 * so that no float64 copy of the slice is made.
 */
import { MedsamError } from '../errors';
import type { Uint8Image } from './resize-spline';
import { asMonochrome2 } from './photometric';
import type { CtWindowName, IntensityOptions, SliceImage, WindowWidthLevel } from './types';

/** Window width and level in HU, as the paper and radiopaedia give them. */
export const CT_WINDOWS: Readonly<Record<CtWindowName, WindowWidthLevel>> = {
  'soft-tissue': { width: 400, level: 40 },
  lung: { width: 1500, level: -160 },
  brain: { width: 80, level: 40 },
};

/**
 * DICOM Modality codes whose grey images get the 0.5..99.5 percentile clip (MR, X-ray, ultrasound, mammography,
 * OCT and the other non-CT grey modalities the paper preprocessed that way).
 */
export const PERCENTILE_MODALITIES: ReadonlySet<string> = new Set([
  'MR', // magnetic resonance
  'CR', // computed radiography
  'DX', // digital radiography
  'RG', // radiographic imaging
  'IO', // intra-oral radiography
  'PX', // panoramic X-ray
  'MG', // mammography
  'XA', // X-ray angiography
  'RF', // radio fluoroscopy
  'US', // ultrasound
  'IVUS', // intravascular ultrasound
  'OPT', // ophthalmic tomography (OCT)
  'IVOCT', // intravascular OCT
  'PT', // PET
  'NM', // nuclear medicine
]);

export type ResolvedIntensity = Exclude<IntensityOptions, { kind: 'auto' }>;

/** Picks the normalisation 'auto' stands for, from the number of samples and the DICOM Modality. */
export function resolveIntensity(
  options: IntensityOptions,
  image: Pick<SliceImage, 'samplesPerPixel' | 'modality'>,
): ResolvedIntensity {
  if (options.kind !== 'auto') return options;
  if (image.samplesPerPixel === 3) return { kind: 'unchanged-if-8bit' };
  const modality = (image.modality ?? '').trim().toUpperCase();
  if (modality === 'CT') return { kind: 'ct-window', window: 'soft-tissue' };
  if (PERCENTILE_MODALITIES.has(modality)) return { kind: 'percentile', percentileOf: 'all' };
  return { kind: 'min-max' };
}

/**
 * numpy's float64 -> uint8 cast on this platform (x86-64, numpy 2.4), which the official scripts use through
 * np.uint8(...) and .astype(np.uint8): truncation toward zero, then the low 8 bits (-1.5 -> 255, 256.3 -> 0,
 * 300 -> 44), NaN and infinities -> 0 (numpy also warns "invalid value encountered in cast"). Inside the pipeline
 * values are already within 0..255, or NaN where (max - min) is 0.
 */
export function numpyUint8(x: number): number {
  if (x >= 0 && x < 256) return x | 0;
  if (!Number.isFinite(x)) return 0;
  const t = Math.trunc(x);
  return ((t % 256) + 256) % 256;
}

/** Reads stored samples as modality values, sample-interleaved order (pixel-major, then channel). */
class ModalityValues {
  readonly count: number;
  private readonly pixels: SliceImage['pixels'];
  private readonly slope: number;
  private readonly intercept: number;
  private readonly planarStride: number;

  constructor(image: SliceImage) {
    this.pixels = image.pixels;
    this.count = image.pixels.length;
    this.slope = image.rescaleSlope ?? 1;
    this.intercept = image.rescaleIntercept ?? 0;
    this.planarStride = image.samplesPerPixel === 3 && image.planar ? image.rows * image.columns : 0;
  }

  /** Value of sample i in interleaved order (i = pixel * samplesPerPixel + channel). */
  at(i: number): number {
    if (this.planarStride === 0) return this.pixels[i] * this.slope + this.intercept;
    const pixel = (i / 3) | 0;
    return this.pixels[(i - 3 * pixel) * this.planarStride + pixel] * this.slope + this.intercept;
  }

  /** Stored value of sample i (interleaved order), before rescaling. */
  stored(i: number): number {
    if (this.planarStride === 0) return this.pixels[i];
    const pixel = (i / 3) | 0;
    return this.pixels[(i - 3 * pixel) * this.planarStride + pixel];
  }

  toModality(stored: number): number {
    return stored * this.slope + this.intercept;
  }

  get rescaleSlope(): number {
    return this.slope;
  }

  get isInteger(): boolean {
    return !(this.pixels instanceof Float32Array);
  }
}

function minMax(values: ModalityValues): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.count; i++) {
    const v = values.at(i);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** numpy.clip for one value. */
function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * The k-th smallest (0-based) modality value among the included samples, for several k at once. Modality values are
 * a monotone function of the stored values, so integer data is ranked through a histogram of stored values (O(n),
 * no copy); float data through a selection on a copy.
 */
function orderStatistics(values: ModalityValues, include: (modalityValue: number) => boolean, ks: number[]): number[] {
  if (values.isInteger) {
    let lo = Infinity;
    let hi = -Infinity;
    // Stored integers of 8 or 16 bits, signed or not: -32768..65535 fits an offset of 65536.
    const hist = new Uint32Array(65536 * 2);
    for (let i = 0; i < values.count; i++) {
      const s = values.stored(i);
      if (!include(values.toModality(s))) continue;
      hist[s + 65536]++;
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
    // Walk stored values in the order of their modality values (descending stored values when the slope is negative).
    const ascending = values.rescaleSlope >= 0;
    const sorted = [...ks].map((k, idx) => ({ k, idx })).sort((a, b) => a.k - b.k);
    const out = new Array<number>(ks.length);
    let seen = 0;
    let next = 0;
    for (let step = 0; step <= hi - lo && next < sorted.length; step++) {
      const s = ascending ? lo + step : hi - step;
      const c = hist[s + 65536];
      if (c === 0) continue;
      seen += c;
      while (next < sorted.length && sorted[next].k < seen) {
        out[sorted[next].idx] = values.toModality(s);
        next++;
      }
    }
    return out;
  }
  const selected: number[] = [];
  const copy = new Float64Array(values.count);
  let n = 0;
  for (let i = 0; i < values.count; i++) {
    const v = values.at(i);
    if (include(v)) copy[n++] = v;
  }
  const data = copy.subarray(0, n);
  for (const k of ks) selected.push(quickselect(data, k));
  return selected;
}

/** The k-th smallest value of a (reorders a in place). */
function quickselect(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const mid = (left + right) >> 1;
    // Median of three as pivot keeps sorted and reversed input linear.
    const x = a[left];
    const y = a[mid];
    const z = a[right];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k];
  }
  return a[k];
}

/**
 * numpy.percentile(values[included], q) with the default 'linear' method, bit for bit: virtual index (n - 1) * q/100,
 * and numpy's _lerp, which interpolates from the upper neighbour when the fraction is >= 0.5.
 */
function numpyPercentiles(values: ModalityValues, include: (v: number) => boolean, percentiles: number[]): number[] {
  let n = 0;
  for (let i = 0; i < values.count; i++) if (include(values.at(i))) n++;
  if (n === 0) return percentiles.map(() => NaN);
  const plans = percentiles.map(p => {
    const q = p / 100;
    const vi = (n - 1) * q;
    let prev = Math.floor(vi);
    let next = prev + 1;
    if (vi >= n - 1) prev = next = n - 1;
    if (vi < 0) prev = next = 0;
    // numpy computes gamma against the adjusted index; with prev === next the value does not depend on it.
    return { vi, prev, next, gamma: vi - prev };
  });
  const ks = plans.flatMap(p => [p.prev, p.next]);
  const stats = orderStatistics(values, include, ks);
  return plans.map((p, idx) => {
    const a = stats[2 * idx];
    const b = stats[2 * idx + 1];
    const diff = b - a;
    return p.gamma >= 0.5 ? b - diff * (1 - p.gamma) : a + diff * p.gamma;
  });
}

function isPlainUint8(image: SliceImage): image is SliceImage & { pixels: Uint8Array } {
  return image.pixels instanceof Uint8Array && (image.rescaleSlope ?? 1) === 1 && (image.rescaleIntercept ?? 0) === 0;
}

function interleavePlanar(pixels: Uint8Array, area: number): Uint8Array {
  const out = new Uint8Array(area * 3);
  for (let p = 0; p < area; p++) {
    out[3 * p] = pixels[p];
    out[3 * p + 1] = pixels[area + p];
    out[3 * p + 2] = pixels[2 * area + p];
  }
  return out;
}

function windowOf(window: CtWindowName | WindowWidthLevel): WindowWidthLevel {
  const w = typeof window === 'string' ? CT_WINDOWS[window] : window;
  if (!w || !Number.isFinite(w.width) || !Number.isFinite(w.level) || !(w.width > 0)) {
    throw new MedsamError(
      'INVALID_IMAGE',
      `CT window ${JSON.stringify(window)} is not valid: width must be a positive number and level finite`,
      {
        window: typeof window === 'string' ? window : { ...window },
      },
    );
  }
  return w;
}

/**
 * Applies the intensity normalisation and returns the uint8 image (grey: 1 channel; RGB: 3 channels interleaved, as
 * numpy holds H x W x 3); a MONOCHROME1 slice is inverted first (photometric.ts). The slice must have passed
 * validateSliceImage.
 */
export function normaliseIntensity(slice: SliceImage, options: IntensityOptions): Uint8Image {
  const image = asMonochrome2(slice);
  const resolved = resolveIntensity(options, image);
  const values = new ModalityValues(image);
  const channels = image.samplesPerPixel;
  const data = new Uint8Array(values.count);
  const result: Uint8Image = { rows: image.rows, columns: image.columns, channels, data };

  switch (resolved.kind) {
    case 'ct-window': {
      const { width, level } = windowOf(resolved.window);
      const lower = level - width / 2;
      const upper = level + width / 2;
      let lo = lower;
      let hi = upper;
      if (resolved.range === 'slice-min-max') {
        lo = Infinity;
        hi = -Infinity;
        for (let i = 0; i < values.count; i++) {
          const c = clip(values.at(i), lower, upper);
          if (c < lo) lo = c;
          if (c > hi) hi = c;
        }
      }
      const span = hi - lo;
      for (let i = 0; i < values.count; i++)
        data[i] = numpyUint8(((clip(values.at(i), lower, upper) - lo) / span) * 255.0);
      return result;
    }
    case 'percentile': {
      const lowerP = resolved.lowerPercentile ?? 0.5;
      const upperP = resolved.upperPercentile ?? 99.5;
      if (!(lowerP >= 0 && upperP <= 100 && lowerP <= upperP)) {
        throw new MedsamError('INVALID_IMAGE', `percentiles ${lowerP}..${upperP} are not within 0..100 in order`, {
          lowerP,
          upperP,
        });
      }
      const nonzero = resolved.percentileOf === 'nonzero';
      // The official 3-D script ranks image_data[image_data > 0]: negative values are left out as well as zeros.
      const include = nonzero ? (v: number) => v > 0 : () => true;
      const [pLo, pHi] = numpyPercentiles(values, include, [lowerP, upperP]);
      if (Number.isNaN(pLo)) return result; // no positive value at all: the official script would fail; all zero.
      // Literally as the official script: clip the whole slice, then min-max of the clipped values.
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < values.count; i++) {
        const c = clip(values.at(i), pLo, pHi);
        if (c < lo) lo = c;
        if (c > hi) hi = c;
      }
      const span = hi - lo;
      for (let i = 0; i < values.count; i++) {
        const v = values.at(i);
        data[i] = nonzero && v === 0 ? 0 : numpyUint8(((clip(v, pLo, pHi) - lo) / span) * 255.0);
      }
      return result;
    }
    case 'unchanged-if-8bit':
    case 'min-max': {
      if (resolved.kind === 'unchanged-if-8bit' && isPlainUint8(image)) {
        // 8-bit samples without rescaling are within 0..255 by type: the image is its own uint8 image.
        result.data =
          image.samplesPerPixel === 3 && image.planar
            ? interleavePlanar(image.pixels, image.rows * image.columns)
            : image.pixels.slice();
        return result;
      }
      const { min, max } = minMax(values);
      if (resolved.kind === 'unchanged-if-8bit' && min >= 0 && max <= 255) {
        for (let i = 0; i < values.count; i++) data[i] = numpyUint8(values.at(i));
        return result;
      }
      const span = max - min;
      for (let i = 0; i < values.count; i++) data[i] = numpyUint8(((values.at(i) - min) / span) * 255.0);
      return result;
    }
  }
}
