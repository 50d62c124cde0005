/** STOW-RS and QIDO time limits: a PACS that never answers must end in STOW_TIMEOUT naming the URL. */
import { isSegError } from './errors';
import { DEFAULT_STOW_TIMEOUT_MS, isInstanceStored, stowInstances, type FetchLike, type StowInstance } from './stow';

const ROOT = 'http://pacs.test/dicom-web';
const inst: StowInstance = {
  sopInstanceUid: '2.25.1',
  sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4',
  studyInstanceUid: '1.2.3',
  bytes: new Uint8Array([1, 2]),
};

describe('STOW-RS time limit', () => {
  it('defaults to two minutes', () => {
    expect(DEFAULT_STOW_TIMEOUT_MS).toBe(120_000);
  });

  it('ends a request that never answers with STOW_TIMEOUT, even when fetch ignores the abort, and aborts the signal', async () => {
    let signal: AbortSignal | undefined;
    const fetch: FetchLike = (_url, init) => ((signal = init.signal), new Promise(() => undefined));
    const started = Date.now();
    const e = await stowInstances([inst], { root: ROOT, fetch, timeoutMs: 40 }).catch(x => x);
    expect(isSegError(e, 'STOW_TIMEOUT')).toBe(true);
    expect(e.message).toBe(
      `The PACS did not answer the STOW-RS at ${ROOT}/studies within 0.04 s (setting medsam.stowTimeoutSeconds); it may be down or overloaded`,
    );
    expect(e.details).toEqual({ url: `${ROOT}/studies`, timeoutMs: 40 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(signal?.aborted).toBe(true);
  });

  it('counts the response body too: headers then silence is a timeout', async () => {
    const fetch: FetchLike = async () => ({
      ok: true,
      status: 200,
      statusText: 'OK',
      headers: { get: () => null },
      text: () => new Promise<string>(() => undefined),
    });
    await expect(stowInstances([inst], { root: ROOT, fetch, timeoutMs: 30 })).rejects.toMatchObject({
      code: 'STOW_TIMEOUT',
    });
  });

  it("still reports the caller's own abort as a network failure, not a timeout", async () => {
    const controller = new AbortController();
    // As fetch does: an aborted signal rejects at once, a later abort when it comes.
    const fetch: FetchLike = (_url, init) =>
      new Promise((_, reject) => {
        const fail = () => reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }));
        if (init.signal?.aborted) fail();
        else init.signal?.addEventListener('abort', fail);
      });
    const pending = stowInstances([inst], { root: ROOT, fetch, signal: controller.signal, timeoutMs: 10_000 }).catch(
      x => x,
    );
    controller.abort();
    expect(await pending).toMatchObject({ code: 'STOW_NETWORK', details: { aborted: true } });
  });
});

describe('isInstanceStored (QIDO-RS)', () => {
  function qido(answer: { status: number; body?: string } | null) {
    const calls: Array<{ url: string; method: string; headers: Record<string, string>; body?: Uint8Array }> = [];
    const fetch: FetchLike = (url, init) => {
      calls.push({ url, method: init.method, headers: init.headers, body: init.body });
      if (!answer) return new Promise(() => undefined);
      return Promise.resolve({
        ok: answer.status < 300,
        status: answer.status,
        statusText: '',
        headers: { get: () => null },
        text: async () => answer.body ?? '',
      });
    };
    return { fetch, calls };
  }

  it('asks GET {root}/instances?SOPInstanceUID=... with the data source headers and no body', async () => {
    const { fetch, calls } = qido({
      status: 200,
      body: JSON.stringify([{ '00080018': { vr: 'UI', Value: ['2.25.1'] } }]),
    });
    expect(await isInstanceStored('2.25.1', { root: `${ROOT}/`, fetch, headers: { Authorization: 'Bearer t' } })).toBe(
      true,
    );
    expect(calls).toEqual([
      {
        url: `${ROOT}/instances?SOPInstanceUID=2.25.1`,
        method: 'GET',
        headers: { Authorization: 'Bearer t', Accept: 'application/dicom+json' },
        body: undefined,
      },
    ]);
  });

  it('says no for 204, an empty list or only other instances; throws for HTTP errors and when there is no answer', async () => {
    expect(await isInstanceStored('2.25.1', { root: ROOT, fetch: qido({ status: 204 }).fetch })).toBe(false);
    expect(await isInstanceStored('2.25.1', { root: ROOT, fetch: qido({ status: 200, body: '[]' }).fetch })).toBe(
      false,
    );
    expect(
      await isInstanceStored('2.25.1', {
        root: ROOT,
        fetch: qido({ status: 200, body: JSON.stringify([{ '00080018': { Value: ['2.25.2'] } }]) }).fetch,
      }),
    ).toBe(false);
    await expect(isInstanceStored('2.25.1', { root: ROOT, fetch: qido({ status: 401 }).fetch })).rejects.toMatchObject({
      code: 'STOW_HTTP',
    });
    await expect(
      isInstanceStored('2.25.1', { root: ROOT, fetch: qido(null).fetch, timeoutMs: 20 }),
    ).rejects.toMatchObject({ code: 'STOW_TIMEOUT', message: expect.stringContaining('QIDO-RS search') });
    await expect(isInstanceStored('2.25.1', { root: '', fetch: qido(null).fetch })).rejects.toMatchObject({
      code: 'STOW_NO_ENDPOINT',
    });
  });
});
