import { MedsamError } from '../errors';
import { checkMasks, type MaskShape } from './surface';

/**
 * Dice similarity coefficient 2|A ∩ B| / (|A| + |B|) of two masks (nonzero = inside), any shape.
 * Both masks empty -> 1: the two agree perfectly that there is nothing (DeepMind's and MONAI's functions return NaN
 * there; a number keeps averages and UI code simple). Pass the shape to have it checked against both lengths.
 */
export function dice(a: ArrayLike<number>, b: ArrayLike<number>, shape?: MaskShape): number {
  if (shape !== undefined) checkMasks(a, b, shape);
  else if (a.length !== b.length) {
    throw new MedsamError('SHAPE_MISMATCH', `Masks have ${a.length} and ${b.length} voxels`, {
      lengthA: a.length,
      lengthB: b.length,
    });
  }
  let na = 0;
  let nb = 0;
  let both = 0;
  for (let i = 0; i < a.length; i++) {
    const ia = a[i] !== 0;
    const ib = b[i] !== 0;
    if (ia) na++;
    if (ib) nb++;
    if (ia && ib) both++;
  }
  return na + nb === 0 ? 1 : (2 * both) / (na + nb);
}
