/**
 * `medsam evaluate`: Dice and normalised surface distance (NSD at tau mm, the MedSAM paper's metrics, from the
 * engine) of a prediction against a reference, per segment in 3D and per slice in 2D, on one grid of slices.
 */
import { dice, normalizedSurfaceDistance } from '../engine/metrics';
import { SegError } from '../seg/errors';
import type { SliceTarget } from '../seg/reader';
import { dot, evenSpacing, sliceNormal } from '../seg/source';
import type { LabelSet } from './labels';

export interface EvaluateOptions {
  tauMm: number;
  /** Explicit pairs [prediction number, reference number]; otherwise matched by name (two SEGs) or number. */
  pairs?: [number, number][];
}

export interface SliceResult {
  slice: number;
  sopInstanceUid?: string;
  /** Position along the slice normal (mm). */
  positionMm: number | null;
  dice: number;
  nsd: number | null;
  predVoxels: number;
  refVoxels: number;
}

export interface PairResult {
  pred: { number: number; name: string };
  ref: { number: number; name: string };
  dice: number;
  /** 3D NSD; null when the slices are not evenly spaced (no 3D spacing). */
  nsd: number | null;
  predVoxels: number;
  refVoxels: number;
  /** Slices where either mask is non-empty, in stack order. */
  slices: SliceResult[];
}

export interface EvaluationReport {
  pred: { file: string; kind: string };
  ref: { file: string; kind: string };
  tauMm: number;
  sliceCount: number;
  /** [between slices, between rows, between columns] (mm); the first is null for uneven slices. */
  spacingMm: [number | null, number, number];
  results: PairResult[];
  unmatched: { pred: { number: number; name: string }[]; ref: { number: number; name: string }[] };
  /** What the reader should check, e.g. segments of different names paired by number. */
  warnings: string[];
}

function stackOf(slices: readonly SliceTarget[]): {
  order: number[];
  positions: (number | null)[];
  spacing: number | null;
} {
  const s0 = slices[0];
  if (!s0.imageOrientationPatient || slices.some(s => !s.imagePositionPatient)) {
    return { order: slices.map((_, i) => i), positions: slices.map(() => null), spacing: null };
  }
  const n = sliceNormal(s0.imageOrientationPatient);
  const positions = slices.map(s => dot(s.imagePositionPatient!, n));
  const order = slices.map((_, i) => i).sort((a, b) => positions[a] - positions[b]);
  const spacing = order.length > 1 ? (evenSpacing(order.map(k => positions[k])) ?? null) : (s0.sliceThickness ?? 1);
  return { order, positions, spacing };
}

const sameName = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Pairs of [prediction number, reference number] and warnings. Explicit pairs as given. Otherwise, when both
 * files name their segments (two SEGs; NIfTI and NRRD labels are only numbers), by name, each segment used once;
 * what is left pairs by number, and a number pair of differently named segments is listed in a warning: "Liver"
 * against "Spleen" because both are segment 1 is rarely what was meant.
 */
function pairUp(
  pred: LabelSet,
  ref: LabelSet,
  pairs?: [number, number][],
): { pairs: [number, number][]; warnings: string[] } {
  if (pairs && pairs.length) {
    for (const [p, r] of pairs) {
      if (!pred.labels.some(l => l.number === p))
        throw new SegError('INVALID_VOLUME', `${pred.file} has no segment/label ${p}`, {});
      if (!ref.labels.some(l => l.number === r))
        throw new SegError('INVALID_VOLUME', `${ref.file} has no segment/label ${r}`, {});
    }
    return { pairs, warnings: [] };
  }
  const named = pred.kind === 'seg' && ref.kind === 'seg';
  const out: [number, number][] = [];
  const usedRef = new Set<number>();
  const left = named
    ? pred.labels.filter(p => {
        const r = ref.labels.find(l => !usedRef.has(l.number) && sameName(l.name, p.name));
        if (r) {
          out.push([p.number, r.number]);
          usedRef.add(r.number);
        }
        return !r;
      })
    : pred.labels;
  const byNumber: string[] = [];
  for (const p of left) {
    const r = ref.labels.find(l => !usedRef.has(l.number) && l.number === p.number);
    if (!r) continue;
    out.push([p.number, r.number]);
    usedRef.add(r.number);
    if (named && !sameName(p.name, r.name)) byNumber.push(`${p.number} "${p.name}" -> ${r.number} "${r.name}"`);
  }
  const warnings = byNumber.length
    ? [
        `segments with different names paired by number: ${byNumber.join(', ')} (check them, or pair explicitly with --pair PRED:REF)`,
      ]
    : [];
  return { pairs: out, warnings };
}

function count(m: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < m.length; i++) n += m[i] ? 1 : 0;
  return n;
}

