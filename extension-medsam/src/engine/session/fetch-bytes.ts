/**
 * Reading the manifest and model files over HTTP(S) with fetch (browser, worker; Node 20 has fetch too, but no
 * file: URLs: Node callers pass an fs-based FetchBytes instead). Downloads have time limits: a server that stops
 * sending (idle) or a download that takes too long overall fails with MODEL_UNAVAILABLE naming the URL, instead of
 * leaving "loading model" on screen for ever.
 */
import { MedsamError, isMedsamError } from '../errors';
import type { Manifest, ManifestEntry } from '../manifest';
import type { ByteProgress, FetchBytes } from './model-loader';

type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

function unavailable(url: string, why: string): MedsamError {
  return new MedsamError('MODEL_UNAVAILABLE', `could not download ${url}: ${why}`, { url });
}

/** Time limits of one file's download, in ms (medsam.modelDownload*TimeoutSeconds in the site's config). */
export interface DownloadTimeouts {
  /** No bytes for this long: the server stalled. */
  idleTimeoutMs?: number;
  /** The whole file took longer than this. */
  timeoutMs?: number;
}

/** A minute without a byte is a stalled server; half an hour is a 360 MB encoder at about 1.6 Mbit/s. */
export const DEFAULT_DOWNLOAD_TIMEOUTS: Readonly<Required<DownloadTimeouts>> = Object.freeze({
  idleTimeoutMs: 60_000,
  timeoutMs: 30 * 60_000,
});

const positive = (ms: number | undefined, fallback: number): number =>
  typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : fallback;

/**
 * The time limits of one download: race() rejects with a MODEL_UNAVAILABLE naming the URL once the idle or the
 * overall limit passes, and aborts the fetch (signal) so that the connection is let go too.
 */
class DownloadDeadline {
  private readonly controller = new AbortController();
  private readonly expired: Promise<never>;
  private fail: (e: MedsamError) => void = () => undefined;
  private idle: ReturnType<typeof setTimeout> | undefined;
  private readonly overall: ReturnType<typeof setTimeout>;

  constructor(
    private readonly url: string,
    private readonly limits: Required<DownloadTimeouts>,
    private readonly loaded: () => number,
  ) {
    this.expired = new Promise<never>((_, reject) => {
      this.fail = e => {
        reject(e);
        this.controller.abort(e);
      };
    });
    this.expired.catch(() => undefined); // rejections are read through race(); none may go unhandled
    const seconds = limits.timeoutMs / 1000;
    this.overall = setTimeout(
      () =>
        this.fail(
          unavailable(
            url,
            `the download took longer than ${seconds} s (${this.loaded()} bytes received; setting medsam.modelDownloadTimeoutSeconds)`,
          ),
        ),
      limits.timeoutMs,
    );
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Bytes arrived: the idle limit starts again. */
  touch(): void {
    clearTimeout(this.idle);
    const seconds = this.limits.idleTimeoutMs / 1000;
    this.idle = setTimeout(
      () =>
        this.fail(
          unavailable(
            this.url,
            `the server sent nothing for ${seconds} s (${this.loaded()} bytes received; setting medsam.modelDownloadIdleTimeoutSeconds)`,
          ),
        ),
      this.limits.idleTimeoutMs,
    );
  }

  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.expired]);
  }

  stop(): void {
    clearTimeout(this.idle);
    clearTimeout(this.overall);
  }
}

/** Files are resolved against the manifest's URL, as the manifest's relative paths mean. */
export function urlFetchBytes(
  manifestUrl: string,
  fetchFn: FetchFn = (u, i) => fetch(u, i),
  timeouts: DownloadTimeouts = {},
): FetchBytes {
  const limits = {
    idleTimeoutMs: positive(timeouts.idleTimeoutMs, DEFAULT_DOWNLOAD_TIMEOUTS.idleTimeoutMs),
    timeoutMs: positive(timeouts.timeoutMs, DEFAULT_DOWNLOAD_TIMEOUTS.timeoutMs),
  };
  return async (path: string, onProgress?: ByteProgress, expectedBytes?: number): Promise<Uint8Array> => {
    const url = new URL(path, manifestUrl).toString();
    const sink = new ByteSink(expectedBytes);
    const deadline = new DownloadDeadline(url, limits, () => sink.loaded);
    try {
      return await download(url, fetchFn, deadline, sink, onProgress);
    } finally {
      deadline.stop();
    }
  };
}

async function download(
  url: string,
  fetchFn: FetchFn,
  deadline: DownloadDeadline,
  sink: ByteSink,
  onProgress?: ByteProgress,
): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await deadline.race(fetchFn(url, { signal: deadline.signal }));
  } catch (e) {
    throw isMedsamError(e) ? e : unavailable(url, String((e as Error)?.message ?? e));
  }
  if (!response.ok) throw unavailable(url, `HTTP ${response.status} ${response.statusText}`.trim());
  const header = response.headers.get('content-length');
  const total = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  if (!response.body) {
    const bytes = new Uint8Array(await deadline.race(response.arrayBuffer()));
    onProgress?.(bytes.byteLength, total);
    return bytes;
  }
  // Read the stream ourselves: fetch has no progress events, and a 360 MB encoder needs a progress bar.
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await deadline.race(reader.read());
      if (done) break;
      deadline.touch();
      sink.push(value);
      onProgress?.(sink.loaded, total);
    }
  } catch (e) {
    reader.cancel().catch(() => undefined);
    if (isMedsamError(e)) throw e;
    throw unavailable(url, `download interrupted after ${sink.loaded} bytes (${String((e as Error)?.message ?? e)})`);
  }
  return sink.bytes();
}

