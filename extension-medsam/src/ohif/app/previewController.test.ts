import type { ImageBox } from '../../engine/geometry/box';
import { MedsamError } from '../../engine/errors';
import type { SliceInput } from '../../engine/session/pipeline';
import { arraySliceAccess } from './labelmapEdit';
import { PreviewController, type PreviewEngine, type PreviewOverlay, type PreviewTarget } from './previewController';

const W = 8;
const H = 4;
const box = (x0: number, y0: number, x1: number, y1: number): ImageBox => ({ space: 'image', x0, y0, x1, y1 });
const image = { slice: { rows: H, columns: W, samplesPerPixel: 1, pixels: new Uint8Array(W * H) } } as SliceInput;

/** The box as a mask: what the box-oracle model answers. */
function boxMask(b: ImageBox): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      if (x + 0.5 > b.x0 && x + 0.5 < b.x1 && y + 0.5 > b.y0 && y + 0.5 < b.y1) m[y * W + x] = 1;
  return m;
}

/** An engine whose answers the test releases one by one. */
function manualEngine() {
  const calls: Array<{ box: ImageBox; resolve: () => void; reject: (e: unknown) => void; signal: AbortSignal }> = [];
  const engine: PreviewEngine = {
    segment: (_id, _image, b, signal) =>
      new Promise<Uint8Array>((resolve, reject) => {
        calls.push({ box: b, resolve: () => resolve(boxMask(b)), reject, signal });
        signal.addEventListener('abort', () => reject(new MedsamError('CANCELLED', 'cancelled')));
      }),
  };
  return { engine, calls };
}

/** An overlay that remembers what it shows (null: nothing). */
function recordingOverlay() {
  const overlay = {
    shown: null as Uint8Array | null,
    shows: 0,
    show: (m: Uint8Array) => void ((overlay.shown = m), overlay.shows++),
    clear: () => void (overlay.shown = null),
  };
  return overlay;
}

function setup(engine: PreviewEngine, labelmapValues = new Uint8Array(W * H), overlay?: PreviewOverlay) {
  const history: Array<{ undo(): void; redo(): void }> = [];
  let renders = 0;
  const target: PreviewTarget = {
    labelmap: arraySliceAccess(labelmapValues),
    segmentIndex: 1,
    changed: () => void renders++,
    record: e => void history.push(e),
    overlay,
  };
  const errors: unknown[] = [];
  const controller = new PreviewController(engine, { minIntervalMs: 0, onError: e => errors.push(e) });
  controller.start({ viewportId: 'vp', imageId: 'img1', image, target: async () => target });
  return { controller, labelmap: labelmapValues, history, errors, renders: () => renders };
}

const flush = () => new Promise(r => setTimeout(r, 0));
const count = (a: Uint8Array) => a.reduce((n, v) => n + (v ? 1 : 0), 0);

