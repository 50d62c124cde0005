// The viewer host under faults and hostile requests (node --test scripts/lib): resumable downloads, file errors that
// end one answer and not the server, a content security policy, and uploads that can neither exhaust the archive
// (slow or huge bodies) nor hang the proxy (an archive that never answers).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createViewerServer, inlineScriptHashes, listen, parseDicomwebTarget, requestedRange } from './serve.mjs';

function request(port, urlPath, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method, headers }, res => {
      const chunks = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A raw HTTP exchange: sends `head` (and `body` if any), keeps the socket open, resolves with what came back. */
function rawExchange(port, head, { body = '', keepSending = false } = {}) {
  return new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head + body));
    let answer = '';
    socket.on('data', d => (answer += d));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
    if (!keepSending) socket.setTimeout(5000, () => socket.destroy());
  });
}

const STOW_TYPE = 'multipart/related; type="application/dicom"; boundary=b';

describe('viewer host under faults', () => {
  let dir;
  let upstream;
  let upstreamRequests;
  let silentUpstream;
  let server;
  let port;
  const model = Buffer.alloc(100_000);
  for (let i = 0; i < model.length; i++) model[i] = (i * 7) & 0xff;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-serve-faults-'));
    const viewer = path.join(dir, 'viewer');
    const models = path.join(dir, 'models');
    fs.mkdirSync(viewer, { recursive: true });
    fs.mkdirSync(models, { recursive: true });
    fs.writeFileSync(
      path.join(viewer, 'index.html'),
      '<!doctype html><script>window.PUBLIC_URL="/"</script><script src="/a.js"></script><title>v</title>',
    );
    fs.writeFileSync(path.join(dir, 'app-config.js'), 'window.config = {};');
    fs.writeFileSync(path.join(models, 'encoder.onnx'), model);

    upstreamRequests = 0;
    upstream = http.createServer((req, res) => {
      upstreamRequests++;
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
        res.end('[]');
      });
    });
    await listen(upstream, 0);
    silentUpstream = http.createServer(() => {}); // takes requests and never answers
    await listen(silentUpstream, 0);

    server = createViewerServer({
      viewerDir: viewer,
      appConfig: path.join(dir, 'app-config.js'),
      mounts: [{ prefix: '/medsam-models/', dir: models }],
      dicomweb: parseDicomwebTarget(`http://127.0.0.1:${upstream.address().port}/dicom-web`, { rewriteUrls: false }),
      limits: { maxUploadBytes: 1000, uploadIdleMs: 400, maxConcurrentUploads: 2 },
      allowedHosts: ['127.0.0.1', 'viewer.example.org'],
    });
    await listen(server, 0);
    port = server.address().port;
  });

  after(async () => {
    for (const s of [server, upstream, silentUpstream]) {
      s.closeAllConnections();
      await new Promise(r => s.close(r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers byte ranges, so a large model download can resume', async () => {
    const full = await request(port, '/medsam-models/encoder.onnx');
    assert.equal(full.status, 200);
    assert.equal(full.headers['accept-ranges'], 'bytes');
    const part = await request(port, '/medsam-models/encoder.onnx', { headers: { Range: 'bytes=1000-1999' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], `bytes 1000-1999/${model.length}`);
    assert.deepEqual(part.body, model.subarray(1000, 2000));
    const tail = await request(port, '/medsam-models/encoder.onnx', { headers: { Range: 'bytes=99990-' } });
    assert.deepEqual(tail.body, model.subarray(99990));
    const suffix = await request(port, '/medsam-models/encoder.onnx', { headers: { Range: 'bytes=-10' } });
    assert.deepEqual(suffix.body, model.subarray(model.length - 10));
    const beyond = await request(port, '/medsam-models/encoder.onnx', { headers: { Range: 'bytes=200000-' } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers['content-range'], `bytes */${model.length}`);
    // a resumed download of a file that changed since must start again: If-Range with an old validator gets it whole
    const stale = await request(port, '/medsam-models/encoder.onnx', {
      headers: { Range: 'bytes=10-', 'If-Range': '"old"' },
    });
    assert.equal(stale.status, 200);
    const fresh = await request(port, '/medsam-models/encoder.onnx', {
      headers: { Range: 'bytes=10-', 'If-Range': full.headers.etag },
    });
    assert.equal(fresh.status, 206);
  });

  it('parses ranges as RFC 9110 says', () => {
    const v = { etag: '"e"', lastModified: 'x' };
    assert.equal(requestedRange({}, 10, v), null);
    assert.deepEqual(requestedRange({ range: 'bytes=0-0' }, 10, v), { start: 0, end: 0 });
    assert.deepEqual(requestedRange({ range: 'bytes=5-100' }, 10, v), { start: 5, end: 9 });
    assert.deepEqual(requestedRange({ range: 'bytes=-100' }, 10, v), { start: 0, end: 9 });
    assert.equal(requestedRange({ range: 'bytes=0-1,5-6' }, 10, v), null, 'several ranges: the whole file');
    assert.equal(requestedRange({ range: 'bytes=9-2' }, 10, v), 'unsatisfiable');
    assert.equal(requestedRange({ range: 'items=0-1' }, 10, v), null);
  });

  it('answers 404 or 500 for a file that vanished or cannot be read, and keeps serving', async () => {
    const dangling = path.join(dir, 'models', 'gone.onnx');
    fs.symlinkSync(path.join(dir, 'nowhere'), dangling);
    assert.equal((await request(port, '/medsam-models/gone.onnx')).status, 404);
    const folder = path.join(dir, 'models', 'folder.onnx');
    fs.mkdirSync(folder);
    assert.equal((await request(port, '/medsam-models/folder.onnx')).status, 404);
    // /proc/self/mem is a regular file whose reads at offset 0 fail (EIO): the answer breaks off, the server lives
    fs.symlinkSync('/proc/self/mem', path.join(dir, 'models', 'mem.onnx'));
    await request(port, '/medsam-models/mem.onnx').catch(() => null);
    assert.equal((await request(port, '/medsam-models/encoder.onnx')).status, 200);
  });

  it('sends a content security policy that allows the page its own inline scripts and nothing from elsewhere', async () => {
    const page = await request(port, '/');
    const csp = page.headers['content-security-policy'];
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'self'/);
    assert.match(csp, /object-src 'none'/);
    const [hash] = inlineScriptHashes('<script>window.PUBLIC_URL="/"</script>');
    assert.ok(csp.includes(`'${hash}'`), 'the inline script is allowed by its hash');
    assert.ok(
      !csp.includes("'unsafe-inline'") || !/script-src[^;]*'unsafe-inline'/.test(csp),
      'no inline scripts in general',
    );
    assert.equal(inlineScriptHashes('<script src="/a.js"></script>').length, 0);
    const other = await request(port, '/medsam-models/encoder.onnx');
    assert.match(other.headers['content-security-policy'], /frame-ancestors 'self'/);
    assert.equal(other.headers['x-content-type-options'], 'nosniff');
    assert.equal(other.headers['referrer-policy'], 'same-origin');
  });

  it('refuses an upload over the size limit with 413, before the archive sees it', async () => {
    const before = upstreamRequests;
    const declared = await request(port, '/dicom-web/studies', {
      method: 'POST',
      headers: { 'Content-Type': STOW_TYPE, 'Content-Length': '5000000' },
    }).catch(e => e);
    assert.equal(declared.status, 413);
    assert.match(declared.body.toString(), /larger than this server accepts/);
    // chunked, so no length is declared: refused once it passes the limit
    const chunked = await rawExchange(
      port,
      `POST /dicom-web/studies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${STOW_TYPE}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      { body: `7d0\r\n${'x'.repeat(2000)}\r\n` },
    );
    assert.match(chunked, /^HTTP\/1\.1 413/);
    assert.equal(upstreamRequests, before, 'the archive got none of it');
    const small = await request(port, '/dicom-web/studies', {
      method: 'POST',
      headers: { 'Content-Type': STOW_TYPE },
      body: 'x'.repeat(500),
    });
    assert.equal(small.status, 200);
  });

  it('drops slow uploads (408) without holding the archive, and bounds how many are received at once (503)', async () => {
    const before = upstreamRequests;
    const head = `POST /dicom-web/studies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${STOW_TYPE}\r\nContent-Length: 900\r\n\r\n`;
    // the attack seen on the old proxy: many uploads that send a little and then nothing
    const slow = Array.from({ length: 5 }, () => rawExchange(port, head, { body: 'x'.repeat(10), keepSending: true }));
    await new Promise(r => setTimeout(r, 100));
    const meanwhile = await request(port, '/dicom-web/studies');
    assert.equal(meanwhile.status, 200, 'the viewer still reads the archive');
    const answers = await Promise.all(slow);
    const statuses = answers.map(a => a.slice(9, 12)).sort();
    assert.deepEqual(statuses, ['408', '408', '503', '503', '503']);
    assert.match(
      answers.find(a => a.includes(' 408 ')),
      /sent nothing for 0\.4 s/,
    );
    assert.equal(upstreamRequests, before + 1, 'only the GET reached the archive');
  });

  it('answers 504 when the archive never answers, naming it', async () => {
    const stuck = createViewerServer({
      viewerDir: path.join(dir, 'viewer'),
      appConfig: path.join(dir, 'app-config.js'),
      dicomweb: parseDicomwebTarget(`http://127.0.0.1:${silentUpstream.address().port}/dicom-web`, {
        rewriteUrls: false,
      }),
      limits: { upstreamIdleMs: 300 },
    });
    await listen(stuck, 0);
    try {
      const res = await request(stuck.address().port, '/dicom-web/studies');
      assert.equal(res.status, 504);
      assert.match(res.body.toString(), /sent nothing for 0\.3 s/);
    } finally {
      stuck.closeAllConnections();
      await new Promise(r => stuck.close(r));
    }
  });

  it('behind a TLS reverse proxy, takes uploads from its https origin and tells the archive the scheme', async () => {
    let seen = null;
    const archive = http.createServer((req, res) => {
      seen = req.headers;
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    await listen(archive, 0);
    const behind = createViewerServer({
      viewerDir: path.join(dir, 'viewer'),
      appConfig: path.join(dir, 'app-config.js'),
      dicomweb: parseDicomwebTarget(`http://127.0.0.1:${archive.address().port}/dicom-web`, { rewriteUrls: false }),
      allowedHosts: ['viewer.example.org'],
      publicProto: 'https',
    });
    await listen(behind, 0);
    try {
      const stow = origin =>
        request(behind.address().port, '/dicom-web/studies', {
          method: 'POST',
          headers: { Host: 'viewer.example.org', Origin: origin, 'Content-Type': STOW_TYPE },
          body: 'x',
        });
      assert.equal((await stow('https://viewer.example.org')).status, 200);
      assert.equal(seen.forwarded, 'host=viewer.example.org;proto=https');
      assert.equal(seen['x-forwarded-proto'], 'https');
      assert.equal((await stow('http://viewer.example.org')).status, 403, 'the plain-http origin is another origin');
    } finally {
      for (const s of [behind, archive]) {
        s.closeAllConnections();
        await new Promise(r => s.close(r));
      }
    }
  });

  it('answers to the host names it was started for and no others', async () => {
    assert.equal(
      (await request(port, '/dicom-web/studies', { headers: { Host: 'viewer.example.org:8443' } })).status,
      200,
    );
    assert.equal((await request(port, '/dicom-web/studies', { headers: { Host: 'localhost' } })).status, 403);
    assert.equal(
      (await request(port, '/dicom-web/studies', { headers: { Host: 'viewer.example.org.evil.test' } })).status,
      403,
    );
  });
});
