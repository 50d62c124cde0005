/**
 * Runs encodes one at a time, highest priority first (interactive before prefetch), first come first served within
 * a priority. Work for the same key is shared: a prefetch that is still queued when the user asks for the same slice
 * is promoted, not run twice.
 *
 * Cancellation: a caller's AbortSignal rejects that caller's promise with MedsamError('CANCELLED') at once. A queued
 * job whose callers have all gone is dropped without running. A running job cannot be interrupted (onnxruntime has
 * no way to stop a run), so it runs to the end and the next job waits for it; the job is told through
 * `ctx.wanted` whether anyone still waits, so it can discard or keep its result.
 */
import { MedsamError } from '../errors';

export const Priority = { interactive: 0, prefetch: 1 } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

export interface JobContext {
  /** False once every caller of this job has cancelled. */
  readonly wanted: boolean;
}

export interface SubmitOptions {
  priority?: Priority;
  signal?: AbortSignal;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(reason: unknown): void;
  detach(): void;
}

interface Job<T> {
  key: string;
  priority: Priority;
  seq: number;
  run(ctx: JobContext): Promise<T>;
  waiters: Set<Waiter<T>>;
  state: 'queued' | 'running';
}

export function cancelledError(what: string): MedsamError {
  return new MedsamError('CANCELLED', `${what} was cancelled`);
}

export class EncodeScheduler {
  private readonly queue: Job<unknown>[] = [];
  private readonly jobs = new Map<string, Job<unknown>>();
  private running: Job<unknown> | null = null;
  private runningDone: Promise<void> | null = null;
  private seq = 0;
  private pumpQueued = false;

  /** Keys queued or running, in the order they will finish (running first). */
  get pendingKeys(): string[] {
    const queued = [...this.queue].sort(compareJobs).map(j => j.key);
    return this.running ? [this.running.key, ...queued] : queued;
  }

  /**
   * Resolves (never rejects) once the job running now, if any, has finished. Jobs queued behind it may start
   * afterwards: this is for a caller that must not pull resources from under a run already in progress.
   */
  whenIdle(): Promise<void> {
    return this.runningDone ?? Promise.resolve();
  }

  isPending(key: string): boolean {
    return this.jobs.has(key);
  }

  submit<T>(key: string, run: (ctx: JobContext) => Promise<T>, options: SubmitOptions = {}): Promise<T> {
    const priority = options.priority ?? Priority.interactive;
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(cancelledError(`encoding ${key}`));

    let job = this.jobs.get(key) as Job<T> | undefined;
    if (job) {
      // Shared work: the more urgent caller decides where a queued job stands.
      if (priority < job.priority) job.priority = priority;
    } else {
      job = { key, priority, seq: this.seq++, run, waiters: new Set(), state: 'queued' };
      this.jobs.set(key, job as Job<unknown>);
      this.queue.push(job as Job<unknown>);
    }
    const theJob = job;

    const promise = new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        theJob.waiters.delete(waiter);
        reject(cancelledError(`encoding ${key}`));
        if (theJob.waiters.size === 0 && theJob.state === 'queued') this.drop(theJob as Job<unknown>);
      };
      const waiter: Waiter<T> = {
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      theJob.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    this.schedulePump();
    return promise;
  }

  private drop(job: Job<unknown>): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    this.jobs.delete(job.key);
  }

  // The next job is chosen on a microtask, so that work submitted in one tick (a prefetch, then the user's own
  // slice) starts in priority order rather than arrival order.
  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.running || this.queue.length === 0) return;
    this.queue.sort(compareJobs);
    const job = this.queue.shift()!;
    job.state = 'running';
    this.running = job;
    const ctx: JobContext = {
      get wanted() {
        return job.waiters.size > 0;
      },
    };
    this.runningDone = Promise.resolve()
      .then(() => job.run(ctx))
      .then(
        value => this.finish(job, w => w.resolve(value)),
        error => this.finish(job, w => w.reject(error)),
      );
  }

  private finish(job: Job<unknown>, settle: (w: Waiter<unknown>) => void): void {
    this.running = null;
    this.runningDone = null;
    this.jobs.delete(job.key);
    for (const w of job.waiters) {
      w.detach();
      settle(w);
    }
    job.waiters.clear();
    this.schedulePump();
  }
}

function compareJobs(a: Job<unknown>, b: Job<unknown>): number {
  return a.priority - b.priority || a.seq - b.seq;
}
