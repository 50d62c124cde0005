// The viewer host: the prebuilt OHIF viewer as a single-page app, our runtime plugins, the app config,
// and /dicom-web proxied to the archive, all on one origin and cross-origin isolated
// (COOP/COEP on every response, so multithreaded WASM and SharedArrayBuffer work).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

export const DICOMWEB_PREFIX = '/dicom-web';

const ISOLATION_HEADERS = {
  'Content-Security-Policy': contentSecurityPolicy(), // index.html gets its inline scripts' hashes added
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // no type sniffing, no URLs (with study UIDs) in Referer headers to elsewhere
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
};

/**
 * What pages of this origin may load and run: everything from here (the viewer, our plugins, the models, DICOMweb
 * through the proxy), nothing from elsewhere, no framing by other sites. OHIF's index.html has two inline scripts,
 * allowed by their hashes; onnxruntime-web compiles WebAssembly ('wasm-unsafe-eval'); OHIF's image codecs
 * (emscripten embind: `new Function` in the decode worker) need 'unsafe-eval', without which JPEG 2000 and JPEG-LS
 * images stay black; workers start from blob: URLs; React and OHIF set inline styles.
 */
function contentSecurityPolicy(inlineScriptHashes = []) {
  const scripts = ["'self'", "'unsafe-eval'", "'wasm-unsafe-eval'", 'blob:', ...inlineScriptHashes.map(h => `'${h}'`)];
  return [
    "default-src 'self'",
    `script-src ${scripts.join(' ')}`,
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self' data: blob:",
    "media-src 'self' data: blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

/** The CSP hashes of a page's inline scripts (<script> elements without src). */
export function inlineScriptHashes(html) {
  const hashes = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/i.test(m[1]) || !m[2]) continue;
    hashes.push('sha256-' + crypto.createHash('sha256').update(m[2], 'utf8').digest('base64'));
  }
  return hashes;
}

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

/**
 * The one byte range a request asks for (RFC 9110 14.2): { start, end } inclusive, 'unsatisfiable', or null for the
 * whole file (no Range, a stale If-Range, or several ranges, which a server may answer with the whole file).
 */
export function requestedRange(headers, size, validators) {
  const header = headers.range;
  if (typeof header !== 'string') return null;
  const ifRange = headers['if-range'];
  if (ifRange !== undefined && ifRange !== validators.etag && ifRange !== validators.lastModified) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? 'unsatisfiable' : { start, end };
}