export function evaluate(
  pred: LabelSet,
  ref: LabelSet,
  slices: readonly SliceTarget[],
  options: EvaluateOptions,
  onPair?: (done: number, total: number) => void,
): EvaluationReport {
  if (slices.length === 0) throw new SegError('INVALID_VOLUME', 'No slices to evaluate on', {});
  const { order, positions, spacing } = stackOf(slices);
  const [sr, sc] = slices[0].pixelSpacing ?? [1, 1];
  const rows = slices[0].rows;
  const cols = slices[0].columns;
  const pixels = rows * cols;
  const { pairs, warnings } = pairUp(pred, ref, options.pairs);
  const results: PairResult[] = [];
  pairs.forEach(([pn, rn], i) => {
    const p = pred.labels.find(l => l.number === pn)!;
    const r = ref.labels.find(l => l.number === rn)!;
    const pm = p.masks();
    const rm = r.masks();
    const a = new Uint8Array(pixels * slices.length);
    const b = new Uint8Array(pixels * slices.length);
    order.forEach((k, z) => {
      a.set(pm[k], z * pixels);
      b.set(rm[k], z * pixels);
    });
    const perSlice: SliceResult[] = [];
    for (const k of order) {
      const pv = count(pm[k]);
      const rv = count(rm[k]);
      if (pv === 0 && rv === 0) continue;
      perSlice.push({
        slice: k,
        sopInstanceUid: slices[k].sopInstanceUid,
        positionMm: positions[k],
        dice: dice(pm[k], rm[k]),
        nsd: normalizedSurfaceDistance(pm[k], rm[k], [rows, cols], [sr, sc], options.tauMm),
        predVoxels: pv,
        refVoxels: rv,
      });
    }
    results.push({
      pred: { number: p.number, name: p.name },
      ref: { number: r.number, name: r.name },
      dice: dice(a, b),
      nsd:
        spacing !== null
          ? normalizedSurfaceDistance(a, b, [slices.length, rows, cols], [spacing, sr, sc], options.tauMm)
          : null,
      predVoxels: count(a),
      refVoxels: count(b),
      slices: perSlice,
    });
    onPair?.(i + 1, pairs.length);
  });
  const usedP = new Set(pairs.map(([p]) => p));
  const usedR = new Set(pairs.map(([, r]) => r));
  return {
    pred: { file: pred.file, kind: pred.kind },
    ref: { file: ref.file, kind: ref.kind },
    tauMm: options.tauMm,
    sliceCount: slices.length,
    spacingMm: [spacing, sr, sc],
    results,
    unmatched: {
      pred: pred.labels.filter(l => !usedP.has(l.number)).map(l => ({ number: l.number, name: l.name })),
      ref: ref.labels.filter(l => !usedR.has(l.number)).map(l => ({ number: l.number, name: l.name })),
    },
    warnings,
  };
}

const f4 = (v: number | null): string => (v === null ? '   -  ' : v.toFixed(4));

/** The report as a plain-text table (stdout). */
export function formatReport(r: EvaluationReport, perSlice: boolean): string {
  const lines: string[] = [];
  lines.push(
    `prediction ${r.pred.file} (${r.pred.kind.toUpperCase()}) vs reference ${r.ref.file} (${r.ref.kind.toUpperCase()})`,
  );
  lines.push(
    `${r.sliceCount} slices, spacing ${r.spacingMm.map(v => (v === null ? 'uneven' : `${+v.toFixed(4)}`)).join(' x ')} mm, NSD tolerance ${r.tauMm} mm`,
  );
  lines.push('');
  const head = ['pred', 'ref', 'Dice', `NSD@${r.tauMm}mm`, 'pred voxels', 'ref voxels'];
  const rows = r.results.map(x => [
    `${x.pred.number} ${x.pred.name}`,
    `${x.ref.number} ${x.ref.name}`,
    f4(x.dice),
    f4(x.nsd),
    String(x.predVoxels),
    String(x.refVoxels),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(row => row[i].length)));
  const fmt = (row: string[]): string =>
    row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  lines.push(fmt(head), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(fmt));
  if (r.results.length > 1) {
    const mean = (xs: (number | null)[]): number | null =>
      xs.some(x => x === null) ? null : xs.reduce<number>((a, b) => a + (b as number), 0) / xs.length;
    lines.push(fmt(['mean', '', f4(mean(r.results.map(x => x.dice))), f4(mean(r.results.map(x => x.nsd))), '', '']));
  }
  if (r.unmatched.pred.length || r.unmatched.ref.length) {
    lines.push('');
    if (r.unmatched.pred.length)
      lines.push(`not compared (prediction): ${r.unmatched.pred.map(l => `${l.number} ${l.name}`).join(', ')}`);
    if (r.unmatched.ref.length)
      lines.push(`not compared (reference): ${r.unmatched.ref.map(l => `${l.number} ${l.name}`).join(', ')}`);
    lines.push('(pair them with --pair PRED:REF)');
  }
  if (perSlice) {
    for (const x of r.results) {
      lines.push('', `${x.pred.name} -> ${x.ref.name}, per slice:`);
      lines.push(
        `  ${'slice'.padStart(5)}  ${'pos (mm)'.padStart(9)}  ${'Dice'.padStart(6)}  ${'NSD'.padStart(6)}  ${'pred'.padStart(7)}  ${'ref'.padStart(7)}`,
      );
      for (const s of x.slices) {
        lines.push(
          `  ${String(s.slice + 1).padStart(5)}  ${(s.positionMm === null ? '-' : s.positionMm.toFixed(2)).padStart(9)}  ${f4(s.dice)}  ${f4(s.nsd)}  ${String(s.predVoxels).padStart(7)}  ${String(s.refVoxels).padStart(7)}`,
        );
      }
    }
  }
  return lines.join('\n');
}
