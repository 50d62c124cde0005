import { isSegError } from './errors';
import { Outbox, memoryStore, saveToPacs, stowSender, type OutboxEntry } from './outbox';
import { multipartBody, stowInstances, type FetchLike, type StowInstance } from './stow';

const ROOT = 'http://pacs.test/dicom-web';
const inst = (n: number): StowInstance & { seriesInstanceUid: string; description: string } => ({
  sopInstanceUid: `2.25.${n}`,
  sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4',
  studyInstanceUid: '1.2.3',
  seriesInstanceUid: '2.25.100',
  description: `SEG ${n}`,
  bytes: new Uint8Array([n, 1, 2, 3, 0x2d, 0x2d]),
});

const referenced = (uids: string[]): string =>
  JSON.stringify({
    '00081190': { vr: 'UR', Value: [`${ROOT}/studies/1.2.3`] },
    '00081199': {
      vr: 'SQ',
      Value: uids.map(u => ({
        '00081150': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.66.4'] },
        '00081155': { vr: 'UI', Value: [u] },
        '00081190': { vr: 'UR', Value: [`${ROOT}/x/${u}`] },
      })),
    },
  });

interface Call {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

function fakeFetch(answer: (call: Call) => { status: number; body?: string; statusText?: string } | Error): {
  fetch: FetchLike;
  calls: Call[];
} {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call = { url, headers: init.headers, body: init.body ?? new Uint8Array(0) };
    calls.push(call);
    const a = answer(call);
    if (a instanceof Error) throw a;
    return {
      ok: a.status >= 200 && a.status < 300,
      status: a.status,
      statusText: a.statusText ?? '',
      headers: { get: () => 'application/dicom+json' },
      text: async () => a.body ?? '',
    };
  };
  return { fetch, calls };
}

describe('STOW-RS request', () => {
  it('posts a multipart/related application/dicom body to {root}/studies with the data source headers', async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 200, body: referenced(['2.25.1', '2.25.2']) }));
    const result = await stowInstances([inst(1), inst(2)], {
      root: `${ROOT}/`,
      fetch,
      headers: async () => ({ Authorization: 'Bearer abc' }),
    });
    expect(calls[0].url).toBe(`${ROOT}/studies`);
    expect(calls[0].headers.Authorization).toBe('Bearer abc');
    expect(calls[0].headers.Accept).toBe('application/dicom+json');
    const ct = calls[0].headers['Content-Type'];
    expect(ct).toMatch(/^multipart\/related; type="application\/dicom"; boundary=medsam-[0-9a-f]{32}$/);
    const boundary = ct.split('boundary=')[1];
    const text = Buffer.from(calls[0].body).toString('latin1');
    const parts = text.split(`--${boundary}`);
    expect(parts[0]).toBe('');
    expect(parts[3]).toBe('--\r\n');
    expect(parts[1]).toBe(
      `\r\nContent-Type: application/dicom\r\n\r\n${Buffer.from(inst(1).bytes).toString('latin1')}\r\n`,
    );
    expect(result.stored.map(s => s.sopInstanceUid)).toEqual(['2.25.1', '2.25.2']);
    expect(result.retrieveUrl).toBe(`${ROOT}/studies/1.2.3`);
  });

  it('chooses a boundary that does not occur in the parts', () => {
    const { body, contentType } = multipartBody([new TextEncoder().encode('--medsam-')]);
    const boundary = contentType.split('boundary=')[1];
    expect(Buffer.from(body).toString('latin1').split(boundary)).toHaveLength(3);
  });
});

