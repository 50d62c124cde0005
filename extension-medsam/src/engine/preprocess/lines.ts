/**
 * SciPy's 'mirror' boundary (numpy.pad 'reflect', which scikit-image calls mode='reflect'): the edge sample is not
 * repeated, so index -1 reads 1 and index n reads n - 2. The same integer arithmetic as ndimage's map_coordinate.
 */
export function mirrorIndex(index: number, length: number): number {
  if (length <= 1) return 0;
  const period = 2 * length - 2;
  let i = index;
  if (i < 0) {
    i = period * Math.trunc(-i / period) + i;
    i = i <= 1 - length ? i + period : -i;
  } else if (i >= length) {
    i -= period * Math.trunc(i / period);
    if (i >= length) i = period - i;
  }
  return i;
}
