/**
 * A seeded pseudo-random generator for the benchmark's box jitter. Math.random cannot be seeded, and a benchmark
 * whose prompts change from run to run cannot be compared or reproduced: the seed goes into the report, and the
 * same seed gives the same boxes on every machine (32-bit integer arithmetic only, no platform floats).
 */
import { MedsamError } from '../errors';

export type Random = () => number;

/** mulberry32: a small 32-bit generator with a full 2^32 period; plenty for a few thousand box draws. */
export function seededRandom(seed: number): Random {
  if (!Number.isInteger(seed))
    throw new MedsamError('INVALID_BOX', `The benchmark seed must be an integer, got ${seed}`, { seed });
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number in lo..hi, both ends included (as Python's random.randint, which MedSAM's training code uses). */
export function randomInt(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}