describe('STOW-RS verification', () => {
  const cases: [string, Parameters<typeof fakeFetch>[0], string, RegExp][] = [
    [
      'HTTP 200 with both lists empty (Orthanc rejecting a file)',
      () => ({ status: 200, body: '{}' }),
      'STOW_NOT_STORED',
      /did not store 1 of 1 instances \(the response lists no stored and no failed instance.*2\.25\.1/,
    ],
    [
      'an instance missing from the stored list',
      () => ({ status: 200, body: referenced(['2.25.9']) }),
      'STOW_NOT_STORED',
      /did not store 1 of 1/,
    ],
    [
      'an instance in FailedSOPSequence',
      () => ({
        status: 409,
        body: JSON.stringify({
          '00081198': {
            vr: 'SQ',
            Value: [{ '00081155': { vr: 'UI', Value: ['2.25.1'] }, '00081197': { vr: 'US', Value: [0xa900] } }],
          },
        }),
      }),
      'STOW_FAILED_INSTANCE',
      /refused 1 of 1 instances \(HTTP 409\): 2\.25\.1 \(error: data set does not match SOP class\)/,
    ],
    [
      'HTTP 500',
      () => ({ status: 500, statusText: 'Internal Server Error', body: 'boom' }),
      'STOW_HTTP',
      /HTTP 500 Internal Server Error to STOW-RS at http:\/\/pacs\.test\/dicom-web\/studies: boom/,
    ],
    [
      'HTTP 401',
      () => ({ status: 401, statusText: 'Unauthorized' }),
      'STOW_HTTP',
      /HTTP 401 Unauthorized \(check the credentials/,
    ],
    ['HTTP 404 (no STOW on that path)', () => ({ status: 404, statusText: 'Not Found' }), 'STOW_HTTP', /HTTP 404/],
    [
      'a network failure',
      () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
      'STOW_NETWORK',
      /Could not reach the PACS at http:\/\/pacs\.test\/dicom-web\/studies: ECONNREFUSED/,
    ],
    [
      'a response that is not DICOM JSON',
      () => ({ status: 200, body: '<html>proxy login</html>' }),
      'STOW_BAD_RESPONSE',
      /without a DICOM JSON response: <html>proxy login<\/html>/,
    ],
    ['an empty 200 response', () => ({ status: 200 }), 'STOW_BAD_RESPONSE', /empty body/],
  ];

  it.each(cases)('fails with a typed error on %s', async (_, answer, code, message) => {
    const { fetch } = fakeFetch(answer);
    const error = await stowInstances([inst(1)], { root: ROOT, fetch }).catch(e => e);
    expect(isSegError(error)).toBe(true);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('fails without an endpoint, before any request', async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 200 }));
    await expect(stowInstances([inst(1)], { root: '', fetch })).rejects.toMatchObject({ code: 'STOW_NO_ENDPOINT' });
    expect(calls).toHaveLength(0);
  });

  it('accepts 202 with the instance stored (warnings kept)', async () => {
    const body = JSON.parse(referenced(['2.25.1']));
    body['00081199'].Value[0]['00081196'] = { vr: 'US', Value: [0xb000] };
    const { fetch } = fakeFetch(() => ({ status: 202, body: JSON.stringify(body) }));
    const r = await stowInstances([inst(1)], { root: ROOT, fetch });
    expect(r.stored[0].warningReason).toBe(0xb000);
  });
});

describe('outbox', () => {
  it('keeps a SEG whose store failed, with the reason, and lets it go only after a verified retry', async () => {
    let up = false;
    const { fetch } = fakeFetch(() =>
      up ? { status: 200, body: referenced(['2.25.1']) } : { status: 200, body: '{}' },
    );
    const store = memoryStore<OutboxEntry>();
    const times = [
      new Date('2024-01-01T10:00:00Z'),
      new Date('2024-01-01T10:05:00Z'),
      new Date('2024-01-01T10:06:00Z'),
      new Date('2024-01-01T10:07:00Z'),
    ];
    const outbox = new Outbox(store, () => times.shift() ?? new Date('2024-01-01T11:00:00Z'));
    const config = { root: ROOT, fetch };

    const first = await saveToPacs(inst(1), config, outbox);
    expect(first).toMatchObject({ stored: false, outboxId: '2.25.1', error: { code: 'STOW_NOT_STORED' } });
    const list = await outbox.list();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: '2.25.1',
      description: 'SEG 1',
      target: ROOT,
      attempts: 1,
      bytesLength: 6,
      createdAt: '2024-01-01T10:00:00.000Z',
    });
    expect('bytes' in list[0]).toBe(false);

    const failedAgain = await outbox.retry('2.25.1', stowSender(config));
    expect(failedAgain.ok).toBe(false);
    expect((await outbox.list())[0].attempts).toBe(2);

    const file = await outbox.download('2.25.1');
    expect(file).toEqual({ filename: 'SEG-2.25.1.dcm', mimeType: 'application/dicom', bytes: inst(1).bytes });

    up = true;
    const ok = await outbox.retry('2.25.1', stowSender(config));
    expect(ok.ok).toBe(true);
    expect(await outbox.list()).toEqual([]);
  });

  it('retries everything, oldest first, keeping what still fails', async () => {
    const outbox = new Outbox(memoryStore<OutboxEntry>());
    await outbox.enqueue(inst(1), new Error('x'), ROOT);
    await outbox.enqueue(inst(2), new Error('y'), ROOT);
    const outcome = await outbox.retryAll(async i => {
      if (i.sopInstanceUid === '2.25.2') throw new Error('still down');
      return { status: 200, url: ROOT, stored: [{ sopInstanceUid: i.sopInstanceUid }] };
    });
    expect(Object.entries(outcome).map(([id, o]) => [id, o.ok])).toEqual([
      ['2.25.1', true],
      ['2.25.2', false],
    ]);
    expect((await outbox.list()).map(e => [e.id, e.lastError.code, e.lastError.message])).toEqual([
      ['2.25.2', 'UNKNOWN', 'still down'],
    ]);
    await outbox.discard('2.25.2');
    expect(await outbox.list()).toEqual([]);
  });
});