function sendFile(req, res, file, { cache }) {
  // Opened before anything is sent: a file removed or made unreadable since the stat (a model re-export, a rebuild)
  // gets a 404 or 500 answer, and a read error later ends this response only, never the server.
  let fd;
  let st;
  try {
    fd = fs.openSync(file, 'r');
    st = fs.fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    const missing = e.code === 'ENOENT' || e.code === 'ENOTDIR';
    return sendText(
      res,
      missing ? 404 : 500,
      missing ? 'not found\n' : `cannot read this file (${e.code ?? 'error'})\n`,
    );
  }
  const lastModified = st.mtime.toUTCString();
  const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const headers = {
    ...ISOLATION_HEADERS,
    'Content-Type': contentType(file),
    'Last-Modified': lastModified,
    ETag: etag,
    'Accept-Ranges': 'bytes',
    'Cache-Control': cache,
  };
  if (contentType(file).startsWith('text/html') && st.size < 1 << 20) {
    headers['Content-Security-Policy'] = contentSecurityPolicy(inlineScriptHashes(fs.readFileSync(fd, 'utf8')));
  }
  const since = req.headers['if-modified-since'];
  const match = req.headers['if-none-match'];
  const notModified =
    match !== undefined
      ? match === etag
      : since && Math.floor(st.mtimeMs / 1000) <= Math.floor(Date.parse(since) / 1000);
  if (notModified) {
    fs.closeSync(fd);
    res.writeHead(304, headers);
    return res.end();
  }
  // A large model download can resume where it stopped.
  const range = requestedRange(req.headers, st.size, { etag, lastModified });
  if (range === 'unsatisfiable') {
    fs.closeSync(fd);
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${st.size}`, 'Content-Length': 0 });
    return res.end();
  }
  const { start, end } = range ?? { start: 0, end: st.size - 1 };
  headers['Content-Length'] = Math.max(0, end - start + 1);
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${st.size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || st.size === 0) {
    fs.closeSync(fd);
    return res.end();
  }
  const stream = fs.createReadStream(file, { fd, start, end });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
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
      ? 'Basic ' +
        Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')
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
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** What an upload (STOW-RS) may take of this server and the archive behind it; createViewerServer's `limits`. */
export const DEFAULT_LIMITS = {
  /** A body over this is refused with 413 (a binary SEG of a 600-slice CT with 10 segments is about 200 MB). */
  maxUploadBytes: 512 * 1024 * 1024,
  /** An upload that sends nothing for this long is dropped with 408. */
  uploadIdleMs: 30_000,
  /** ... and one that takes longer than this in all. */
  uploadTotalMs: 10 * 60_000,
  /** Uploads received at once; more get 503 with Retry-After. */
  maxConcurrentUploads: 2, // each is held in memory whole: 2 x maxUploadBytes at most
  /** An archive that sends nothing for this long gets the request dropped with 504. */
  upstreamIdleMs: 120_000,
};

/**
 * Why a request must not be proxied, or null. `allowedHosts`: the names (no port) this server answers to;
 * `publicProto`: the scheme pages use to reach it ('https' behind a TLS reverse proxy).
 */
export function dicomwebRefusal(req, allowedHosts = LOOPBACK_HOSTS, publicProto = 'http') {
  const rest = req.url.slice(DICOMWEB_PREFIX.length);
  const pathPart = rest.split('?')[0];
  if (!DICOMWEB_PATH.test(pathPart) || pathPart.split('/').some(seg => seg === '.' || seg === '..')) {
    return [404, `not a DICOMweb resource: ${DICOMWEB_PREFIX}${pathPart.slice(0, 200)}`];
  }
  // DNS rebinding: a page on another name that resolves here must not read the archive (with our credentials).
  const host = String(req.headers.host ?? '');
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  if (!allowedHosts.includes(name.toLowerCase())) return [403, `Host ${host.slice(0, 100)} is not this server`];
  if (req.method === 'GET' || req.method === 'HEAD') return null;
  if (req.method !== 'POST') return [405, `${req.method} is not allowed on ${DICOMWEB_PREFIX}`];
  // STOW-RS only. multipart/related is not a type a cross-origin page can send without a CORS preflight, which this
  // server never grants; the Origin check covers browsers that send one anyway.
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!/^\/studies(\/[0-9.]+)?\/?$/.test(pathPart) || !type.startsWith('multipart/related')) {
    return [403, `only STOW-RS (POST multipart/related to ${DICOMWEB_PREFIX}/studies) is allowed`];
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `${publicProto}://${host}`)
    return [403, `a request from ${String(origin).slice(0, 100)} is not allowed`];
  return null;
}

/**
 * Reads a request body whole, within the limits. The archive gets an upload only once it is all here, so slow
 * clients hold none of its (few) HTTP threads. Rejects with { status, message } for the answer.
 */
function readBoundedBody(req, limits) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const tooLarge = {
      status: 413,
      message: `the upload is larger than this server accepts (${limits.maxUploadBytes} bytes; MEDSAM_MAX_UPLOAD_MB)`,
    };
    if (declared > limits.maxUploadBytes) return reject(tooLarge);
    const chunks = [];
    let size = 0;
    let idle;
    const total = setTimeout(
      () => fail({ status: 408, message: `the upload took longer than ${limits.uploadTotalMs / 1000} s` }),
      limits.uploadTotalMs,
    );
    const resetIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(
        () => fail({ status: 408, message: `the upload sent nothing for ${limits.uploadIdleMs / 1000} s` }),
        limits.uploadIdleMs,
      );
    };
    const settle = () => {
      clearTimeout(idle);
      clearTimeout(total);
      req.removeAllListeners('data');
    };
    const fail = why => {
      settle();
      req.pause(); // nothing more is read; the answer goes out with Connection: close
      reject(why);
    };
    resetIdle();
    req.on('data', chunk => {
      size += chunk.length;
      if (size > limits.maxUploadBytes) return fail(tooLarge);
      chunks.push(chunk);
      resetIdle();
    });
    req.on('end', () => {
      settle();
      resolve(Buffer.concat(chunks, size));
    });
    req.on('error', () => fail({ status: 400, message: 'the upload was broken off' }));
  });
}

