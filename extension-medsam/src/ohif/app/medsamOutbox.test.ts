/** The service and panel side of the outbox faults: what the user is told, and no unhandled rejection. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { MedsamPanel } from '../panel/MedsamPanel';
import { MedsamService } from './medsamService';
import type { RetryReport, SaveReport, SegSaver } from './medsamService';

const base = {
  seriesInstanceUid: '1.2.8',
  sopInstanceUid: '1.2.9',
  segments: [{ label: 'Liver', voxels: 120 }],
  notes: [],
};
const at = '2024-01-01T00:00:00.000Z';

function saver(over: Partial<SegSaver> = {}): SegSaver {
  return {
    save: async () => ({ ...base, outcome: { stored: true, verifiedBy: 'stow', result: null } }),
    list: async () => [],
    retry: async () => ({ ok: true, message: null }),
    download: async () => undefined,
    discard: async () => undefined,
    ...over,
  };
}

describe('MedsamService: outbox faults as the user sees them', () => {
  it('says the SEG was downloaded when the outbox could not keep it, and the panel shows the file on its own line', async () => {
    const report: SaveReport = {
      ...base,
      outcome: {
        stored: false,
        outboxId: null,
        error: { code: 'STOW_NETWORK', message: 'Could not reach the PACS', at },
        notKept: { code: 'OUTBOX_FULL', message: "The browser's storage for this site is full", at },
      },
      downloaded: { filename: 'SEG-1.2.9.dcm' },
    };
    const service = new MedsamService();
    service.setSaver(saver({ save: async () => report }));
    await service.saveToPacs();
    const { save } = service.getState();
    expect(save.status).toBe('failed');
    expect(save.downloaded).toBe('SEG-1.2.9.dcm');
    expect(save.message).toMatch(/Not stored \(STOW_NETWORK\)/);
    expect(save.message).toMatch(
      /The outbox cannot keep it \(The browser's storage for this site is full\), so it was downloaded as SEG-1\.2\.9\.dcm/,
    );
    const html = renderToStaticMarkup(createElement(MedsamPanel, { service }));
    expect(html).toContain('data-cy="medsam-save-downloaded"');
    expect(html).toContain('data-filename="SEG-1.2.9.dcm"');
  });

  it('says when even the download failed', async () => {
    const service = new MedsamService();
    service.setSaver(
      saver({
        save: async () => ({
          ...base,
          outcome: {
            stored: false,
            outboxId: null,
            error: { code: 'STOW_TIMEOUT', message: 'no answer', at },
            notKept: { code: 'OUTBOX_UNAVAILABLE', message: 'no IndexedDB', at },
          },
          downloaded: { filename: 'SEG-1.2.9.dcm', error: 'downloads blocked' },
        }),
      }),
    );
    await service.saveToPacs();
    expect(service.getState().save.message).toMatch(/no IndexedDB\) and the download failed too \(downloads blocked\)/);
    expect(service.getState().save.downloaded).toBeUndefined();
  });

  it('tells a store verified by QIDO and a copy the outbox could not keep', async () => {
    const service = new MedsamService();
    service.setSaver(
      saver({
        save: async () => ({
          ...base,
          outcome: {
            stored: true,
            verifiedBy: 'qido',
            result: null,
            notKept: { code: 'OUTBOX_FULL', message: 'full', at },
          },
        }),
      }),
    );
    await service.saveToPacs();
    expect(service.getState().save).toMatchObject({ status: 'stored' });
    expect(service.getState().save.message).toMatch(
      /\(the PACS already had it\)[\s\S]*could not keep a copy meanwhile \(full\)/,
    );
  });

  it('a retry whose saver rejects ends as a failure in the panel, never as an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const service = new MedsamService();
      service.setSaver(saver({ retry: async () => Promise.reject(new Error('IndexedDB went away')) }));
      await expect(service.retryOutbox('1.2.9')).resolves.toBeUndefined();
      expect(service.getState().save).toMatchObject({ status: 'failed', message: 'Retry failed: IndexedDB went away' });
      await expect(service.downloadOutbox('1.2.9').then(() => 'ok')).resolves.toBe('ok');
      await new Promise(r => setTimeout(r, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a retry of an entry another tab stored or discarded is a notice, not a failure; QIDO-verified retries say so', async () => {
    let next: RetryReport = { ok: false, gone: true, message: 'no entry' };
    const service = new MedsamService();
    service.setSaver(saver({ retry: async () => next }));
    await service.retryOutbox('1.2.9');
    expect(service.getState().save).toMatchObject({
      status: 'idle',
      message: '1.2.9 is no longer in the outbox: it was stored or discarded in another tab',
    });
    next = { ok: true, message: null, alreadyStored: true };
    await service.retryOutbox('1.2.9');
    expect(service.getState().save).toMatchObject({
      status: 'stored',
      message: 'Stored 1.2.9 from the outbox (the PACS already had it)',
    });
  });

  it('a failed download of an outbox entry is shown', async () => {
    const service = new MedsamService();
    service.setSaver(
      saver({ download: async () => Promise.reject(new Error('The outbox has no entry 1.2.9 any more')) }),
    );
    await service.downloadOutbox('1.2.9');
    expect(service.getState().save).toMatchObject({
      status: 'failed',
      message: 'Cannot download 1.2.9: The outbox has no entry 1.2.9 any more',
    });
  });

  it('lists an interrupted store with its code for the panel', async () => {
    const service = new MedsamService();
    service.setSaver(
      saver({
        list: async () => [
          {
            id: '1.2.9',
            description: 'd',
            attempts: 1,
            bytesLength: 10,
            lastError: { code: 'STOW_INTERRUPTED', message: 'The store did not finish', at },
          } as never,
        ],
      }),
    );
    await service.refreshOutbox();
    expect(service.getState().outbox).toEqual([
      {
        id: '1.2.9',
        description: 'd',
        attempts: 1,
        error: 'The store did not finish',
        code: 'STOW_INTERRUPTED',
        bytesLength: 10,
      },
    ]);
    expect(renderToStaticMarkup(createElement(MedsamPanel, { service }))).toContain('data-code="STOW_INTERRUPTED"');
  });
});
