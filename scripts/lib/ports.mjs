// Loopback port helpers shared by `npm start` and the end-to-end harness.
import net from 'node:net';

/** Resolves true when nothing listens on 127.0.0.1:port (and it can be bound). */
export function isPortFree(port) {
  return new Promise(resolve => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.once('listening', () => probe.close(() => resolve(true)));
    probe.listen(port, '127.0.0.1');
  });
}

/**
 * The first free port at or above `from` (tries `attempts` ports).
 * Orthanc 1.10 binds every interface, so a port is checked on loopback only as a best effort.
 */
export async function findFreePort(from, attempts = 50) {
  for (let port = from; port < from + attempts; port++) {
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free TCP port in ${from}..${from + attempts - 1}`);
}

/** A port chosen by the kernel (for tests that only need "some free port"). */
export function ephemeralPort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
