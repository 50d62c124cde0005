/**
 * Node adapters for the engine's model loading (the command line's: manifest and model files from disk) and the
 * repository root, shared by the parity tests and the benchmark.
 */
import * as path from 'path';
import { fsFetchBytes, readManifestFile } from '../../../extension-medsam/src/cli/models';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

export { fsFetchBytes, readManifestFile as readManifest };
