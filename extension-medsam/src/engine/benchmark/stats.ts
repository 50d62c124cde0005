/** Summary statistics for the benchmark's tables and box plots (Tukey: whiskers at the last values within 1.5 IQR). */
export interface BoxStats {
  n: number;
  mean: number;
  sd: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  whiskerLow: number;
  whiskerHigh: number;
  outliers: number[];
}

/** Quantile with linear interpolation between order statistics (numpy's default), of sorted values. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

export function boxStats(values: readonly number[]): BoxStats {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const m = mean(s);
  const sd = n > 1 ? Math.sqrt(s.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1)) : 0;
  const q1 = quantileSorted(s, 0.25);
  const q3 = quantileSorted(s, 0.75);
  const lowFence = q1 - 1.5 * (q3 - q1);
  const highFence = q3 + 1.5 * (q3 - q1);
  const inside = s.filter(v => v >= lowFence && v <= highFence);
  return {
    n,
    mean: m,
    sd,
    min: n ? s[0] : NaN,
    q1,
    median: quantileSorted(s, 0.5),
    q3,
    max: n ? s[n - 1] : NaN,
    whiskerLow: inside.length ? inside[0] : NaN,
    whiskerHigh: inside.length ? inside[inside.length - 1] : NaN,
    outliers: s.filter(v => v < lowFence || v > highFence),
  };
}
