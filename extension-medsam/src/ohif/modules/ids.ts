/**
 * Names by which the host (OHIF) and the mode refer to the extension's parts.
 * OHIF keys every module entry as `${extensionId}.${moduleType}.${name}`; a runtime-loaded extension is
 * known only by the `id` of its default export, so these strings are the contract with the mode.
 */
export const EXTENSION_ID = '@medsam/extension-medsam';
export const PANEL_NAME = 'medsam';
export const PANEL_ID = `${EXTENSION_ID}.panelModule.${PANEL_NAME}`;
export const SERVICE_NAME = 'medsamService';
/** data-cy of the element the host renders for the MedSAM panel: in the document only while the panel is the shown tab. */
export const PANEL_HOST_DATA_CY = 'medsam-panel-host';
/** OHIF's own segmentation panels (labelmap, contour), which its segmentation mode activates on the first segmentation. */
export const HOST_SEGMENTATION_PANEL_IDS: readonly string[] = [
  '@ohif/extension-cornerstone.panelModule.panelSegmentationWithToolsLabelMap',
  '@ohif/extension-cornerstone.panelModule.panelSegmentationWithToolsContour',
];

/** The cornerstone tool name of the box tool (registered with the host's addTool, added to the mode's tool groups). */
export const BOX_TOOL_NAME = 'MedsamBox';
/** The toolbar button that activates the box tool (OHIF passes the button id as the tool name). */
export const BOX_TOOL_BUTTON_ID = BOX_TOOL_NAME;
/** Toolbar evaluator that enables the button once a model is ready. */
export const BOX_TOOL_EVALUATOR = 'evaluate.medsam.boxTool';
/** The tool groups of OHIF's segmentation mode that get the box tool. */
export const TOOL_GROUP_IDS: readonly string[] = ['default', 'mpr'];