describe('PreviewController', () => {
  it('shows the mask of the box as a preview and keeps it on accept, with an undo entry', async () => {
    const { engine, calls } = manualEngine();
    const s = setup(engine);
    s.controller.setBox(box(1, 1, 4, 3));
    calls[0].resolve();
    await flush();
    expect(count(s.labelmap)).toBe(6);
    expect(await s.controller.accept()).toBe(true);
    expect(s.controller.hasPreview).toBe(false);
    expect(count(s.labelmap)).toBe(6);
    expect(s.history).toHaveLength(1);
    s.history[0].undo();
    expect(count(s.labelmap)).toBe(0);
    s.history[0].redo();
    expect(count(s.labelmap)).toBe(6);
  });

  it('sends one request at a time and only the newest of the boxes drawn meanwhile', async () => {
    const { engine, calls } = manualEngine();
    const s = setup(engine);
    s.controller.setBox(box(0, 0, 2, 2));
    s.controller.setBox(box(0, 0, 3, 2));
    s.controller.setBox(box(0, 0, 5, 3));
    expect(calls).toHaveLength(1);
    calls[0].resolve();
    await flush();
    expect(calls.map(c => c.box.x1)).toEqual([2, 5]);
    // The first result is shown while the newest is computed; then replaced by it (not added to it).
    expect(count(s.labelmap)).toBe(4);
    calls[1].resolve();
    await flush();
    expect(count(s.labelmap)).toBe(15);
    expect(s.controller.current?.shownBox?.x1).toBe(5);
  });

  it('on Enter during a computation, waits for the newest box and accepts that', async () => {
    const { engine, calls } = manualEngine();
    const s = setup(engine);
    s.controller.setBox(box(0, 0, 2, 2));
    const accepted = s.controller.accept();
    calls[0].resolve();
    expect(await accepted).toBe(true);
    expect(count(s.labelmap)).toBe(4);
  });

  it("does not accept an older box's mask when the newest box failed: the preview is dropped, the error stays", async () => {
    const { engine, calls } = manualEngine();
    const s = setup(engine);
    s.controller.setBox(box(0, 0, 2, 2));
    calls[0].resolve();
    await flush();
    s.controller.setBox(box(0, 0, 6, 4));
    calls[1].reject(new MedsamError('INFERENCE_FAILED', 'decoder failed'));
    await flush();
    expect(s.errors).toHaveLength(1);
    expect(await s.controller.accept()).toBe(false);
    await flush();
    expect(count(s.labelmap)).toBe(0);
    expect(s.history).toHaveLength(0);
  });

  it('restores the labelmap exactly on reject, and drops a result that arrives afterwards', async () => {
    const { engine, calls } = manualEngine();
    const before = Uint8Array.from({ length: W * H }, (_, i) => (i % 5 === 0 ? 2 : 0));
    const s = setup(engine, before.slice());
    s.controller.setBox(box(0, 0, 8, 4));
    calls[0].resolve();
    await flush();
    s.controller.setBox(box(0, 0, 4, 4));
    s.controller.reject();
    expect(calls[1].signal.aborted).toBe(true);
    await flush();
    expect(s.labelmap).toEqual(before);
    expect(await s.controller.accept()).toBe(false);
    expect(s.history).toHaveLength(0);
    expect(s.errors).toEqual([]);
  });

  it('a new box on the slice replaces the pending preview', async () => {
    const { engine, calls } = manualEngine();
    const s = setup(engine);
    s.controller.setBox(box(0, 0, 2, 2));
    calls[0].resolve();
    await flush();
    s.controller.start({
      viewportId: 'vp',
      imageId: 'img1',
      image,
      target: async () => ({ labelmap: arraySliceAccess(s.labelmap), segmentIndex: 1, changed: () => {} }),
    });
    await flush();
    expect(count(s.labelmap)).toBe(0);
  });

  it('reports failures other than cancellation and keeps going with the next box', async () => {
    const { engine, calls } = manualEngine();
    const s = setup(engine);
    s.controller.setBox(box(0, 0, 2, 2));
    calls[0].reject(new MedsamError('INVALID_BOX', 'outside'));
    await flush();
    expect((s.errors[0] as Error).message).toBe('outside');
    s.controller.setBox(box(0, 0, 3, 3));
    calls[1].resolve();
    await flush();
    expect(count(s.labelmap)).toBe(9);
  });

  it('does not segment an unchanged box again unless forced (a click inside the box)', async () => {
    const { engine, calls } = manualEngine();
    const s = setup(engine);
    s.controller.setBox(box(0, 0, 2, 2));
    calls[0].resolve();
    await flush();
    s.controller.setBox(box(0, 0, 2, 2));
    expect(calls).toHaveLength(1);
    s.controller.setBox(box(0, 0, 2, 2), { force: true });
    expect(calls).toHaveLength(2);
  });

  it('waits minIntervalMs between requests (throttle)', async () => {
    const { engine, calls } = manualEngine();
    let t = 0;
    const timers: Array<{ fn: () => void; at: number }> = [];
    const controller = new PreviewController(engine, {
      minIntervalMs: 100,
      now: () => t,
      setTimer: (fn, ms) => timers.push({ fn, at: t + ms }),
      clearTimer: () => {},
    });
    const target: PreviewTarget = {
      labelmap: arraySliceAccess(new Uint8Array(W * H)),
      segmentIndex: 1,
      changed: () => {},
    };
    controller.start({ viewportId: 'vp', imageId: 'i', image, target: async () => target });
    controller.setBox(box(0, 0, 2, 2));
    calls[0].resolve();
    await flush();
    t = 30;
    controller.setBox(box(0, 0, 3, 2));
    expect(calls).toHaveLength(1);
    expect(timers.map(x => x.at)).toEqual([100]);
    t = 100;
    timers[0].fn();
    expect(calls).toHaveLength(2);
  });

  describe('while the box is dragged', () => {
    it('shows masks on the overlay without touching the labelmap, and writes the newest once the drag ends', async () => {
      const { engine, calls } = manualEngine();
      const overlay = recordingOverlay();
      const s = setup(engine, undefined, overlay);
      s.controller.setDragging(true);
      s.controller.setBox(box(0, 0, 2, 2));
      calls[0].resolve();
      await flush();
      s.controller.setBox(box(0, 0, 4, 3));
      calls[1].resolve();
      await flush();
      expect(overlay.shows).toBe(2);
      expect(count(overlay.shown!)).toBe(12);
      expect(count(s.labelmap)).toBe(0);
      expect(s.renders()).toBe(0);
      expect(s.controller.current?.shownBox?.x1).toBe(4);
      s.controller.setDragging(false);
      await flush();
      expect(count(s.labelmap)).toBe(12);
      expect(s.renders()).toBe(1);
      expect(overlay.shown).toBeNull();
      expect(await s.controller.accept()).toBe(true);
      s.history[0].undo();
      expect(count(s.labelmap)).toBe(0);
    });

    it('when released with a box still computing, writes only that box to the labelmap', async () => {
      const { engine, calls } = manualEngine();
      const overlay = recordingOverlay();
      const s = setup(engine, undefined, overlay);
      s.controller.setDragging(true);
      s.controller.setBox(box(0, 0, 2, 2));
      calls[0].resolve();
      await flush();
      s.controller.setBox(box(0, 0, 5, 3));
      s.controller.setDragging(false);
      await flush();
      expect(s.renders()).toBe(0); // the stale mask is not written first
      calls[1].resolve();
      await flush();
      expect(count(s.labelmap)).toBe(15);
      expect(s.renders()).toBe(1);
    });

    it('accepting mid-drag keeps what the overlay shows; rejecting clears the overlay and leaves the labelmap as it was', async () => {
      const { engine, calls } = manualEngine();
      const overlay = recordingOverlay();
      const s = setup(engine, undefined, overlay);
      s.controller.setDragging(true);
      s.controller.setBox(box(1, 1, 4, 3));
      calls[0].resolve();
      await flush();
      expect(await s.controller.accept()).toBe(true);
      expect(count(s.labelmap)).toBe(6);
      expect(s.history).toHaveLength(1);

      s.controller.start({
        viewportId: 'vp',
        imageId: 'img1',
        image,
        target: async () => ({
          labelmap: arraySliceAccess(s.labelmap),
          segmentIndex: 2,
          changed: () => undefined,
          overlay,
        }),
      });
      s.controller.setDragging(true);
      s.controller.setBox(box(4, 0, 8, 4));
      calls[1].resolve();
      await flush();
      expect(overlay.shown).not.toBeNull();
      s.controller.reject();
      await flush();
      expect(overlay.shown).toBeNull();
      expect(count(s.labelmap)).toBe(6);
    });
  });
});
