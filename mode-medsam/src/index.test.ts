import mode, { MEDSAM_MODE_COMMANDS, MODE_ID, ROUTE_NAME } from './index';

/** A stand-in for OHIF's segmentation mode module: its factory records what it is asked to apply. */
function fakeSegmentationMode() {
  const calls: Array<{ self: unknown; modeConfiguration: unknown }> = [];
  const module = {
    id: '@ohif/mode-segmentation',
    modeInstance: { id: '@ohif/mode-segmentation', routeName: 'segmentation' },
    modeFactory(this: { modeInstance: Record<string, unknown> }, { modeConfiguration }: { modeConfiguration?: unknown }) {
      calls.push({ self: this, modeConfiguration });
      return { ...this.modeInstance, applied: [...((this.modeInstance.applied as unknown[]) ?? []), modeConfiguration] };
    },
  };
  return { module, calls };
}

describe('MedSAM mode', () => {
  it('extends the host segmentation mode through its own factory', async () => {
    const { module, calls } = fakeSegmentationMode();
    const requested: string[][] = [];
    const instance = await mode.modeFactory({
      modeConfiguration: {},
      loadModules: async names => {
        requested.push(names);
        return [module];
      },
    });
    expect(requested).toEqual([['@ohif/mode-segmentation']]);
    expect(calls).toHaveLength(1);
    expect(calls[0].self).toBe(module);
    expect(calls[0].modeConfiguration).toBe(MEDSAM_MODE_COMMANDS);
    expect(instance.applied).toEqual([MEDSAM_MODE_COMMANDS]);
  });

  it('layers a site modesConfiguration on top of the MedSAM changes', async () => {
    const { module, calls } = fakeSegmentationMode();
    const site = { displayName: { $set: 'MedSAM (site)' } };
    const instance = await mode.modeFactory({ modeConfiguration: site, loadModules: async () => [module] });
    expect(calls.map(c => c.modeConfiguration)).toEqual([MEDSAM_MODE_COMMANDS, site]);
    expect(instance.applied).toEqual([MEDSAM_MODE_COMMANDS, site]);
  });

  it('fails clearly on a viewer without the segmentation mode', async () => {
    await expect(mode.modeFactory({ loadModules: async () => [undefined] })).rejects.toThrow('@ohif/mode-segmentation');
  });

  it('names its route, its id and the MedSAM panel first on the right', () => {
    expect(mode.id).toBe(MODE_ID);
    expect(MEDSAM_MODE_COMMANDS.routeName.$set).toBe(ROUTE_NAME);
    expect(MEDSAM_MODE_COMMANDS.routes[0].layoutInstance.props.rightPanels.$unshift).toEqual(['@medsam/extension-medsam.panelModule.medsam']);
    expect(MEDSAM_MODE_COMMANDS.isValidMode.$set({ modalities: 'CT' }).valid).toBe(true);
    expect(MEDSAM_MODE_COMMANDS.isValidMode.$set({ modalities: 'SR' }).valid).toBe(false);
  });
});
