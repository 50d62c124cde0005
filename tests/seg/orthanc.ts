/**
 * A throw-away Orthanc for the SEG storage tests: the project's config/orthanc.json on a free loopback port with
 * its own storage folder (Debian packages orthanc, orthanc-dicomweb, orthanc-gdcm).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './validators';

export const ORTHANC_BIN = fs.existsSync('/usr/sbin/Orthanc') ? '/usr/sbin/Orthanc' : null;
const PLUGINS = ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so', '/usr/share/orthanc/plugins/libOrthancGdcm.so'];

export function orthancInstalled(): boolean {
  return ORTHANC_BIN !== null && PLUGINS.every(p => fs.existsSync(p));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface TestOrthanc {
  url: string;
  dicomWeb: string;
  port: number;
  storage: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function createOrthanc(): Promise<TestOrthanc> {
  const port = await freePort();
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-seg-orthanc-'));
  const base = JSON.parse(fs.readFileSync(path.join(ROOT, 'config/orthanc.json'), 'utf8'));
  const configFile = path.join(storage, 'orthanc.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      ...base,
      HttpPort: port,
      StorageDirectory: path.join(storage, 'db'),
      IndexDirectory: path.join(storage, 'db'),
      Plugins: PLUGINS,
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const log = fs.openSync(path.join(storage, 'orthanc.log'), 'a');
    child = spawn(ORTHANC_BIN!, [configFile], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`Orthanc exited (${child.exitCode}); see ${storage}/orthanc.log`);
      try {
        if ((await fetch(`${url}/system`)).ok) return;
      } catch {
        /* not up yet */
      }
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`Orthanc did not answer on ${url}`);
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>(resolve => {
      const t = setTimeout(() => c.kill('SIGKILL'), 5000);
      c.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      c.kill('SIGTERM');
    });
  };

  await start();
  return { url, dicomWeb: `${url}/dicom-web`, port, storage, stop, start };
}
