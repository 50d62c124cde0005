/**
 * multipart/related bodies (RFC 2387) as DICOMweb uses them: STOW-RS requests and WADO-RS responses whose parts
 * are whole DICOM files (type="application/dicom").
 */
import { SegError } from './errors';

function randomBoundary(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  return `medsam-${Array.from(b, x => x.toString(16).padStart(2, '0')).join('')}`;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** The multipart/related body (RFC 2387) and its Content-Type, with a boundary that occurs in no part. */
export function multipartBody(parts: readonly Uint8Array[]): { body: Uint8Array; contentType: string } {
  const enc = new TextEncoder();
  let boundary = randomBoundary();
  while (parts.some(p => contains(p, enc.encode(boundary)))) boundary = randomBoundary();
  const chunks: Uint8Array[] = [];
  for (const p of parts) {
    chunks.push(enc.encode(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), p, enc.encode('\r\n'));
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    body.set(c, o);
    o += c.length;
  }
  return { body, contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/**
 * The parts of a multipart/related body, given its Content-Type (which names the boundary). A body cut short (a part
 * without its end, no closing delimiter) throws SegError INVALID_MULTIPART: a retrieve that lost its last instance
 * must not pass for a whole one.
 */
export function parseMultipart(
  body: Uint8Array,
  contentType: string,
): { headers: Record<string, string>; bytes: Uint8Array }[] {
  const m = contentType.match(/boundary="?([^";]+)"?/i);
  if (!m) {
    throw new SegError('INVALID_MULTIPART', `Content-Type "${contentType}" names no multipart boundary`, {
      contentType,
    });
  }
  const enc = new TextEncoder();
  const delimiter = enc.encode(`--${m[1]}`);
  const find = (from: number, needle: Uint8Array): number => {
    outer: for (let i = from; i + needle.length <= body.length; i++) {
      for (let j = 0; j < needle.length; j++) if (body[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  };
  const parts: { headers: Record<string, string>; bytes: Uint8Array }[] = [];
  const truncated = (what: string): SegError =>
    new SegError('INVALID_MULTIPART', `the multipart body (${body.length} bytes) ends ${what}: truncated?`, {
      bytes: body.length,
    });
  let at = find(0, delimiter);
  if (at < 0) throw truncated(`without any "--${m[1]}" delimiter`);
  while (at >= 0) {
    const afterDelimiter = at + delimiter.length;
    if (body[afterDelimiter] === 0x2d && body[afterDelimiter + 1] === 0x2d) break; // closing delimiter
    const headerEnd = find(afterDelimiter, enc.encode('\r\n\r\n'));
    if (headerEnd < 0) throw truncated(`inside the headers of part ${parts.length + 1}`);
    const headers: Record<string, string> = {};
    for (const line of new TextDecoder('latin1').decode(body.subarray(afterDelimiter, headerEnd)).split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const next = find(headerEnd + 4, delimiter);
    if (next < 0) throw truncated(`inside part ${parts.length + 1}, before its closing delimiter`);
    // The CRLF before the next delimiter belongs to the delimiter.
    let end = next;
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    parts.push({ headers, bytes: body.slice(headerEnd + 4, end) });
    at = next;
  }
  return parts;
}
