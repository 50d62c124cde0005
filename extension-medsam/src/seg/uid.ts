/**
 * New DICOM UIDs under the 2.25 root (ITU-T X.667): "2.25." + the decimal value of a random 128-bit UUID.
 * No registered root is needed and collisions are as unlikely as for any v4 UUID. Works in browsers, workers and Node
 * (globalThis.crypto), so the writer can run anywhere.
 */
import { SegError } from './errors';

export type UidGenerator = () => string;

export function uuidToUid(uuidHex: string): string {
  const hex = uuidHex.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) {
    throw new SegError(
      'INVALID_VALUE',
      `"${uuidHex}" is not a 128-bit UUID (32 hexadecimal digits), so it makes no UID`,
      {
        value: uuidHex,
      },
    );
  }
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}

export const randomUid: UidGenerator = () => {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return uuidToUid(hex);
};

/** Deterministic UIDs for tests and reproducible command-line runs: 2.25.<seed-derived>.<counter>. */
export function sequentialUids(prefix = '2.25.1234567890'): UidGenerator {
  let n = 0;
  return () => `${prefix}.${++n}`;
}

/** The implementation's own identity in the file meta header (a fixed 2.25 UID from a fixed UUID). */
export const IMPLEMENTATION_CLASS_UID = uuidToUid('6d656473-616d-4f48-8946-534547303031');
export const IMPLEMENTATION_VERSION_NAME = 'MEDSAM_OHIF_01';
