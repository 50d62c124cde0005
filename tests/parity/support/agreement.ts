/** Mask agreement as the parity tests report it: IoU of the non-zero pixels and how many pixels differ. */
export function agreement(actual: Uint8Array, expected: Uint8Array): { iou: number; differing: number } {
  let inter = 0;
  let union = 0;
  let differing = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] !== 0;
    const e = expected[i] !== 0;
    if (a && e) inter++;
    if (a || e) union++;
    if (a !== e) differing++;
  }
  return { iou: union === 0 ? 1 : inter / union, differing };
}
