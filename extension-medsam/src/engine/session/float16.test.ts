import { float16ArrayToFloat32, float16BitsToFloat32, float32ArrayToFloat16, float32ToFloat16Bits } from './float16';

// Expected bits from numpy: np.array([v], np.float32).astype(np.float16).view(np.uint16)
const KNOWN: Array<[number, number]> = [
  [1.0, 0x3c00],
  [-2.0, 0xc000],
  [65504.0, 0x7bff], // largest half
  [65520.0, 0x7c00], // halfway to the next step: ties to even -> Infinity
  [65519.98828125, 0x7bff],
  [2 ** -24, 0x0001], // smallest subnormal
  [2 ** -25, 0x0000], // tie between 0 and the smallest subnormal: even is 0
  [1.5 * 2 ** -25, 0x0001],
  [2 ** -14, 0x0400], // smallest normal
  [6.1005353927612305e-5, 0x0400], // just below the smallest normal rounds up into it
  [6.0999998822808266e-5, 0x03ff],
  [0.000123, 0x0808],
  [0.1, 0x2e66],
  [1 / 3, 0x3555],
  [1 + 2 ** -11, 0x3c00], // tie, even mantissa stays
  [1 + 3 * 2 ** -11, 0x3c02], // tie, odd mantissa rounds up
  [3.1415927410125732, 0x4248],
  [Infinity, 0x7c00],
  [-1e6, 0xfc00],
  [-0, 0x8000],
  [1e-8, 0x0000],
];

describe('float16 conversion', () => {
  test.each(KNOWN)('float32 %p -> half bits %p (round to nearest even, as numpy)', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  test('NaN stays NaN both ways', () => {
    const h = float32ToFloat16Bits(NaN);
    expect((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0).toBe(true);
    expect(float16BitsToFloat32(h)).toBeNaN();
  });

  test('every half value decodes exactly and encodes back to the same bits', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const decoded = float16ArrayToFloat32(all);
    const back = float32ArrayToFloat16(decoded);
    for (let b = 0; b < 65536; b++) {
      const isNaN = (b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0;
      if (isNaN) expect(decoded[b]).toBeNaN();
      else if (back[b] !== b) throw new Error(`half 0x${b.toString(16)} -> ${decoded[b]} -> 0x${back[b].toString(16)}`);
    }
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0xfbff)).toBe(-65504);
  });

  test('round trip error of typical embedding values is within half precision', () => {
    const src = new Float32Array(10000).map((_, i) => Math.sin(i) * 3);
    const back = float16ArrayToFloat32(float32ArrayToFloat16(src));
    let worst = 0;
    for (let i = 0; i < src.length; i++)
      worst = Math.max(worst, Math.abs(back[i] - src[i]) - Math.abs(src[i]) * 2 ** -11);
    expect(worst).toBeLessThanOrEqual(1e-7);
  });
});
