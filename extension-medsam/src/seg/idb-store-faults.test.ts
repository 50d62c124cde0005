/**
 * The IndexedDB adapter over fake-indexeddb (a full IndexedDB in memory): values round-trip, a full store
 * (QuotaExceededError) and a missing or refusing IndexedDB come out as OUTBOX_FULL / OUTBOX_UNAVAILABLE, and the
 * outbox over such a store still never drops a SEG.
 */
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { indexedDbStore } from './idb-store';
import { Outbox, lazyStore, type OutboxEntry } from './outbox';
import { SegError } from './errors';

const seg = {
  sopInstanceUid: '2.25.7',
  sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4',
  studyInstanceUid: '1.2.3',
  seriesInstanceUid: '2.25.100',
  description: 'SEG 7',
  bytes: new Uint8Array([7, 7, 7]),
};

describe('indexedDbStore over fake-indexeddb', () => {
  it('keeps entries, Uint8Array included, across two connections (two tabs) to one database', async () => {
    const factory = new IDBFactory();
    const tabA = await indexedDbStore<OutboxEntry>('medsam-outbox', 'seg', factory);
    const tabB = await indexedDbStore<OutboxEntry>('medsam-outbox', 'seg', factory);
    const hanging = new Promise<never>(() => undefined);
    void new Outbox(tabA).save(seg, () => hanging, 'http://pacs.test'); // tab A is closed during its STOW
    await new Promise(r => setTimeout(r, 20));
    const listed = await new Outbox(tabB).list();
    expect(listed).toMatchObject([{ id: '2.25.7', lastError: { code: 'STOW_INTERRUPTED' }, bytesLength: 3 }]);
    const entry = await tabB.get('2.25.7');
    expect(entry?.bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(entry?.bytes ?? [])).toEqual([7, 7, 7]);
  });

  describe('a full store (put throws QuotaExceededError)', () => {
    const put = IDBObjectStore.prototype.put;
    beforeEach(() => {
      IDBObjectStore.prototype.put = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
    });
    afterEach(() => {
      IDBObjectStore.prototype.put = put;
    });

    it('rejects the write with OUTBOX_FULL naming the quota', async () => {
      const store = await indexedDbStore<string>('db', 'seg', new IDBFactory());
      const e = await store.set('k', 'v').catch(x => x);
      expect(e).toBeInstanceOf(SegError);
      expect(e.code).toBe('OUTBOX_FULL');
      expect(e.message).toMatch(/storage for this site is full \(QuotaExceededError\).*"db"/);
      expect(await store.keys()).toEqual([]);
    });

    it('the outbox over it: the PACS down -> not kept, both reasons given; the PACS up -> stored at once', async () => {
      const outbox = new Outbox(await indexedDbStore<OutboxEntry>('medsam-outbox', 'seg', new IDBFactory()));
      const down = await outbox.save(
        seg,
        async () => Promise.reject(new SegError('STOW_NETWORK', 'ECONNREFUSED')),
        'http://pacs.test',
      );
      expect(down).toMatchObject({
        stored: false,
        outboxId: null,
        error: { code: 'STOW_NETWORK' },
        notKept: { code: 'OUTBOX_FULL' },
      });
      const up = await outbox.save(
        seg,
        async i => ({ status: 200, url: 'x', stored: [{ sopInstanceUid: i.sopInstanceUid }] }),
        'http://pacs.test',
      );
      expect(up).toMatchObject({ stored: true, notKept: { code: 'OUTBOX_FULL' } });
    });
  });

  it('without IndexedDB: OUTBOX_UNAVAILABLE that says so', async () => {
    await expect(indexedDbStore('db', 'seg', undefined)).rejects.toMatchObject({
      code: 'OUTBOX_UNAVAILABLE',
      message: expect.stringMatching(/has no IndexedDB/),
    });
  });

  it('an open that is refused (error event, or a throw as in a private window): OUTBOX_UNAVAILABLE with the reason', async () => {
    const refusing = {
      open: () => {
        const r: { error: unknown; onerror: (() => void) | null; onsuccess: null; onupgradeneeded: null } = {
          error: new DOMException('refused', 'InvalidStateError'),
          onerror: null,
          onsuccess: null,
          onupgradeneeded: null,
        };
        setTimeout(() => r.onerror?.(), 0);
        return r;
      },
    } as unknown as globalThis.IDBFactory;
    await expect(indexedDbStore('db', 'seg', refusing)).rejects.toMatchObject({
      code: 'OUTBOX_UNAVAILABLE',
      message: expect.stringMatching(/InvalidStateError: refused/),
    });
    const throwing = {
      open: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    } as unknown as globalThis.IDBFactory;
    await expect(indexedDbStore('db', 'seg', throwing)).rejects.toMatchObject({
      code: 'OUTBOX_UNAVAILABLE',
      message: expect.stringMatching(/SecurityError: denied/),
    });
  });

  it('a lazy store over a factory that appears later (IndexedDB refused once) works on the next use', async () => {
    let factory: IDBFactory | undefined;
    const store = lazyStore(() => indexedDbStore<string>('db', 'seg', factory));
    await expect(store.keys()).rejects.toMatchObject({ code: 'OUTBOX_UNAVAILABLE' });
    factory = new IDBFactory();
    await store.set('k', 'v');
    expect(await store.get('k')).toBe('v');
  });
});