function sendAndClose(res, status, text, extraHeaders = {}) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, {
    ...ISOLATION_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'close',
    ...extraHeaders,
  });
  res.end(text + '\n', () => res.socket?.destroySoon?.());
}

function createDicomwebProxy(upstream, { limits, allowedHosts, publicProto }) {
  let uploads = 0;
  return async function proxyDicomweb(req, res) {
    const refusal = dicomwebRefusal(req, allowedHosts, publicProto);
    if (refusal) return sendText(res, refusal[0], refusal[1] + '\n');
    let body = null;
    if (req.method === 'POST') {
      if (uploads >= limits.maxConcurrentUploads)
        return sendAndClose(res, 503, `${uploads} uploads are being received; try again shortly`, {
          'Retry-After': '5',
        });
      uploads++;
      try {
        body = await readBoundedBody(req, limits);
      } catch (why) {
        return sendAndClose(res, why.status, why.message);
      } finally {
        uploads--;
      }
    }
    forward(req, res, upstream, body, limits, publicProto);
  };
}

function forward(req, res, upstream, body, limits, publicProto) {
  const rest = req.url.slice(DICOMWEB_PREFIX.length); // '/studies?...'
  const target = new URL(upstream.base + rest);
  const publicHost = req.headers.host ?? 'localhost';
  const publicBase = `${publicProto}://${publicHost}${DICOMWEB_PREFIX}`;

  const headers = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(name) && name !== 'host' && name !== 'content-length') headers[name] = value;
  }
  if (body) headers['content-length'] = body.length;
  if (upstream.rewriteUrls) {
    headers.host = target.host;
    headers['accept-encoding'] = 'identity'; // the JSON is rewritten as text
  } else {
    headers.host = publicHost;
    headers.forwarded = `host=${publicHost};proto=${publicProto}`;
  }
  headers['x-forwarded-host'] = publicHost;
  headers['x-forwarded-proto'] = publicProto;
  // The archive's credentials go only to its DICOMweb root: dicomwebRefusal let through nothing else.
  if (upstream.auth) headers.authorization = upstream.auth;

  const client = target.protocol === 'https:' ? https : http;
  const upstreamReq = client.request(target, { method: req.method, headers }, upstreamRes => {
    const outHeaders = { ...ISOLATION_HEADERS };
    for (const [name, value] of Object.entries(upstreamRes.headers)) {
      if (!HOP_BY_HOP.has(name)) outHeaders[name] = value;
    }
    const type = String(upstreamRes.headers['content-type'] ?? '');
    if (upstream.rewriteUrls && type.includes('json')) {
      const chunks = [];
      upstreamRes.on('data', c => chunks.push(c));
      upstreamRes.on('end', () => {
        const rewritten = Buffer.from(Buffer.concat(chunks).toString('utf8').split(upstream.base).join(publicBase));
        outHeaders['content-length'] = rewritten.length;
        res.writeHead(upstreamRes.statusCode ?? 502, outHeaders);
        res.end(rewritten);
      });
      return;
    }
    res.writeHead(upstreamRes.statusCode ?? 502, outHeaders);
    upstreamRes.pipe(res);
  });
  upstreamReq.setTimeout(limits.upstreamIdleMs, () =>
    upstreamReq.destroy(Object.assign(new Error('no answer'), { code: 'TIMEOUT' })),
  );
  upstreamReq.on('error', err => {
    const status = err.code === 'TIMEOUT' ? 504 : 502;
    const what =
      err.code === 'TIMEOUT'
        ? `sent nothing for ${limits.upstreamIdleMs / 1000} s`
        : `unreachable: ${err.code ?? err.message}`;
    if (!res.headersSent) sendText(res, status, `DICOMweb upstream ${upstream.base} ${what}\n`);
    else res.destroy(err);
  });
  res.on('close', () => {
    if (!res.writableFinished) upstreamReq.destroy();
  });
  if (body) upstreamReq.end(body);
  else req.pipe(upstreamReq);
}

