import { renderToStaticMarkup } from 'react-dom/server';
import { targetById } from '../../seg/codes';
import { ConfirmButton } from './ConfirmButton';
import { describeCoding, targetOptions, TargetPicker } from './TargetPicker';

describe('targetOptions', () => {
  it('lists catalogue matches best first, and no free text for a name the catalogue knows', () => {
    const options = targetOptions('liver');
    expect(options[0]).toEqual({ target: targetById('liver'), freeText: false });
    expect(options.some(o => o.freeText)).toBe(false);
  });

  it('offers a partial word as matches and as free text, never as the match it may become', () => {
    const options = targetOptions('kid');
    expect(options.filter(o => !o.freeText).map(o => o.target.id)).toEqual(['kidney', 'kidney-left', 'kidney-right']);
    expect(options.at(-1)).toMatchObject({ freeText: true, target: { label: 'kid', category: { meaning: 'Tissue' } } });
  });

  it('caps the matches, and gives the first targets for an empty query', () => {
    expect(targetOptions('', 4).map(o => o.target.id)).toEqual(['liver', 'spleen', 'kidney', 'kidney-left']);
    expect(targetOptions('zzz')).toEqual([expect.objectContaining({ freeText: true })]);
  });
});

describe('describeCoding', () => {
  it('names the SNOMED CT type, with laterality, or says free text', () => {
    const left = targetById('kidney-left')!;
    expect(describeCoding(left)).toBe(`SCT ${left.type.value} Kidney (Left)`);
    expect(describeCoding(targetOptions('zzz')[0].target)).toBe('free text, coded as Tissue');
  });
});

describe('TargetPicker and ConfirmButton markup', () => {
  it('shows the chosen target in the input, and the coding the label gives when nothing is chosen', () => {
    const liver = targetById('liver')!;
    const chosen = renderToStaticMarkup(
      <TargetPicker segmentLabel="MedSAM 1" chosen={liver} onChoose={() => undefined} />,
    );
    expect(chosen).toContain('data-cy="medsam-target-input"');
    expect(chosen).toContain('data-target-id="liver"');
    expect(chosen).toContain('value="Liver"');
    expect(chosen).toContain(`SCT ${liver.type.value} Liver`);
    const none = renderToStaticMarkup(
      <TargetPicker segmentLabel="MedSAM 1" chosen={undefined} onChoose={() => undefined} />,
    );
    expect(none).toContain('from the label: free text, coded as Tissue');
  });

  it('renders the discard button before its question', () => {
    const html = renderToStaticMarkup(
      <ConfirmButton label="Discard" onConfirm={() => undefined} data-cy="medsam-outbox-discard" />,
    );
    expect(html).toBe('<button type="button" data-cy="medsam-outbox-discard" data-confirm="false">Discard</button>');
  });
});
