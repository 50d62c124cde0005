/** Model download time limits: a stalled or endless download fails with MODEL_UNAVAILABLE naming the URL. */
import { isMedsamError } from '../errors';
import { DEFAULT_DOWNLOAD_TIMEOUTS, urlFetchBytes } from './fetch-bytes';

const MANIFEST = 'https://pacs.example/models/manifest.json';
const URL_OF = 'https://pacs.example/models/enc.onnx';

/** A body that sends `chunks` every `everyMs` (a trickle), then stalls for ever unless `end`. */
function trickle(chunks: number, everyMs: number, end = false) {
  let signal: AbortSignal | undefined;
  const fetchFn = async (_url: string, init?: RequestInit): Promise<Response> => {
    signal = init?.signal ?? undefined;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= chunks) {
          if (end) controller.close();
          else await new Promise(() => undefined);
          return;
        }
        await new Promise(r => setTimeout(r, everyMs));
        sent++;
        controller.enqueue(new Uint8Array([sent]));
      },
    });
    return new Response(body, { status: 200 });
  };
  return { fetchFn, signal: () => signal };
}

describe('urlFetchBytes time limits', () => {
  test('defaults: 60 s without a byte, 30 min per file', () => {
    expect(DEFAULT_DOWNLOAD_TIMEOUTS).toEqual({ idleTimeoutMs: 60_000, timeoutMs: 1_800_000 });
  });

  test('a server that stops sending fails after the idle limit, naming the URL and the bytes received, and the fetch is aborted', async () => {
    const { fetchFn, signal } = trickle(2, 1);
    const e = await urlFetchBytes(MANIFEST, fetchFn, { idleTimeoutMs: 50 })('enc.onnx').catch(x => x);
    expect(isMedsamError(e, 'MODEL_UNAVAILABLE')).toBe(true);
    expect(e.message).toBe(
      `could not download ${URL_OF}: the server sent nothing for 0.05 s (2 bytes received; setting medsam.modelDownloadIdleTimeoutSeconds)`,
    );
    expect(e.details.url).toBe(URL_OF);
    expect(signal()?.aborted).toBe(true);
  });

  test('a steady trickle does not trip the idle limit but does trip the overall one', async () => {
    const { fetchFn } = trickle(1000, 5);
    const e = await urlFetchBytes(MANIFEST, fetchFn, { idleTimeoutMs: 200, timeoutMs: 80 })('enc.onnx').catch(x => x);
    expect(e.message).toMatch(
      new RegExp(
        `^could not download ${URL_OF.replace(/\./g, '\\.')}: the download took longer than 0\\.08 s \\(\\d+ bytes received; setting medsam\\.modelDownloadTimeoutSeconds\\)$`,
      ),
    );
  });

  test('a server that never answers fails after the idle limit', async () => {
    const e = await urlFetchBytes(MANIFEST, () => new Promise<Response>(() => undefined), { idleTimeoutMs: 30 })(
      'enc.onnx',
    ).catch(x => x);
    expect(e.message).toMatch(/enc\.onnx: the server sent nothing for 0\.03 s \(0 bytes received/);
  });

  test('a download within the limits is untouched', async () => {
    const { fetchFn } = trickle(3, 1, true);
    const bytes = await urlFetchBytes(MANIFEST, fetchFn, { idleTimeoutMs: 500, timeoutMs: 5000 })('enc.onnx');
    expect(Array.from(bytes)).toEqual([1, 2, 3]);
  });
});
