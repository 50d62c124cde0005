/**
 * What the MedSAM mode adds to the segmentation mode once the host has set up its tool groups and toolbar: the box
 * tool in the tool groups, its toolbar button (main toolbar and the labelmap toolbox of the segmentation panel), the
 * 'm' hotkey, and the model download. Enter and Esc are the host's own accept/reject preview hotkeys.
 */
import {
  BOX_TOOL_BUTTON_ID,
  BOX_TOOL_EVALUATOR,
  BOX_TOOL_NAME,
  HOST_SEGMENTATION_PANEL_IDS,
  PANEL_HOST_DATA_CY,
  PANEL_ID,
  TOOL_GROUP_IDS,
} from '@medsam/extension-medsam/ids';
import type {
  HostCommandsManager,
  HostServicesManager,
  HostToolbarButton,
  HostToolbarService,
} from '@medsam/extension-medsam/service';

export const MEDSAM_BOX_BUTTON = {
  id: BOX_TOOL_BUTTON_ID,
  uiType: 'ohif.toolButton',
  props: {
    type: 'tool',
    icon: 'tool-rectangle',
    label: 'MedSAM box',
    tooltip: 'MedSAM box (M): drag a box around a structure; Enter accepts, Esc rejects',
    commands: { commandName: 'setToolActiveToolbar', commandOptions: { toolGroupIds: [...TOOL_GROUP_IDS] } },
    evaluate: ['evaluate.cornerstoneTool', { name: BOX_TOOL_EVALUATOR }],
  },
} satisfies HostToolbarButton;

/** The host's bidirectional tool (long and short axes): the key-slice markers of "Segment volume". */
export const MARKER_TOOL_NAME = 'Bidirectional';

export const MEDSAM_MARKER_BUTTON = {
  id: MARKER_TOOL_NAME,
  uiType: 'ohif.toolButton',
  props: {
    type: 'tool',
    icon: 'tool-bidirectional',
    label: 'Key-slice marker',
    tooltip:
      'Key-slice marker (K): long and short axes on a few slices, then Segment volume (shift+M) in the MedSAM panel',
    commands: { commandName: 'setToolActiveToolbar', commandOptions: { toolGroupIds: [...TOOL_GROUP_IDS] } },
    evaluate: 'evaluate.cornerstoneTool',
  },
} satisfies HostToolbarButton;

export const MEDSAM_HOTKEY = {
  commandName: 'setToolActiveToolbar',
  commandOptions: { toolName: BOX_TOOL_NAME, toolGroupIds: [...TOOL_GROUP_IDS] },
  label: 'MedSAM box',
  keys: ['m'],
  isEditable: true,
};

export const MEDSAM_MARKER_HOTKEY = {
  commandName: 'setToolActiveToolbar',
  commandOptions: { toolName: MARKER_TOOL_NAME, toolGroupIds: [...TOOL_GROUP_IDS] },
  label: 'Key-slice marker',
  keys: ['k'],
  isEditable: true,
};

export const MEDSAM_VOLUME_HOTKEY = {
  commandName: 'medsamSegmentVolume',
  label: 'MedSAM: segment volume',
  keys: ['shift+m'],
  isEditable: true,
};

/** The host's toolbar sections that get the button: the main bar and the labelmap tools of the segmentation panel. */
export const MEDSAM_TOOLBAR_SECTIONS = ['primary', 'LabelMapTools'];
/** OHIF 3.11's segmentation panel has one toolbox for all segmentation types, named so. */
export const SINGLE_TOOLBOX_SECTION = 'SegmentationTools';

/**
 * The sections to add the buttons to on this host: OHIF 3.12 and later split the panel's toolbox into labelmap and
 * contour ones (LabelMapTools); 3.11 has the single SegmentationTools, which the host has filled by now.
 */
export function medsamToolbarSections(toolbarService: Pick<HostToolbarService, 'state'>): string[] {
  const sections = toolbarService.state?.buttonSections;
  const single = !!sections && SINGLE_TOOLBOX_SECTION in sections && !('LabelMapTools' in sections);
  return single ? ['primary', SINGLE_TOOLBOX_SECTION] : [...MEDSAM_TOOLBAR_SECTIONS];
}

