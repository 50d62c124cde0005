/**
 * The benchmark's tables: DSC and NSD per target, per modality and overall (2D: over (target, slice) items, as the
 * challenge averages per image; 3D: per target and protocol), and the review-queue check.
 */
import { boxStats, mean, type BoxStats } from './stats';
import { rankingQuality, type RankingQuality } from './review-rank';
import type { SliceRecord, VolumeRecord } from './types';

export interface Row2D {
  case: string;
  modality: string;
  target: string;
  nsdUnit: string;
  dice: BoxStats;
  nsd: BoxStats;
}

export interface Summary2D {
  perTarget: Row2D[];
  perModality: { modality: string; n: number; dice: number; nsd: number; nsdUnits: string[] }[];
  overall: { n: number; dice: number; nsd: number };
}

export function summarise2D(records: readonly SliceRecord[]): Summary2D {
  const groups = new Map<string, SliceRecord[]>();
  for (const r of records) {
    const key = `${r.case}\u0000${r.target}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  const perTarget = [...groups.values()].map(g => ({
    case: g[0].case,
    modality: g[0].modality,
    target: g[0].target,
    nsdUnit: g[0].nsdUnit,
    dice: boxStats(g.map(r => r.dice)),
    nsd: boxStats(g.map(r => r.nsd)),
  }));
  const modalities = [...new Set(records.map(r => r.modality))];
  return {
    perTarget,
    perModality: modalities.map(m => {
      const g = records.filter(r => r.modality === m);
      return {
        modality: m,
        n: g.length,
        dice: mean(g.map(r => r.dice)),
        nsd: mean(g.map(r => r.nsd)),
        nsdUnits: [...new Set(g.map(r => r.nsdUnit))],
      };
    }),
    overall: { n: records.length, dice: mean(records.map(r => r.dice)), nsd: mean(records.map(r => r.nsd)) },
  };
}

export const protocolName = (r: Pick<VolumeRecord, 'protocol'>): string =>
  r.protocol.kind === 'markers' ? `markers k=${r.protocol.k}` : `propagate (+${+r.protocol.padPx.toFixed(2)} px)`;

export interface Row3D {
  case: string;
  target: string;
  protocol: string;
  dice: number;
  nsd: number;
  nsdUnit: string;
  userActions: number;
  slicesSegmented: number;
  referenceSlices: number;
}

export function summarise3D(records: readonly VolumeRecord[]): Row3D[] {
  return records.map(r => ({
    case: r.case,
    target: r.target,
    protocol: protocolName(r),
    dice: r.dice,
    nsd: r.nsd,
    nsdUnit: r.nsdUnit,
    userActions: r.userActions,
    slicesSegmented: r.slicesSegmented,
    referenceSlices: r.referenceSlices,
  }));
}

export interface ReviewCheck extends RankingQuality {
  /** What the score is: the engine's reviewQueue score. */
  score: string;
  verdict: 'better than chance' | 'no better than chance' | 'too few slices';
}

/** The review queue on every slice of every 3D run, pooled: its scores are on one scale (1 - IoU + area jump). */
export function reviewCheck(records: readonly VolumeRecord[], fraction: number): ReviewCheck {
  const items = records.flatMap(r => r.perSlice.map(s => ({ score: s.score, dice: s.dice })));
  const q = rankingQuality(items, fraction);
  const verdict = q.n < 10 ? 'too few slices' : q.share > q.chance ? 'better than chance' : 'no better than chance';
  return { ...q, score: 'reviewQueue', verdict };
}
