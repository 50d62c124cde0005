import mode, { MEDSAM_MODE_COMMANDS, MODE_ID, NO_SEGMENTATION_MODE_MESSAGE, ROUTE_NAME } from './index';

/** A stand-in for OHIF's segmentation mode module: its factory records what it is asked to apply. */
function fakeSegmentationMode() {
  const calls: Array<{ self: unknown; modeConfiguration: unknown }> = [];
  const module = {
    id: '@ohif/mode-segmentation',
    modeInstance: { id: '@ohif/mode-segmentation', routeName: 'segmentation' },
    modeFactory(
      this: { modeInstance: Record<string, unknown> },
      { modeConfiguration }: { modeConfiguration?: unknown },
    ) {
      calls.push({ self: this, modeConfiguration });
      return {
        ...this.modeInstance,
        applied: [...((this.modeInstance.applied as unknown[]) ?? []), modeConfiguration],
      };
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
    expect(instance?.applied).toEqual([MEDSAM_MODE_COMMANDS]);
  });

  it('layers a site modesConfiguration on top of the MedSAM changes', async () => {
    const { module, calls } = fakeSegmentationMode();
    const site = { displayName: { $set: 'MedSAM (site)' } };
    const instance = await mode.modeFactory({ modeConfiguration: site, loadModules: async () => [module] });
    expect(calls.map(c => c.modeConfiguration)).toEqual([MEDSAM_MODE_COMMANDS, site]);
    expect(instance?.applied).toEqual([MEDSAM_MODE_COMMANDS, site]);
  });

  it('on a viewer without the segmentation mode: the viewer still starts, and the console, the study list and the panel say why', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const none = (await mode.modeFactory({ loadModules: async () => [undefined] })) as Record<string, any>;
      const noFactory = (await mode.modeFactory({
        loadModules: async () => [{ id: '@ohif/mode-segmentation' }],
      })) as Record<string, any>;
      expect(error.mock.calls).toEqual([[NO_SEGMENTATION_MODE_MESSAGE], [NO_SEGMENTATION_MODE_MESSAGE]]);
      expect(NO_SEGMENTATION_MODE_MESSAGE).toContain('@ohif/mode-segmentation');
      for (const m of [none, noFactory]) {
        expect([m.id, m.routeName]).toEqual([MODE_ID, ROUTE_NAME]);
        expect(m.isValidMode({ modalities: 'CT' })).toEqual({
          valid: false,
          description: NO_SEGMENTATION_MODE_MESSAGE,
        });
        expect(m.routes[0].layoutTemplate().props.rightPanels).toEqual(['@medsam/extension-medsam.panelModule.medsam']);
        const reported: string[] = [];
        m.onModeEnter({
          servicesManager: { services: { medsamService: { reportUnsupportedHost: (x: string) => reported.push(x) } } },
        });
        expect(reported).toEqual([NO_SEGMENTATION_MODE_MESSAGE]);
      }
    } finally {
      error.mockRestore();
    }
  });

  describe('on OHIF 3.11/3.12 (a factory that returns the finished mode)', () => {
    const HOST_PANEL = '@ohif/extension-cornerstone.panelModule.panelSegmentationWithTools';
    function plainSegmentationMode() {
      const log: string[] = [];
      const module = {
        id: '@ohif/mode-segmentation',
        modeFactory: ({ modeConfiguration }: { modeConfiguration?: unknown }) => ({
          id: '@ohif/mode-segmentation',
          routeName: 'segmentation',
          displayName: 'Segmentation',
          configured: modeConfiguration,
          onModeEnter: () => log.push('host enter'),
          onModeExit: () => log.push('host exit'),
          routes: [
            {
              path: 'template',
              layoutTemplate: ({ servicesManager }: { servicesManager: unknown }) => ({
                id: 'layout',
                props: { leftPanels: ['left'], rightPanels: [HOST_PANEL], servicesManager },
              }),
            },
          ],
          extensions: { '@ohif/extension-default': '^3.0.0' },
        }),
      };
      return { module, log };
    }
    const services = () => {
      const subscriptions: string[] = [];
      return {
        subscriptions,
        ctx: {
          servicesManager: {
            services: {
              panelService: {
                EVENTS: { ACTIVATE_PANEL: 'activate' },
                subscribe: () => (subscriptions.push('on'), { unsubscribe: () => subscriptions.push('off') }),
                activatePanel: () => {},
              },
            },
          },
          commandsManager: { runCommand: () => undefined },
        },
      };
    };

    it('keeps the host mode and makes the same changes by hand: id, route, name, validity, panel first', async () => {
      const { module } = plainSegmentationMode();
      const instance = (await mode.modeFactory({ modeConfiguration: {}, loadModules: async () => [module] })) as Record<
        string,
        any
      >;
      expect([instance.id, instance.routeName, instance.displayName]).toEqual([MODE_ID, ROUTE_NAME, 'MedSAM']);
      expect(instance.extensions).toEqual({ '@ohif/extension-default': '^3.0.0' });
      expect(instance.isValidMode({ modalities: 'CT' }).valid).toBe(true);
      expect(instance.isValidMode({ modalities: 'SR' }).valid).toBe(false);
      const layout = instance.routes[0].layoutTemplate({ servicesManager: 'sm' });
      expect(layout.props.rightPanels).toEqual(['@medsam/extension-medsam.panelModule.medsam', HOST_PANEL]);
      expect(layout.props.servicesManager).toBe('sm');
      expect(layout.props.leftPanels).toEqual(['left']);
    });

    it('runs the host enter first, and ends its own subscription on mode exit', async () => {
      const { module, log } = plainSegmentationMode();
      const instance = (await mode.modeFactory({ modeConfiguration: {}, loadModules: async () => [module] })) as Record<
        string,
        any
      >;
      const { ctx, subscriptions } = services();
      instance.onModeEnter(ctx);
      expect(log).toEqual(['host enter']);
      expect(subscriptions).toEqual(['on']);
      instance.onModeExit(ctx);
      expect(log).toEqual(['host enter', 'host exit']);
      expect(subscriptions).toEqual(['on', 'off']);
    });

    it('says in the console that a site modesConfiguration is not applied there', async () => {
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
      try {
        const { module } = plainSegmentationMode();
        const instance = (await mode.modeFactory({
          modeConfiguration: { displayName: { $set: 'x' } },
          loadModules: async () => [module],
        })) as Record<string, any>;
        expect(instance.displayName).toBe('MedSAM');
        expect(instance.configured).toEqual({});
        expect(warn).toHaveBeenCalledTimes(1);
        expect(String(warn.mock.calls[0][0])).toContain('not applied');
      } finally {
        warn.mockRestore();
      }
    });
  });

  it('names its route, its id and the MedSAM panel first on the right', () => {
    expect(mode.id).toBe(MODE_ID);
    expect(MEDSAM_MODE_COMMANDS.routeName.$set).toBe(ROUTE_NAME);
    expect(MEDSAM_MODE_COMMANDS.routes[0].layoutInstance.props.rightPanels.$unshift).toEqual([
      '@medsam/extension-medsam.panelModule.medsam',
    ]);
    expect(MEDSAM_MODE_COMMANDS.isValidMode.$set({ modalities: 'CT' }).valid).toBe(true);
    expect(MEDSAM_MODE_COMMANDS.isValidMode.$set({ modalities: 'SR' }).valid).toBe(false);
  });
});
