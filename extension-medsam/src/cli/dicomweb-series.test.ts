/**
 * WADO-RS series retrieve against a small in-process DICOMweb server: the parts become the same files and sources
 * as the folder they were read from, and every failure names the URL and what to check.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { quietDcmjs } from '../seg/dicom/parse';
import { multipartBody } from '../seg/multipart';
import { listDicomFiles, readSourceFolder, type DicomFile } from './dicom-folder';
import { readDicomwebSeries, WADO_SERIES_ACCEPT } from './dicomweb-series';

const ROOT = path.resolve(__dirname, '../../..');
const CT3 = path.join(ROOT, 'tests/data/ct-liver-3slice/ct-3slice');
const SEG = path.join(ROOT, 'tests/data/ct-liver-3slice/liver.dcm');
const STUDY = '1.2.3';

describe('readDicomwebSeries', () => {
  let server: http.Server;
  let root: string;
  const requests: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    quietDcmjs();
    const ct = listDicomFiles(CT3).map(f => new Uint8Array(fs.readFileSync(f)));
    const multipart = (parts: Uint8Array[]): { body: Uint8Array; contentType: string } => multipartBody(parts);
    // Reversed: the client must not rely on the server's order.
    const series: Record<string, { status: number; type?: string; body?: Uint8Array | string }> = {
      ct: { status: 200, ...multipart([...ct].reverse()) },
      seg: { status: 200, ...multipart([new Uint8Array(fs.readFileSync(SEG))]) },
      empty: { status: 200, ...multipart([]) },
      none: { status: 204 },
      html: { status: 200, type: 'text/html', body: '<html>viewer</html>' },
      junk: { status: 200, ...multipart([new TextEncoder().encode('not dicom at all')]) },
      locked: { status: 401 },
      broken: { status: 500, type: 'text/plain', body: 'database is down' },
      partial: { status: 206, ...multipart([...ct].slice(1)) },
      cut: (() => {
        const whole = multipart([...ct]);
        return { status: 200, ...whole, body: whole.body.subarray(0, whole.body.length - 200) };
      })(),
    };
    server = http.createServer((req, res) => {
      requests.push(req.headers);
      const m = req.url?.match(/^\/dicom-web\/studies\/([^/]+)\/series\/([^/]+)$/);
      const answer = m && m[1] === STUDY ? series[m[2]] : undefined;
      if (!answer) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      const { contentType, body } = answer as { contentType?: string; body?: Uint8Array | string };
      res.writeHead(answer.status, { 'Content-Type': answer.type ?? contentType ?? 'text/plain' }).end(body ?? '');
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    root = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web/`;
  });

  afterAll(() => new Promise<void>(resolve => server.close(() => resolve())));

  it('gives the files and sources the folder gives, asks for any transfer syntax, and sends the headers', async () => {
    // A user's own Accept (any case) must not replace the one that asks for whole DICOM files.
    const got = await readDicomwebSeries({
      root,
      study: STUDY,
      series: 'ct',
      headers: { Authorization: 'Basic eDp5', accept: 'application/json' },
    });
    const folder = readSourceFolder(CT3, { withoutPixelData: false });
    const bySop = (files: DicomFile[]) => new Map(files.map(f => [String(f.dataset.SOPInstanceUID), f]));
    const local = bySop(folder.files);
    expect(got.files).toHaveLength(folder.files.length);
    for (const f of got.files) {
      const mine = local.get(String(f.dataset.SOPInstanceUID))!;
      expect(f.transferSyntaxUid).toBe(mine.transferSyntaxUid);
      expect(f.dataset).toEqual(mine.dataset);
      expect(f.path).toBe(
        `${root.replace(/\/$/, '')}/studies/${STUDY}/series/ct/instances/${f.dataset.SOPInstanceUID}`,
      );
    }
    expect(got.sources.map(s => s.instanceNumber)).toEqual(
      [...got.sources.map(s => s.instanceNumber)].sort((a, b) => (a ?? 0) - (b ?? 0)),
    );
    expect(new Set(got.sources.map(s => s.sopInstanceUid))).toEqual(new Set(folder.sources.map(s => s.sopInstanceUid)));
    const last = requests.at(-1)!;
    expect(last.accept).toBe(WADO_SERIES_ACCEPT);
    expect(last.authorization).toBe('Basic eDp5');
  });

  it.each([
    ['missing', /No series missing in study 1\.2\.3 .*\(HTTP 404\): check --study, --series and --dicomweb/],
    ['seg', /is not a series of images: 1 instance\(s\) of modality SEG/],
    ['empty', /has no instances \(an empty WADO-RS response\)/],
    ['none', /has no instances \(HTTP 204\)/],
    ['html', /Content-Type "text\/html", not multipart\/related DICOM files; is --dicomweb the DICOMweb root\?/],
    ['junk', /Part 1 of 1 of WADO-RS .* is not a DICOM file/],
    ['locked', /refused the retrieve .*\(HTTP 401\): give credentials with --header/],
    ['broken', /answered HTTP 500 .*: database is down/],
    ['partial', /returned only part of series partial \(HTTP 206 Partial Content\)/],
    [
      'cut',
      /gave an incomplete answer: the multipart body .* ends inside part 3, before its closing delimiter: truncated\?/,
    ],
  ])('series %s: a clear error', async (series, message) => {
    await expect(readDicomwebSeries({ root, study: STUDY, series })).rejects.toMatchObject({
      code: 'INVALID_SOURCE',
      message: expect.stringMatching(message),
    });
  });

  it('says when the server cannot be reached', async () => {
    const closed = http.createServer();
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>(resolve => closed.close(() => resolve()));
    await expect(
      readDicomwebSeries({ root: `http://127.0.0.1:${port}/dicom-web`, study: STUDY, series: 'ct' }),
    ).rejects.toThrow(
      new RegExp(
        `Could not reach the DICOMweb server at http://127\\.0\\.0\\.1:${port}/dicom-web/studies/1\\.2\\.3/series/ct: ECONNREFUSED; check --dicomweb`,
      ),
    );
  });
});
