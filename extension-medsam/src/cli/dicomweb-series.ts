/**
 * The command line's source series from a PACS: WADO-RS retrieve of a whole series (PS3.18 10.4) as
 * multipart/related Part 10 files in the transfer syntax the PACS stores them in, parsed into the same DicomFile
 * list that a folder gives (dicom-folder.ts).
 */
import { parseDicom } from '../seg/dicom/parse';
import { SegError } from '../seg/errors';
import { parseMultipart } from '../seg/multipart';
import type { SourceImage } from '../seg/source';
import { slicesOfFiles, type DicomFile } from './dicom-folder';

export interface DicomwebSeries {
  /** DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web. */
  root: string;
  study: string;
  series: string;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
  /** Time limit of the whole retrieve, answer and body (ms); default DEFAULT_TIMEOUT_MS. A server that never answers must not hang the command line. */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** `transfer-syntax=*`: as stored (JPEG 2000 stays JPEG 2000), so that the PACS does not transcode or refuse. */
export const WADO_SERIES_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';

export function seriesUrl(s: Pick<DicomwebSeries, 'root' | 'study' | 'series'>): string {
  return `${s.root.replace(/\/+$/, '')}/studies/${encodeURIComponent(s.study)}/series/${encodeURIComponent(s.series)}`;
}

function excerpt(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}...` : t;
}

const fail = (message: string, details: Record<string, unknown>): SegError =>
  new SegError('INVALID_SOURCE', message, details);

/** Downloads the series' instances; throws a SegError that names the URL and what to check. */
export async function fetchSeriesParts(s: DicomwebSeries): Promise<Uint8Array[]> {
  const url = seriesUrl(s);
  const fetchFn = s.fetch ?? globalThis.fetch;
  const timeoutMs = s.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // One signal for the request and the body: a server may answer the headers and then stall.
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  let body: Uint8Array;
  try {
    // Ours replaces an Accept among the user's headers whatever its case: the parts must be whole DICOM files.
    const headers = Object.fromEntries(Object.entries(s.headers ?? {}).filter(([k]) => k.toLowerCase() !== 'accept'));
    response = await fetchFn(url, { headers: { ...headers, Accept: WADO_SERIES_ACCEPT }, signal });
    body = new Uint8Array(await response.arrayBuffer());
  } catch (e) {
    if (signal.aborted) {
      throw fail(
        `The DICOMweb server at ${url} did not answer within ${timeoutMs / 1000} s; check the server, or allow more time with --timeout SECONDS`,
        { url, timeoutMs },
      );
    }
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.cause?.code ?? err.cause?.message ?? err.message;
    throw fail(
      `Could not reach the DICOMweb server at ${url}: ${why}; check --dicomweb (the DICOMweb root, e.g. http://host:8042/dicom-web)`,
      { url, reason: String(why) },
    );
  }
  if (response.status === 404) {
    throw fail(
      `No series ${s.series} in study ${s.study} at ${s.root} (HTTP 404): check --study, --series and --dicomweb`,
      { url, status: 404 },
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw fail(
      `The DICOMweb server refused the retrieve of ${url} (HTTP ${response.status}): give credentials with --header "Authorization: ..."`,
      { url, status: response.status },
    );
  }
  if (response.status === 204)
    throw fail(`The series ${s.series} at ${s.root} has no instances (HTTP 204)`, { url, status: 204 });
  if (response.status === 206) {
    // WADO-RS 206: some instances were not returned; segmenting a series with missing slices would be wrong.
    throw fail(
      `The DICOMweb server returned only part of series ${s.series} (HTTP 206 Partial Content) from ${url}: retry, or check the series on the server`,
      { url, status: 206 },
    );
  }
  if (response.status !== 200) {
    const text = excerpt(new TextDecoder().decode(body.subarray(0, 2000)));
    throw fail(
      `The DICOMweb server answered HTTP ${response.status} ${response.statusText} to WADO-RS ${url}${text ? `: ${text}` : ''}`,
      { url, status: response.status },
    );
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (!/^multipart\/related/i.test(contentType)) {
    throw fail(
      `WADO-RS ${url} answered with Content-Type "${contentType}", not multipart/related DICOM files; is --dicomweb the DICOMweb root?`,
      { url, contentType },
    );
  }
  let parts: ReturnType<typeof parseMultipart>;
  try {
    parts = parseMultipart(body, contentType);
  } catch (e) {
    throw fail(`WADO-RS ${url} gave an incomplete answer: ${(e as Error).message}; retry, or check the server's logs`, {
      url,
    });
  }
  if (parts.length === 0)
    throw fail(`The series ${s.series} at ${s.root} has no instances (an empty WADO-RS response)`, { url });
  return parts.map(p => p.bytes);
}

/**
 * The series' image instances as sources, like readSourceFolder: pixel data kept, SEG and other non-image
 * instances left out. Ordered by InstanceNumber (a PACS sends instances in no defined order).
 */
export async function readDicomwebSeries(s: DicomwebSeries): Promise<{ files: DicomFile[]; sources: SourceImage[] }> {
  const url = seriesUrl(s);
  const parts = await fetchSeriesParts(s);
  const parsed = parts.map((bytes, i) => {
    try {
      return parseDicom(bytes);
    } catch (e) {
      throw fail(`Part ${i + 1} of ${parts.length} of WADO-RS ${url} is not a DICOM file: ${(e as Error).message}`, {
        url,
        part: i + 1,
      });
    }
  });
  const images = parsed.filter(p => p.dataset.Rows !== undefined && p.dataset.Modality !== 'SEG');
  if (images.length === 0) {
    const modalities = [...new Set(parsed.map(p => String(p.dataset.Modality ?? '?')))].join(', ');
    throw fail(
      `The series ${s.series} at ${s.root} is not a series of images: ${parsed.length} instance(s) of modality ${modalities}, none with pixel rows (segment the image series the SEG refers to)`,
      {
        url,
        modalities,
      },
    );
  }
  const files: DicomFile[] = images.map(p => ({
    path: `${url}/instances/${String(p.dataset.SOPInstanceUID ?? '?')}`,
    ...p,
  }));
  const instanceNumber = (f: DicomFile): number => Number(f.dataset.InstanceNumber ?? Number.POSITIVE_INFINITY);
  files.sort(
    (a, b) =>
      instanceNumber(a) - instanceNumber(b) ||
      String(a.dataset.SOPInstanceUID).localeCompare(String(b.dataset.SOPInstanceUID)),
  );
  return slicesOfFiles(files);
}
