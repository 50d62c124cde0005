/**
 * Engine and viewer errors as the panel shows them: what failed, with the URL it concerns, and what to do about it.
 * An administrator reads these after a deployment, so the fix names the setting or file to change.
 */
import { isMedsamError, MedsamError } from '../../engine/errors';
import { isViewerError } from './errors';

const SERVE_FIX =
  'Fix: serve the folder that holds manifest.json and the model files it names (keeping their relative paths), ' +
  'or point window.config.medsam.modelBaseUrl in app-config.js at that folder.';

function absolute(path: unknown, manifestUrl: string): string | null {
  if (typeof path !== 'string') return null;
  try {
    return new URL(path, manifestUrl).href;
  } catch {
    return null;
  }
}

/** The message for an error raised while loading a model (manifest, download, integrity, session creation). */
export function modelLoadMessage(error: unknown, manifestUrl: string): string {
  if (!isMedsamError(error)) return `MedSAM could not start: ${String((error as Error)?.message ?? error)}`;
  const url = (error.details.url as string | undefined) ?? absolute(error.details.path, manifestUrl) ?? manifestUrl;
  switch (error.code) {
    case 'MODEL_UNAVAILABLE':
      return `MedSAM model not available: ${error.message}\nURL: ${url}\n${SERVE_FIX}`;
    case 'MODEL_INTEGRITY':
      return (
        `MedSAM model file rejected: ${error.message}\nURL: ${url}\n` +
        'Fix: copy the model file again (it is incomplete or was replaced), or serve the manifest.json that was ' +
        'exported together with these files (npm run model:export writes both).'
      );
    case 'INVALID_MANIFEST':
      return `MedSAM model manifest not usable: ${error.message}\nURL: ${url}\nFix: serve a manifest written by npm run model:export, and name one of its model ids in window.config.medsam.modelId.`;
    case 'INFERENCE_FAILED':
      return `This browser could not run the MedSAM model: ${error.message}\nFix: use a current Chrome, Edge or Firefox; on WebGPU problems add ?medsamProvider=wasm to the URL or set window.config.medsam.executionProviders to ['wasm'].`;
    default:
      return `MedSAM could not start (${error.code}): ${error.message}`;
  }
}

/** The message for a failed segmentation (box, image, inference). */
export function segmentMessage(error: unknown): string {
  // The viewer's own errors are written for the user already; a failed model load has said its reason in the panel.
  if (isViewerError(error, 'MODEL_NOT_LOADED')) return error.message;
  if (isViewerError(error)) return `MedSAM cannot segment here: ${error.message}`;
  if (!isMedsamError(error)) return `MedSAM failed: ${String((error as Error)?.message ?? error)}`;
  switch (error.code) {
    case 'INVALID_BOX':
      return `Draw the box on the image: ${error.message}`;
    case 'INVALID_IMAGE':
    case 'IMAGE_SIZE_UNSUPPORTED':
      return `MedSAM cannot segment this image: ${error.message}`;
    default:
      return `MedSAM failed (${error.code}): ${error.message}`;
  }
}

export { MedsamError };
