import { getMedsamService } from './getMedsamService';
import { BOX_TOOL_NAME, PANEL_ID, TOOL_GROUP_IDS } from './ids';
import type { IntensityPreset } from '../app/intensityPreset';
import type { MedsamState } from '../app/medsamService';
import type { HostModuleArgs } from '../host/hostTypes';

/** Commands (run through OHIF's commandsManager, from toolbar buttons, hotkeys or other extensions). */
export function getCommandsModule({ servicesManager, commandsManager }: HostModuleArgs) {
  const service = () => getMedsamService(servicesManager);
  const actions = {
    /** Opens the MedSAM side panel. */
    showMedsamPanel: (): void => {
      servicesManager.services.panelService?.activatePanel(PANEL_ID, true);
    },
    /** The MedSAM state (model, device, status, timings), for scripts and tests. */
    getMedsamState: (): MedsamState | undefined => {
      return service()?.getState();
    },
    /** Loads the configured model (the mode does this on entry; a no-op once loaded). */
    medsamLoadModel: (): Promise<boolean> | undefined => service()?.loadModel(),
    /** Makes the box tool the primary mouse tool in the mode's tool groups. */
    activateMedsamBox: (): void => {
      commandsManager.runCommand('setToolActiveToolbar', {
        toolName: BOX_TOOL_NAME,
        toolGroupIds: [...TOOL_GROUP_IDS],
      });
    },
    /** Keeps the box preview (OHIF's Enter does the same through acceptPreview). */
    medsamAcceptPreview: (): Promise<boolean> | undefined => service()?.preview.accept(),
    /** Drops the box preview and restores the labelmap (OHIF's Esc does the same). */
    medsamRejectPreview: (): void => service()?.preview.reject(),
    /** "Segment volume" on the active viewport's key slices (resolves when the run ends, its masks a preview). */
    medsamSegmentVolume: () => service()?.segmentVolume(),
    /** Stops a volume run after the slice in progress (the slices done stay as a preview). */
    medsamCancelVolume: (): void => service()?.volume.cancel(),
    medsamAcceptVolume: (): boolean | undefined => service()?.volume.accept(),
    medsamRejectVolume: (): boolean | undefined => service()?.volume.reject(),
    /** CT window for the encoder input ('auto' follows the Modality). */
    setMedsamIntensityPreset: ({ preset }: { preset: IntensityPreset }): void => service()?.setIntensityPreset(preset),
  };
  return {
    actions,
    definitions: Object.fromEntries(Object.entries(actions).map(([name, fn]) => [name, { commandFn: fn }])) as {
      [Name in keyof typeof actions]: { commandFn: (typeof actions)[Name] };
    },
    defaultContext: 'VIEWER',
  };
}
