// The viewer host: the prebuilt OHIF viewer as a single-page app, our runtime plugins, the app config,
// and /dicom-web proxied to the archive, all on one origin and cross-origin isolated
// (COOP/COEP on every response, so multithreaded WASM and SharedArrayBuffer work).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

export const DICOMWEB_PREFIX = '/dicom-web';

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // and no framing by other sites, no type sniffing, no URLs (with study UIDs) in Referer headers to elsewhere
  'Content-Security-Policy': "frame-ancestors 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonc': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webapp': 'application/x-web-app-manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
  '.onnx': 'application/octet-stream',
  '.ort': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

// Hop-by-hop headers (RFC 9110 7.6.1) are never forwarded by a proxy.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function contentType(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Resolves a URL path inside `dir`, or null when it would leave it. */
function safeJoin(dir, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = path.resolve(dir, '.' + path.posix.normalize('/' + decoded));
  return file === dir || file.startsWith(dir + path.sep) ? file : null;
}

function statFile(file) {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? st : null;
  } catch {
    return null;
  }
}

function sendFile(req, res, file, st, { cache }) {
  const headers = {
    ...ISOLATION_HEADERS,
    'Content-Type': contentType(file),
    'Content-Length': st.size,
    'Last-Modified': st.mtime.toUTCString(),
    'Cache-Control': cache,
  };
  const since = req.headers['if-modified-since'];
  if (since && Math.floor(st.mtimeMs / 1000) <= Math.floor(Date.parse(since) / 1000)) {
    delete headers['Content-Length'];
    res.writeHead(304, headers);
    return res.end();
  }
  res.writeHead(200, headers);
  if (req.method === 'HEAD') return res.end();
  // A file removed or made unreadable between stat and read (a model re-export, a rebuild) ends this response, not
  // the server: an unhandled stream error would stop npm start and leave Orthanc orphaned.
  const stream = fs.createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

function sendText(res, status, text, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(text);
}

/**
 * The DICOMweb upstream. For the local Orthanc the proxy sends our Host (and a Forwarded header), so the
 * URLs Orthanc writes into its answers (BulkDataURI, RetrieveURL) already point at our origin. For another
 * PACS the Host must stay the PACS's (virtual hosting, TLS), so its base URL is rewritten in JSON answers.
 */
export function parseDicomwebTarget(target, { rewriteUrls }) {
  const url = new URL(target);
  const auth =
    url.username || url.password
      ? 'Basic ' + Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')
      : null;
  url.username = '';
  url.password = '';
  const base = url.href.replace(/\/+$/, '');
  return { url, base, auth, rewriteUrls };
}

// What the viewer asks a DICOMweb root for: QIDO/WADO/STOW resources under studies, series and instances, whose
// segments are UIDs, frame lists, bulk data tags and resource names. Anything else (dot segments, encoded or back
// slashes, Orthanc's own /dicom-web/servers, its REST API one level up) never reaches the archive: the archive
// decodes and normalises paths again, and behind the proxy it trusts this origin.
const DICOMWEB_PATH = /^\/(studies|series|instances)(\/[A-Za-z0-9][A-Za-z0-9.,_-]*)*\/?$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why a request must not be proxied, or null. */
export function dicomwebRefusal(req) {
  const rest = req.url.slice(DICOMWEB_PREFIX.length);
  const pathPart = rest.split('?')[0];
  if (!DICOMWEB_PATH.test(pathPart) || pathPart.split('/').some(seg => seg === '.' || seg === '..')) {
    return [404, `not a DICOMweb resource: ${DICOMWEB_PREFIX}${pathPart.slice(0, 200)}`];
  }
  // DNS rebinding: a page on another name that resolves here must not read the archive (with our credentials).
  const host = String(req.headers.host ?? '');
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  if (!LOOPBACK_HOSTS.has(name.toLowerCase())) return [403, `Host ${host.slice(0, 100)} is not this server`];
  if (req.method === 'GET' || req.method === 'HEAD') return null;
  if (req.method !== 'POST') return [405, `${req.method} is not allowed on ${DICOMWEB_PREFIX}`];
  // STOW-RS only. multipart/related is not a type a cross-origin page can send without a CORS preflight, which this
  // server never grants; the Origin check covers browsers that send one anyway.
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!/^\/studies(\/[0-9.]+)?\/?$/.test(pathPart) || !type.startsWith('multipart/related')) {
    return [403, `only STOW-RS (POST multipart/related to ${DICOMWEB_PREFIX}/studies) is allowed`];
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return [403, `a request from ${String(origin).slice(0, 100)} is not allowed`];
  return null;
}

function proxyDicomweb(req, res, upstream) {
  const refusal = dicomwebRefusal(req);
  if (refusal) return sendText(res, refusal[0], refusal[1] + '\n');
  const rest = req.url.slice(DICOMWEB_PREFIX.length); // '/studies?...'
  const target = new URL(upstream.base + rest);
  const publicHost = req.headers.host ?? 'localhost';
  const publicBase = `http://${publicHost}${DICOMWEB_PREFIX}`;

  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name) && name !== 'host') headers[name] = value;
  }
  if (upstream.rewriteUrls) {
    headers.host = target.host;
    headers['accept-encoding'] = 'identity'; // the JSON is rewritten as text
  } else {
    headers.host = publicHost;
    headers.forwarded = `host=${publicHost};proto=http`;
  }
  headers['x-forwarded-host'] = publicHost;
  headers['x-forwarded-proto'] = 'http';
  if (upstream.auth) headers.authorization = upstream.auth;

  const client = target.protocol === 'https:' ? https : http;
  const upstreamReq = client.request(
    target,
    { method: req.method, headers },
    upstreamRes => {
      const outHeaders = { ...ISOLATION_HEADERS };
      for (const [name, value] of Object.entries(upstreamRes.headers)) {
        if (!HOP_BY_HOP.has(name)) outHeaders[name] = value;
      }
      const type = String(upstreamRes.headers['content-type'] ?? '');
      if (upstream.rewriteUrls && type.includes('json')) {
        const chunks = [];
        upstreamRes.on('data', c => chunks.push(c));
        upstreamRes.on('end', () => {
          const body = Buffer.from(Buffer.concat(chunks).toString('utf8').split(upstream.base).join(publicBase));
          outHeaders['content-length'] = body.length;
          res.writeHead(upstreamRes.statusCode ?? 502, outHeaders);
          res.end(body);
        });
        return;
      }
      res.writeHead(upstreamRes.statusCode ?? 502, outHeaders);
      upstreamRes.pipe(res);
    },
  );
  upstreamReq.on('error', err => {
    if (!res.headersSent) sendText(res, 502, `DICOMweb upstream ${upstream.base} unreachable: ${err.code ?? err.message}\n`);
    else res.destroy(err);
  });
  res.on('close', () => {
    if (!res.writableFinished) upstreamReq.destroy();
  });
  req.pipe(upstreamReq);
}

