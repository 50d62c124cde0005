// The local archive's contract (node --test scripts/lib): nothing reaches Orthanc without the storage folder's
// password, and Orthanc never outlives the process that started it, however that process ends.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { orthancCredentials, startOrthanc } from './orthanc.mjs';
import { findFreePort } from './ports.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const haveOrthanc = fs.existsSync('/usr/sbin/Orthanc');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise(r => setTimeout(r, 100));
  }
  return check();
}

describe('local Orthanc', { skip: !haveOrthanc && 'Orthanc is not installed' }, () => {
  let storageDir;
  let orthanc;

  before(async () => {
    storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-orthanc-test-'));
    orthanc = await startOrthanc({ root, port: await findFreePort(28042), storageDir });
  });

  after(async () => {
    await orthanc?.stop();
    fs.rmSync(storageDir, { recursive: true, force: true });
  });

  it('refuses every request without the password, from any local process', async () => {
    for (const [method, route] of [
      ['GET', '/system'],
      ['GET', '/dicom-web/studies'],
      ['POST', '/tools/shutdown'],
      ['DELETE', '/instances/x'],
    ]) {
      const res = await fetch(`${orthanc.url}${route}`, { method });
      assert.equal(res.status, 401, `${method} ${route}`);
    }
    const wrong = await fetch(`${orthanc.url}/system`, {
      headers: { Authorization: 'Basic ' + Buffer.from('medsam:guess').toString('base64') },
    });
    assert.equal(wrong.status, 401);
    const res = await orthanc.client.fetch('/system');
    assert.equal(res.status, 200);
  });

  it('keeps one random password per storage folder, readable by its owner only', () => {
    const file = path.join(storageDir, 'orthanc-credentials.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(storageDir, 'orthanc.json')).mode & 0o777, 0o600);
    const first = orthancCredentials(storageDir);
    assert.deepEqual(orthancCredentials(storageDir), first);
    assert.ok(first.password.length >= 32);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-orthanc-test-'));
    try {
      assert.notEqual(orthancCredentials(other).password, first.password);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('is stopped when the process that started it is killed outright', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-orthanc-test-'));
    const port = await findFreePort(29042);
    const script = `
      import { startOrthanc } from ${JSON.stringify(path.join(root, 'scripts/lib/orthanc.mjs'))};
      const o = await startOrthanc({ root: ${JSON.stringify(root)}, port: ${port}, storageDir: ${JSON.stringify(dir)} });
      console.log(o.child.pid);
      setInterval(() => {}, 1000);`;
    const host = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const pid = await new Promise((resolve, reject) => {
        host.stdout.once('data', d => resolve(Number(String(d).trim())));
        host.once('exit', code => reject(new Error(`the host exited (${code}) before Orthanc was up`)));
      });
      assert.ok(alive(pid), 'Orthanc runs');
      host.kill('SIGKILL');
      assert.ok(await waitUntil(() => !alive(pid), 10000), `Orthanc (pid ${pid}) outlived its killed host`);
    } finally {
      host.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
