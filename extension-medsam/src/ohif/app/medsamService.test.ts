import { INITIAL_STATE, MedsamService } from './medsamService';
import { harness, slice } from './medsamService.harness';
import { segmentMessage } from './errorMessages';

describe('MedsamService state', () => {
  it('starts idle with no model and no device', () => {
    const service = new MedsamService();
    expect(service.getState()).toEqual(INITIAL_STATE);
  });

  it('tells subscribers each new state, and stops after unsubscribe', () => {
    const service = new MedsamService();
    const seen: string[] = [];
    const subscription = service.subscribe(state => seen.push(`${state.saveKind}/${state.keepHandEdits}`));
    const ohifStyle = service.subscribe(MedsamService.EVENTS.STATE_CHANGED, state =>
      seen.push(`event ${state.saveKind}`),
    );
    service.setSaveKind('labelmap');
    service.setKeepHandEdits(false);
    subscription.unsubscribe();
    ohifStyle.unsubscribe();
    service.reportError('x');
    expect(seen).toEqual(['labelmap/true', 'event labelmap', 'labelmap/false', 'event labelmap']);
    expect(() => service.subscribe('event::other' as never, () => {})).toThrow(/no event event::other/);
  });

  it('gives a new state object on each change (React compares by identity)', () => {
    const service = new MedsamService();
    const before = service.getState();
    service.reportError('x');
    expect(service.getState()).not.toBe(before);
    expect(before.message).toBeNull();
  });

  it('an unsupported viewer: one console error, the message stays in the panel across mode entries, no model is loaded', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { deps, manifestLoads } = harness();
      const service = new MedsamService({}, deps);
      service.reportUnsupportedHost('MedSAM cannot run in this viewer: it lacks X');
      service.reportUnsupportedHost('MedSAM cannot run in this viewer: it lacks X');
      service.onModeEnter();
      expect(await service.loadModel()).toBe(false);
      expect(service.getState()).toMatchObject({
        status: 'error',
        message: 'MedSAM cannot run in this viewer: it lacks X',
      });
      expect(service.unsupportedHost).toBe('MedSAM cannot run in this viewer: it lacks X');
      // A box (the box tool's preview goes the same way) is refused with the same words, said once.
      const box = { space: 'image' as const, x0: 1, y0: 1, x1: 8, y1: 8 };
      const refused = await service.segmentBox('img-1', slice(), box).catch((e: unknown) => e);
      expect(segmentMessage(refused)).toBe('MedSAM cannot run in this viewer: it lacks X');
      expect(manifestLoads).toEqual([]);
      expect(error).toHaveBeenCalledTimes(1);
    } finally {
      error.mockRestore();
    }
  });

  it('clears an error when a mode is entered again', async () => {
    const { deps } = harness();
    const service = new MedsamService({ modelBaseUrl: 'https://p.example/elsewhere/' }, deps);
    expect(await service.loadModel()).toBe(false);
    expect(service.getState()).toMatchObject({ status: 'error', message: expect.stringContaining('HTTP 404') });
    service.onModeEnter();
    expect(service.getState()).toMatchObject({ status: 'idle', message: null });
  });
});

describe('MedsamService: Segment volume', () => {
  /** A 3-slice scene over the fake engine: slice z's labelmap is a plain array. */
  function volumeHost(service: MedsamService) {
    const labelmaps = [0, 1, 2].map(() => new Array<number>(16 * 24).fill(0));
    const seen: { boxes: unknown[] } = { boxes: [] };
    service.setVolumeHost({
      prepare: async accepted => {
        const boxes = [...accepted()];
        seen.boxes = boxes;
        return {
          viewportId: 'vp',
          imageIds: ['img-0', 'img-1', 'img-2'],
          keys: boxes.map(b => ({ slice: Number(b.imageId.slice(4)), box: b.box })),
          image: { width: 24, height: 16 },
          spacingMm: [1, 1, 1],
          segmentationId: 'seg',
          segmentIndex: 1,
          loadSlice: async () => slice(),
          labelmap: z => ({
            labelmapImageId: `lm-${z}`,
            access: { length: 16 * 24, get: i => labelmaps[z][i], set: (i, v) => void (labelmaps[z][i] = v) },
          }),
          changed: () => undefined,
          record: () => undefined,
        };
      },
      jumpTo: () => undefined,
    });
    return { labelmaps, seen };
  }

  it("keeps a box still previewed as a key slice, and refuses to save the run's preview until it is accepted", async () => {
    const h = harness();
    const service = new MedsamService({}, h.deps);
    const { labelmaps, seen } = volumeHost(service);
    const labelmap = labelmaps[1];
    const target = {
      labelmap: {
        length: labelmap.length,
        get: (i: number) => labelmap[i],
        set: (i: number, v: number) => void (labelmap[i] = v),
      },
      segmentIndex: 1,
      changed: () => undefined,
    };
    service.preview.start({
      viewportId: 'vp',
      imageId: 'img-1',
      image: slice(),
      target: async () =>
        service.trackAcceptedBox(target, {
          imageId: 'img-1',
          segmentationId: 'seg',
          labelmapImageId: 'lm-1',
          pixels: labelmap.length,
        }),
    });
    const box = { space: 'image' as const, x0: 2, y0: 3, x1: 10, y1: 9 };
    service.preview.setBox(box);
    service.setSaver({
      save: async () => Promise.reject(new Error('must not save')),
      list: async () => [],
      retry: async () => ({ ok: true, message: null }),
      download: async () => undefined,
      discard: async () => undefined,
    });

    const run = await service.segmentVolume();
    expect(service.preview.hasPreview).toBe(false);
    expect(seen.boxes).toEqual([{ imageId: 'img-1', segmentationId: 'seg', segmentIndex: 1, box }]);
    expect(run).toMatchObject({ phase: 'preview', mode: 'propagate', outcome: 'complete' });
    const voxels = labelmaps.map(l => l.filter(v => v === 1).length);
    expect(voxels[1]).toBe(8 * 6); // the key slice: the box's own mask
    expect(voxels[0]).toBeGreaterThan(0); // propagated down and up from it
    expect(voxels[2]).toBeGreaterThan(0);
    await service.saveToPacs();
    expect(service.getState().save).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/preview: accept it \(Enter\) or reject it \(Esc\) first/),
    });
    expect(service.volume.accept()).toBe(true);
    service.dispose();
    h.close();
  });
});