/**
 * Creates (does not start) the HTTP server.
 * options.viewerDir   the prebuilt viewer (OHIF's dist/)
 * options.appConfig   file served as /app-config.js in place of the viewer's own
 * options.mounts      [{ prefix: '/medsam-plugin/', dir, extensions?: ['.onnx', ...] }] extra static folders
 * options.generated   { '/path': () => ({ body, type }) | null } answers made per request (null: serve as usual)
 * options.dicomweb    from parseDicomwebTarget()
 * options.onRequest   optional (req, res) logger
 */
export function createViewerServer({ viewerDir, appConfig, mounts = [], generated = {}, dicomweb, onRequest }) {
  const viewerRoot = path.resolve(viewerDir);
  const indexFile = path.join(viewerRoot, 'index.html');
  const resolvedMounts = mounts.map(m => ({ ...m, dir: path.resolve(m.dir) }));

  return http.createServer((req, res) => {
    onRequest?.(req, res);
    const pathname = (req.url ?? '/').split('?')[0];

    if (pathname === DICOMWEB_PREFIX || pathname.startsWith(DICOMWEB_PREFIX + '/')) {
      return proxyDicomweb(req, res, dicomweb);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed\n');

    if (pathname === '/app-config.js') {
      const st = statFile(appConfig);
      return st ? sendFile(req, res, appConfig, st, { cache: 'no-cache' }) : sendText(res, 500, 'app-config.js missing\n');
    }

    const made = Object.hasOwn(generated, pathname) ? generated[pathname]() : null;
    if (made) {
      res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': made.type, 'Content-Length': Buffer.byteLength(made.body), 'Cache-Control': 'no-cache' });
      return res.end(req.method === 'HEAD' ? undefined : made.body);
    }

    for (const mount of resolvedMounts) {
      if (!pathname.startsWith(mount.prefix)) continue;
      const file = safeJoin(mount.dir, pathname.slice(mount.prefix.length));
      const allowed = !mount.extensions || (file && mount.extensions.includes(path.extname(file).toLowerCase()));
      const st = file && allowed ? statFile(file) : null;
      return st ? sendFile(req, res, file, st, { cache: 'no-cache' }) : sendText(res, 404, `not found: ${pathname}\n`);
    }

    const file = safeJoin(viewerRoot, pathname);
    const st = file ? statFile(file) : null;
    if (st) {
      // Webpack's content-hashed bundles never change under one name; the rest is revalidated.
      const hashed = /\.[0-9a-f]{16}\.(js|css)$|\/[0-9a-f]{16}\.(wasm|woff2)$/.test(file);
      return sendFile(req, res, file, st, { cache: hashed ? 'public, max-age=31536000, immutable' : 'no-cache' });
    }
    // Single-page fallback: client routes (/medsam, /segmentation, ...) get index.html; a missing asset
    // (a path whose last segment has an extension) is a real 404, which is easier to diagnose.
    const last = pathname.slice(pathname.lastIndexOf('/') + 1);
    if (!last.includes('.') || String(req.headers.accept ?? '').includes('text/html')) {
      const indexSt = statFile(indexFile);
      if (indexSt) return sendFile(req, res, indexFile, indexSt, { cache: 'no-cache' });
    }
    return sendText(res, 404, `not found: ${pathname}\n`);
  });
}

/** Starts the server on host:port; resolves with it once it listens. */
export function listen(server, port, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
