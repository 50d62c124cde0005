/**
 * Which frames a SEG holds and their pixel data. BINARY: one frame per (segment, slice) whose mask is not empty,
 * ordered by segment, then by position along the normal; LABELMAP: one frame per slice that holds any segment.
 * When every mask is empty every frame is kept (a SEG needs a frame), as highdicom does.
 */
import type { OtherBytes } from '../dicom/elements';
import { packBinaryFrames } from '../pack';
import type { FrameInfo, SegInput, SegmentationKind } from './types';
import { isEmpty } from './validate';

export interface FramePlan {
  frames: FrameInfo[];
  /** Source index -> 1-based index among the slices that carry a frame, in stack order (DimensionIndexValues). */
  positionIndex: Map<number, number>;
  bitsAllocated: 1 | 8 | 16;
  pixelData: Uint8Array | OtherBytes;
}

export function planFrames(
  input: SegInput,
  kind: SegmentationKind,
  order: readonly number[],
  pixels: number,
  keepEmptyFrames: boolean,
): FramePlan {
  const nonEmpty = input.masks.map(perSlice => perSlice.map(m => !isEmpty(m)));
  const keepAll = keepEmptyFrames || !nonEmpty.some(perSlice => perSlice.some(Boolean));
  const slicesWithFrames = order.filter(k => keepAll || nonEmpty.some(perSlice => perSlice[k]));
  const positionIndex = new Map(slicesWithFrames.map((k, i) => [k, i + 1]));
  const frames: FrameInfo[] = [];

  if (kind === 'BINARY') {
    const data: Uint8Array[] = [];
    const zeros = new Uint8Array(pixels);
    input.segments.forEach((_, s) => {
      for (const k of slicesWithFrames) {
        if (!keepAll && !nonEmpty[s][k]) continue;
        frames.push({ segmentNumber: s + 1, sourceIndex: k });
        data.push(input.masks[s][k] ?? zeros);
      }
    });
    return { frames, positionIndex, bitsAllocated: 1, pixelData: packBinaryFrames(data, pixels) };
  }

  const bytesPerPixel = input.segments.length > 255 ? 2 : 1;
  const total = slicesWithFrames.length * pixels * bytesPerPixel;
  const bytes = new Uint8Array(total + (total % 2));
  const view = new DataView(bytes.buffer);
  slicesWithFrames.forEach((k, f) => {
    frames.push({ segmentNumber: 0, sourceIndex: k });
    input.segments.forEach((_, s) => {
      const m = input.masks[s][k];
      if (!m) return;
      for (let i = 0; i < pixels; i++) {
        if (!m[i]) continue;
        // Label values are little endian whatever the platform.
        if (bytesPerPixel === 1) bytes[f * pixels + i] = s + 1;
        else view.setUint16(2 * (f * pixels + i), s + 1, true);
      }
    });
  });
  return {
    frames,
    positionIndex,
    bitsAllocated: bytesPerPixel === 1 ? 8 : 16,
    pixelData: { vr: bytesPerPixel === 1 ? 'OB' : 'OW', bytes },
  };
}
