import { urlFetchBytes } from './fetch-bytes';

const MANIFEST = 'https://pacs.example/models/manifest.json';

/** A fetch whose body streams the given chunks (fresh copies, as a network stream would hand them out). */
function streamingFetch(chunks: number[][], contentLength?: number) {
  const urls: string[] = [];
  const fetchFn = async (url: string): Promise<Response> => {
    urls.push(url);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new Uint8Array(c));
        controller.close();
      },
    });
    const headers: Record<string, string> =
      contentLength === undefined ? {} : { 'content-length': String(contentLength) };
    return new Response(body, { status: 200, headers });
  };
  return { fetchFn, urls };
}

describe('urlFetchBytes', () => {
  const chunks = [[1, 2, 3], [4], [5, 6]];
  const all = [1, 2, 3, 4, 5, 6];

  test('reads a stream of chunks into one buffer of the expected size, with progress', async () => {
    const { fetchFn, urls } = streamingFetch(chunks, 6);
    const progress: [number, number | undefined][] = [];
    const bytes = await urlFetchBytes(MANIFEST, fetchFn)('fake/encoder.onnx', (l, t) => progress.push([l, t]), 6);
    expect(urls).toEqual(['https://pacs.example/models/fake/encoder.onnx']);
    expect(Array.from(bytes)).toEqual(all);
    expect(bytes.buffer.byteLength).toBe(6); // one buffer, nothing else behind the view
    expect(progress).toEqual([
      [3, 6],
      [4, 6],
      [6, 6],
    ]);
  });

  test('without an expected size, or with a wrong one, the bytes come back whole and exact', async () => {
    for (const expected of [undefined, 4, 10]) {
      const { fetchFn } = streamingFetch(chunks);
      const bytes = await urlFetchBytes(MANIFEST, fetchFn)('x.onnx', undefined, expected);
      expect([expected, bytes.byteLength, Array.from(bytes)]).toEqual([expected, 6, all]);
    }
  });
});
