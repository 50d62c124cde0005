/**
 * The MedSAM OHIF mode: the viewer's own segmentation mode (layout, brush and eraser, segmentation panels,
 * tool groups) with the MedSAM box tool and the MedSAM panel added, on the route /medsam.
 *
 * Built as an ES module loaded by URL from window.config.modes. It extends the segmentation mode that the
 * prebuilt viewer already has (through the `loadModules` that OHIF hands to modeFactory) rather than
 * bundling one, so it follows the host's version of that mode.
 */
import { PANEL_ID } from '@medsam/extension-medsam/ids';
import { getMedsamService } from '@medsam/extension-medsam/service';
import { withMedsamOnModeEnter } from './medsamTools';
import { medsamStudyValidity } from './validity';

export const MODE_ID = '@medsam/mode-medsam';
export const ROUTE_NAME = 'medsam';
const SEGMENTATION_MODE = '@ohif/mode-segmentation';

/**
 * OHIF 3.13 and later: the segmentation mode is a `modeInstance` and a factory that applies immutability-helper
 * commands to it (the host's own immutability-helper, so our commands mean what the host means by them).
 */
interface CommandsModeModule {
  id: string;
  modeInstance: Record<string, unknown>;
  modeFactory(
    this: { modeInstance: Record<string, unknown> },
    args: { modeConfiguration?: unknown },
  ): Record<string, unknown>;
}

