/**
 * STOW-RS client (PS3.18 10.5) with verification: POST multipart/related; type="application/dicom" to
 * {root}/studies, then check the response. A store counts as done only when every SOP Instance UID sent is listed
 * in ReferencedSOPSequence (0008,1199). Everything else is a SegError naming what happened: no endpoint, network
 * failure, HTTP error, instances in FailedSOPSequence (0008,1198), an unreadable response, or instances missing
 * from the stored list (Orthanc answers HTTP 200 with both lists empty when it rejects a file), or no answer within
 * the time limit (STOW_TIMEOUT: a PACS that never answers must not leave the caller waiting for ever).
 * isInstanceStored asks the PACS with QIDO-RS whether an instance is already there (a retry refused as a duplicate).
 * fetch and the auth headers are injected, so this runs in the viewer (the data source's headers), a worker or Node.
 */
import { SegError } from './errors';
import { multipartBody } from './multipart';

export { multipartBody };

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array; signal?: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export interface StowConfig {
  /** DICOMweb root of the data source (its STOW root), e.g. "https://pacs.example/dicom-web". */
  root: string | undefined | null;
  /** Extra headers, e.g. Authorization from the data source; a function is called for every request. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  fetch?: FetchLike;
  signal?: AbortSignal;
  /**
   * How long to wait for the PACS to answer (request and response body), in ms. Default DEFAULT_STOW_TIMEOUT_MS;
   * anything not a positive number means the default too: waiting for ever is never what a user wants.
   */
  timeoutMs?: number;
}

/** Two minutes: a multi-megabyte SEG over a slow hospital link, yet not "saving" for ever. */
export const DEFAULT_STOW_TIMEOUT_MS = 120_000;

export interface StowInstance {
  sopInstanceUid: string;
  sopClassUid: string;
  studyInstanceUid: string;
  bytes: Uint8Array;
}

export interface StoredInstance {
  sopInstanceUid: string;
  sopClassUid?: string;
  retrieveUrl?: string;
  warningReason?: number;
}

export interface StowResult {
  status: number;
  url: string;
  stored: StoredInstance[];
  /** RetrieveURL (0008,1190) of the study, when the server gives it. */
  retrieveUrl?: string;
}

const TAG = {
  RetrieveURL: '00081190',
  FailedSOPSequence: '00081198',
  ReferencedSOPSequence: '00081199',
  ReferencedSOPClassUID: '00081150',
  ReferencedSOPInstanceUID: '00081155',
  FailureReason: '00081197',
  WarningReason: '00081196',
} as const;

/** Failure reasons of PS3.4 Annex B / PS3.18 that a STOW-RS server may give. */
export function failureReasonText(code: number): string {
  if (code >= 0xa700 && code <= 0xa7ff) return 'refused: out of resources';
  if (code >= 0xa900 && code <= 0xa9ff) return 'error: data set does not match SOP class';
  if (code >= 0xc000 && code <= 0xcfff) return 'error: cannot understand';
  const known: Record<number, string> = {
    0x0110: 'processing failure',
    0x0111: 'duplicate SOP instance',
    0x0117: 'invalid object instance',
    0x0119: 'class-instance conflict',
    0x0122: 'SOP class not supported',
    0x0124: 'not authorized',
    0x0211: 'unrecognized operation',
    0x0212: 'mistyped argument',
    0xc122: 'transfer syntax not supported',
  };
  return known[code] ?? `failure reason 0x${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

type DicomJson = Record<string, { vr?: string; Value?: unknown[] }>;

function value<T>(ds: DicomJson | undefined, tag: string): T | undefined {
  return ds?.[tag]?.Value?.[0] as T | undefined;
}

function sequence(ds: DicomJson | undefined, tag: string): DicomJson[] {
  return ((ds?.[tag]?.Value ?? []) as unknown[]).filter((v): v is DicomJson => typeof v === 'object' && v !== null);
}

function parseResponse(text: string): DicomJson | undefined {
  if (!text.trim()) return undefined;
  try {
    const json = JSON.parse(text) as unknown;
    const ds = Array.isArray(json) ? json[0] : json;
    return ds && typeof ds === 'object' ? (ds as DicomJson) : undefined;
  } catch {
    return undefined;
  }
}

function excerpt(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 300)}...` : t;
}

