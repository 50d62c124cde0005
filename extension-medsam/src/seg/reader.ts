/**
 * DICOM SEG -> per-segment masks on the caller's slices (the source images, or any grid of slices with geometry).
 * Reads BINARY (bit-packed across frames), LABELMAP (8/16-bit segment numbers) and FRACTIONAL (thresholded at half
 * of MaximumFractionalValue) SEGs in uncompressed transfer syntaxes. Each frame is placed on a slice by the SOP
 * Instance UID (and, for a multi-frame source, the ReferencedFrameNumber) its DerivationImageSequence references,
 * else (when the caller allows it) by its
 * ImagePositionPatient; a frame that fits no slice is an error, never dropped.
 */
import type { Code, Rgb } from './codes';
import { dicomLabToRgb } from './colour';
import { SegError } from './errors';
import { first, items, parseDicom, values, type Naturalized, type ParsedDicom } from './dicom/parse';
import { concatBytes } from './dicom/bytes';
import { unpackBinaryFrame } from './pack';
import { dot, sliceNormal, type SliceGeometry, type Vec3 } from './source';
import type { SegmentAlgorithmType } from './writer';

export interface SliceTarget extends SliceGeometry {
  sopInstanceUid?: string;
  /** The frame (from 1) of a multi-frame instance that this slice is; SEG frames that reference it by number land here. */
  referencedFrameNumber?: number;
}

export interface SegSegmentInfo {
  number: number;
  label: string;
  category?: Code;
  type?: Code;
  typeModifier?: Code;
  algorithmType?: SegmentAlgorithmType;
  algorithmName?: string;
  algorithm?: { name?: string; version?: string; family?: Code; parameters?: string };
  color?: Rgb;
  description?: string;
}

export interface ReadSegResult {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  frameOfReferenceUid?: string;
  segmentationType: 'BINARY' | 'LABELMAP' | 'FRACTIONAL';
  rows: number;
  columns: number;
  segments: SegSegmentInfo[];
  /** masks[i][k]: segment `segments[i]` on slice k of the caller's slices, rows*columns values 0/1. */
  masks: Uint8Array[][];
  referencedInstanceUids: string[];
  frames: { count: number; matchedByUid: number; matchedByPosition: number };
}

export interface ReadSegOptions {
  /** Place frames whose referenced instance is not among the slices by their position (default true). */
  matchByPosition?: boolean;
  /** Largest distance (mm) between a frame's position and a slice's position that still counts as the same. */
  positionToleranceMm?: number;
}

const NATIVE_SYNTAXES = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
]);

function code(ds: Naturalized | undefined): Code | undefined {
  if (!ds) return undefined;
  const value = (first<string>(ds, 'CodeValue') ??
    first<string>(ds, 'LongCodeValue') ??
    first<string>(ds, 'URNCodeValue')) as string | undefined;
  const scheme = first<string>(ds, 'CodingSchemeDesignator');
  if (value === undefined || scheme === undefined) return undefined;
  return { value: String(value), scheme: String(scheme), meaning: String(first(ds, 'CodeMeaning') ?? '') };
}

function segmentInfo(item: Naturalized): SegSegmentInfo {
  const typeItem = items(item, 'SegmentedPropertyTypeCodeSequence')[0];
  const alg = items(item, 'SegmentationAlgorithmIdentificationSequence')[0];
  const lab = values(item, 'RecommendedDisplayCIELabValue').map(Number);
  return {
    number: Number(first(item, 'SegmentNumber')),
    label: String(first(item, 'SegmentLabel') ?? ''),
    category: code(items(item, 'SegmentedPropertyCategoryCodeSequence')[0]),
    type: code(typeItem),
    typeModifier: typeItem ? code(items(typeItem, 'SegmentedPropertyTypeModifierCodeSequence')[0]) : undefined,
    algorithmType: first<SegmentAlgorithmType>(item, 'SegmentAlgorithmType'),
    algorithmName: first<string>(item, 'SegmentAlgorithmName'),
    algorithm: alg
      ? {
          name: first<string>(alg, 'AlgorithmName'),
          version: first<string>(alg, 'AlgorithmVersion'),
          family: code(items(alg, 'AlgorithmFamilyCodeSequence')[0]),
          parameters: first<string>(alg, 'AlgorithmParameters'),
        }
      : undefined,
    color: lab.length === 3 ? dicomLabToRgb(lab) : undefined,
    description: first<string>(item, 'SegmentDescription'),
  };
}

function pixelBytes(ds: Naturalized): Uint8Array {
  const parts = values(ds, 'PixelData').filter(
    (p): p is ArrayBuffer => p instanceof ArrayBuffer || ArrayBuffer.isView(p),
  );
  if (parts.length === 0) throw new SegError('UNSUPPORTED_SEG', 'The SEG has no PixelData', {});
  return concatBytes(parts as Array<ArrayBuffer | ArrayBufferView>);
}

