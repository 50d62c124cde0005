/**
 * How well a review queue finds the slices that most need a human: of the `fraction` (10%) of slices with the lowest
 * Dice against the reference, the share the queue puts in its own top `fraction`. A queue that ranks at random finds
 * about `fraction` of them (the chance rate k / n); "lift" is share / chance.
 */
export interface RankedSlice {
  /** The queue's score, higher = check first. */
  score: number;
  /** Dice of the slice against the reference. */
  dice: number;
}

export interface RankingQuality {
  n: number;
  /** Slices in the worst set and in the queue's top set: ceil(n * fraction). */
  k: number;
  hits: number;
  share: number;
  chance: number;
  lift: number;
}

export function rankingQuality(items: readonly RankedSlice[], fraction = 0.1): RankingQuality {
  const n = items.length;
  const k = Math.max(1, Math.ceil(n * fraction));
  if (n === 0) return { n, k: 0, hits: 0, share: NaN, chance: NaN, lift: NaN };
  const idx = items.map((_, i) => i);
  // Ties go against the queue (a slice it cannot tell apart does not count as found by luck): the worst set takes
  // the lowest Dice, ties by index; the top set takes the highest score, ties by the HIGHER Dice first.
  const worst = new Set([...idx].sort((a, b) => items[a].dice - items[b].dice || a - b).slice(0, k));
  const top = [...idx]
    .sort((a, b) => items[b].score - items[a].score || items[b].dice - items[a].dice || a - b)
    .slice(0, k);
  const hits = top.filter(i => worst.has(i)).length;
  const share = hits / k;
  const chance = k / n;
  return { n, k, hits, share, chance, lift: share / chance };
}
