import { addMedsamToMode, MEDSAM_BOX_BUTTON, withMedsamOnModeEnter } from './medsamTools';

function fakeHost(groups = ['default', 'mpr', 'volume3d']) {
  const calls: string[] = [];
  const services = {
    toolGroupService: {
      getToolGroup: (id: string) => (groups.includes(id) ? {} : undefined),
      addToolsToToolGroup: (id: string, tools: { passive: Array<{ toolName: string }> }) => calls.push(`tools ${id} ${tools.passive.map(t => t.toolName)}`),
    },
    toolbarService: {
      register: (buttons: Array<{ id: string }>) => calls.push(`register ${buttons.map(b => b.id)}`),
      updateSection: (key: string, ids: string[]) => calls.push(`section ${key} ${ids}`),
    },
    customizationService: { setCustomizations: (c: Record<string, { $push: Array<{ keys: string[] }> }>) => calls.push(`hotkey ${c['ohif.hotkeyBindings'].$push.map(h => h.keys)}`) },
  };
  const commandsManager = { runCommand: (name: string) => calls.push(`command ${name}`) };
  return { ctx: { servicesManager: { services }, commandsManager }, calls };
}

describe('the MedSAM additions to the segmentation mode', () => {
  it('adds the box and marker tools to the default and MPR tool groups, their buttons, the m, k and shift+m hotkeys, and loads the model', () => {
    const { ctx, calls } = fakeHost();
    addMedsamToMode(ctx);
    expect(calls).toEqual([
      'tools default MedsamBox,Bidirectional',
      'tools mpr MedsamBox,Bidirectional',
      'register MedsamBox,Bidirectional',
      'section primary MedsamBox,Bidirectional',
      'section LabelMapTools MedsamBox,Bidirectional',
      'hotkey m,k,shift+m',
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
    expect(calls[1]).toBe('tools default MedsamBox,Bidirectional');
  });
});
