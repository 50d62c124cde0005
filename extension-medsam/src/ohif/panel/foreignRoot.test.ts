import { foreignRootElement } from './foreignRoot';
import extension from '../../index';
import { PANEL_ID } from '../modules/ids';

describe('foreignRootElement', () => {
  it('is a React 18 host element the viewer can render without our React', () => {
    const element = foreignRootElement(() => null as never, { 'data-cy': 'x' });
    expect(element.$$typeof).toBe(Symbol.for('react.element'));
    expect(element.type).toBe('div');
    expect(element.key).toBeNull();
    expect(typeof element.ref).toBe('function');
    expect(element.props).toEqual({ 'data-cy': 'x' });
  });

  it('ignores a detach before any attach', () => {
    const element = foreignRootElement(() => null as never);
    expect(() => element.ref(null)).not.toThrow();
  });
});

describe('the extension object', () => {
  it('has the id that modes use in panel references', () => {
    expect(extension.id).toBe('@medsam/extension-medsam');
    expect(PANEL_ID).toBe('@medsam/extension-medsam.panelModule.medsam');
  });

  it('registers its service in preRegistration with window.config.medsam', () => {
    const registered: Array<{ name: string; configuration: unknown }> = [];
    extension.preRegistration({
      servicesManager: {
        services: {},
        registerService: (r: { name: string }, configuration: unknown) =>
          registered.push({ name: r.name, configuration }),
      },
      extensionManager: { getModuleEntry: () => undefined },
      commandsManager: { runCommand: () => undefined },
      appConfig: { medsam: { modelBaseUrl: '/models/' } },
    } as never);
    expect(registered).toEqual([{ name: 'medsamService', configuration: { modelBaseUrl: '/models/' } }]);
  });

  it('offers the medsam panel, commands with definitions, and toolbar evaluators', () => {
    const args = { servicesManager: { services: {} }, extensionManager: {}, commandsManager: {} } as never;
    expect(extension.getPanelModule(args).map(p => p.name)).toEqual(['medsam']);
    const commands = extension.getCommandsModule(args);
    expect(Object.keys(commands.definitions)).toEqual(expect.arrayContaining(['showMedsamPanel', 'getMedsamState']));
    expect(extension.getToolbarModule(args).every(t => typeof t.evaluate === 'function')).toBe(true);
  });
});