/** OHIF 3.11 and 3.12: the factory returns the finished mode object and ignores modeConfiguration. */
interface PlainModeModule {
  id: string;
  modeFactory(args: {
    modeConfiguration?: unknown;
    loadModules?: LoadModules;
  }): Record<string, unknown> | Promise<Record<string, unknown>>;
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

/** Said in the console (and shown by the panel, see MedsamService.hostProblem) when the viewer cannot host the mode. */
export const NO_SEGMENTATION_MODE_MESSAGE =
  `MedSAM mode: this viewer has no usable ${'@ohif/mode-segmentation'} (neither a mode factory nor a mode instance), ` +
  'which the MedSAM mode extends; MedSAM is not offered. OHIF 3.11 or later with its segmentation mode is needed.';

function isCommandsModule(m: unknown): m is CommandsModeModule {
  const x = m as Partial<CommandsModeModule> | undefined;
  return typeof x?.modeFactory === 'function' && !!x.modeInstance && typeof x.modeInstance === 'object';
}

function isPlainModule(m: unknown): m is PlainModeModule {
  return typeof (m as Partial<PlainModeModule> | undefined)?.modeFactory === 'function';
}

/** The route's right panels with the MedSAM panel first (the host's own panels stay, one tab away). */
function withMedsamPanel(layout: unknown): unknown {
  const l = layout as { props?: { rightPanels?: unknown } } | undefined;
  if (!l || typeof l !== 'object' || !l.props) return layout;
  const right = Array.isArray(l.props.rightPanels) ? l.props.rightPanels : [];
  return { ...l, props: { ...l.props, rightPanels: [PANEL_ID, ...right.filter(id => id !== PANEL_ID)] } };
}

/**
 * The same changes as MEDSAM_MODE_COMMANDS, made by hand on the finished mode object of an OHIF 3.11/3.12 viewer: that
 * host has no factory that applies commands, and its route builds the layout in a function (layoutTemplate) rather
 * than holding it (layoutInstance). Its onModeEnter keeps its subscriptions to itself, so ours are ended by wrapping
 * onModeExit.
 */
export function medsamFromPlainMode(base: Record<string, unknown>): Record<string, unknown> {
  const ours: Array<() => void> = [];
  const enter = base.onModeEnter as Parameters<typeof withMedsamOnModeEnter>[0];
  const exit = base.onModeExit as ((this: unknown, ...args: unknown[]) => void) | undefined;
  const routes = Array.isArray(base.routes) ? (base.routes as Array<Record<string, unknown>>) : [];
  const [first, ...rest] = routes;
  let route = first;
  if (first) {
    const template = first.layoutTemplate;
    route = {
      ...first,
      ...(first.layoutInstance ? { layoutInstance: withMedsamPanel(first.layoutInstance) } : {}),
      ...(typeof template === 'function'
        ? {
            layoutTemplate: (...args: unknown[]) =>
              withMedsamPanel((template as (...a: unknown[]) => unknown)(...args)),
          }
        : {}),
    };
  }
  return {
    ...base,
    id: MODE_ID,
    routeName: ROUTE_NAME,
    displayName: 'MedSAM',
    isValidMode: ({ modalities }: { modalities: string }) => medsamStudyValidity(modalities),
    onModeEnter: withMedsamOnModeEnter(enter, ours),
    onModeExit(this: unknown, ...args: unknown[]) {
      for (const unsubscribe of ours.splice(0)) unsubscribe();
      return exit?.apply(this, args);
    },
    routes: route ? [route, ...rest] : routes,
  };
}

async function modeFactory({
  modeConfiguration,
  loadModules,
}: {
  modeConfiguration?: unknown;
  loadModules: LoadModules;
}) {
  const [segmentation] = await loadModules([SEGMENTATION_MODE]);
  const hasSiteConfig =
    !!modeConfiguration && typeof modeConfiguration === 'object' && Object.keys(modeConfiguration).length > 0;
  if (isCommandsModule(segmentation)) {
    // The host's own factory applies the commands with the host's immutability-helper; a second call layers
    // the site's modesConfiguration['@medsam/mode-medsam'] on top of ours.
    const medsam = segmentation.modeFactory.call(segmentation, { modeConfiguration: MEDSAM_MODE_COMMANDS });
    return hasSiteConfig ? segmentation.modeFactory.call({ modeInstance: medsam }, { modeConfiguration }) : medsam;
  }
  if (isPlainModule(segmentation)) {
    if (hasSiteConfig) {
      // The host's own modes ignore modesConfiguration too; saying so beats applying a partial copy of its rules.
      console.warn(
        `MedSAM mode: modesConfiguration['${MODE_ID}'] is not applied: this viewer's modes take no configuration (OHIF 3.13 or later applies it)`,
      );
    }
    return medsamFromPlainMode(await segmentation.modeFactory({ modeConfiguration: {}, loadModules }));
  }
  // Throwing here would stop the whole viewer from starting (3.11/3.12 await every mode factory unguarded): the
  // viewer keeps working, and the mode says why MedSAM is missing in the console, the study list and its panel.
  console.error(NO_SEGMENTATION_MODE_MESSAGE);
  return unavailableMode(NO_SEGMENTATION_MODE_MESSAGE);
}

/**
 * The mode on a viewer it cannot extend: listed but not launchable (the study list shows `message` as the reason),
 * and /medsam opened directly shows the series with the MedSAM panel holding the message, through the module ids
 * that every OHIF 3.x has.
 */
export function unavailableMode(message: string): Record<string, unknown> {
  const stack = '@ohif/extension-default.sopClassHandlerModule.stack';
  return {
    id: MODE_ID,
    routeName: ROUTE_NAME,
    displayName: 'MedSAM (unavailable)',
    isValidMode: () => ({ valid: false, description: message }),
    onModeEnter: ({ servicesManager }: { servicesManager: { services: Record<string, unknown> } }) => {
      getMedsamService(servicesManager)?.reportUnsupportedHost(message);
    },
    onModeExit: () => {},
    validationTags: { study: [], series: [] },
    routes: [
      {
        path: 'template',
        layoutTemplate: () => ({
          id: '@ohif/extension-default.layoutTemplateModule.viewerLayout',
          props: {
            leftPanels: [],
            rightPanels: [PANEL_ID],
            viewports: [
              { namespace: '@ohif/extension-cornerstone.viewportModule.cornerstone', displaySetsToDisplay: [stack] },
            ],
          },
        }),
      },
    ],
    extensions: { '@ohif/extension-default': '^3.0.0', '@ohif/extension-cornerstone': '^3.0.0' },
    sopClassHandlers: [stack],
  };
}

const mode = {
  id: MODE_ID,
  modeFactory,
};

export default mode;
