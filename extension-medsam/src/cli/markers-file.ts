/**
 * The markers file of `medsam segment --markers` (image pixels, continuous pixel-edge coordinates as --boxes):
 *   { "mode": "interpolate" (default) | "propagate", "markerPadPx": 0, "propagatePadPx": 5, "beyondKeys": N,
 *     "segments": [ { "target": "liver" | "label": "Free text", "color": [r, g, b],
 *                     "keySlices": [ { "slice": 3 | "instanceNumber": 270 | "sopInstanceUid": "1.2...",
 *                                      "box": [x0, y0, x1, y1] | "lines": [[xa, ya, xb, yb], ...] } ] } ] }
 * "lines" are linear markers (the long and short axes); the slice's box is the rectangle covering them.
 */
import fs from 'node:fs';
import type { ImageSegment } from '../engine/geometry/markers';
import type { PlanOptions, VolumeMode } from '../engine/volume/plan';
import { targetById } from '../seg/codes';
import { InputError, UsageError } from './args';
import { describeJson, isObject } from './json-input';
import type { SegmentNaming } from './segment-output';

export interface KeySliceSpec {
  slice?: number;
  instanceNumber?: number;
  sopInstanceUid?: string;
  box?: [number, number, number, number];
  lines?: [number, number, number, number][];
}

export interface MarkerSegmentSpec extends SegmentNaming {
  keySlices: KeySliceSpec[];
}

export interface MarkersFile extends PlanOptions {
  segments: MarkerSegmentSpec[];
}

const isQuad = (v: unknown): v is [number, number, number, number] =>
  Array.isArray(v) && v.length === 4 && v.every(Number.isFinite);

export function linesToSegments(lines: readonly [number, number, number, number][]): ImageSegment[] {
  return lines.map(([xa, ya, xb, yb]) => ({ a: { x: xa, y: ya }, b: { x: xb, y: yb } }));
}

export function readMarkers(file: string): MarkersFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read the markers file ${file}: ${(e as Error).message}`);
  }
  if (!isObject(parsed))
    throw new InputError(
      `${file}: the markers file must hold a JSON object {"segments": [...]}, not ${describeJson(parsed)}`,
    );
  const json = parsed as unknown as MarkersFile;
  const mode = (json.mode ?? 'interpolate') as VolumeMode;
  if (mode !== 'interpolate' && mode !== 'propagate')
    throw new UsageError(`${file}: "mode" must be "interpolate" or "propagate"`);
  for (const k of ['markerPadPx', 'propagatePadPx', 'beyondKeys'] as const) {
    const v = json[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0))
      throw new UsageError(`${file}: "${k}" must be a number >= 0`);
  }
  if (!Array.isArray(json.segments) || json.segments.length === 0)
    throw new InputError(`${file}: "segments" must be a non-empty list`);
  json.segments.forEach((s, i) => {
    const where = `${file}: segments[${i}]`;
    if (!isObject(s)) throw new InputError(`${where} must be an object, not ${describeJson(s)}`);
    if (!s.target && !s.label) throw new UsageError(`${where} needs "target" (a catalogue id) or "label" (free text)`);
    if (s.target && !targetById(s.target))
      throw new UsageError(`${where}: unknown target "${s.target}" (see the catalogue in src/seg/codes.ts)`);
    if (!Array.isArray(s.keySlices) || s.keySlices.length === 0) throw new UsageError(`${where} has no keySlices`);
    s.keySlices.forEach((k, j) => {
      const at = `${where}.keySlices[${j}]`;
      if (!isObject(k)) throw new InputError(`${at} must be an object, not ${describeJson(k)}`);
      if ((k.box === undefined) === (k.lines === undefined))
        throw new UsageError(`${at} needs either "box" or "lines"`);
      if (k.box !== undefined && !isQuad(k.box)) throw new UsageError(`${at}.box must be [x0, y0, x1, y1]`);
      if (k.lines !== undefined && !(Array.isArray(k.lines) && k.lines.length > 0 && k.lines.every(isQuad))) {
        throw new UsageError(`${at}.lines must be a non-empty list of [xa, ya, xb, yb]`);
      }
      if (k.slice === undefined && k.instanceNumber === undefined && k.sopInstanceUid === undefined) {
        throw new UsageError(`${at} needs "slice", "instanceNumber" or "sopInstanceUid"`);
      }
    });
  });
  return { ...json, mode };
}
