/**
 * A MedsamService over the real engine worker protocol and a fake onnxruntime (a MessageChannel stands in for the
 * worker): what the service tests drive. Not a test file itself; each test closes its channels after it.
 */
import { MessageChannel } from 'worker_threads';
import { MedsamError } from '../../engine/errors';
import type { Manifest } from '../../engine/manifest';
import { preprocessSlice, sliceSize, type SliceInput } from '../../engine/session/pipeline';
import { createFakeOrt, fakeFetchBytes, fakeManifestEntry } from '../../engine/session/testing/fake-runtime';
import type { WorkerLike } from '../../worker/engine-client';
import { startEngineHost, type PortLike } from '../../worker/engine-host';
import type { MedsamServiceDeps } from './medsamService';

export const PAGE = {
  href: 'https://p.example/medsam?StudyInstanceUIDs=1',
  hardwareConcurrency: 4,
  extensionBaseUrl: 'https://p.example/medsam-plugin/extension-medsam/',
};
export const MANIFEST_URL = 'https://p.example/medsam-models/manifest.json';

/** The service with a real engine host behind a MessageChannel, over the fake onnxruntime. */
export function harness(files: Record<string, Uint8Array> = {}) {
  const fake = createFakeOrt();
  const ports: Array<{ close(): void }> = [];
  const initParams: unknown[] = [];
  const evicted: string[][] = [];
  let fileOverrides = files;
  const manifestLoads: string[] = [];
  const loadManifest = async (url: string): Promise<Manifest> => {
    manifestLoads.push(url);
    if (url !== MANIFEST_URL)
      throw new MedsamError('MODEL_UNAVAILABLE', `could not download the model manifest ${url}: HTTP 404`, { url });
    return { manifestVersion: 1, models: [await fakeManifestEntry('fake-model')] } as Manifest;
  };
  const deps: MedsamServiceDeps = {
    page: () => PAGE,
    loadManifest,
    createWorker: async () => {
      const { port1, port2 } = new MessageChannel();
      ports.push(port1, port2);
      startEngineHost<SliceInput>(port2 as unknown as PortLike, {
        createRuntime: p => {
          initParams.push(p);
          return { ort: fake.ort, executionProviders: ['wasm'] };
        },
        loadManifest,
        fetchBytesFor: () => fakeFetchBytes(fileOverrides),
        preprocess: preprocessSlice,
        imageSize: sliceSize,
      });
      return port1 as unknown as WorkerLike;
    },
    evictModelFiles: async urls => {
      evicted.push([...urls]);
      fileOverrides = {};
      return urls.length;
    },
  };
  const close = () => ports.forEach(p => p.close());
  openHarnesses.push(close);
  return { deps, fake, initParams, evicted, manifestLoads, close };
}

const openHarnesses: Array<() => void> = [];
afterEach(() => openHarnesses.splice(0).forEach(close => close()));

export const slice = (value = 100): SliceInput => ({
  slice: {
    rows: 16,
    columns: 24,
    samplesPerPixel: 1,
    pixels: new Int16Array(16 * 24).map((_, i) => (i % 7) * value),
    modality: 'CT',
  },
});
