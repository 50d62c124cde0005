/**
 * The viewer's side of the engine worker (the worker entry itself is engine-worker.ts, loaded as its own module so
 * that onnxruntime-web stays out of the viewer's bundle).
 */
export { MedsamWorkerClient, type CallOptions, type WorkerLike } from './engine-client';
export * from './protocol';
