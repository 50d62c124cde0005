/**
 * The viewer's side of the engine worker: each request becomes a promise; progress goes to a callback; an
 * AbortSignal sends 'cancel' and rejects at once with MedsamError('CANCELLED'); errors arrive as MedsamError.
 */
import { MedsamError } from '../engine/errors';
import {
  isFromWorkerMessage,
  type EncodeParams,
  type EncodeResult,
  type EvictParams,
  type FromWorkerMessage,
  type InitParams,
  type InitResult,
  type MethodName,
  type ParamsOf,
  type Progress,
  type ResultOf,
  type SegmentParams,
  type SegmentResult,
  type StatusResult,
  type ToWorkerMessage,
  type WorkerEvent,
  type WorkerImage,
} from './protocol';

/** A Worker, a MessagePort (browser or Node), or anything with these methods. */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  start?(): void;
  terminate?(): void;
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Buffers to move to the worker instead of copying (the caller loses them). */
  transfer?: Transferable[];
}

interface Pending {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
  onProgress?: (progress: Progress) => void;
  cleanup(): void;
}

export class MedsamWorkerClient<Image = WorkerImage> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: WorkerEvent) => void>();
  private closed: MedsamError | null = null;

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener('message', event => this.onMessage(event.data));
    worker.addEventListener('error', event =>
      this.failAll(
        new MedsamError('INFERENCE_FAILED', `the MedSAM engine worker failed: ${event?.message ?? 'unknown error'}`),
      ),
    );
    worker.start?.();
  }

  call<M extends MethodName>(
    method: M,
    params: ParamsOf<M, Image>,
    options: CallOptions = {},
  ): Promise<ResultOf<M, Image>> {
    if (this.closed) return Promise.reject(this.closed);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new MedsamError('CANCELLED', `${method} was cancelled`));
    const id = this.nextId++;
    return new Promise<ResultOf<M, Image>>((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(id);
        this.post({ kind: 'cancel', id });
        reject(new MedsamError('CANCELLED', `${method} was cancelled`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: options.onProgress,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      this.post({ kind: 'request', id, method, params } as ToWorkerMessage<Image>, options.transfer);
    });
  }

  init(params: InitParams, options?: CallOptions): Promise<InitResult> {
    return this.call('init', params, options);
  }

  encode(params: EncodeParams<Image>, options?: CallOptions): Promise<EncodeResult> {
    return this.call('encode', params, options);
  }

  segment(params: SegmentParams<Image>, options?: CallOptions): Promise<SegmentResult> {
    return this.call('segment', params, options);
  }

  evict(params: EvictParams = {}, options?: CallOptions): Promise<{ evicted: number }> {
    return this.call('evict', params, options);
  }

  status(options?: CallOptions): Promise<StatusResult> {
    return this.call('status', {}, options);
  }

  /** Releases the model in the worker; terminate() then ends the worker itself. */
  dispose(options?: CallOptions): Promise<{ disposed: true }> {
    return this.call('dispose', {}, options);
  }

  /** Events not tied to a request (backend changed, background failure). Returns an unsubscribe function. */
  onEvent(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  terminate(): void {
    this.failAll(new MedsamError('CANCELLED', 'the MedSAM engine worker was terminated'));
    this.worker.terminate?.();
  }

  /** True once the worker failed or was terminated: every call now rejects, so the owner must start a new worker. */
  get isClosed(): boolean {
    return this.closed !== null;
  }

  private post(message: ToWorkerMessage<Image>, transfer?: Transferable[]): void {
    if (transfer?.length) this.worker.postMessage(message, transfer);
    else this.worker.postMessage(message);
  }

  private failAll(error: MedsamError): void {
    this.closed = error;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.cleanup();
      p.reject(error);
    }
  }

  private onMessage(data: unknown): void {
    if (!isFromWorkerMessage(data)) return;
    const message = data as FromWorkerMessage<Image>;
    if (message.kind === 'event') {
      for (const l of this.listeners) l(message.event);
      return;
    }
    const p = this.pending.get(message.id);
    if (!p) return; // cancelled here already
    if (message.kind === 'progress') {
      p.onProgress?.(message.progress);
      return;
    }
    this.pending.delete(message.id);
    p.cleanup();
    if (message.kind === 'result') p.resolve(message.result);
    else p.reject(MedsamError.fromJSON(message.error));
  }
}
