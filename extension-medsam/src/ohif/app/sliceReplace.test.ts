import { arraySliceAccess } from './labelmapEdit';
import { MedsamLedger } from './medsamLedger';
import { reapplySliceEdit, replaceSegmentOnSlice, revertSliceEdit } from './sliceReplace';

// Six pixels; segment 1 is MedSAM's, 2 another segment.
const SEG = 1;

describe('replaceSegmentOnSlice (a volume run writing one slice)', () => {
  it('replaces the previous run, never takes another segment, and undoes exactly', () => {
    const labels = [1, 1, 0, 2, 0, 0];
    const bits = Uint8Array.from([1, 1, 0, 0, 0, 0]);
    const access = arraySliceAccess(labels);
    const edit = replaceSegmentOnSlice(access, [0, 1, 1, 1, 0, 0], SEG, { medsamBits: bits, keepHandEdits: true });
    expect(labels).toEqual([0, 1, 1, 2, 0, 0]);
    revertSliceEdit(access, edit);
    expect(labels).toEqual([1, 1, 0, 2, 0, 0]);
    reapplySliceEdit(access, edit);
    expect(labels).toEqual([0, 1, 1, 2, 0, 0]);
  });

  it('keeps pixels painted or erased by hand since MedSAM wrote them, unless told not to', () => {
    // MedSAM wrote pixels 0-2; the user erased 1 and painted 4.
    const bits = Uint8Array.from([1, 1, 1, 0, 0, 0]);
    const mask = [1, 1, 1, 0, 0, 0];
    const kept = [1, 0, 1, 0, 1, 0];
    replaceSegmentOnSlice(arraySliceAccess(kept), mask, SEG, { medsamBits: bits, keepHandEdits: true });
    expect(kept).toEqual([1, 0, 1, 0, 1, 0]);
    const overwritten = [1, 0, 1, 0, 1, 0];
    replaceSegmentOnSlice(arraySliceAccess(overwritten), mask, SEG, { medsamBits: bits, keepHandEdits: false });
    expect(overwritten).toEqual([1, 1, 1, 0, 0, 0]);
  });

  it('treats a slice MedSAM never wrote as all hand-made: its segment pixels stay', () => {
    const labels = [0, 1, 0, 0];
    replaceSegmentOnSlice(arraySliceAccess(labels), [1, 0, 0, 0], SEG, { medsamBits: null, keepHandEdits: true });
    expect(labels).toEqual([1, 1, 0, 0]);
  });
});

describe('MedsamLedger', () => {
  const ref = { segmentationId: 's', segmentIndex: SEG, labelmapImageId: 'lm-1' };

  it('says a segment was edited by hand exactly when its pixels differ from what MedSAM wrote', () => {
    const ledger = new MedsamLedger();
    ledger.mark(ref, 4, [0, 1], () => true);
    expect(ledger.editedByHand('s', SEG, [{ labelmapImageId: 'lm-1', labels: [1, 1, 0, 2] }])).toBe(false);
    expect(ledger.editedByHand('s', SEG, [{ labelmapImageId: 'lm-1', labels: [1, 0, 0, 2] }])).toBe(true); // erased
    expect(ledger.editedByHand('s', SEG, [{ labelmapImageId: 'lm-1', labels: [1, 1, 1, 2] }])).toBe(true); // painted
    expect(ledger.editedByHand('s', SEG, [{ labelmapImageId: 'lm-2', labels: [0, 1, 0, 0] }])).toBe(true); // a slice MedSAM never wrote
    expect(ledger.editedByHand('s', 2, [{ labelmapImageId: 'lm-1', labels: [1, 1, 0, 0] }])).toBe(false);
    ledger.mark(ref, 4, [1], () => false); // an undo
    expect(ledger.editedByHand('s', SEG, [{ labelmapImageId: 'lm-1', labels: [1, 0, 0, 0] }])).toBe(false);
    ledger.forget('s');
    expect(ledger.bits(ref)).toBeNull();
  });
});
