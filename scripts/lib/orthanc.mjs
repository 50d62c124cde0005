// Runs a local Orthanc (DICOMweb + GDCM plugins) on loopback with the project's configuration, behind a password
// that only the viewer host's proxy and the tools here know.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ORTHANC_PLUGIN_DIR } from './system-deps.mjs';

const ORTHANC_BIN = fs.existsSync('/usr/sbin/Orthanc') ? '/usr/sbin/Orthanc' : 'Orthanc';

const ORTHANC_USER = 'medsam';
const CREDENTIALS_FILE = 'orthanc-credentials.json';

/**
 * The storage folder's Orthanc password: made once (random, 192 bits), kept beside the index, readable by this user
 * only. Orthanc 1.10 cannot bind to loopback alone (RemoteAccessAllowed=false only refuses other hosts), so the
 * password is what keeps other local processes and pages out of its REST API.
 */
export function orthancCredentials(storageDir) {
  const saved = readOrthancCredentials(storageDir);
  if (saved) return saved;
  const made = { username: ORTHANC_USER, password: crypto.randomBytes(24).toString('base64url') };
  const file = credentialsFile(storageDir);
  fs.mkdirSync(storageDir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(made), { mode: 0o600 });
  fs.chmodSync(file, 0o600); // a damaged file that is rewritten keeps its old mode
  return made;
}

/** Where a storage folder's credentials are kept. */
export const credentialsFile = storageDir => path.join(storageDir, CREDENTIALS_FILE);

/** The storage folder's credentials, or null when there are none (yet) or they are unreadable. Creates nothing. */
export function readOrthancCredentials(storageDir) {
  try {
    const saved = JSON.parse(fs.readFileSync(credentialsFile(storageDir), 'utf8'));
    if (typeof saved.username === 'string' && typeof saved.password === 'string' && saved.password.length >= 16)
      return saved;
  } catch (e) {
    if (e.code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
  }
  return null;
}

/**
 * A way to talk to our Orthanc: its URL and a fetch that sends the credentials (fetch refuses URLs that carry them).
 * `path` is relative to the Orthanc root ('/instances') or a full URL on it.
 */
export function orthancClient(url, credentials) {
  const authorization = credentials
    ? 'Basic ' + Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')
    : null;
  return {
    url,
    authorization,
    fetch: (where, init = {}) => {
      const headers = new Headers(init.headers);
      if (authorization) headers.set('Authorization', authorization);
      return fetch(where.startsWith('http') ? where : url + where, { ...init, headers });
    },
    /** The DICOMweb root with the credentials in it, for parseDicomwebTarget (the proxy sends them on). */
    dicomwebTarget: () => {
      const u = new URL(`${url}/dicom-web`);
      if (credentials) {
        u.username = encodeURIComponent(credentials.username);
        u.password = encodeURIComponent(credentials.password);
      }
      return u.href;
    },
  };
}

/**
 * Writes the Orthanc configuration: config/orthanc.json with the port, storage, plugins and the storage folder's
 * credentials filled in. Orthanc 1.10 has no bind address; RemoteAccessAllowed=false refuses every client but loopback.
 */
export function writeOrthancConfig({ root, port, storageDir }) {
  const base = JSON.parse(fs.readFileSync(path.join(root, 'config', 'orthanc.json'), 'utf8'));
  const credentials = orthancCredentials(storageDir);
  const config = {
    ...base,
    HttpPort: port,
    StorageDirectory: path.join(storageDir, 'db'),
    IndexDirectory: path.join(storageDir, 'db'),
    AuthenticationEnabled: true,
    RegisteredUsers: { [credentials.username]: credentials.password },
    Plugins: [
      path.join(ORTHANC_PLUGIN_DIR, 'libOrthancDicomWeb.so'),
      path.join(ORTHANC_PLUGIN_DIR, 'libOrthancGdcm.so'),
    ],
  };
  fs.mkdirSync(storageDir, { recursive: true });
  const file = path.join(storageDir, 'orthanc.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  fs.chmodSync(file, 0o600); // an older run's file kept its mode
  return file;
}

/** Polls `${url}/system` until Orthanc answers (or the process exits, or the time is up). */
export async function waitForOrthanc(url, { timeoutMs = 30000, child, client = orthancClient(url, null) } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`Orthanc exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await client.fetch('/system');
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
 * Stops Orthanc when this process dies in any way (a crash, SIGKILL, an OOM kill), not only when it stops in order:
 * a shell holds the read end of a pipe from us and, at end of file (our death closes it), sends Orthanc SIGTERM.
 * Returns a function that dismisses the guard (before an orderly stop, so a reused pid is never signalled).
 */
function guardOrthanc(pid) {
  const guard = spawn(
    'sh',
    ['-c', 'while read -r _; do :; done; kill -TERM "$1" 2>/dev/null', 'orthanc-guard', String(pid)],
    {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    },
  );
  guard.on('error', () => {}); // no sh: the orderly stop still works
  guard.unref();
  guard.stdin.on('error', () => {});
  guard.stdin.unref?.();
  return () => {
    if (guard.exitCode === null && guard.signalCode === null) guard.kill('SIGKILL');
  };
}

/**
 * Starts Orthanc and waits until it answers. Returns { url, port, child, client, logFile, stop }: `client` (see
 * orthancClient) carries the storage folder's credentials. stop() sends SIGTERM, then SIGKILL after `graceMs`.
 * `onSpawn(stop)` is called as soon as the process exists, so a caller interrupted while Orthanc starts up can still
 * stop it; if this process dies without stopping it, a guard does.
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
  const dismissGuard = guardOrthanc(child.pid);
  child.once('exit', dismissGuard);
  const url = `http://127.0.0.1:${port}`;
  const client = orthancClient(url, orthancCredentials(storageDir));
  let stopping = null;
  const stop = (graceMs = 5000) => {
    stopping ??= new Promise(resolve => {
      dismissGuard();
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
    const system = await waitForOrthanc(url, { child, client });
    return { url, port, child, client, logFile, configFile, version: system.Version, stop };
  } catch (e) {
    await stop();
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`${e.message}\n--- ${logFile} (last lines) ---\n${tail}`, { cause: e });
  }
}
