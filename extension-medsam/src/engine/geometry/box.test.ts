import { readFileSync } from 'fs';
import { join } from 'path';
import { isMedsamError, MedsamError } from '../errors';
import {
  clampImageBox,
  imageBoxFromPixels,
  imageBoxFromPoints,
  liteMedsamResizedSize,
  maskBoundingBox,
  modelBoxToFloat32,
  padImageBox,
  toModelBox,
  type ImageBox,
  type ModelBox,
} from './box';

const image = { width: 617, height: 528 };

function expectBoxError(fn: () => unknown, pattern: RegExp): MedsamError {
  try {
    fn();
  } catch (e) {
    expect(isMedsamError(e, 'INVALID_BOX')).toBe(true);
    expect((e as Error).message).toMatch(pattern);
    return e as MedsamError;
  }
  throw new Error('expected INVALID_BOX');
}

describe('image boxes', () => {
  it('gives the same box for a drag in any direction', () => {
    const want = { space: 'image', x0: 10, y0: 20, x1: 110, y1: 220 };
    expect(imageBoxFromPoints({ x: 10, y: 20 }, { x: 110, y: 220 }, image)).toEqual(want);
    expect(imageBoxFromPoints({ x: 110, y: 220 }, { x: 10, y: 20 }, image)).toEqual(want);
    expect(imageBoxFromPoints({ x: 10, y: 220 }, { x: 110, y: 20 }, image)).toEqual(want);
    expect(imageBoxFromPoints({ x: 110, y: 20 }, { x: 10, y: 220 }, image)).toEqual(want);
  });

  it('covers whole pixels as edges [min, max + 1]', () => {
    expect(imageBoxFromPixels(20, 5, 10, 7, image)).toEqual({ space: 'image', x0: 10, y0: 5, x1: 21, y1: 8 });
    // a single pixel is a valid 1x1 box
    expect(imageBoxFromPixels(0, 0, 0, 0, image)).toEqual({ space: 'image', x0: 0, y0: 0, x1: 1, y1: 1 });
  });

  it('clamps to [0, W] x [0, H]', () => {
    expect(clampImageBox(-5, -3.5, 700, 600, image)).toEqual({ space: 'image', x0: 0, y0: 0, x1: 617, y1: 528 });
    expect(clampImageBox(600, 500, 1000, 1000, image)).toEqual({ space: 'image', x0: 600, y0: 500, x1: 617, y1: 528 });
  });

  it('refuses a box entirely outside the image, naming the box and the image size', () => {
    const e = expectBoxError(() => clampImageBox(700, 10, 800, 50, image), /\[700, 10, 800, 50\].*617x528/);
    expect(e.details).toEqual({ box: [700, 10, 800, 50], image: { width: 617, height: 528 } });
    expectBoxError(() => clampImageBox(-50, -50, -1, -1, image), /outside the 617x528 image/);
    // touching the edge only is outside too
    expectBoxError(() => clampImageBox(617, 0, 650, 10, image), /outside/);
    expectBoxError(() => clampImageBox(0, -20, 10, 0, image), /outside/);
  });

  it('refuses a zero-area box', () => {
    expectBoxError(() => clampImageBox(10, 10, 10, 50, image), /no area/);
    expectBoxError(() => imageBoxFromPoints({ x: 5, y: 9 }, { x: 60, y: 9 }, image), /no area/);
  });

  it('refuses non-finite coordinates and bad image sizes', () => {
    expectBoxError(() => clampImageBox(NaN, 0, 10, 10, image), /finite/);
    expectBoxError(() => clampImageBox(0, 0, Infinity, 10, image), /finite/);
    expect(() => clampImageBox(0, 0, 1, 1, { width: 0, height: 10 })).toThrow(
      expect.objectContaining({ code: 'IMAGE_SIZE_UNSUPPORTED' }),
    );
  });

  it('pads and clamps', () => {
    const b = clampImageBox(2, 100, 50, 200, image);
    expect(padImageBox(b, image, 5)).toEqual({ space: 'image', x0: 0, y0: 95, x1: 55, y1: 205 });
    expect(padImageBox(b, image, 3, 0)).toEqual({ space: 'image', x0: 0, y0: 100, x1: 53, y1: 200 });
  });

  it('finds the bounding box of a mask as pixel edges, null when empty', () => {
    const W = 7;
    const H = 5;
    const m = new Uint8Array(W * H);
    expect(maskBoundingBox(m, { width: W, height: H })).toBeNull();
    m[1 * W + 3] = 1;
    m[3 * W + 5] = 255;
    m[2 * W + 2] = 1;
    expect(maskBoundingBox(m, { width: W, height: H })).toEqual({ space: 'image', x0: 2, y0: 1, x1: 6, y1: 4 });
    expect(() => maskBoundingBox(m, { width: 6, height: 5 })).toThrow(
      expect.objectContaining({ code: 'SHAPE_MISMATCH' }),
    );
  });

  it('keeps image and model spaces apart at compile time', () => {
    const ib: ImageBox = clampImageBox(0, 0, 10, 10, image);
    const mb: ModelBox = toModelBox(ib, image, 'medsam-1024-stretch');
    // @ts-expect-error an ImageBox is not a ModelBox
    const wrong: ModelBox = ib;
    // @ts-expect-error a ModelBox is not an ImageBox
    const wrong2: ImageBox = mb;
    expect([wrong.space, wrong2.space]).toEqual(['image', 'model']);
  });
});

interface ScalingCase {
  width: number;
  height: number;
  box: [number, number, number, number];
  medsam1024Float32: [number, number, number, number];
  liteMedsam256: [number, number, number, number];
  liteResized: [number, number];
}

describe('box scaling against the official numpy expressions (tests/fixtures/postprocess/box_scaling.json)', () => {
  const cases: ScalingCase[] = JSON.parse(
    readFileSync(join(__dirname, '../../../../tests/fixtures/postprocess/box_scaling.json'), 'utf8'),
  ).cases;

  it('has cases', () => expect(cases.length).toBeGreaterThan(10));

  it('MedSAM: box / [W, H, W, H] * 1024, as float32', () => {
    for (const c of cases) {
      const img = { width: c.width, height: c.height };
      const mb = toModelBox(clampImageBox(...c.box, img), img, 'medsam-1024-stretch');
      expect(mb.inputSize).toBe(1024);
      expect(Array.from(modelBoxToFloat32(mb))).toEqual(c.medsam1024Float32);
    }
  });

  it('LiteMedSAM: int(box * 256 / max(H, W)) and the longest-side size', () => {
    for (const c of cases) {
      const img = { width: c.width, height: c.height };
      const mb = toModelBox(clampImageBox(...c.box, img), img, 'litemedsam-256-longest-pad');
      expect(mb.inputSize).toBe(256);
      expect([mb.x0, mb.y0, mb.x1, mb.y1]).toEqual(c.liteMedsam256);
      const rs = liteMedsamResizedSize(img);
      expect([rs.height, rs.width]).toEqual(c.liteResized);
    }
  });
});
