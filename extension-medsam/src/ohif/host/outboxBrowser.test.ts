/**
 * The outbox's page side: Web Locks with a fallback, persistent storage asked once, the beforeunload prompt while a
 * store runs, IndexedDB opened again after a refusal, and the saver that downloads a SEG the outbox cannot keep.
 */
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { Outbox, memoryStore, type OutboxEntry } from '../../seg/outbox';
import { MedsamLedger } from '../app/medsamLedger';
import {
  browserLocks,
  createBrowserOutbox,
  pageLeaveGuard,
  persistentStorage,
  type LockManagerLike,
} from './outboxBrowser';
import { createHostSaver, type SaverPage } from './saveSegmentation';
import type { HostCornerstone } from './hostLibraries';
import type { HostServices } from './hostTypes';

const ROOT = 'http://pacs.test/dicom-web';

describe('browserLocks', () => {
  it('uses navigator.locks (exclusive, by name) when the browser has it', async () => {
    const requests: Array<[string, unknown]> = [];
    const locks: LockManagerLike = { request: (name, options, fn) => (requests.push([name, options]), fn()) };
    expect(await browserLocks({ locks })('medsam-outbox:1', async () => 42)).toBe(42);
    expect(requests).toEqual([['medsam-outbox:1', { mode: 'exclusive' }]]);
  });

  it('falls back to in-page locks without navigator.locks', async () => {
    const lock = browserLocks({});
    const order: string[] = [];
    await Promise.all([
      lock('a', async () => (order.push('1+'), await new Promise(r => setTimeout(r, 5)), order.push('1-'))),
      lock('a', async () => void order.push('2+')),
    ]);
    expect(order).toEqual(['1+', '1-', '2+']);
  });
});

describe('persistentStorage', () => {
  it('asks navigator.storage.persist() once, not when already persisted, and never throws', async () => {
    let asked = 0;
    const ask = persistentStorage({ storage: { persisted: async () => false, persist: async () => (asked++, true) } });
    expect(await ask()).toBe(true);
    expect(await ask()).toBe(true);
    expect(asked).toBe(1);
    let askedAgain = 0;
    expect(
      await persistentStorage({
        storage: { persisted: async () => true, persist: async () => (askedAgain++, true) },
      })(),
    ).toBe(true);
    expect(askedAgain).toBe(0);
    expect(await persistentStorage({ storage: { persist: async () => Promise.reject(new Error('denied')) } })()).toBe(
      false,
    );
    expect(await persistentStorage({})()).toBe(false);
  });
});

