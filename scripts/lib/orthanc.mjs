// Runs a local Orthanc (DICOMweb + GDCM plugins) on loopback with the project's configuration.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ORTHANC_PLUGIN_DIR } from './system-deps.mjs';

const ORTHANC_BIN = fs.existsSync('/usr/sbin/Orthanc') ? '/usr/sbin/Orthanc' : 'Orthanc';

/**
 * Writes the Orthanc configuration: config/orthanc.json with the port, storage and plugins filled in.
 * Orthanc 1.10 has no bind address; RemoteAccessAllowed=false refuses every client but loopback.
 */
export function writeOrthancConfig({ root, port, storageDir }) {
  const base = JSON.parse(fs.readFileSync(path.join(root, 'config', 'orthanc.json'), 'utf8'));
  const config = {
    ...base,
    HttpPort: port,
    StorageDirectory: path.join(storageDir, 'db'),
    IndexDirectory: path.join(storageDir, 'db'),
    Plugins: [path.join(ORTHANC_PLUGIN_DIR, 'libOrthancDicomWeb.so'), path.join(ORTHANC_PLUGIN_DIR, 'libOrthancGdcm.so')],
  };
  fs.mkdirSync(storageDir, { recursive: true });
  const file = path.join(storageDir, 'orthanc.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Polls `${url}/system` until Orthanc answers (or the process exits, or the time is up). */
export async function waitForOrthanc(url, { timeoutMs = 30000, child } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`Orthanc exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${url}/system`);
      if (res.ok) return await res.json();
      lastError = `HTTP ${res.status}`;
    } catch (e) {
      lastError = e.cause?.code ?? e.message;
    }
    await new Promise(r => setTimeout(r, 150));
  }
  throw new Error(`Orthanc at ${url} not ready after ${timeoutMs} ms (${lastError})`);
}

/** The command line of a live process, or null. */
function commandLine(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return null;
  }
}

/**
 * A pid file in the storage folder guards against two Orthancs on one index. An Orthanc left behind by an
 * earlier run that was killed hard (same binary, same config file) is ours: it is stopped.
 */
async function claimStorage(storageDir, configFile) {
  const pidFile = path.join(storageDir, 'orthanc.pid');
  if (!fs.existsSync(pidFile)) return pidFile;
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  const cmd = Number.isInteger(pid) && pid > 0 ? commandLine(pid) : null;
  if (!cmd) return pidFile; // stale pid file
  if (path.basename(cmd[0]) === 'Orthanc' && cmd.includes(configFile)) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && commandLine(pid); i++) await new Promise(r => setTimeout(r, 100));
    if (commandLine(pid)) process.kill(pid, 'SIGKILL');
    return pidFile;
  }
  throw new Error(`another process (pid ${pid}: ${cmd.join(' ')}) holds ${pidFile}; stop it or set ORTHANC_STORAGE`);
}

/**
 * Starts Orthanc and waits until it answers. Returns { url, port, child, logFile, stop }.
 * stop() sends SIGTERM, then SIGKILL after `graceMs`. `onSpawn(stop)` is called as soon as the process
 * exists, so a caller interrupted while Orthanc starts up can still stop it.
 */
export async function startOrthanc({ root, port, storageDir, logFile, onSpawn }) {
  const configFile = path.join(storageDir, 'orthanc.json');
  fs.mkdirSync(storageDir, { recursive: true });
  const pidFile = await claimStorage(storageDir, configFile);
  writeOrthancConfig({ root, port, storageDir });
  logFile ??= path.join(storageDir, 'orthanc.log');
  const logFd = fs.openSync(logFile, 'a');
  // Its own process group: a terminal's Ctrl-C reaches only us, and we stop Orthanc in order.
  const child = spawn(ORTHANC_BIN, [configFile], { stdio: ['ignore', logFd, logFd], detached: true });
  fs.closeSync(logFd);
  fs.writeFileSync(pidFile, String(child.pid));
  const url = `http://127.0.0.1:${port}`;
  let stopping = null;
  const stop = (graceMs = 5000) => {
    stopping ??= new Promise(resolve => {
      const done = () => {
        fs.rmSync(pidFile, { force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(killer);
        done();
      });
      child.kill('SIGTERM');
    });
    return stopping;
  };
  onSpawn?.(stop);
  try {
    const system = await waitForOrthanc(url, { child });
    return { url, port, child, logFile, configFile, version: system.Version, stop };
  } catch (e) {
    await stop();
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`${e.message}\n--- ${logFile} (last lines) ---\n${tail}`);
  }
}
