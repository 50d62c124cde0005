import { MedsamError } from '../../engine/errors';
import type { ImageBox } from '../../engine/geometry/box';
import type { SliceInput } from '../../engine/session/pipeline';
import { arraySliceAccess } from './labelmapEdit';
import { MedsamLedger } from './medsamLedger';
import { VolumeController, type VolumeEngine, type VolumeRunState, type VolumeScene } from './volumeController';

const W = 16;
const H = 12;
const SLICES = 9;
const SEG = 1;
const box = (x0: number, y0: number, x1: number, y1: number): ImageBox => ({ space: 'image', x0, y0, x1, y1 });

/** A box oracle: the pixels whose centres are inside the box. */
function boxMask(b: ImageBox): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      if (x + 0.5 > b.x0 && x + 0.5 < b.x1 && y + 0.5 > b.y0 && y + 0.5 < b.y1) m[y * W + x] = 1;
  return m;
}

function fakeScene(keys: VolumeScene['keys']) {
  const labelmaps = Array.from({ length: SLICES }, () => new Array<number>(W * H).fill(0));
  const history: Array<{ undo(): void; redo(): void }> = [];
  let changes = 0;
  const scene: VolumeScene = {
    viewportId: 'vp',
    imageIds: labelmaps.map((_, z) => `img-${z}`),
    keys,
    image: { width: W, height: H },
    spacingMm: [1, 1, 2],
    segmentationId: 'seg',
    segmentIndex: SEG,
    loadSlice: async z =>
      ({ slice: { rows: H, columns: W, samplesPerPixel: 1, pixels: new Int16Array(W * H).fill(z) } }) as SliceInput,
    labelmap: z => ({ labelmapImageId: `lm-${z}`, access: arraySliceAccess(labelmaps[z]) }),
    changed: () => void changes++,
    record: entry => void history.push(entry),
  };
  return { scene, labelmaps, history, changes: () => changes };
}

function oracleEngine(hooks: { beforeSlice?: (imageId: string) => void | Promise<void> } = {}) {
  const prefetched: string[] = [];
  const engine: VolumeEngine = {
    async segment(imageId, _image, b, signal) {
      await hooks.beforeSlice?.(imageId);
      if (signal.aborted) throw new MedsamError('CANCELLED', 'cancelled');
      return { mask: boxMask(b), iou: 0.9 };
    },
    prefetch: imageId => void prefetched.push(imageId),
  };
  return { engine, prefetched };
}

const count = (a: ArrayLike<number>) => Array.from(a).filter(v => v === SEG).length;

