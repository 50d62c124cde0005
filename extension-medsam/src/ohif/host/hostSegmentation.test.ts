import {
  ensureActiveSegment,
  labelmapAccess,
  labelmapImageIdFor,
  listSegments,
  previewTargetFor,
} from './hostSegmentation';
import type { HostServices } from './hostTypes';

/** A stand-in for OHIF's segmentation service with one viewport. */
function fakeSegmentationService(initial: any = null) {
  let active: any = initial;
  const calls: string[] = [];
  const service = {
    getActiveSegmentation: () => active,
    setActiveSegmentation: (_vp: string, id: string) => calls.push(`setActive ${id}`),
    getActiveSegment: () => (active ? Object.values<any>(active.segments).find(s => s.active) : undefined),
    addSegment: (id: string, config: { label: string }) => {
      calls.push(`addSegment ${id} ${config.label}`);
      active.segments[2] = { segmentIndex: 2, label: config.label, active: true };
    },
    getSegmentations: () => (active ? [active] : []),
    getSegmentColor: () => [10, 20, 30, 255],
  };
  const commandsManager = {
    runCommand: async (name: string, options: any) => {
      calls.push(`${name} ${options.viewportId} ${options.options.createInitialSegment}`);
      active = {
        segmentationId: 'new-seg',
        label: 'MedSAM',
        representationData: { Labelmap: {} },
        segments: { 1: { segmentIndex: 1, label: 'Segment 1', active: true } },
      };
      return 'new-seg';
    },
  };
  return { services: { segmentationService: service } as unknown as HostServices, commandsManager, calls };
}

describe('ensureActiveSegment', () => {
  it('creates a labelmap for the viewport (the host command) when it has none', async () => {
    const f = fakeSegmentationService();
    expect(await ensureActiveSegment(f.services, f.commandsManager, 'vp1')).toEqual({
      segmentationId: 'new-seg',
      segmentIndex: 1,
    });
    expect(f.calls).toEqual(['createLabelmapForViewport vp1 true']);
  });

  it('uses the active labelmap segment, and adds a segment when none is active', async () => {
    const existing = {
      segmentationId: 's1',
      representationData: { Labelmap: {} },
      segments: { 1: { segmentIndex: 1, active: false } },
    };
    const f = fakeSegmentationService(existing);
    expect(await ensureActiveSegment(f.services, f.commandsManager, 'vp1')).toEqual({
      segmentationId: 's1',
      segmentIndex: 2,
    });
    expect(f.calls).toEqual(['addSegment s1 MedSAM 1']);
  });

  it('makes a labelmap when the active segmentation is a contour set', async () => {
    const f = fakeSegmentationService({ segmentationId: 'c1', representationData: { Contour: {} }, segments: {} });
    expect((await ensureActiveSegment(f.services, f.commandsManager, 'vp1')).segmentationId).toBe('new-seg');
  });

  it('lists segments with their colours for the panel', () => {
    const f = fakeSegmentationService({
      segmentationId: 's1',
      label: 'Liver',
      segments: { 1: { segmentIndex: 1, label: 'Liver', active: true } },
    });
    expect(listSegments(f.services, 'vp1')).toEqual([
      {
        segmentationId: 's1',
        segmentationLabel: 'Liver',
        segmentIndex: 1,
        label: 'Liver',
        active: true,
        color: 'rgb(10, 20, 30)',
      },
    ]);
  });
});

describe('labelmap of an image on the host', () => {
  const labelmap = new Uint8Array(6);
  const cs: any = {
    core: {
      cache: {
        getImage: (id: string) =>
          id === 'lm-2'
            ? {
                rows: 2,
                columns: 3,
                voxelManager: {
                  getAtIndex: (i: number) => labelmap[i],
                  setAtIndex: (i: number, v: number) => (labelmap[i] = v),
                },
              }
            : undefined,
      },
      utilities: { HistoryMemo: { DefaultHistoryMemo: { push: (m: any) => pushed.push(m) } } },
    },
    tools: {
      segmentation: {
        getLabelmapImageIdsForImageId: (imageId: string) => (imageId === 'img-2' ? ['lm-2'] : []),
        state: { getCurrentLabelmapImageIdForViewport: () => undefined },
        triggerSegmentationEvents: { triggerSegmentationDataModified: (...args: unknown[]) => modified.push(args) },
      },
    },
  };
  const pushed: any[] = [];
  const modified: unknown[][] = [];

  it('finds the labelmap image of a source image and writes through its voxel manager', () => {
    expect(labelmapImageIdFor(cs, 'seg', 'img-2', 'vp')).toBe('lm-2');
    expect(() => labelmapImageIdFor(cs, 'seg', 'img-9', 'vp')).toThrow('no labelmap for image img-9');
    const access = labelmapAccess(cs, 'lm-2', 6);
    access.set(4, 3);
    expect(labelmap[4]).toBe(3);
    expect(() => labelmapAccess(cs, 'lm-2', 7)).toThrow('6 pixels');
  });

  it("reads from the image's live array when the voxel manager hands it out, never from a copy", () => {
    const data = new Uint8Array(6);
    const calls = { get: 0 };
    const voxelManager = (scalar: () => Uint8Array) => ({
      getScalarData: scalar,
      getAtIndex: (i: number) => (calls.get++, data[i]),
      setAtIndex: (i: number, v: number) => void (data[i] = v),
    });
    const host = (vm: unknown): any => ({
      core: { cache: { getImage: () => ({ rows: 2, columns: 3, voxelManager: vm }) } },
    });
    const live = labelmapAccess(host(voxelManager(() => data)), 'lm', 6);
    live.set(1, 5);
    expect(live.get(1)).toBe(5);
    expect(calls.get).toBe(0);
    const copied = labelmapAccess(host(voxelManager(() => data.slice())), 'lm', 6);
    copied.set(2, 7);
    expect(copied.get(2)).toBe(7);
    expect(calls.get).toBe(1);
  });

  it('re-renders the segment and records accepted edits in the host undo history', () => {
    const target = previewTargetFor(cs, { segmentationId: 'seg', segmentIndex: 1 }, 'lm-2', 6);
    target.changed();
    expect(modified.at(-1)).toEqual(['seg', undefined, 1]);
    const log: string[] = [];
    const accepted = {
      edit: { value: 1, indices: new Uint32Array([0]), before: new Uint16Array([0]) },
      box: { space: 'image' as const, x0: 0, y0: 0, x1: 1, y1: 1 },
    };
    target.record?.({ undo: () => log.push('undo'), redo: () => log.push('redo') }, accepted);
    expect(pushed).toHaveLength(1);
    expect(pushed[0].operationType).toBe('labelmap');
    pushed[0].restoreMemo(true);
    pushed[0].restoreMemo(false);
    expect(log).toEqual(['undo', 'redo']);
  });
});
