/**
 * Image embeddings kept per (model id, image id), least recently used first out, within a byte budget.
 * A MedSAM embedding is 1x256x64x64 = 4 MiB in float32; fp16 storage halves that at a precision cost far below the
 * decoder's sensitivity (an fp16 value keeps 11 significant bits), so a slice stack fits twice as deep.
 */
import { float16ArrayToFloat32, float32ArrayToFloat16 } from './float16';

export interface Embedding {
  dims: readonly number[];
  data: Float32Array;
}

export type EmbeddingStorage = 'fp32' | 'fp16';

export interface EmbeddingCacheOptions {
  /** Budget for stored data in bytes; 0 disables caching. */
  maxBytes: number;
  storage?: EmbeddingStorage;
}

interface StoredEmbedding {
  dims: readonly number[];
  data: Float32Array | Uint16Array;
}

export class EmbeddingCache {
  readonly maxBytes: number;
  readonly storage: EmbeddingStorage;
  // Map iteration order is insertion order: re-inserting on access makes the first key the least recently used.
  private readonly entries = new Map<string, StoredEmbedding>();
  private used = 0;
  /**
   * fp16 storage: the float32 values of the entry read last, so that several decodes on one slice (one per box the
   * user draws) convert it once, not on every get. One entry at most (4 MiB for a MedSAM embedding).
   */
  private lastWidened: { stored: StoredEmbedding; data: Float32Array } | null = null;

  constructor(options: EmbeddingCacheOptions) {
    if (!(options.maxBytes >= 0))
      throw new RangeError(`embedding cache budget must be >= 0 bytes, got ${options.maxBytes}`);
    this.maxBytes = options.maxBytes;
    this.storage = options.storage ?? 'fp32';
  }

  static key(modelId: string, imageId: string): string {
    return `${modelId}\u0000${imageId}`;
  }

  get bytesUsed(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  has(modelId: string, imageId: string): boolean {
    return this.entries.has(EmbeddingCache.key(modelId, imageId));
  }

  /**
   * Returns float32 data the caller may read but must not modify: fp32 storage hands out the stored array, fp16
   * storage a conversion that the next get of the same entry hands out again.
   */
  get(modelId: string, imageId: string): Embedding | undefined {
    const key = EmbeddingCache.key(modelId, imageId);
    const stored = this.entries.get(key);
    if (!stored) return undefined;
    this.entries.delete(key);
    this.entries.set(key, stored);
    if (stored.data instanceof Float32Array) return { dims: stored.dims, data: stored.data };
    if (this.lastWidened?.stored !== stored) this.lastWidened = { stored, data: float16ArrayToFloat32(stored.data) };
    return { dims: stored.dims, data: this.lastWidened.data };
  }

  /** Returns false (and stores nothing) when the embedding alone exceeds the budget. */
  set(modelId: string, imageId: string, embedding: Embedding): boolean {
    const key = EmbeddingCache.key(modelId, imageId);
    this.delete(modelId, imageId);
    const data = this.storage === 'fp16' ? float32ArrayToFloat16(embedding.data) : embedding.data;
    if (data.byteLength > this.maxBytes) return false;
    while (this.used + data.byteLength > this.maxBytes) this.evictOldest();
    this.entries.set(key, { dims: [...embedding.dims], data });
    this.used += data.byteLength;
    return true;
  }

  delete(modelId: string, imageId: string): boolean {
    const key = EmbeddingCache.key(modelId, imageId);
    const stored = this.entries.get(key);
    if (!stored) return false;
    this.remove(key, stored);
    return true;
  }

  /** Drops every embedding of a model (e.g. when the user switches model), or all of them; returns how many. */
  clear(modelId?: string): number {
    if (modelId === undefined) {
      const n = this.entries.size;
      this.entries.clear();
      this.used = 0;
      this.lastWidened = null;
      return n;
    }
    const prefix = `${modelId}\u0000`;
    let n = 0;
    for (const [key, stored] of [...this.entries]) {
      if (key.startsWith(prefix)) {
        this.remove(key, stored);
        n++;
      }
    }
    return n;
  }

  private evictOldest(): void {
    const first = this.entries.keys().next();
    if (first.done) return;
    this.remove(first.value, this.entries.get(first.value)!);
  }

  private remove(key: string, stored: StoredEmbedding): void {
    this.entries.delete(key);
    this.used -= stored.data.byteLength;
    if (this.lastWidened?.stored === stored) this.lastWidened = null;
  }
}