/**
 * Creates (does not start) the HTTP server.
 * options.viewerDir   the prebuilt viewer (OHIF's dist/)
 * options.appConfig   file served as /app-config.js in place of the viewer's own
 * options.mounts      [{ prefix: '/medsam-plugin/', dir, extensions?: ['.onnx', ...] }] extra static folders
 * options.generated   { '/path': () => ({ body, type }) | null } answers made per request (null: serve as usual)
 * options.dicomweb    from parseDicomwebTarget()
 * options.limits      overrides of DEFAULT_LIMITS (uploads and the archive's answers)
 * options.allowedHosts the host names (no port) the proxy answers to; loopback names by default
 * options.publicProto  'http' (default) or 'https' when pages reach this server through a TLS reverse proxy
 * options.onRequest   optional (req, res) logger
 */
export function createViewerServer({
  viewerDir,
  appConfig,
  mounts = [],
  generated = {},
  dicomweb,
  limits = {},
  allowedHosts = LOOPBACK_HOSTS,
  publicProto = 'http',
  onRequest,
}) {
  const proxyDicomweb = createDicomwebProxy(dicomweb, {
    limits: { ...DEFAULT_LIMITS, ...limits },
    allowedHosts: allowedHosts.map(h => h.toLowerCase()),
    publicProto,
  });
  const viewerRoot = path.resolve(viewerDir);
  const indexFile = path.join(viewerRoot, 'index.html');
  const resolvedMounts = mounts.map(m => ({ ...m, dir: path.resolve(m.dir) }));

  return http.createServer((req, res) => {
    onRequest?.(req, res);
    const pathname = (req.url ?? '/').split('?')[0];

    if (pathname === DICOMWEB_PREFIX || pathname.startsWith(DICOMWEB_PREFIX + '/')) {
      // A bug of ours while proxying answers this request with 502; it must not become an unhandled rejection.
      return void proxyDicomweb(req, res).catch(e => sendAndClose(res, 502, `proxy error: ${e?.message ?? e}`));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed\n');

    if (pathname === '/app-config.js') {
      const st = statFile(appConfig);
      return st ? sendFile(req, res, appConfig, { cache: 'no-cache' }) : sendText(res, 500, 'app-config.js missing\n');
    }

    const made = Object.hasOwn(generated, pathname) ? generated[pathname]() : null;
    if (made) {
      res.writeHead(200, {
        ...ISOLATION_HEADERS,
        'Content-Type': made.type,
        'Content-Length': Buffer.byteLength(made.body),
        'Cache-Control': 'no-cache',
      });
      return res.end(req.method === 'HEAD' ? undefined : made.body);
    }

    for (const mount of resolvedMounts) {
      if (!pathname.startsWith(mount.prefix)) continue;
      const file = safeJoin(mount.dir, pathname.slice(mount.prefix.length));
      const allowed = !mount.extensions || (file && mount.extensions.includes(path.extname(file).toLowerCase()));
      const st = file && allowed ? statFile(file) : null;
      return st ? sendFile(req, res, file, { cache: 'no-cache' }) : sendText(res, 404, `not found: ${pathname}\n`);
    }

    const file = safeJoin(viewerRoot, pathname);
    const st = file ? statFile(file) : null;
    if (st) {
      // Webpack's content-hashed bundles never change under one name; the rest is revalidated.
      const hashed = /\.[0-9a-f]{16}\.(js|css)$|\/[0-9a-f]{16}\.(wasm|woff2)$/.test(file);
      return sendFile(req, res, file, { cache: hashed ? 'public, max-age=31536000, immutable' : 'no-cache' });
    }
    // Single-page fallback: client routes (/medsam, /segmentation, ...) get index.html; a missing asset
    // (a path whose last segment has an extension) is a real 404, which is easier to diagnose.
    const last = pathname.slice(pathname.lastIndexOf('/') + 1);
    if (!last.includes('.') || String(req.headers.accept ?? '').includes('text/html')) {
      const indexSt = statFile(indexFile);
      if (indexSt) return sendFile(req, res, indexFile, { cache: 'no-cache' });
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
