import {
  addMedsamToMode,
  keepMedsamPanelInFront,
  MEDSAM_BOX_BUTTON,
  medsamToolbarSections,
  withMedsamOnModeEnter,
} from './medsamTools';
import type { HostPanelService } from '@medsam/extension-medsam/service';

/** A stand-in for OHIF's panelService: activatePanel broadcasts ACTIVATE_PANEL to the subscribers, as the host's does. */
function fakePanelService() {
  const listeners = new Set<(e: { panelId: string; forceActive: boolean }) => void>();
  const activated: string[] = [];
  const panelService = {
    EVENTS: { ACTIVATE_PANEL: 'event::panelService:activatePanel' },
    subscribe: (_event: string, fn: (e: { panelId: string; forceActive: boolean }) => void) => {
      listeners.add(fn);
      return { unsubscribe: () => listeners.delete(fn) };
    },
    activatePanel(panelId: string, forceActive = false) {
      activated.push(`${panelId}${forceActive ? ' (force)' : ''}`);
      for (const fn of [...listeners]) fn({ panelId, forceActive });
    },
  };
  return { panelService: panelService as unknown as HostPanelService, activated, listeners };
}

const LABELMAP_PANEL = '@ohif/extension-cornerstone.panelModule.panelSegmentationWithToolsLabelMap';
const MEDSAM_PANEL = '@medsam/extension-medsam.panelModule.medsam';

function fakeHost(groups = ['default', 'mpr', 'volume3d']) {
  const calls: string[] = [];
  const services = {
    toolGroupService: {
      getToolGroup: (id: string) => (groups.includes(id) ? {} : undefined),
      addToolsToToolGroup: (id: string, tools: { passive: Array<{ toolName: string }> }) =>
        calls.push(`tools ${id} ${tools.passive.map(t => t.toolName)}`),
    },
    toolbarService: {
      register: (buttons: Array<{ id: string }>) => calls.push(`register ${buttons.map(b => b.id)}`),
      updateSection: (key: string, ids: string[]) => calls.push(`section ${key} ${ids}`),
    },
    customizationService: {
      setCustomizations: (c: Record<string, { $push: Array<{ keys: string[] }> }>) =>
        calls.push(`hotkey ${c['ohif.hotkeyBindings'].$push.map(h => h.keys)}`),
    },
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

  it("on OHIF 3.11's single segmentation toolbox (SegmentationTools, no LabelMapTools) the buttons go there", () => {
    const { ctx, calls } = fakeHost(['default']);
    (ctx.servicesManager.services.toolbarService as Record<string, unknown>).state = {
      buttonSections: { primary: [], SegmentationTools: ['BrushTools'] },
    };
    addMedsamToMode(ctx);
    expect(calls.filter(c => c.startsWith('section'))).toEqual([
      'section primary MedsamBox,Bidirectional',
      'section SegmentationTools MedsamBox,Bidirectional',
    ]);
    expect(medsamToolbarSections({ state: { buttonSections: { LabelMapTools: [], SegmentationTools: [] } } })).toEqual([
      'primary',
      'LabelMapTools',
    ]);
    expect(medsamToolbarSections({})).toEqual(['primary', 'LabelMapTools']);
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

  it('keeps the MedSAM panel in front when the host switches to its segmentation panel on the first segmentation', async () => {
    const { panelService, activated, listeners } = fakePanelService();
    let shown = true;
    const unsubscribe = keepMedsamPanelInFront({ servicesManager: { services: { panelService } } }, () => shown);
    panelService.activatePanel(LABELMAP_PANEL, true); // the host's auto tab switch
    await Promise.resolve();
    expect(activated).toEqual([`${LABELMAP_PANEL} (force)`, `${MEDSAM_PANEL} (force)`]);

    // The user chose OHIF's segment list: a later switch there is left alone; so is any other panel.
    shown = false;
    panelService.activatePanel(LABELMAP_PANEL, true);
    shown = true;
    panelService.activatePanel('@ohif/extension-default.panelModule.measurements', true);
    await Promise.resolve();
    expect(activated.slice(2)).toEqual([
      `${LABELMAP_PANEL} (force)`,
      '@ohif/extension-default.panelModule.measurements (force)',
    ]);

    unsubscribe();
    expect(listeners.size).toBe(0);
  });

  it('subscribes on mode entry and leaves the unsubscription to the host onModeExit', () => {
    const { ctx } = fakeHost(['default']);
    const { panelService, listeners } = fakePanelService();
    (ctx.servicesManager.services as Record<string, unknown>).panelService = panelService;
    const self: { _unsubscriptions: Array<() => void> } = { _unsubscriptions: [] };
    withMedsamOnModeEnter(undefined).call(self, ctx);
    expect(listeners.size).toBe(1);
    self._unsubscriptions.forEach(u => u());
    expect(listeners.size).toBe(0);
  });
});