describe('outbox targets', () => {
  it('retries each entry at the root it was meant for, the configured root only for an entry without one', async () => {
    const OTHER = 'http://other.test/wado/';
    const CURRENT = 'http://current.test/dicom-web';
    const { fetch, calls } = fakeFetch(() => ({ status: 200, body: referenced(['2.25.1', '2.25.2', '2.25.3']) }));
    const times = [1, 2, 3, 4, 5, 6].map(m => new Date(Date.UTC(2024, 0, 1, 10, m)));
    const outbox = new Outbox(memoryStore<OutboxEntry>(), () => times.shift() ?? new Date());
    await outbox.enqueue(inst(1), new Error('down'), ROOT);
    await outbox.enqueue(inst(2), new Error('down'), OTHER);
    await outbox.enqueue(inst(3), new Error('down'), '');

    const outcome = await outbox.retryAll(stowSender({ root: CURRENT, fetch }));
    expect(Object.values(outcome).map(o => o.ok)).toEqual([true, true, true]);
    expect(calls.map(c => c.url)).toEqual([`${ROOT}/studies`, 'http://other.test/wado/studies', `${CURRENT}/studies`]);
    expect(await outbox.list()).toEqual([]);
  });

  it('hands a custom sender the entry with its target', async () => {
    const outbox = new Outbox(memoryStore<OutboxEntry>());
    await outbox.enqueue(inst(1), new Error('down'), 'http://a.test');
    const seen: (string | undefined)[] = [];
    await outbox.retry('2.25.1', async i => {
      seen.push(i.target);
      return { status: 200, url: String(i.target), stored: [{ sopInstanceUid: i.sopInstanceUid }] };
    });
    expect(seen).toEqual(['http://a.test']);
  });
});

describe('multipart parsing (WADO-RS responses)', () => {
  it('gives back the parts that multipartBody wrote, byte for byte', async () => {
    const { parseMultipart } = await import('./multipart');
    const parts = [new Uint8Array([1, 2, 13, 10, 45, 45]), new Uint8Array(0), new Uint8Array([255])];
    const { body, contentType } = multipartBody(parts);
    expect(parseMultipart(body, contentType).map(p => [p.headers['content-type'], Array.from(p.bytes)])).toEqual(
      parts.map(p => ['application/dicom', Array.from(p)]),
    );
  });

  it('refuses a body without a boundary or cut short with INVALID_MULTIPART', async () => {
    const { parseMultipart } = await import('./multipart');
    const { body, contentType } = multipartBody([new Uint8Array([1, 2, 3, 4])]);
    const refused = (b: Uint8Array, ct: string): [string, string] => {
      try {
        parseMultipart(b, ct);
        return ['', 'not refused'];
      } catch (e) {
        return [isSegError(e) ? e.code : 'not a SegError', (e as Error).message];
      }
    };
    expect(refused(body, 'multipart/related')).toEqual([
      'INVALID_MULTIPART',
      'Content-Type "multipart/related" names no multipart boundary',
    ]);
    expect(refused(body.subarray(0, body.length - 20), contentType)).toEqual([
      'INVALID_MULTIPART',
      `the multipart body (${body.length - 20} bytes) ends inside part 1, before its closing delimiter: truncated?`,
    ]);
    expect(refused(new Uint8Array(0), contentType)[0]).toBe('INVALID_MULTIPART');
  });
});