describe('pageLeaveGuard', () => {
  it('asks before leaving (beforeunload) while any hold is taken, and only then', () => {
    const listeners = new Set<(e: BeforeUnloadEvent) => void>();
    const target = {
      addEventListener: (_: string, l: (e: BeforeUnloadEvent) => void) => void listeners.add(l),
      removeEventListener: (_: string, l: (e: BeforeUnloadEvent) => void) => void listeners.delete(l),
    };
    const hold = pageLeaveGuard(target);
    const first = hold();
    const second = hold();
    expect(listeners.size).toBe(1);
    const event = { preventDefault: jest.fn(), returnValue: '' } as unknown as BeforeUnloadEvent;
    for (const l of listeners) l(event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(event.returnValue).toMatch(/being saved/);
    first();
    first(); // twice is harmless
    expect(listeners.size).toBe(1);
    second();
    expect(listeners.size).toBe(0);
  });
});

describe('createBrowserOutbox', () => {
  it('does not memoise an IndexedDB that failed to open: the next use opens it again', async () => {
    let factory: IDBFactory | undefined;
    const outbox = createBrowserOutbox({ factory: () => factory, nav: {} });
    await expect(outbox.list()).rejects.toMatchObject({ code: 'OUTBOX_UNAVAILABLE' });
    factory = new IDBFactory();
    expect(await outbox.list()).toEqual([]);
  });
});

/** A host with one 2x2 CT slice whose labelmap has one voxel of segment 1 (enough for writeSeg). */
function fakeHost() {
  const instance = {
    imageId: 'img:1',
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    SOPInstanceUID: '1.2.3.4.1',
    StudyInstanceUID: '1.2.3',
    SeriesInstanceUID: '1.2.3.4',
    FrameOfReferenceUID: '1.2.3.9',
    Modality: 'CT',
    Rows: 2,
    Columns: 2,
    ImagePositionPatient: [0, 0, 0],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    PixelSpacing: [0.7, 0.7],
    SliceThickness: 2.5,
    PatientID: 'P1',
  };
  const services = {
    viewportGridService: {
      getActiveViewportId: () => 'vp',
      getState: () => ({ viewports: new Map([['vp', { displaySetInstanceUIDs: ['ds'] }]]) }),
    },
    displaySetService: { getDisplaySetByUID: () => ({ Modality: 'CT', instances: [instance] }) },
    segmentationService: {
      getActiveSegmentation: () => ({
        segmentationId: 's',
        label: 'seg',
        segments: { 1: { segmentIndex: 1, label: 'Liver' } },
      }),
      getSegmentColor: () => [200, 10, 10, 255],
    },
  } as unknown as HostServices;
  const extensionManager = {
    getModuleEntry: () => undefined,
    getActiveDataSource: () => [{ getConfig: () => ({ wadoRoot: ROOT }) }],
  };
  const cs = {
    core: { cache: { getImage: () => ({ getPixelData: () => new Uint8Array([1, 0, 0, 0]) }) } },
    tools: { segmentation: { getLabelmapImageIdsForImageId: () => ['lm:1'] } },
  } as unknown as HostCornerstone;
  return { services, extensionManager, cs };
}

function fakePage() {
  const downloads: Array<[string, number]> = [];
  let holds = 0;
  const page: SaverPage = {
    download: (filename, bytes) => void downloads.push([filename, bytes.length]),
    holdPageLeave: () => (holds++, () => void holds--),
    persist: jest.fn(async () => true),
  };
  return { page, downloads, holds: () => holds };
}

describe('createHostSaver: the page side of a save', () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('holds the page-leave prompt during the STOW, asks for persistent storage, and times out with the configured limit', async () => {
    const { services, extensionManager, cs } = fakeHost();
    const { page, holds } = fakePage();
    const seen: number[] = [];
    globalThis.fetch = ((_url: string) => (
      seen.push(holds()),
      new Promise(() => undefined)
    )) as unknown as typeof fetch;
    const outbox = new Outbox(memoryStore<OutboxEntry>());
    const saver = createHostSaver({
      services,
      extensionManager,
      cs,
      outbox,
      ledger: new MedsamLedger(),
      stowTimeoutMs: 40,
      page,
    });
    const report = await saver.save({ id: 'box-oracle', weightsSha256: null });
    expect(report.outcome).toMatchObject({
      stored: false,
      error: { code: 'STOW_TIMEOUT' },
      outboxId: report.sopInstanceUid,
    });
    expect(seen).toEqual([1]); // the prompt was on while the POST was out
    expect(holds()).toBe(0); // and is off again
    expect(page.persist).toHaveBeenCalledTimes(1);
    expect((await saver.list()).map(e => e.lastError.code)).toEqual(['STOW_TIMEOUT']);
  });

  it('downloads the SEG when the outbox is full and the PACS does not take it, and says so in the report', async () => {
    const { services, extensionManager, cs } = fakeHost();
    const { page, downloads } = fakePage();
    globalThis.fetch = (async () =>
      Promise.reject(
        Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
      )) as unknown as typeof fetch;
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function () {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    try {
      const outbox = createBrowserOutbox({ factory: () => new IDBFactory(), nav: {} });
      const saver = createHostSaver({ services, extensionManager, cs, outbox, ledger: new MedsamLedger(), page });
      const report = await saver.save({ id: 'box-oracle', weightsSha256: null });
      expect(report.outcome).toMatchObject({
        stored: false,
        outboxId: null,
        notKept: { code: 'OUTBOX_FULL' },
        error: { code: 'STOW_NETWORK' },
      });
      expect(report.downloaded).toEqual({ filename: `SEG-${report.sopInstanceUid}.dcm` });
      expect(downloads).toHaveLength(1);
      expect(downloads[0][0]).toBe(`SEG-${report.sopInstanceUid}.dcm`);
      expect(downloads[0][1]).toBeGreaterThan(100);
    } finally {
      IDBObjectStore.prototype.put = put;
    }
  });

  it('a retry of an entry another tab removed is reported as gone, not thrown', async () => {
    const { services, extensionManager, cs } = fakeHost();
    const saver = createHostSaver({
      services,
      extensionManager,
      cs,
      outbox: new Outbox(memoryStore<OutboxEntry>()),
      ledger: new MedsamLedger(),
      page: fakePage().page,
    });
    expect(await saver.retry('2.25.404')).toEqual({
      ok: false,
      gone: true,
      message: expect.stringMatching(/no entry 2\.25\.404/),
    });
  });
});