describe('VolumeController', () => {
  const keys = [
    { slice: 2, box: box(2, 2, 8, 6) },
    { slice: 6, box: box(6, 4, 14, 10) },
  ];

  it('segments every slice between the key slices as a preview, encodes ahead, and accepts as one undo step', async () => {
    const { engine, prefetched } = oracleEngine();
    const states: VolumeRunState[] = [];
    const ledger = new MedsamLedger();
    const controller = new VolumeController(engine, ledger, s => states.push(s));
    const { scene, labelmaps, history } = fakeScene(keys);
    const end = await controller.run(async () => scene);
    expect(end).toMatchObject({
      phase: 'preview',
      outcome: 'complete',
      done: 5,
      total: 5,
      mode: 'interpolate',
      keySlices: [2, 6],
    });
    expect(states.some(s => s.phase === 'running' && s.done === 2)).toBe(true);
    expect(labelmaps.map(l => count(l) > 0)).toEqual([false, false, true, true, true, true, true, false, false]);
    expect(count(labelmaps[2])).toBe(count(boxMask(keys[0].box)));
    expect(count(labelmaps[6])).toBe(count(boxMask(keys[1].box)));
    expect(prefetched.length).toBeGreaterThan(0);
    expect(end.volumeMl).toBeCloseTo((labelmaps.reduce((n, l) => n + count(l), 0) * 2) / 1000, 9);
    expect(end.review.length).toBe(5);

    expect(controller.accept()).toBe(true);
    expect(history).toHaveLength(1);
    expect(
      ledger.editedByHand(
        'seg',
        SEG,
        labelmaps.map((l, z) => ({ labelmapImageId: `lm-${z}`, labels: l })),
      ),
    ).toBe(false);
    const before = labelmaps.map(l => [...l]);
    history[0].undo();
    expect(labelmaps.every(l => count(l) === 0)).toBe(true);
    history[0].redo();
    expect(labelmaps).toEqual(before);
  });

  it('cancel mid-run leaves every slice fully written or untouched, and reject restores them all', async () => {
    let controller!: VolumeController;
    let seen = 0;
    const { engine } = oracleEngine({
      beforeSlice: () => {
        if (++seen === 3) controller.cancel();
      },
    });
    controller = new VolumeController(engine, new MedsamLedger(), () => undefined);
    const { scene, labelmaps } = fakeScene(keys);
    const end = await controller.run(async () => scene);
    expect(end.phase).toBe('preview');
    expect(end.outcome).toBe('cancelled');
    expect(end.done).toBe(2);
    const written = labelmaps.map(count).filter(n => n > 0);
    expect(written).toHaveLength(2);
    expect(controller.reject()).toBe(true);
    expect(labelmaps.every(l => count(l) === 0)).toBe(true);
    expect(controller.getState().phase).toBe('idle');
  });

  it('a re-run keeps a hand correction made after the first run was accepted', async () => {
    const ledger = new MedsamLedger();
    const controller = new VolumeController(oracleEngine().engine, ledger, () => undefined);
    const { scene, labelmaps } = fakeScene(keys);
    await controller.run(async () => scene);
    controller.accept();
    const erased = labelmaps[4].indexOf(SEG);
    labelmaps[4][erased] = 0; // the eraser
    await controller.run(async () => scene);
    expect(labelmaps[4][erased]).toBe(0);
    controller.accept();
    expect(
      ledger.editedByHand(
        'seg',
        SEG,
        labelmaps.map((l, z) => ({ labelmapImageId: `lm-${z}`, labels: l })),
      ),
    ).toBe(true);
  });

  it('a host failure while writing a slice ends the run as a preview of the slices done, with the reason', async () => {
    const controller = new VolumeController(oracleEngine().engine, new MedsamLedger(), () => undefined);
    const { scene, labelmaps } = fakeScene(keys);
    let writes = 0;
    const failing: VolumeScene = {
      ...scene,
      labelmap: z => {
        if (++writes === 3) throw new Error('the segmentation was removed');
        return scene.labelmap(z);
      },
    };
    const end = await controller.run(async () => failing);
    expect(end).toMatchObject({ phase: 'preview', outcome: 'failed' });
    expect(end.message).toMatch(/segmentation was removed/);
    expect(labelmaps.filter(l => count(l) > 0)).toHaveLength(2);
    expect(controller.reject()).toBe(true);
    expect((await controller.run(async () => scene)).outcome).toBe('complete'); // not stuck in 'running'
  });

  it('undo puts the ledger back as it was, also after a run that overwrote hand edits', async () => {
    const ledger = new MedsamLedger();
    const controller = new VolumeController(oracleEngine().engine, ledger, () => undefined);
    const { scene, labelmaps, history } = fakeScene(keys);
    const painted = 0; // a hand-painted pixel outside every box, on a key slice
    labelmaps[2][painted] = SEG;
    const slicesOf = () => labelmaps.map((l, z) => ({ labelmapImageId: `lm-${z}`, labels: l }));
    expect(ledger.editedByHand('seg', SEG, slicesOf())).toBe(true);
    await controller.run(async () => scene, { keepHandEdits: false });
    controller.accept();
    expect(labelmaps[2][painted]).toBe(0);
    expect(ledger.editedByHand('seg', SEG, slicesOf())).toBe(false);
    history[0].undo();
    expect(labelmaps[2][painted]).toBe(SEG);
    expect(ledger.editedByHand('seg', SEG, slicesOf())).toBe(true); // still the user's pixel, not MedSAM's
    expect(controller.getState().phase).toBe('idle');
    history[0].redo();
    expect(ledger.editedByHand('seg', SEG, slicesOf())).toBe(false);
  });

  it('one key slice propagates up and down until the mask vanishes; no key slice is a clear message', async () => {
    const controller = new VolumeController(oracleEngine().engine, new MedsamLedger(), () => undefined);
    const single = fakeScene([{ slice: 4, box: box(4, 4, 10, 8) }]);
    const end = await controller.run(async () => single.scene);
    expect(end.mode).toBe('propagate');
    expect(end.done).toBe(SLICES);
    controller.reject();
    const none = await controller.run(async () => fakeScene([]).scene);
    expect(none.phase).toBe('idle');
    expect(none.message).toMatch(/key slices/i);
  });
});
