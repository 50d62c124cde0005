// Where the project's served pieces live; shared by `npm start` and the end-to-end harness so both serve
// the same URLs.
import path from 'node:path';
import { servedManifest } from './models.mjs';

/** URL prefixes (keep in step with config/app-config.js). */
export const PLUGIN_PREFIX = '/medsam-plugin/';
export const MODELS_PREFIX = '/medsam-models/';
/** Only model files are served from the models folder (it also holds the Python export tooling). */
export const MODEL_FILE_EXTENSIONS = ['.json', '.onnx', '.ort', '.data'];

export function projectServeOptions(root, { modelsDir = process.env.MEDSAM_MODELS_DIR || 'models' } = {}) {
  const models = path.resolve(root, modelsDir);
  return {
    appConfig: path.join(root, 'config', 'app-config.js'),
    mounts: [
      { prefix: PLUGIN_PREFIX, dir: path.join(root, 'dist') },
      { prefix: MODELS_PREFIX, dir: models, extensions: MODEL_FILE_EXTENSIONS },
    ],
    // Models whose files are not there are left out of the manifest the viewer reads (see models.mjs).
    generated: {
      [`${MODELS_PREFIX}manifest.json`]: () => {
        const served = servedManifest(models);
        return served && { body: JSON.stringify(served.manifest), type: 'application/json; charset=utf-8' };
      },
    },
  };
}
