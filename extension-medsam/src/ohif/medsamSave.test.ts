import { SegError } from '../seg/errors';
import { MedsamService } from './medsamService';
import type { SaveReport, SegSaver } from './saveSegmentation';

const SUMMARY = { id: '1.2.9', description: 'MedSAM: Liver', attempts: 1, bytesLength: 2048, lastError: { code: 'STOW_NETWORK', message: 'connection refused', at: '' } };

function fakeSaver(report: () => SaveReport, waiting: () => (typeof SUMMARY)[]): SegSaver & { retried: string[] } {
  const retried: string[] = [];
  return {
    retried,
    save: async () => report(),
    list: async () => waiting() as any,
    retry: async id => (retried.push(id), { ok: true, message: null }),
    download: async () => undefined,
  };
}

const base = { seriesInstanceUid: '1.2.8', sopInstanceUid: '1.2.9', segments: [{ label: 'Liver', voxels: 120 }], notes: ['hand edits are not tracked'] };

describe('MedsamService: Save to PACS', () => {
  it('shows the stored series and an empty outbox', async () => {
    const service = new MedsamService();
    service.setSaver(fakeSaver(() => ({ ...base, outcome: { stored: true, result: { stored: ['1.2.9'] } as any } }), () => []));
    await service.saveToPacs();
    const { save, outbox } = service.getState();
    expect(save.status).toBe('stored');
    expect(save.message).toContain('1.2.8');
    expect(save.message).toContain('Liver (120 voxels)');
    expect(outbox).toEqual([]);
  });

  it('shows the failure reason and lists the outbox; a retry empties it', async () => {
    let waiting = [SUMMARY];
    const saver = fakeSaver(() => ({ ...base, outcome: { stored: false, error: { code: 'STOW_NETWORK', message: 'connection refused', at: '' }, outboxId: '1.2.9' } }), () => waiting);
    const service = new MedsamService();
    service.setSaver(saver);
    await service.saveToPacs();
    expect(service.getState().save.status).toBe('failed');
    expect(service.getState().save.message).toMatch(/STOW_NETWORK.*connection refused/);
    expect(service.getState().outbox).toEqual([{ id: '1.2.9', description: 'MedSAM: Liver', attempts: 1, error: 'connection refused', bytesLength: 2048 }]);
    waiting = [];
    await service.retryOutbox('1.2.9');
    expect(saver.retried).toEqual(['1.2.9']);
    expect(service.getState().save.status).toBe('stored');
    expect(service.getState().outbox).toEqual([]);
  });

  it('says why when nothing can be written (no saver, empty segmentation)', async () => {
    const service = new MedsamService();
    await service.saveToPacs();
    expect(service.getState().save.message).toMatch(/not available/);
    service.setSaver({ ...fakeSaver(() => base as any, () => []), save: async () => Promise.reject(new SegError('INVALID_SEGMENT', 'the segmentation is empty', {})) });
    await service.saveToPacs();
    expect(service.getState().save).toEqual({ status: 'failed', message: 'Cannot save: the segmentation is empty', seriesInstanceUid: null });
  });
});
