/**
 * The MedSAM OHIF mode: the viewer's own segmentation mode (layout, brush and eraser, segmentation panels,
 * tool groups) with the MedSAM box tool and the MedSAM panel added, on the route /medsam.
 *
 * Built as an ES module loaded by URL from window.config.modes. It extends the segmentation mode that the
 * prebuilt viewer already has (through the `loadModules` that OHIF hands to modeFactory) rather than
 * bundling one, so it follows the host's version of that mode.
 */
import { PANEL_ID } from '../../extension-medsam/src/ohif/ids';
import { withMedsamOnModeEnter } from './medsamTools';
import { medsamStudyValidity } from './validity';

export const MODE_ID = '@medsam/mode-medsam';
export const ROUTE_NAME = 'medsam';
const SEGMENTATION_MODE = '@ohif/mode-segmentation';

/** The shape of OHIF 3.13's mode modules: a mode factory that applies immutability-helper commands. */
interface HostModeModule {
  id: string;
  modeInstance: Record<string, unknown>;
  modeFactory(this: { modeInstance: Record<string, unknown> }, args: { modeConfiguration?: unknown }): Record<string, unknown>;
}

type LoadModules = (names: string[]) => Promise<unknown[]>;

/** immutability-helper commands that turn the segmentation mode into the MedSAM mode. */
export const MEDSAM_MODE_COMMANDS = {
  id: { $set: MODE_ID },
  routeName: { $set: ROUTE_NAME },
  displayName: { $set: 'MedSAM' },
  // OHIF calls isValidMode with `this` = the mode instance; ours needs no instance data.
  isValidMode: { $set: ({ modalities }: { modalities: string }) => medsamStudyValidity(modalities) },
  // After the host's own setup (tool groups, toolbar): the box tool, its button and hotkey, the model download.
  onModeEnter: { $apply: withMedsamOnModeEnter },
  routes: {
    0: {
      layoutInstance: { props: { rightPanels: { $unshift: [PANEL_ID] } } },
    },
  },
};

async function modeFactory({ modeConfiguration, loadModules }: { modeConfiguration?: unknown; loadModules: LoadModules }) {
  const [segmentation] = (await loadModules([SEGMENTATION_MODE])) as [HostModeModule | undefined];
  if (!segmentation?.modeFactory || !segmentation.modeInstance) {
    throw new Error(`MedSAM mode: the viewer has no ${SEGMENTATION_MODE} with a modeFactory (OHIF 3.13 or later is needed)`);
  }
  // The host's own factory applies the commands with the host's immutability-helper; a second call layers
  // the site's modesConfiguration['@medsam/mode-medsam'] on top of ours.
  const medsam = segmentation.modeFactory.call(segmentation, { modeConfiguration: MEDSAM_MODE_COMMANDS });
  const hasSiteConfig = modeConfiguration && typeof modeConfiguration === 'object' && Object.keys(modeConfiguration).length > 0;
  return hasSiteConfig ? segmentation.modeFactory.call({ modeInstance: medsam }, { modeConfiguration }) : medsam;
}

const mode = {
  id: MODE_ID,
  modeFactory,
};

export default mode;
