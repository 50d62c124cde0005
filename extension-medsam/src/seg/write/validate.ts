/** Checks of a SEG's inputs before anything is written: segment descriptions and masks. */
import { checkRgb } from '../colour';
import { SegError } from '../errors';
import type { SourceStack } from '../source';
import type { SegInput, SegmentationKind, SegmentDescription } from './types';

export function checkSegments(segments: readonly SegmentDescription[], kind: SegmentationKind): void {
  if (segments.length === 0) throw new SegError('INVALID_SEGMENT', 'A SEG needs at least one segment', {});
  if (kind === 'LABELMAP' && segments.length > 0xfffe) {
    throw new SegError('INVALID_SEGMENT', `${segments.length} segments do not fit in a 16-bit label map`, {});
  }
  segments.forEach((s, i) => {
    const where = `Segment ${i + 1}`;
    if (!s.label || !s.label.trim()) throw new SegError('INVALID_SEGMENT', `${where} has no label`, { segment: i + 1 });
    if (!['AUTOMATIC', 'SEMIAUTOMATIC', 'MANUAL'].includes(s.algorithmType)) {
      throw new SegError('INVALID_SEGMENT', `${where} ("${s.label}") has algorithm type ${s.algorithmType}`, {
        segment: i + 1,
      });
    }
    if (s.algorithmType !== 'MANUAL' && !s.algorithm) {
      throw new SegError('INVALID_SEGMENT', `${where} ("${s.label}") is ${s.algorithmType} but names no algorithm`, {
        segment: i + 1,
      });
    }
    checkRgb(s.color, `${where} ("${s.label}") colour`);
  });
}

export function isEmpty(mask: Uint8Array | null | undefined): boolean {
  if (!mask) return true;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) return false;
  return true;
}

export function checkMasks(input: SegInput, stack: SourceStack, kind: SegmentationKind): void {
  const { masks, segments, sources } = input;
  const pixels = stack.rows * stack.columns;
  if (masks.length !== segments.length) {
    throw new SegError(
      'MASK_MISMATCH',
      `Got masks for ${masks.length} segments and ${segments.length} segment descriptions`,
      {},
    );
  }
  masks.forEach((perSlice, s) => {
    if (perSlice.length !== sources.length) {
      throw new SegError(
        'MASK_MISMATCH',
        `Segment ${s + 1} has masks for ${perSlice.length} slices, the SEG has ${sources.length} source images`,
        {
          segment: s + 1,
        },
      );
    }
    perSlice.forEach((mask, k) => {
      if (!mask) return;
      if (mask.length !== pixels) {
        throw new SegError(
          'MASK_MISMATCH',
          `Mask of segment ${s + 1} on source ${sources[k].sopInstanceUid} has ${mask.length} pixels, the image has ${stack.rows}x${stack.columns} = ${pixels}`,
          { segment: s + 1, sopInstanceUid: sources[k].sopInstanceUid },
        );
      }
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] > 1) {
          throw new SegError(
            'MASK_MISMATCH',
            `Mask of segment ${s + 1} on source ${sources[k].sopInstanceUid} has value ${mask[i]} at row ${Math.floor(i / stack.columns)}, column ${i % stack.columns}; binary masks hold 0 or 1 (see masksFromLabelmap for label volumes)`,
            { segment: s + 1, sopInstanceUid: sources[k].sopInstanceUid },
          );
        }
      }
    });
  });
  if (kind === 'LABELMAP') {
    for (let k = 0; k < sources.length; k++) {
      const seen = new Uint8Array(pixels);
      for (let s = 0; s < segments.length; s++) {
        const mask = masks[s][k];
        if (!mask) continue;
        for (let i = 0; i < pixels; i++) {
          if (!mask[i]) continue;
          if (seen[i]) {
            throw new SegError(
              'MASK_MISMATCH',
              `Segments overlap on source ${sources[k].sopInstanceUid} at row ${Math.floor(i / stack.columns)}, column ${i % stack.columns}; a label map holds one segment per pixel (write a BINARY SEG instead)`,
              { sopInstanceUid: sources[k].sopInstanceUid },
            );
          }
          seen[i] = 1;
        }
      }
    }
  }
}