function timeoutOf(config: StowConfig): number {
  const ms = config.timeoutMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_STOW_TIMEOUT_MS;
}

function timeoutError(what: string, url: string, ms: number): SegError {
  return new SegError(
    'STOW_TIMEOUT',
    `The PACS did not answer ${what} at ${url} within ${ms / 1000} s (setting medsam.stowTimeoutSeconds); it may be down or overloaded`,
    {
      url,
      timeoutMs: ms,
    },
  );
}

/**
 * Runs `work` with a signal that aborts after `ms` (or when the caller's signal aborts). The deadline rejects on its
 * own, before the abort, so that a fetch that ignores its signal cannot keep the caller waiting either.
 */
async function withDeadline<T>(
  ms: number,
  outer: AbortSignal | undefined,
  onTimeout: () => SegError,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = onTimeout();
      reject(e);
      controller.abort(e);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', forward);
  }
}

async function headersOf(config: StowConfig): Promise<Record<string, string>> {
  return typeof config.headers === 'function' ? await config.headers() : (config.headers ?? {});
}

/** Stores the instances and verifies the response; resolves only when every instance is in the stored list. */
export async function stowInstances(instances: readonly StowInstance[], config: StowConfig): Promise<StowResult> {
  if (!config.root || !config.root.trim()) {
    throw new SegError(
      'STOW_NO_ENDPOINT',
      'No STOW-RS endpoint is configured for this data source; set its DICOMweb root (stowRoot) to store to the PACS',
      {},
    );
  }
  if (instances.length === 0) throw new SegError('STOW_BAD_RESPONSE', 'Nothing to store', {});
  const url = `${config.root.replace(/\/+$/, '')}/studies`;
  const fetchFn: FetchLike = config.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const extra = await headersOf(config);
  const { body, contentType } = multipartBody(instances.map(i => i.bytes));
  const sent = instances.map(i => i.sopInstanceUid);
  const ms = timeoutOf(config);

  // The deadline covers the response body too: a PACS may send its headers and then stall.
  const { response, text } = await withDeadline(
    ms,
    config.signal,
    () => timeoutError('the STOW-RS', url, ms),
    async signal => {
      const answer = await request(fetchFn, url, {
        method: 'POST',
        headers: { ...extra, 'Content-Type': contentType, Accept: 'application/dicom+json' },
        body,
        signal,
      });
      return { response: answer, text: await answer.text().catch(() => '') };
    },
  );
  const ds = parseResponse(text);
  const failed = sequence(ds, TAG.FailedSOPSequence).map(f => ({
    sopInstanceUid: String(value(f, TAG.ReferencedSOPInstanceUID) ?? '?'),
    reason: Number(value(f, TAG.FailureReason) ?? NaN),
  }));
  if (failed.length > 0) {
    const list = failed
      .map(f => `${f.sopInstanceUid} (${Number.isFinite(f.reason) ? failureReasonText(f.reason) : 'no reason given'})`)
      .join(', ');
    throw new SegError(
      'STOW_FAILED_INSTANCE',
      `The PACS refused ${failed.length} of ${sent.length} instances (HTTP ${response.status}): ${list}`,
      {
        url,
        status: response.status,
        failed,
      },
    );
  }
  if (response.status !== 200 && response.status !== 202) {
    const auth =
      response.status === 401 || response.status === 403 ? ' (check the credentials of the data source)' : '';
    throw new SegError(
      'STOW_HTTP',
      `The PACS answered HTTP ${response.status} ${response.statusText}${auth} to STOW-RS at ${url}${text ? `: ${excerpt(text)}` : ''}`,
      {
        url,
        status: response.status,
        body: excerpt(text),
      },
    );
  }
  if (!ds) {
    throw new SegError(
      'STOW_BAD_RESPONSE',
      `The PACS answered HTTP ${response.status} to STOW-RS at ${url} without a DICOM JSON response${text ? `: ${excerpt(text)}` : ' (empty body)'}; the store cannot be verified`,
      {
        url,
        status: response.status,
        body: excerpt(text),
      },
    );
  }
  const stored: StoredInstance[] = sequence(ds, TAG.ReferencedSOPSequence).map(r => ({
    sopInstanceUid: String(value(r, TAG.ReferencedSOPInstanceUID) ?? ''),
    sopClassUid: value<string>(r, TAG.ReferencedSOPClassUID),
    retrieveUrl: value<string>(r, TAG.RetrieveURL),
    warningReason: value<number>(r, TAG.WarningReason),
  }));
  const storedUids = new Set(stored.map(s => s.sopInstanceUid));
  const missing = sent.filter(uid => !storedUids.has(uid));
  if (missing.length > 0) {
    const empty =
      stored.length === 0
        ? ' (the response lists no stored and no failed instance: the PACS dropped the file without saying why)'
        : '';
    throw new SegError(
      'STOW_NOT_STORED',
      `The PACS answered HTTP ${response.status} but did not store ${missing.length} of ${sent.length} instances${empty}: ${missing.join(', ')}`,
      {
        url,
        status: response.status,
        missing,
      },
    );
  }
  return {
    status: response.status,
    url,
    stored: stored.filter(s => sent.includes(s.sopInstanceUid)),
    retrieveUrl: value<string>(ds, TAG.RetrieveURL),
  };
}

