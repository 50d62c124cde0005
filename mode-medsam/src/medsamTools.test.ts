import { addMedsamToMode, MEDSAM_BOX_BUTTON, withMedsamOnModeEnter } from './medsamTools';

function fakeHost(groups = ['default', 'mpr', 'volume3d']) {
  const calls: string[] = [];
  const services = {
    toolGroupService: {
      getToolGroup: (id: string) => (groups.includes(id) ? {} : undefined),
      addToolsToToolGroup: (id: string, tools: { passive: Array<{ toolName: string }> }) => calls.push(`tools ${id} ${tools.passive[0].toolName}`),
    },
    toolbarService: {
      register: (buttons: Array<{ id: string }>) => calls.push(`register ${buttons.map(b => b.id)}`),
      updateSection: (key: string, ids: string[]) => calls.push(`section ${key} ${ids}`),
    },
    customizationService: { setCustomizations: (c: Record<string, { $push: Array<{ keys: string[] }> }>) => calls.push(`hotkey ${c['ohif.hotkeyBindings'].$push[0].keys}`) },
  };
  const commandsManager = { runCommand: (name: string) => calls.push(`command ${name}`) };
  return { ctx: { servicesManager: { services }, commandsManager }, calls };
}

describe('the MedSAM additions to the segmentation mode', () => {
  it('adds the box tool to the default and MPR tool groups, the button, the m hotkey, and loads the model', () => {
    const { ctx, calls } = fakeHost();
    addMedsamToMode(ctx);
    expect(calls).toEqual([
      'tools default MedsamBox',
      'tools mpr MedsamBox',
      'register MedsamBox',
      'section primary MedsamBox',
      'section LabelMapTools MedsamBox',
      'hotkey m',
      'command medsamLoadModel',
    ]);
    expect(MEDSAM_BOX_BUTTON.props.evaluate).toContain('evaluate.cornerstoneTool');
  });

  it('runs after the host onModeEnter, with the mode as this', () => {
    const { ctx, calls } = fakeHost(['default']);
    const self = { id: 'mode' };
    const seen: unknown[] = [];
    withMedsamOnModeEnter(function (this: unknown) {
      seen.push(this);
      calls.push('host onModeEnter');
    }).call(self, ctx);
    expect(seen).toEqual([self]);
    expect(calls[0]).toBe('host onModeEnter');
    expect(calls[1]).toBe('tools default MedsamBox');
  });
});
