/**
 * Segment colours: sRGB (0..255) <-> the DICOM encoding of CIELab (RecommendedDisplayCIELabValue, PS3.3 C.10.7.1.1).
 * sRGB is linearised (IEC 61966-2-1), taken to CIE XYZ with the sRGB/D65 matrix, then to CIELab relative to the D65
 * white; DICOM stores L* 0..100 as 0..0xFFFF and a*, b* -128..127 as 0..0xFFFF.
 */
import { SegError } from './errors';
import type { Rgb } from './codes';

const WHITE_D65 = [95.047, 100.0, 108.883] as const;
const EPSILON = 216 / 24389; // (6/29)^3
const KAPPA_SLOPE = 841 / 108; // (29/6)^2 / 3

function linear(c: number): number {
  const v = c / 255;
  return v > 0.04045 ? ((v + 0.055) / 1.055) ** 2.4 : v / 12.92;
}

function gamma(v: number): number {
  const c = v > 0.0031308 ? 1.055 * v ** (1 / 2.4) - 0.055 : 12.92 * v;
  return c * 255;
}

export function rgbToLab(rgb: Rgb): [number, number, number] {
  const [r, g, b] = rgb.map(linear).map(v => v * 100);
  const x = r * 0.4124 + g * 0.3576 + b * 0.1805;
  const y = r * 0.2126 + g * 0.7152 + b * 0.0722;
  const z = r * 0.0193 + g * 0.1192 + b * 0.9505;
  const f = (t: number): number => (t >= EPSILON ? Math.cbrt(t) : KAPPA_SLOPE * t + 4 / 29);
  const fx = f(x / WHITE_D65[0]);
  const fy = f(y / WHITE_D65[1]);
  const fz = f(z / WHITE_D65[2]);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

export function labToRgb(lab: readonly [number, number, number]): [number, number, number] {
  const [l, a, bb] = lab;
  const fy = (l + 16) / 116;
  const fx = fy + a / 500;
  const fz = fy - bb / 200;
  const finv = (t: number): number => (t ** 3 >= EPSILON ? t ** 3 : (t - 4 / 29) / KAPPA_SLOPE);
  const x = (finv(fx) * WHITE_D65[0]) / 100;
  const y = (finv(fy) * WHITE_D65[1]) / 100;
  const z = (finv(fz) * WHITE_D65[2]) / 100;
  const r = x * 3.2406 + y * -1.5372 + z * -0.4986;
  const g = x * -0.9689 + y * 1.8758 + z * 0.0415;
  const b = x * 0.0557 + y * -0.204 + z * 1.057;
  return [r, g, b].map(v => Math.min(255, Math.max(0, Math.round(gamma(v))))) as [number, number, number];
}

export function checkRgb(rgb: Rgb, what = 'colour'): void {
  if (rgb.length !== 3 || !rgb.every(c => Number.isFinite(c) && c >= 0 && c <= 255)) {
    throw new SegError('INVALID_SEGMENT', `${what} [${rgb.join(', ')}] must be three sRGB values in 0..255`, {
      rgb: [...rgb],
    });
  }
}

/** RecommendedDisplayCIELabValue for an sRGB colour. */
export function rgbToDicomLab(rgb: Rgb): [number, number, number] {
  checkRgb(rgb);
  const [l, a, b] = rgbToLab(rgb);
  const scale = (v: number, lo: number, hi: number): number =>
    Math.min(0xffff, Math.max(0, Math.round(((v - lo) * 0xffff) / (hi - lo))));
  return [scale(l, 0, 100), scale(a, -128, 127), scale(b, -128, 127)];
}

export function dicomLabToRgb(value: readonly number[]): [number, number, number] {
  const [l, a, b] = value;
  return labToRgb([(l * 100) / 0xffff, (a * 255) / 0xffff - 128, (b * 255) / 0xffff - 128]);
}