type FetchInit = Parameters<FetchLike>[1];

async function request(fetchFn: FetchLike, url: string, init: FetchInit): Promise<Awaited<ReturnType<FetchLike>>> {
  try {
    return await fetchFn(url, init);
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.cause?.code ?? err.cause?.message ?? err.message;
    throw new SegError('STOW_NETWORK', `Could not reach the PACS at ${url}: ${why}`, {
      url,
      reason: String(why),
      aborted: err.name === 'AbortError',
    });
  }
}

/**
 * Whether the PACS already holds the instance: QIDO-RS GET {root}/instances?SOPInstanceUID=... (PS3.18 10.6), with
 * the same root, headers and time limit as the STOW. Only a result that lists this very SOP Instance UID counts (a
 * server that ignores the filter lists other instances). Throws when the PACS cannot say (network, HTTP error).
 */
export async function isInstanceStored(sopInstanceUid: string, config: StowConfig): Promise<boolean> {
  if (!config.root || !config.root.trim()) {
    throw new SegError(
      'STOW_NO_ENDPOINT',
      'No DICOMweb root is configured: cannot ask the PACS whether the SEG is stored',
      {},
    );
  }
  const url = `${config.root.replace(/\/+$/, '')}/instances?SOPInstanceUID=${encodeURIComponent(sopInstanceUid)}`;
  const fetchFn: FetchLike = config.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const headers = { ...(await headersOf(config)), Accept: 'application/dicom+json' };
  const ms = timeoutOf(config);
  const { response, text } = await withDeadline(
    ms,
    config.signal,
    () => timeoutError('the QIDO-RS search', url, ms),
    async signal => {
      const answer = await request(fetchFn, url, { method: 'GET', headers, signal });
      return { response: answer, text: await answer.text().catch(() => '') };
    },
  );
  if (response.status === 204) return false;
  if (response.status !== 200) {
    throw new SegError(
      'STOW_HTTP',
      `The PACS answered HTTP ${response.status} ${response.statusText} to QIDO-RS at ${url}`,
      { url, status: response.status, body: excerpt(text) },
    );
  }
  if (!text.trim()) return false;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SegError(
      'STOW_BAD_RESPONSE',
      `The PACS answered QIDO-RS at ${url} with something other than DICOM JSON: ${excerpt(text)}`,
      { url, body: excerpt(text) },
    );
  }
  const found = (Array.isArray(json) ? json : []) as DicomJson[];
  return found.some(ds => value<string>(ds, '00080018') === sopInstanceUid);
}