interface ModeContext {
  servicesManager: Pick<HostServicesManager, 'services'>;
  commandsManager: HostCommandsManager;
}

export function addMedsamToMode({ servicesManager, commandsManager }: ModeContext): void {
  const { toolGroupService, toolbarService, customizationService } = servicesManager.services;
  for (const toolGroupId of TOOL_GROUP_IDS) {
    if (toolGroupService?.getToolGroup(toolGroupId)) {
      toolGroupService.addToolsToToolGroup(toolGroupId, {
        passive: [{ toolName: BOX_TOOL_NAME }, { toolName: MARKER_TOOL_NAME }],
      });
    }
  }
  if (toolbarService) {
    toolbarService.register([MEDSAM_BOX_BUTTON, MEDSAM_MARKER_BUTTON]);
    // updateSection appends to an existing section (the host's buttons stay).
    for (const section of medsamToolbarSections(toolbarService))
      toolbarService.updateSection(section, [BOX_TOOL_BUTTON_ID, MARKER_TOOL_NAME]);
  }
  // Read by the viewer right after onModeEnter (ohif.hotkeyBindings), at mode scope: gone when the mode exits.
  customizationService?.setCustomizations?.({
    'ohif.hotkeyBindings': { $push: [MEDSAM_HOTKEY, MEDSAM_MARKER_HOTKEY, MEDSAM_VOLUME_HOTKEY] },
  });
  void commandsManager.runCommand('medsamLoadModel');
}

/** Whether the MedSAM panel is the tab the right side panel shows (the host mounts only the shown tab's content). */
export function medsamPanelShown(): boolean {
  return !!globalThis.document?.querySelector(`[data-cy="${PANEL_HOST_DATA_CY}"]`);
}

/**
 * OHIF's segmentation mode switches the right side panel to its own segmentation panel when the first segmentation
 * appears (setUpAutoTabSwitchHandler: panelService.activatePanel(labelmap panel, true) on SEGMENTATION_MODIFIED). In
 * this mode MedSAM's first box creates that segmentation, and the switch would hide the panel with the box's Accept and
 * Reject. When the host asks for one of its segmentation panels while the MedSAM panel is shown, the MedSAM panel is
 * activated again right after (a microtask: the host's side panel has taken its own request by then, and nothing is
 * painted in between). A user's click on a tab does not go through activatePanel, so OHIF's segment list stays one
 * click away, and a segmentation added while that list is shown leaves it shown. Returns the unsubscribe function.
 */
export function keepMedsamPanelInFront(
  { servicesManager }: Pick<ModeContext, 'servicesManager'>,
  isShown: () => boolean = medsamPanelShown,
  defer: (fn: () => void) => void = fn => queueMicrotask(fn),
): () => void {
  const { panelService } = servicesManager.services;
  const event = panelService?.EVENTS?.ACTIVATE_PANEL;
  if (!panelService?.subscribe || !event) return () => {};
  const subscription = panelService.subscribe(event, ({ panelId }: { panelId?: string } = {}) => {
    if (!panelId || !HOST_SEGMENTATION_PANEL_IDS.includes(panelId) || !isShown()) return;
    defer(() => panelService.activatePanel(PANEL_ID, true));
  });
  return () => subscription?.unsubscribe?.();
}

/**
 * Wraps the segmentation mode's onModeEnter (immutability-helper $apply, or by hand on OHIF 3.11/3.12). Our
 * unsubscribe goes where the host's onModeExit will call it: the mode instance's _unsubscriptions (OHIF 3.13's base
 * mode sets it), else `collect` (whose owner ends it on mode exit).
 */
export function withMedsamOnModeEnter(
  original: ((this: unknown, ctx: ModeContext) => void) | undefined,
  collect?: Array<() => void>,
) {
  return function medsamOnModeEnter(this: unknown, ctx: ModeContext): void {
    original?.call(this, ctx);
    addMedsamToMode(ctx);
    const unsubscribe = keepMedsamPanelInFront(ctx);
    const collected = (this as { _unsubscriptions?: Array<() => void> } | undefined)?._unsubscriptions;
    if (Array.isArray(collected)) collected.push(unsubscribe);
    else collect?.push(unsubscribe);
  };
}