/**
 * Collects a download. With the size known in advance (the manifest's), chunks go straight into one buffer of that
 * size, so a 360 MB encoder never needs its chunks and their concatenation at once (twice its size). A body of
 * another size still comes back whole (chunks again past the expected size; a short one as a view), for the size
 * check to name.
 */
class ByteSink {
  private buffer: Uint8Array | null;
  private chunks: Uint8Array[] = [];
  loaded = 0;

  constructor(expectedBytes?: number) {
    const ok = expectedBytes !== undefined && Number.isSafeInteger(expectedBytes) && expectedBytes > 0;
    this.buffer = ok ? new Uint8Array(expectedBytes) : null;
  }

  push(chunk: Uint8Array): void {
    if (this.buffer && this.loaded + chunk.byteLength <= this.buffer.byteLength) {
      this.buffer.set(chunk, this.loaded);
    } else {
      if (this.buffer) {
        // More than expected: keep what is in the buffer as the first chunk and collect the rest.
        this.chunks.push(this.buffer.subarray(0, this.loaded));
        this.buffer = null;
      }
      this.chunks.push(chunk);
    }
    this.loaded += chunk.byteLength;
  }

  bytes(): Uint8Array {
    if (this.buffer) return this.loaded === this.buffer.byteLength ? this.buffer : this.buffer.subarray(0, this.loaded);
    if (this.chunks.length === 1) return this.chunks[0];
    const bytes = new Uint8Array(this.loaded);
    let offset = 0;
    for (const c of this.chunks) {
      bytes.set(c, offset);
      offset += c.byteLength;
    }
    return bytes;
  }
}

/** Checks the parts of a manifest the engine relies on; a wrong one is INVALID_MANIFEST naming what is wrong. */
export function parseManifest(json: unknown, source: string): Manifest {
  const bad = (why: string) => new MedsamError('INVALID_MANIFEST', `manifest ${source}: ${why}`, { source });
  if (typeof json !== 'object' || json === null) throw bad('not a JSON object');
  const m = json as Partial<Manifest>;
  if (m.manifestVersion !== 1) throw bad(`manifestVersion ${String(m.manifestVersion)} is not supported (expected 1)`);
  if (!Array.isArray(m.models)) throw bad('"models" is not a list');
  m.models.forEach((e: Partial<ManifestEntry>, i) => {
    const where = `model ${i} (${String(e?.id)})`;
    if (typeof e?.id !== 'string') throw bad(`model ${i} has no id`);
    if (typeof e.inputSize !== 'number') throw bad(`${where} has no inputSize`);
    if (!e.encoder?.inputs?.image?.name || !e.encoder?.outputs?.embedding?.name)
      throw bad(`${where}: encoder tensor names missing`);
    const d = e.decoder;
    if (
      !d?.inputs?.embedding?.name ||
      !d.inputs.boxes?.name ||
      !d.outputs?.lowResLogits?.name ||
      !d.outputs?.iou?.name
    ) {
      throw bad(`${where}: decoder tensor names missing`);
    }
    for (const [precision, v] of Object.entries(e.variants ?? {})) {
      for (const part of ['encoder', 'decoder'] as const) {
        const f = v?.[part];
        if (typeof f?.path !== 'string' || typeof f.bytes !== 'number' || !/^[0-9a-fA-F]{64}$/.test(String(f.sha256))) {
          throw bad(`${where}: ${precision} ${part} file needs path, bytes and a 64-hex-digit sha256`);
        }
      }
    }
  });
  return m as Manifest;
}

/** The model used when none is named: the first clinical (non-test) model, else the first test model. */
export function defaultModel(manifest: Manifest, source = 'manifest'): ManifestEntry {
  const entry = manifest.models.find(m => !m.testModel) ?? manifest.models[0];
  if (!entry) throw new MedsamError('INVALID_MANIFEST', `${source} lists no model`, { source });
  return entry;
}

export function findModel(manifest: Manifest, modelId: string, source = 'manifest'): ManifestEntry {
  const entry = manifest.models.find(m => m.id === modelId);
  if (!entry) {
    const ids = manifest.models.map(m => m.id).join(', ') || 'none';
    throw new MedsamError('INVALID_MANIFEST', `${source} has no model "${modelId}" (it has: ${ids})`, { modelId });
  }
  return entry;
}

export async function fetchManifest(
  url: string,
  fetchFn: FetchFn = (u, i) => fetch(u, i),
  timeoutMs: number = DEFAULT_DOWNLOAD_TIMEOUTS.idleTimeoutMs,
): Promise<Manifest> {
  let response: Response;
  try {
    response = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const why =
      (e as Error)?.name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : String((e as Error)?.message ?? e);
    throw new MedsamError('MODEL_UNAVAILABLE', `could not download the model manifest ${url}: ${why}`, { url });
  }
  if (!response.ok) {
    throw new MedsamError(
      'MODEL_UNAVAILABLE',
      `could not download the model manifest ${url}: HTTP ${response.status}`,
      { url },
    );
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new MedsamError('INVALID_MANIFEST', `manifest ${url} is not valid JSON`, { source: url });
  }
  return parseManifest(json, url);
}
