#!/usr/bin/env node
// `npm start`: the prebuilt OHIF viewer with the MedSAM extension and mode, on a local Orthanc with the
// sample CT studies (or on DICOMWEB_URL), served on http://127.0.0.1:PORT. Ctrl-C stops all it started.
//
// Environment:
//   PORT=3000               viewer port (loopback)
//   OHIF_VERSION=3.13.2     the prebuilt @ohif/app to serve (each version unpacked in .viewer/<version>/)
//   ORTHANC_PORT=8042       Orthanc HTTP port (default: the first free one from 8042)
//   ORTHANC_STORAGE=.orthanc Orthanc's storage and index folder
//   DICOMWEB_URL=...        use this DICOMweb server instead of a local Orthanc (credentials may sit in the URL:
//                           https://user:password@pacs.example.org/dicom-web)
//   MEDSAM_SKIP_BUILD=1     serve dist/ as it is (no webpack run)
//   MEDSAM_MODELS_DIR=...   folder served at /medsam-models/ (default: models/)
//   MEDSAM_LOG_REQUESTS=1   log every request
//   MEDSAM_MAX_UPLOAD_MB=512 the largest upload (STOW-RS of a SEG) the proxy takes
//   MEDSAM_HOSTS=a,b        host names the viewer is reached by besides loopback (behind a reverse proxy)
//   MEDSAM_PUBLIC_PROTO=https when pages reach it through a TLS reverse proxy (Origin checks, archive URLs)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentialsFile, startOrthanc } from './lib/orthanc.mjs';
import { findFreePort, isPortFree } from './lib/ports.mjs';
import { servedManifest } from './lib/models.mjs';
import { projectServeOptions } from './lib/project.mjs';
import { ensureSamples } from './lib/samples.mjs';
import { createViewerServer, DICOMWEB_PREFIX, listen, LOOPBACK_HOSTS, parseDicomwebTarget } from './lib/serve.mjs';
import { ensureSystemPackages } from './lib/system-deps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (...args) => console.log('[medsam]', ...args);

function portFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw} is not a TCP port`);
  return port;
}

/** Runs a command with its output shown; throws when it fails. Returns its stdout when `capture`. */
function run(command, args, { capture = false } = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  return capture ? result.stdout.trim() : '';
}

/** What the viewer will see through our proxy: the study list and where Orthanc's retrieve URLs point. */
async function checkThroughProxy(origin) {
  const res = await fetch(`${origin}${DICOMWEB_PREFIX}/studies`, { headers: { Accept: 'application/dicom+json' } });
  if (!res.ok) throw new Error(`GET ${origin}${DICOMWEB_PREFIX}/studies through the proxy: HTTP ${res.status}`);
  const text = await res.text();
  const studies = text ? JSON.parse(text) : [];
  const retrieveUrl = studies[0]?.['00081190']?.Value?.[0] ?? null;
  return { count: studies.length, retrieveUrl };
}

/** Makes the manifest's missing published models (LiteMedSAM) and returns the lines that say what the viewer gets. */
function ensureModels() {
  const modelsDir = path.resolve(root, process.env.MEDSAM_MODELS_DIR || 'models');
  let served = servedManifest(modelsDir);
  if (served?.dropped.some(d => d.makeWith === 'npm run model:litemedsam')) {
    log('making LiteMedSAM from its published weights (npm run model:litemedsam; first start only)');
    const result = spawnSync(
      'bash',
      [path.join(root, 'scripts', 'model-litemedsam.sh'), '--manifest', path.join(modelsDir, 'manifest.json')],
      {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    if (result.status !== 0)
      log('LiteMedSAM could not be made (see the line above); the viewer starts with the test models');
    served = servedManifest(modelsDir);
  }
  if (!served) return [`models: ${modelsDir}/manifest.json is missing or unreadable; the viewer will say so`];
  const lines = [];
  const first = served.manifest.models.find(m => !m.testModel) ?? served.manifest.models[0];
  if (first)
    lines.push(
      `model: the default is ${first.displayName} (${first.id})${first.testModel ? ', a TEST MODEL: its masks are not anatomy' : ''}`,
    );
  for (const d of served.dropped) {
    lines.push(
      `  model ${d.id} left out: ${d.missing} is missing${d.makeWith ? ` (make it with: ${d.makeWith})` : ''}`,
    );
  }
  return lines;
}

async function main() {
  const done = [];
  const cleanups = [];
  let stopping = false;
  const stopAll = async (code, why) => {
    if (stopping) return;
    stopping = true;
    if (why) log(why);
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (e) {
        console.error('[medsam] while stopping:', e.message);
      }
    }
    process.exit(code);
  };
  process.on('SIGINT', () => stopAll(0, 'stopping (Ctrl-C)'));
  process.on('SIGTERM', () => stopAll(0, 'stopping (SIGTERM)'));
  // A bug of ours stops Orthanc too, in order (and if even that fails, its guard does: see orthanc.mjs).
  process.on('uncaughtException', e => stopAll(1, `stopping after an unexpected error: ${e.stack ?? e}`));
  process.on('unhandledRejection', e => stopAll(1, `stopping after an unexpected error: ${e?.stack ?? e}`));

  try {
    const port = portFromEnv('PORT', 3000);
    if (!(await isPortFree(port))) throw new Error(`port ${port} is in use on 127.0.0.1; set PORT to another one`);

    // 1. The prebuilt viewer (cached tarball -> .viewer/<OHIF_VERSION>/dist).
    const viewerDir = run('bash', [path.join(root, 'scripts', 'fetch-viewer.sh')], { capture: true })
      .split('\n')
      .pop();
    const viewerVersion = fs.readFileSync(path.join(viewerDir, '..', 'VERSION'), 'utf8').trim();
    done.push(`viewer: @ohif/app@${viewerVersion} in ${path.relative(root, viewerDir)}`);

    // 2. The extension and the mode (ES modules in dist/).
    if (process.env.MEDSAM_SKIP_BUILD === '1') {
      done.push('build: skipped (MEDSAM_SKIP_BUILD=1)');
    } else {
      log('building the extension and the mode (webpack)');
      run(path.join(root, 'node_modules', '.bin', 'webpack'), ['--mode', 'production']);
      done.push('build: dist/extension-medsam/index.js, dist/mode-medsam/index.js');
    }
    for (const file of ['dist/extension-medsam/index.js', 'dist/mode-medsam/index.js']) {
      if (!fs.existsSync(path.join(root, file))) throw new Error(`${file} is missing; run without MEDSAM_SKIP_BUILD`);
    }

    // 3. The model: LiteMedSAM's published weights, converted without torch on first use (npm run model:litemedsam).
    //    Without them the viewer still starts, with the test models, and says so.
    done.push(...ensureModels());

    // 4. The archive: DICOMWEB_URL, or a local Orthanc with the sample studies.
    let dicomweb;
    if (process.env.DICOMWEB_URL) {
      dicomweb = parseDicomwebTarget(process.env.DICOMWEB_URL, { rewriteUrls: true });
      done.push(`archive: ${dicomweb.base}${dicomweb.auth ? ' (basic auth from the URL)' : ''}; no local Orthanc`);
    } else {
      const installed = ensureSystemPackages(['orthanc'], log);
      if (installed.length) done.push(`installed: ${installed.join(' ')}`);
      const orthancPort = process.env.ORTHANC_PORT ? portFromEnv('ORTHANC_PORT') : await findFreePort(8042);
      if (!(await isPortFree(orthancPort))) throw new Error(`ORTHANC_PORT ${orthancPort} is in use`);
      const storageDir = path.resolve(root, process.env.ORTHANC_STORAGE || '.orthanc');
      log(`starting Orthanc on 127.0.0.1:${orthancPort} (storage ${storageDir})`);
      const orthanc = await startOrthanc({ root, port: orthancPort, storageDir, onSpawn: stop => cleanups.push(stop) });
      orthanc.child.once('exit', (code, signal) =>
        stopAll(1, `Orthanc stopped unexpectedly (${signal ?? code}); see ${orthanc.logFile}`),
      );
      done.push(
        `orthanc: ${orthanc.version} at ${orthanc.url} (pid ${orthanc.child.pid}, log ${path.relative(root, orthanc.logFile)})`,
      );
      done.push(
        `  password-protected; the proxy holds the credentials (${path.relative(root, credentialsFile(storageDir))})`,
      );

      const samples = await ensureSamples(orthanc.client, root);
      if (samples.loaded) done.push(`samples: loaded ${samples.loaded} instances into the empty archive`);
      else done.push(`samples: archive already had ${samples.before} instances; nothing loaded`);
      for (const s of samples.studies) done.push(`  study ${s.name}: ${s.instances} instances (${s.StudyInstanceUID})`);
      for (const m of samples.missing) done.push(`  study ${m.name}: not in the archive (${m.reason})`);
      dicomweb = parseDicomwebTarget(orthanc.client.dicomwebTarget(), { rewriteUrls: false });
    }

    // 5. The viewer host.
    const maxUploadMb = Number(process.env.MEDSAM_MAX_UPLOAD_MB || 512);
    if (!(maxUploadMb > 0))
      throw new Error(`MEDSAM_MAX_UPLOAD_MB=${process.env.MEDSAM_MAX_UPLOAD_MB} is not a size in MB`);
    const extraHosts = (process.env.MEDSAM_HOSTS ?? '')
      .split(',')
      .map(h => h.trim())
      .filter(Boolean);
    const server = createViewerServer({
      viewerDir,
      ...projectServeOptions(root),
      dicomweb,
      limits: { maxUploadBytes: Math.round(maxUploadMb * 1024 * 1024) },
      allowedHosts: [...LOOPBACK_HOSTS, ...extraHosts],
      publicProto: process.env.MEDSAM_PUBLIC_PROTO === 'https' ? 'https' : 'http',
      onRequest:
        process.env.MEDSAM_LOG_REQUESTS === '1'
          ? (req, res) => res.on('finish', () => log(res.statusCode, req.method, req.url))
          : undefined,
    });
    await listen(server, port);
    cleanups.push(
      () =>
        new Promise(resolve => {
          server.close(() => resolve());
          server.closeAllConnections(); // browsers keep connections open; do not wait for them
        }),
    );
    const origin = `http://127.0.0.1:${port}`;

    try {
      const check = await checkThroughProxy(origin);
      done.push(`dicom-web: ${origin}${DICOMWEB_PREFIX} -> ${dicomweb.base}; ${check.count} studies`);
      if (check.retrieveUrl) {
        const ours = check.retrieveUrl.startsWith(`${origin}${DICOMWEB_PREFIX}`);
        done.push(`  retrieve URLs ${ours ? 'point at this origin' : `point ELSEWHERE: ${check.retrieveUrl}`}`);
      }
    } catch (e) {
      // Our own Orthanc must answer; another PACS may be down for now, and the viewer will say so.
      if (!process.env.DICOMWEB_URL) throw e;
      done.push(`dicom-web: ${origin}${DICOMWEB_PREFIX} -> ${dicomweb.base}; WARNING: ${e.message}`);
    }

    console.log('');
    for (const line of done) log(line);
    console.log('');
    log(`MedSAM for OHIF is running: ${origin}/`);
    log(`  study list: ${origin}/   MedSAM mode: ${origin}/medsam?StudyInstanceUIDs=<uid>`);
    log('  Ctrl-C stops the server' + (process.env.DICOMWEB_URL ? '' : ' and Orthanc'));
  } catch (e) {
    console.error(`[medsam] ${e.message}`);
    await stopAll(e.code === 'MISSING_SYSTEM_PACKAGES' ? 2 : 1);
  }
}

main();
