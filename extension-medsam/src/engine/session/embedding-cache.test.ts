import { EmbeddingCache } from './embedding-cache';

const emb = (n: number, v = 1) => ({ dims: [1, n], data: new Float32Array(n).fill(v) });

describe('EmbeddingCache', () => {
  test('keys by (model id, image id)', () => {
    const c = new EmbeddingCache({ maxBytes: 1024 });
    c.set('medsam@fp32', 'img-1', emb(4, 1));
    c.set('medsam@fp16', 'img-1', emb(4, 2));
    expect(c.get('medsam@fp32', 'img-1')!.data[0]).toBe(1);
    expect(c.get('medsam@fp16', 'img-1')!.data[0]).toBe(2);
    expect(c.get('medsam@fp32', 'img-2')).toBeUndefined();
    expect(c.size).toBe(2);
  });

  test('evicts the least recently used within the byte budget', () => {
    const c = new EmbeddingCache({ maxBytes: 3 * 16 });
    c.set('m', 'a', emb(4));
    c.set('m', 'b', emb(4));
    c.set('m', 'c', emb(4));
    c.get('m', 'a'); // a is now the most recent
    c.set('m', 'd', emb(4));
    expect(['a', 'b', 'c', 'd'].map(k => c.has('m', k))).toEqual([true, false, true, true]);
    expect(c.bytesUsed).toBe(48);
  });

  test('an embedding larger than the whole budget is not stored and evicts nothing', () => {
    const c = new EmbeddingCache({ maxBytes: 32 });
    c.set('m', 'a', emb(4));
    expect(c.set('m', 'big', emb(16))).toBe(false);
    expect(c.has('m', 'a')).toBe(true);
    expect(new EmbeddingCache({ maxBytes: 0 }).set('m', 'a', emb(1))).toBe(false);
  });

  test('replacing an entry and clearing one model keep the byte count right', () => {
    const c = new EmbeddingCache({ maxBytes: 1024 });
    c.set('m', 'a', emb(4));
    c.set('m', 'a', emb(8));
    expect(c.bytesUsed).toBe(32);
    c.set('other', 'a', emb(4));
    c.clear('m');
    expect(c.bytesUsed).toBe(16);
    expect(c.has('other', 'a')).toBe(true);
    c.clear();
    expect(c.bytesUsed).toBe(0);
  });

  test('fp16 storage halves the bytes and returns float32 values rounded to half precision', () => {
    const c = new EmbeddingCache({ maxBytes: 1024, storage: 'fp16' });
    c.set('m', 'a', { dims: [3], data: new Float32Array([0.1, -2, 65504]) });
    expect(c.bytesUsed).toBe(6);
    const got = c.get('m', 'a')!;
    expect(got.data).toBeInstanceOf(Float32Array);
    expect(Array.from(got.data)).toEqual([0.0999755859375, -2, 65504]);
    expect(got.dims).toEqual([3]);
  });

  test('fp16 storage converts an entry once for repeated gets, and never hands out a removed or replaced one', () => {
    const c = new EmbeddingCache({ maxBytes: 1024, storage: 'fp16' });
    c.set('m', 'a', { dims: [2], data: new Float32Array([1, 2]) });
    c.set('m', 'b', { dims: [2], data: new Float32Array([3, 4]) });
    const first = c.get('m', 'a')!.data;
    expect(c.get('m', 'a')!.data).toBe(first); // no second conversion
    expect(Array.from(c.get('m', 'b')!.data)).toEqual([3, 4]);
    expect(Array.from(c.get('m', 'a')!.data)).toEqual([1, 2]);
    c.set('m', 'a', { dims: [2], data: new Float32Array([5, 6]) });
    expect(Array.from(c.get('m', 'a')!.data)).toEqual([5, 6]);
    c.delete('m', 'a');
    expect(c.get('m', 'a')).toBeUndefined();
    c.set('m', 'a', { dims: [2], data: new Float32Array([7, 8]) });
    expect(Array.from(c.get('m', 'a')!.data)).toEqual([7, 8]);
  });

  test('rejects a negative budget', () => {
    expect(() => new EmbeddingCache({ maxBytes: -1 })).toThrow(RangeError);
  });
});
