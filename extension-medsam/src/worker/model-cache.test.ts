import { cachingFetch, evictCachedModelFiles } from './model-cache';

function memoryCaches() {
  const stores = new Map<string, Map<string, Response>>();
  return {
    stores,
    open: async (name: string) => {
      if (!stores.has(name)) stores.set(name, new Map());
      const m = stores.get(name)!;
      return {
        match: async (url: string) => m.get(url)?.clone(),
        put: async (url: string, r: Response) =>
          void m.set(url, new Response(await r.arrayBuffer(), { status: r.status, headers: r.headers })),
        delete: async (url: string) => m.delete(url),
      };
    },
  };
}

describe('cachingFetch', () => {
  it('downloads once and answers the second request from Cache Storage', async () => {
    const caches = memoryCaches();
    const fetched: string[] = [];
    const net = async (url: string) => {
      fetched.push(url);
      return new Response(new Uint8Array([1, 2, 3]), { status: 200, headers: { 'content-length': '3' } });
    };
    const f = cachingFetch('c', net, caches);
    expect(new Uint8Array(await (await f('https://p.example/m/e.onnx')).arrayBuffer())).toEqual(
      new Uint8Array([1, 2, 3]),
    );
    await new Promise(r => setTimeout(r, 0));
    const second = await f('https://p.example/m/e.onnx');
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    expect(second.headers.get('content-length')).toBe('3');
    expect(fetched).toEqual(['https://p.example/m/e.onnx']);
  });

  it('does not keep failed answers, and evicts on request', async () => {
    const caches = memoryCaches();
    let status = 404;
    const f = cachingFetch('c', async () => new Response('x', { status }), caches);
    expect((await f('u')).status).toBe(404);
    status = 200;
    expect((await f('u')).status).toBe(200);
    await new Promise(r => setTimeout(r, 0));
    expect(caches.stores.get('c')?.has('u')).toBe(true);
    expect(await evictCachedModelFiles(['u', 'v'], 'c', caches)).toBe(1);
    expect(caches.stores.get('c')?.has('u')).toBe(false);
  });

  it('is plain fetch without Cache Storage', async () => {
    let n = 0;
    const f = cachingFetch('c', async () => new Response(String(++n)), null);
    expect(await (await f('u')).text()).toBe('1');
    expect(await (await f('u')).text()).toBe('2');
    expect(await evictCachedModelFiles(['u'], 'c', null)).toBe(0);
  });
});
