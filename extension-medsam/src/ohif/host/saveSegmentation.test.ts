import { gatherActiveSegmentation } from './saveSegmentation';

/** The host as gatherActiveSegmentation reads it: one viewport showing one display set with a labelmap segmentation. */
function host(instances: Record<string, unknown>[], labelled: Record<string, number[]>) {
  const requested: unknown[] = [];
  const displaySet = { Modality: 'CT', instances };
  const services = {
    viewportGridService: {
      getActiveViewportId: () => 'vp',
      getState: () => ({ viewports: new Map([['vp', { displaySetInstanceUIDs: ['ds'] }]]) }),
    },
    displaySetService: { getDisplaySetByUID: () => displaySet },
    segmentationService: {
      getActiveSegmentation: () => ({
        segmentationId: 'seg',
        label: 'S',
        segments: { 1: { segmentIndex: 1, label: 'Liver' } },
      }),
      getSegmentColor: () => [200, 10, 10, 255],
    },
  };
  const extensionManager = {
    getActiveDataSource: () => [
      {
        getImageIdsForInstance: (o: { instance: Record<string, unknown>; frame?: number }) => {
          requested.push(o.frame);
          return `wadors:${String(o.instance.SOPInstanceUID)}${o.frame !== undefined ? `/frames/${o.frame}` : ''}`;
        },
      },
    ],
  };
  const cs = {
    tools: {
      segmentation: {
        getLabelmapImageIdsForImageId: (imageId: string) => (labelled[imageId] ? [`label:${imageId}`] : []),
      },
    },
    core: {
      cache: {
        getImage: (id: string) => ({ getPixelData: () => Uint8Array.from(labelled[id.slice('label:'.length)]) }),
      },
    },
  };
  return {
    args: [services, extensionManager, cs] as unknown as Parameters<typeof gatherActiveSegmentation>,
    requested,
  };
}

describe('gatherActiveSegmentation', () => {
  it('gathers one slice per frame of a multi-frame instance, by the image id of each frame', () => {
    const { args, requested } = host([{ SOPInstanceUID: '1.2.3', NumberOfFrames: '3', Rows: 1, Columns: 2 }], {
      'wadors:1.2.3/frames/2': [0, 1],
    });
    const gathered = gatherActiveSegmentation(...args);
    expect(requested).toEqual([1, 2, 3]);
    expect(gathered.slices.map(s => [s.frame, s.layers.map(l => Array.from(l))])).toEqual([
      [1, []],
      [2, [[0, 1]]],
      [3, []],
    ]);
  });

  it('keeps one slice per single-frame instance, without a frame number', () => {
    const { args, requested } = host([{ SOPInstanceUID: '1.2.4', Rows: 1, Columns: 2, imageId: 'wadors:1.2.4' }], {
      'wadors:1.2.4': [1, 0],
    });
    const gathered = gatherActiveSegmentation(...args);
    expect(requested).toEqual([]);
    expect(gathered.slices.map(s => [s.frame, s.layers.length])).toEqual([[undefined, 1]]);
  });
});
