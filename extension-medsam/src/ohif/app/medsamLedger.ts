/**
 * What MedSAM itself put into each labelmap slice, per segment: a bit per pixel, set when an accepted MedSAM edit
 * (a box, a volume run) made the pixel the segment's, cleared when that edit is undone. Comparing it with the
 * labelmap tells hand edits (brush, eraser, another tool) apart from MedSAM's output without hooking the host's
 * tools: a re-run keeps those pixels, and a SEG segment with any of them is MANUAL rather than SEMIAUTOMATIC.
 */

/** One segment on one labelmap image. */
export interface LedgerSliceRef {
  segmentationId: string;
  segmentIndex: number;
  labelmapImageId: string;
}

const keyOf = (r: LedgerSliceRef): string => `${r.segmentationId}\u0000${r.segmentIndex}\u0000${r.labelmapImageId}`;

export class MedsamLedger {
  private readonly slices = new Map<string, Uint8Array>();

  /** The bits of one segment's slice (1 = MedSAM's), or null when MedSAM never wrote it. */
  bits(ref: LedgerSliceRef): Uint8Array | null {
    return this.slices.get(keyOf(ref)) ?? null;
  }

  /** Marks `indices` as MedSAM's (owned true) or not, for a slice of `length` pixels. */
  mark(ref: LedgerSliceRef, length: number, indices: ArrayLike<number>, owned: (k: number) => boolean): void {
    const key = keyOf(ref);
    let bits = this.slices.get(key);
    if (!bits || bits.length !== length) {
      bits = new Uint8Array(length);
      this.slices.set(key, bits);
    }
    for (let k = 0; k < indices.length; k++) bits[indices[k]] = owned(k) ? 1 : 0;
  }

  /**
   * True when the segment's pixels in these labelmap slices differ from what MedSAM wrote: some pixel of the segment
   * MedSAM did not put there, or a MedSAM pixel that is no longer the segment's.
   */
  editedByHand(
    segmentationId: string,
    segmentIndex: number,
    slices: Iterable<{ labelmapImageId: string; labels: ArrayLike<number> }>,
  ): boolean {
    for (const { labelmapImageId, labels } of slices) {
      const bits = this.bits({ segmentationId, segmentIndex, labelmapImageId });
      for (let i = 0; i < labels.length; i++) {
        const mine = labels[i] === segmentIndex ? 1 : 0;
        if (mine !== (bits ? bits[i] : 0)) return true;
      }
    }
    return false;
  }

  /** Replaces one slice's bits (a copy is kept); null: MedSAM never wrote it. */
  set(ref: LedgerSliceRef, bits: Uint8Array | null): void {
    if (bits) this.slices.set(keyOf(ref), bits.slice());
    else this.slices.delete(keyOf(ref));
  }

  /** Forgets a segmentation (removed in the viewer). */
  forget(segmentationId: string): void {
    for (const key of [...this.slices.keys()]) if (key.startsWith(`${segmentationId}\u0000`)) this.slices.delete(key);
  }
}
