import { arraySliceAccess, paintMask, reapplyEdit, revertEdit } from './labelmapEdit';

describe('paintMask / revertEdit', () => {
  it('claims background pixels only, and reverts to exactly the previous labelmap', () => {
    const labelmap = Uint8Array.from([0, 0, 2, 2, 1, 0, 0, 0]);
    const original = labelmap.slice();
    const access = arraySliceAccess(labelmap);
    const edit = paintMask(access, [1, 1, 1, 0, 1, 1, 0, 0], 1);
    expect(Array.from(labelmap)).toEqual([1, 1, 2, 2, 1, 1, 0, 0]);
    expect(Array.from(edit.indices)).toEqual([0, 1, 5]);
    revertEdit(access, edit);
    expect(labelmap).toEqual(original);
    reapplyEdit(access, edit);
    expect(Array.from(labelmap)).toEqual([1, 1, 2, 2, 1, 1, 0, 0]);
  });

  it('leaves pixels that another edit changed since (revert only where its own value remains)', () => {
    const labelmap = new Uint8Array(4);
    const access = arraySliceAccess(labelmap);
    const edit = paintMask(access, [1, 1, 0, 0], 3);
    labelmap[1] = 5; // e.g. the brush painted segment 5 over it afterwards
    revertEdit(access, edit);
    expect(Array.from(labelmap)).toEqual([0, 5, 0, 0]);
  });

  it('refuses a mask of another size', () => {
    expect(() => paintMask(arraySliceAccess(new Uint8Array(4)), [1, 1], 1)).toThrow('mask has 2 pixels');
  });
});
