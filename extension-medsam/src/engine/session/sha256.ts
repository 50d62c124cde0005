import { MedsamError } from '../errors';

/** sha256 of model bytes as lower-case hex, through WebCrypto (present in browsers, workers and Node >= 20). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    // Plain http on a non-localhost origin has no WebCrypto; the integrity check cannot be skipped silently.
    throw new MedsamError(
      'MODEL_INTEGRITY',
      'cannot check model files: WebCrypto (crypto.subtle) is not available; serve the viewer over https or localhost',
      { reason: 'no-webcrypto' },
    );
  }
  // digest() takes only ArrayBuffer-backed views; model bytes in a SharedArrayBuffer are copied first.
  // (A tag check, not instanceof: Node's fs hands out buffers of another realm under jest.)
  const plain = Object.prototype.toString.call(bytes.buffer) === '[object ArrayBuffer]';
  const digest = await subtle.digest('SHA-256', plain ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes));
  const view = new Uint8Array(digest);
  let hex = '';
  for (let i = 0; i < view.length; i++) hex += view[i].toString(16).padStart(2, '0');
  return hex;
}
