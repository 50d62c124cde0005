// The end-to-end stack: a throw-away Orthanc with the sample studies and the viewer host, on free loopback
// ports, built from the same pieces as `npm start` (scripts/lib). stop() ends both and removes the archive.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startOrthanc } from '../../scripts/lib/orthanc.mjs';
import { ephemeralPort, findFreePort } from '../../scripts/lib/ports.mjs';
import { projectServeOptions } from '../../scripts/lib/project.mjs';
import { ensureSamples, readSamples } from '../../scripts/lib/samples.mjs';
import { createViewerServer, listen, parseDicomwebTarget } from '../../scripts/lib/serve.mjs';
import { ensureSystemPackages } from '../../scripts/lib/system-deps.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const outDir = path.join(root, 'tests', 'out');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  return result.stdout.trim();
}

/**
 * What the stack needs before it starts, done once per run (the Playwright global setup): Orthanc and Chromium
 * installed, the prebuilt viewer OHIF_VERSION (default: fetch-viewer.sh's) unpacked, and dist/ built unless `build` is
 * false (default: unless MEDSAM_SKIP_BUILD=1). Returns { viewerDir, viewerVersion }.
 */
export function prepareStack({ log = () => {}, build = process.env.MEDSAM_SKIP_BUILD !== '1' } = {}) {
  ensureSystemPackages(['orthanc', 'chromium'], log);
  const viewerDir = run('bash', ['scripts/fetch-viewer.sh']).split('\n').pop();
  const viewerVersion = fs.readFileSync(path.join(viewerDir, '..', 'VERSION'), 'utf8').trim();
  if (build) {
    log('building dist/ (webpack)');
    run(path.join(root, 'node_modules', '.bin', 'webpack'), ['--mode', 'production']);
  }
  return { viewerDir, viewerVersion };
}

/**
 * Starts Orthanc (temporary storage) + the viewer host with the prebuilt viewer (prepareStack; `build` as there).
 * `modelsDir` is served at /medsam-models/ (default: models/, or MEDSAM_MODELS_DIR).
 * Returns { origin, orthancUrl, orthanc: { stop(), start(), fetch() }, samples, viewerVersion, stop }. Orthanc wants
 * its password: tests reach its REST API with orthanc.fetch('/instances', init), which sends it.
 */
export async function startStack({ log = () => {}, modelsDir, build } = {}) {
  const { viewerDir, viewerVersion } = prepareStack({ log, build });
  log(`viewer @ohif/app@${viewerVersion}`);

  const cleanups = [];
  // Orthanc runs in its own process group (a terminal's Ctrl-C does not reach it): stop it on signals.
  const onSignal = signal => stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  const stop = async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-e2e-orthanc-'));
    cleanups.push(() => fs.rmSync(storageDir, { recursive: true, force: true }));
    let orthanc = await startOrthanc({
      root,
      port: await findFreePort(18042),
      storageDir,
      onSpawn: stop => cleanups.push(stop),
    });
    // Failure tests stop the archive and start it again on the same port and storage (the studies stay).
    const orthancControl = {
      url: orthanc.url,
      fetch: (where, init) => orthanc.client.fetch(where, init),
      stop: () => orthanc.stop(),
      start: async () => {
        orthanc = await startOrthanc({ root, port: orthanc.port, storageDir, onSpawn: stop => cleanups.push(stop) });
      },
    };
    log(`orthanc ${orthanc.version} at ${orthanc.url}`);
    const loaded = await ensureSamples(orthanc.client, root);
    log(`samples: ${loaded.loaded} instances loaded`);

    const server = createViewerServer({
      viewerDir,
      ...projectServeOptions(root, modelsDir ? { modelsDir } : {}),
      dicomweb: parseDicomwebTarget(orthanc.client.dicomwebTarget(), { rewriteUrls: false }),
      onRequest:
        process.env.E2E_LOG_REQUESTS === '1'
          ? (req, res) => res.on('finish', () => log(`${res.statusCode} ${req.method} ${req.url}`))
          : undefined,
    });
    const port = await ephemeralPort();
    await listen(server, port);
    cleanups.push(
      () =>
        new Promise(resolve => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const origin = `http://127.0.0.1:${port}`;
    log(`viewer at ${origin}`);
    return {
      origin,
      orthancUrl: orthanc.url,
      orthanc: orthancControl,
      samples: readSamples(root),
      viewerVersion,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