/** A functional group of frame f: per-frame item first, else the shared item. */
function group(
  perFrame: Naturalized | undefined,
  shared: Naturalized | undefined,
  keyword: string,
): Naturalized | undefined {
  return (perFrame && items(perFrame, keyword)[0]) ?? (shared && items(shared, keyword)[0]);
}

function numbers3(v: unknown[]): Vec3 | undefined {
  const n = v.map(Number);
  return n.length === 3 && n.every(Number.isFinite) ? [n[0], n[1], n[2]] : undefined;
}

export function readSeg(
  input: Uint8Array | ArrayBuffer | ParsedDicom,
  slices: readonly SliceTarget[],
  options: ReadSegOptions = {},
): ReadSegResult {
  const parsed = input instanceof Uint8Array || input instanceof ArrayBuffer ? parseDicom(input) : input;
  const ds = parsed.dataset;
  if (
    first(ds, 'SOPClassUID') !== '1.2.840.10008.5.1.4.1.1.66.4' &&
    first(ds, 'SOPClassUID') !== '1.2.840.10008.5.1.4.1.1.66.7'
  ) {
    throw new SegError('UNSUPPORTED_SEG', `SOP class ${String(first(ds, 'SOPClassUID'))} is not a Segmentation`, {});
  }
  if (!NATIVE_SYNTAXES.has(parsed.transferSyntaxUid)) {
    throw new SegError(
      'UNSUPPORTED_SEG',
      `Transfer syntax ${parsed.transferSyntaxUid} is compressed; only uncompressed SEGs are read`,
      {
        transferSyntaxUid: parsed.transferSyntaxUid,
      },
    );
  }
  const type = String(first(ds, 'SegmentationType') ?? '') as ReadSegResult['segmentationType'];
  if (!['BINARY', 'LABELMAP', 'FRACTIONAL'].includes(type))
    throw new SegError('UNSUPPORTED_SEG', `SegmentationType "${type}" is unknown`, {});
  const rows = Number(first(ds, 'Rows'));
  const columns = Number(first(ds, 'Columns'));
  const pixels = rows * columns;
  const nFrames = Number(first(ds, 'NumberOfFrames') ?? 1);
  const bits = Number(first(ds, 'BitsAllocated'));
  if (type === 'BINARY' && bits !== 1)
    throw new SegError('UNSUPPORTED_SEG', `A BINARY SEG with BitsAllocated ${bits}`, {});
  if (type !== 'BINARY' && bits !== 8 && bits !== 16)
    throw new SegError('UNSUPPORTED_SEG', `A ${type} SEG with BitsAllocated ${bits}`, {});

  const segmentItems = items(ds, 'SegmentSequence').map(segmentInfo);
  const segments = segmentItems
    .filter(s => !(type === 'LABELMAP' && s.number === 0))
    .sort((a, b) => a.number - b.number);
  if (segments.length === 0) throw new SegError('UNSUPPORTED_SEG', 'The SEG describes no segment', {});
  const segIndex = new Map(segments.map((s, i) => [s.number, i]));

  for (const [k, s] of slices.entries()) {
    if (s.rows !== rows || s.columns !== columns) {
      throw new SegError('UNMATCHED_FRAME', `The SEG is ${rows}x${columns}, slice ${k + 1} is ${s.rows}x${s.columns}`, {
        slice: k,
      });
    }
  }
  // A single-frame slice by its UID; a frame of a multi-frame instance by its UID and frame number.
  const sliceKey = (uid: string, frame?: number): string => (frame === undefined ? uid : `${uid}\u0000${frame}`);
  const uidToSlice = new Map<string, number>();
  slices.forEach((s, k) => s.sopInstanceUid && uidToSlice.set(sliceKey(s.sopInstanceUid, s.referencedFrameNumber), k));

  const shared = items(ds, 'SharedFunctionalGroupsSequence')[0];
  const perFrame = items(ds, 'PerFrameFunctionalGroupsSequence');
  const data = pixelBytes(ds);
  const bytesPerPixel = bits / 8;
  const needed = type === 'BINARY' ? Math.ceil((nFrames * pixels) / 8) : nFrames * pixels * bytesPerPixel;
  if (data.length < needed) {
    throw new SegError(
      'UNSUPPORTED_SEG',
      `PixelData holds ${data.length} bytes, ${nFrames} frames need ${needed}: truncated?`,
      { bytes: data.length, needed },
    );
  }
  const maxFraction = Number(first(ds, 'MaximumFractionalValue') ?? 255);
  const tolerance = options.positionToleranceMm ?? 0.05;
  const matchByPosition = options.matchByPosition ?? true;

  const masks = segments.map(() => slices.map(() => new Uint8Array(pixels)));
  let byUid = 0;
  let byPosition = 0;
  for (let f = 0; f < nFrames; f++) {
    const pf = perFrame[f];
    // Which slice.
    let slice: number | undefined;
    const derivation = pf ? items(pf, 'DerivationImageSequence') : [];
    for (const d of derivation) {
      for (const src of items(d, 'SourceImageSequence')) {
        const uid = String(first(src, 'ReferencedSOPInstanceUID'));
        const frames = values(src, 'ReferencedFrameNumber').map(Number);
        for (const key of frames.length > 0 ? frames.map(n => sliceKey(uid, n)) : [sliceKey(uid)]) {
          const k = uidToSlice.get(key);
          if (k !== undefined && slice === undefined) slice = k;
        }
      }
    }
    if (slice !== undefined) byUid++;
    else if (matchByPosition) {
      const pos = numbers3(values(group(pf, shared, 'PlanePositionSequence') ?? {}, 'ImagePositionPatient'));
      const orientation = values(group(pf, shared, 'PlaneOrientationSequence') ?? {}, 'ImageOrientationPatient').map(
        Number,
      );
      if (pos && orientation.length === 6) {
        let best = Infinity;
        slices.forEach((s, k) => {
          if (!s.imagePositionPatient || !s.imageOrientationPatient) return;
          if (s.imageOrientationPatient.some((v, i) => Math.abs(v - orientation[i]) > 1e-3)) return;
          const d = Math.hypot(
            pos[0] - s.imagePositionPatient[0],
            pos[1] - s.imagePositionPatient[1],
            pos[2] - s.imagePositionPatient[2],
          );
          if (d < best) {
            best = d;
            slice = d <= tolerance ? k : undefined;
          }
        });
        if (slice !== undefined) byPosition++;
        else {
          const n = sliceNormal(orientation as unknown as [number, number, number, number, number, number]);
          throw new SegError(
            'UNMATCHED_FRAME',
            `SEG frame ${f + 1} at ${pos.map(v => v.toFixed(2)).join('\\')} (${dot(pos, n).toFixed(2)} mm along the normal) matches no slice (nearest ${best.toFixed(2)} mm away)`,
            { frame: f + 1 },
          );
        }
      }
    }
    if (slice === undefined) {
      throw new SegError('UNMATCHED_FRAME', `SEG frame ${f + 1} references no given slice and has no usable position`, {
        frame: f + 1,
      });
    }

    if (type === 'LABELMAP') {
      const view = new DataView(data.buffer, data.byteOffset + f * pixels * bytesPerPixel, pixels * bytesPerPixel);
      for (let i = 0; i < pixels; i++) {
        const v = bytesPerPixel === 1 ? view.getUint8(i) : view.getUint16(2 * i, true);
        if (v === 0) continue;
        const s = segIndex.get(v);
        if (s === undefined)
          throw new SegError('UNSUPPORTED_SEG', `Frame ${f + 1} holds label ${v}, which no segment describes`, {
            frame: f + 1,
          });
        masks[s][slice][i] = 1;
      }
      continue;
    }
    const ident = group(pf, shared, 'SegmentIdentificationSequence');
    const number = Number(first(ident ?? {}, 'ReferencedSegmentNumber'));
    const s = segIndex.get(number);
    if (s === undefined)
      throw new SegError('UNSUPPORTED_SEG', `Frame ${f + 1} refers to segment ${number}, which is not described`, {
        frame: f + 1,
      });
    const mask = masks[s][slice];
    if (type === 'BINARY') {
      const frame = unpackBinaryFrame(data, f, pixels);
      for (let i = 0; i < pixels; i++) mask[i] |= frame[i];
    } else {
      const threshold = maxFraction / 2;
      const view = new DataView(data.buffer, data.byteOffset + f * pixels * bytesPerPixel, pixels * bytesPerPixel);
      for (let i = 0; i < pixels; i++) {
        const v = bytesPerPixel === 1 ? view.getUint8(i) : view.getUint16(2 * i, true);
        if (v > threshold) mask[i] = 1;
      }
    }
  }

  const referenced = items(ds, 'ReferencedSeriesSequence').flatMap(s =>
    items(s, 'ReferencedInstanceSequence').map(r => String(first(r, 'ReferencedSOPInstanceUID'))),
  );
  return {
    sopInstanceUid: String(first(ds, 'SOPInstanceUID')),
    seriesInstanceUid: String(first(ds, 'SeriesInstanceUID')),
    studyInstanceUid: String(first(ds, 'StudyInstanceUID')),
    frameOfReferenceUid: first<string>(ds, 'FrameOfReferenceUID'),
    segmentationType: type,
    rows,
    columns,
    segments,
    masks,
    referencedInstanceUids: referenced,
    frames: { count: nFrames, matchedByUid: byUid, matchedByPosition: byPosition },
  };
}
