// The viewer host's contract (node --test scripts/lib): isolation headers on every response, single-page
// fallback, no way out of the served folders, and a /dicom-web proxy whose retrieve URLs point at our origin.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createViewerServer, listen, parseDicomwebTarget } from './serve.mjs';

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const target = typeof url === 'string' ? new URL(url) : url;
    const req = http.request(
      {
        ...(typeof url === 'string'
          ? { host: target.hostname, port: target.port, path: target.pathname + target.search }
          : target),
        method,
        headers,
      },
      res => {
        const chunks = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** GET with a raw, un-normalised path (fetch and URL would resolve the dots away). */
function rawGet(port, rawPath) {
  return request({ host: '127.0.0.1', port, path: rawPath });
}

function assertIsolated(res, what) {
  for (const [name, value] of Object.entries(ISOLATION)) assert.equal(res.headers[name], value, `${name} on ${what}`);
}

describe('viewer host', () => {
  let dir;
  let upstream;
  let upstreamSeen;
  let server;
  let origin;
  let port;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-serve-test-'));
    const viewer = path.join(dir, 'viewer');
    const plugins = path.join(dir, 'plugins');
    fs.mkdirSync(path.join(viewer, 'ort'), { recursive: true });
    fs.mkdirSync(path.join(plugins, 'extension-medsam'), { recursive: true });
    fs.writeFileSync(path.join(viewer, 'index.html'), '<!doctype html><title>viewer</title>');
    fs.writeFileSync(path.join(viewer, 'app-config.js'), 'window.config = "the viewer\'s own";');
    fs.writeFileSync(path.join(viewer, 'ort', 'ort-wasm-simd-threaded.wasm'), Buffer.from([0, 97, 115, 109]));
    fs.writeFileSync(path.join(viewer, 'ort', 'ort.bundle.min.mjs'), 'export {};');
    fs.writeFileSync(path.join(plugins, 'extension-medsam', 'index.js'), 'export default {};');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside');
    fs.writeFileSync(path.join(dir, 'app-config.js'), 'window.config = "ours";');

    upstreamSeen = [];
    upstream = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', c => chunks.push(c));
      req.on('end', () => {
        upstreamSeen.push({
          url: req.url,
          method: req.method,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const base = `http://${req.headers.host}/dicom-web`;
        res.writeHead(200, { 'Content-Type': 'application/dicom+json', Connection: 'keep-alive' });
        res.end(JSON.stringify([{ '00081190': { vr: 'UR', Value: [`${base}/studies/1.2.3`] } }]));
      });
    });
    await listen(upstream, 0);
    const upstreamBase = `http://127.0.0.1:${upstream.address().port}/dicom-web`;

    server = createViewerServer({
      viewerDir: viewer,
      appConfig: path.join(dir, 'app-config.js'),
      mounts: [{ prefix: '/medsam-plugin/', dir: plugins }],
      dicomweb: parseDicomwebTarget(upstreamBase, { rewriteUrls: false }),
    });
    await listen(server, 0);
    port = server.address().port;
    origin = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    server.closeAllConnections();
    upstream.closeAllConnections();
    await new Promise(r => server.close(r));
    await new Promise(r => upstream.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends the cross-origin isolation headers on every kind of response', async () => {
    const cases = {
      '/': 200,
      '/medsam?StudyInstanceUIDs=1.2.3': 200,
      '/app-config.js': 200,
      '/ort/ort-wasm-simd-threaded.wasm': 200,
      '/ort/ort.bundle.min.mjs': 200,
      '/medsam-plugin/extension-medsam/index.js': 200,
      '/missing.js': 404,
      '/dicom-web/studies': 200,
    };
    for (const [url, status] of Object.entries(cases)) {
      const res = await request(origin + url);
      assert.equal(res.status, status, url);
      assertIsolated(res, url);
    }
  });

  it('survives a file that vanishes or cannot be read while it is served', async () => {
    // /proc/self/mem stats as a regular file, and reading it from offset 0 fails (EIO): a read error after the stat
    const file = path.join(dir, 'plugins', 'extension-medsam', 'unreadable.js');
    fs.symlinkSync('/proc/self/mem', file);
    await rawGet(port, '/medsam-plugin/extension-medsam/unreadable.js').catch(() => null);
    fs.rmSync(file);
    assert.equal((await request(`${origin}/app-config.js`)).status, 200, 'the server still answers');
  });

  it('serves wasm and module scripts with the types browsers require', async () => {
    assert.equal(
      (await request(`${origin}/ort/ort-wasm-simd-threaded.wasm`)).headers['content-type'],
      'application/wasm',
    );
    assert.match((await request(`${origin}/ort/ort.bundle.min.mjs`)).headers['content-type'], /^text\/javascript/);
    assert.match(
      (await request(`${origin}/medsam-plugin/extension-medsam/index.js`)).headers['content-type'],
      /^text\/javascript/,
    );
  });

  it('falls back to index.html for client routes, not for missing assets', async () => {
    const route = await request(`${origin}/medsam/dicomweb?StudyInstanceUIDs=1`);
    assert.equal(route.status, 200);
    assert.match(route.body, /<title>viewer<\/title>/);
    assert.equal((await request(`${origin}/bundle.123.js`)).status, 404);
  });

  it('serves our app-config.js instead of the viewer one', async () => {
    assert.equal((await request(`${origin}/app-config.js`)).body, 'window.config = "ours";');
  });

  it('never serves a file outside the served folders', async () => {
    for (const raw of [
      '/../secret.txt',
      '/medsam-plugin/../secret.txt',
      '/medsam-plugin/..%2f..%2fsecret.txt',
      '/%2e%2e/secret.txt',
    ]) {
      const res = await rawGet(port, raw);
      assert.notEqual(res.body, 'outside', raw);
    }
  });

  it('proxies /dicom-web with our Host, so the retrieve URLs point at this origin', async () => {
    const res = await request(`${origin}/dicom-web/studies?PatientID=x`, {
      headers: { Accept: 'application/dicom+json' },
    });
    const seen = upstreamSeen.at(-1);
    assert.equal(seen.url, '/dicom-web/studies?PatientID=x');
    assert.equal(seen.headers.host, `127.0.0.1:${port}`);
    assert.equal(seen.headers.forwarded, `host=127.0.0.1:${port};proto=http`);
    assert.equal(JSON.parse(res.body)[0]['00081190'].Value[0], `${origin}/dicom-web/studies/1.2.3`);
  });

  it('forwards request bodies (STOW-RS) to the archive whole', async () => {
    const body = '--b\r\nContent-Type: application/dicom\r\n\r\nDICM\r\n--b--';
    const res = await request(`${origin}/dicom-web/studies`, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/related; type="application/dicom"; boundary=b' },
      body,
    });
    assert.equal(res.status, 200);
    const seen = upstreamSeen.at(-1);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.body, body);
  });

  it('passes only DICOMweb resources to the archive: no dot segments, encoded slashes or other Orthanc routes', async () => {
    const before = upstreamSeen.length;
    const probes = [
      '/dicom-web/..%2fsystem',
      '/dicom-web/..%5csystem',
      '/dicom-web/..\\system',
      '/dicom-web/studies/../../system',
      '/dicom-web/studies/%2e%2e/%2e%2e/tools/shutdown',
      '/dicom-web/studies/1.2/..',
      '/dicom-web/servers',
      '/dicom-web',
      '/dicom-web/studies/1.2;x',
      '/dicom-web//studies',
    ];
    for (const raw of probes) assert.equal((await rawGet(port, raw)).status, 404, raw);
    const post = (p, headers) => request({ host: '127.0.0.1', port, path: p }, { method: 'POST', headers, body: 'x' });
    // what a page on another origin can send without a preflight: text/plain, form types
    assert.equal(
      (await post('/dicom-web/studies', { 'Content-Type': 'text/plain', Origin: 'http://evil.test' })).status,
      403,
    );
    assert.equal((await post('/dicom-web/studies', { 'Content-Type': 'multipart/form-data; boundary=b' })).status, 403);
    const related = { 'Content-Type': 'multipart/related; type="application/dicom"; boundary=b' };
    assert.equal((await post('/dicom-web/studies', { ...related, Origin: 'http://evil.test' })).status, 403);
    assert.equal((await post('/dicom-web/studies/1.2/series', related)).status, 403, 'STOW only to /studies');
    const del = await request({ host: '127.0.0.1', port, path: '/dicom-web/studies/1.2.3' }, { method: 'DELETE' });
    assert.equal(del.status, 405);
    // DNS rebinding: another name resolving to this machine
    const rebound = await request(
      { host: '127.0.0.1', port, path: '/dicom-web/studies' },
      { headers: { Host: 'evil.test' } },
    );
    assert.equal(rebound.status, 403);
    assert.equal(upstreamSeen.length, before, 'none of them reached the archive');
    // the viewer's own requests still pass, from this origin
    for (const ok of [
      '/dicom-web/studies/1.2.3/series/4.5/instances/6.7/frames/1,2',
      '/dicom-web/studies/1.2.3/series/4.5/metadata',
      '/dicom-web/studies/1.2.3/series/4.5/instances/6.7/bulk/7fe00010',
      '/dicom-web/studies?PatientID=x&limit=25',
    ]) {
      assert.equal((await rawGet(port, ok)).status, 200, ok);
    }
    assert.equal((await post('/dicom-web/studies', { ...related, Origin: origin })).status, 200);
  });

  it('rewrites another PACS base URL in JSON answers to this origin', async () => {
    const pacsBase = `http://127.0.0.1:${upstream.address().port}/dicom-web`;
    const other = createViewerServer({
      viewerDir: path.join(dir, 'viewer'),
      appConfig: path.join(dir, 'app-config.js'),
      dicomweb: parseDicomwebTarget(pacsBase.replace('http://', 'http://user:p%40ss@'), { rewriteUrls: true }),
    });
    await listen(other, 0);
    try {
      const otherOrigin = `http://127.0.0.1:${other.address().port}`;
      const res = await request(`${otherOrigin}/dicom-web/studies`);
      const seen = upstreamSeen.at(-1);
      assert.equal(seen.headers.host, `127.0.0.1:${upstream.address().port}`, 'the PACS gets its own Host');
      assert.equal(seen.headers.authorization, 'Basic ' + Buffer.from('user:p@ss').toString('base64'));
      assert.equal(JSON.parse(res.body)[0]['00081190'].Value[0], `${otherOrigin}/dicom-web/studies/1.2.3`);
      assertIsolated(res, 'rewritten JSON');
    } finally {
      other.closeAllConnections();
      await new Promise(r => other.close(r));
    }
  });

  it('answers 502 with the upstream named when the archive is down', async () => {
    const down = createViewerServer({
      viewerDir: path.join(dir, 'viewer'),
      appConfig: path.join(dir, 'app-config.js'),
      dicomweb: parseDicomwebTarget('http://127.0.0.1:9/dicom-web', { rewriteUrls: false }),
    });
    await listen(down, 0);
    try {
      const res = await request(`http://127.0.0.1:${down.address().port}/dicom-web/studies`);
      assert.equal(res.status, 502);
      assert.match(res.body, /127\.0\.0\.1:9\/dicom-web/);
      assertIsolated(res, '502');
    } finally {
      await new Promise(r => down.close(r));
    }
  });
});
