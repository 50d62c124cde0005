import { getMedsamService } from './getMedsamService';
import { BOX_TOOL_EVALUATOR } from './ids';
import type { HostModuleArgs } from '../host/hostTypes';

/**
 * Toolbar evaluators (OHIF asks them whether a button is enabled). The box tool's button is disabled while the model
 * cannot be loaded; the panel says why.
 */
export function getToolbarModule({ servicesManager }: HostModuleArgs) {
  return [
    {
      name: BOX_TOOL_EVALUATOR,
      evaluate: () => {
        const state = getMedsamService(servicesManager)?.getState();
        if (!state) return { disabled: true, disabledText: 'MedSAM is not registered' };
        if (state.status === 'error')
          return { disabled: true, disabledText: 'MedSAM model not available: see the MedSAM panel' };
        return {};
      },
    },
  ];
}
