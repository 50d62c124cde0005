import { freeTextTarget, targetById } from '../../seg/codes';
import { SegError } from '../../seg/errors';
import { MedsamService } from './medsamService';
import { withTargets } from '../host/saveSegmentation';
import { BROWSER_DEPS, type SaveOptions, type SaveReport, type SegSaver } from './medsamService';
import type { HostSegment } from '../host/segExport';

const SUMMARY = {
  id: '1.2.9',
  description: 'MedSAM: Liver',
  attempts: 1,
  bytesLength: 2048,
  lastError: { code: 'STOW_NETWORK', message: 'connection refused', at: '' },
};

function fakeSaver(
  report: () => SaveReport,
  waiting: () => (typeof SUMMARY)[],
): SegSaver & { retried: string[]; discarded: string[]; options: Array<SaveOptions | undefined> } {
  const retried: string[] = [];
  const discarded: string[] = [];
  const options: Array<SaveOptions | undefined> = [];
  return {
    retried,
    discarded,
    options,
    save: async (_model, o) => (options.push(o), report()),
    list: async () => waiting() as any,
    retry: async id => (retried.push(id), { ok: true, message: null }),
    download: async () => undefined,
    discard: async id => void discarded.push(id),
  };
}

const base = {
  seriesInstanceUid: '1.2.8',
  sopInstanceUid: '1.2.9',
  segments: [{ label: 'Liver', voxels: 120 }],
  notes: ['hand edits are not tracked'],
};

describe('MedsamService: Save to PACS', () => {
  it('shows the stored series and an empty outbox', async () => {
    const service = new MedsamService();
    service.setSaver(
      fakeSaver(
        () => ({ ...base, outcome: { stored: true, verifiedBy: 'stow', result: { stored: ['1.2.9'] } as any } }),
        () => [],
      ),
    );
    await service.saveToPacs();
    const { save, outbox } = service.getState();
    expect(save.status).toBe('stored');
    expect(save.message).toContain('1.2.8');
    expect(save.message).toContain('Liver (120 voxels)');
    expect(outbox).toEqual([]);
  });

  it('shows the failure reason and lists the outbox; a retry empties it', async () => {
    let waiting = [SUMMARY];
    const saver = fakeSaver(
      () => ({
        ...base,
        outcome: {
          stored: false,
          error: { code: 'STOW_NETWORK', message: 'connection refused', at: '' },
          outboxId: '1.2.9',
        },
      }),
      () => waiting,
    );
    const service = new MedsamService();
    service.setSaver(saver);
    await service.saveToPacs();
    expect(service.getState().save.status).toBe('failed');
    expect(service.getState().save.message).toMatch(/STOW_NETWORK.*connection refused/);
    expect(service.getState().outbox).toEqual([
      {
        id: '1.2.9',
        description: 'MedSAM: Liver',
        attempts: 1,
        error: 'connection refused',
        code: 'STOW_NETWORK',
        bytesLength: 2048,
      },
    ]);
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
    service.setSaver({
      ...fakeSaver(
        () => base as any,
        () => [],
      ),
      save: async () => Promise.reject(new SegError('INVALID_SEGMENT', 'the segmentation is empty', {})),
    });
    await service.saveToPacs();
    expect(service.getState().save).toEqual({
      status: 'failed',
      message: 'Cannot save: the segmentation is empty',
      seriesInstanceUid: null,
    });
  });

  it('passes the targets chosen in the panel and the SEG type to the saver', async () => {
    const saver = fakeSaver(
      () => ({ ...base, outcome: { stored: true, verifiedBy: 'stow', result: { stored: ['1.2.9'] } as any } }),
      () => [],
    );
    const renamed: unknown[][] = [];
    const service = new MedsamService({}, { ...BROWSER_DEPS, renameSegment: (...a: unknown[]) => renamed.push(a) });
    service.setSaver(saver);
    service.setSegments([
      {
        segmentationId: 'seg-a',
        segmentationLabel: 'A',
        segmentIndex: 1,
        label: 'MedSAM 1',
        active: true,
        color: null,
      },
      {
        segmentationId: 'seg-a',
        segmentationLabel: 'A',
        segmentIndex: 2,
        label: 'MedSAM 2',
        active: false,
        color: null,
      },
    ]);
    const liver = targetById('liver')!;
    service.setSegmentTarget('seg-a', 1, liver);
    service.setSegmentTarget('seg-a', 2, freeTextTarget('my blob'));
    service.setSaveKind('labelmap');
    await service.saveToPacs();
    expect(saver.options).toEqual([
      { targets: { 'seg-a:1': liver, 'seg-a:2': freeTextTarget('my blob') }, kind: 'LABELMAP' },
    ]);
    expect(renamed).toEqual([
      ['seg-a', 1, 'Liver'],
      ['seg-a', 2, 'my blob'],
    ]);
    // Back to the label's coding, binary again; a removed segment's choice goes with it.
    service.setSegmentTarget('seg-a', 2, null);
    service.setSaveKind('binary');
    service.setSegments([
      { segmentationId: 'seg-a', segmentationLabel: 'A', segmentIndex: 2, label: 'my blob', active: true, color: null },
    ]);
    await service.saveToPacs();
    expect(saver.options[1]).toEqual({ targets: {}, kind: 'BINARY' });
  });

  it('a choice still counts when the viewer cannot rename the segment', async () => {
    const saver = fakeSaver(
      () => ({ ...base, outcome: { stored: true, verifiedBy: 'stow', result: { stored: ['1.2.9'] } as any } }),
      () => [],
    );
    const service = new MedsamService(
      {},
      {
        ...BROWSER_DEPS,
        renameSegment: () => {
          throw new Error('no such segment');
        },
      },
    );
    service.setSaver(saver);
    service.setSegmentTarget('seg-a', 1, targetById('spleen')!);
    await service.saveToPacs();
    expect(saver.options[0]?.targets?.['seg-a:1']?.id).toBe('spleen');
  });

  it('attaches the chosen targets to the gathered segments by segmentation and index', () => {
    const gathered: { segmentationId: string; segments: HostSegment[] } = {
      segmentationId: 'seg-a',
      segments: [
        { segmentIndex: 1, label: 'MedSAM 1', color: null },
        { segmentIndex: 2, label: 'Liver', color: null },
      ],
    };
    const liver = targetById('liver')!;
    const out = withTargets(gathered, { 'seg-a:1': liver, 'seg-b:2': targetById('spleen')! });
    expect(out.segments.map(s => s.target?.id)).toEqual(['liver', undefined]);
    expect(withTargets(gathered, undefined)).toBe(gathered);
  });

  it('discards an outbox entry through the saver and lists the outbox again', async () => {
    let waiting = [SUMMARY];
    const saver = fakeSaver(
      () => base as any,
      () => waiting,
    );
    const service = new MedsamService();
    service.setSaver(saver);
    await service.refreshOutbox();
    expect(service.getState().outbox).toHaveLength(1);
    waiting = [];
    await service.discardOutbox('1.2.9');
    expect(saver.discarded).toEqual(['1.2.9']);
    expect(service.getState().outbox).toEqual([]);
    expect(service.getState().save.message).toMatch(/Discarded 1\.2\.9/);
    service.setSaver({ ...saver, discard: async () => Promise.reject(new Error('IndexedDB is closed')) });
    await service.discardOutbox('1.2.9');
    expect(service.getState().save).toMatchObject({
      status: 'failed',
      message: 'Cannot discard 1.2.9: IndexedDB is closed',
    });
  });
});
