import fs from 'node:fs';
import path from 'node:path';
import {
  CATEGORY,
  DCM_CODES,
  LATERALITY,
  SEGMENT_TARGETS,
  freeTextTarget,
  resolveTarget,
  searchTargets,
  type Code,
} from './codes';

const golden = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../../tests/fixtures/seg/context-groups.json'), 'utf8'),
) as {
  cid: Record<string, { name: string; codes: Record<string, string> }>;
};
const inGroup = (cid: number, c: Code): string | undefined => golden.cid[String(cid)].codes[`${c.scheme}:${c.value}`];

describe('segment target catalogue', () => {
  it('uses categories of CID 7150 and types of CID 7151 with the standard code meanings', () => {
    for (const t of SEGMENT_TARGETS) {
      expect({ id: t.id, category: inGroup(7150, t.category) }).toEqual({ id: t.id, category: t.category.meaning });
      if (t.inContextGroup)
        expect({ id: t.id, type: inGroup(7151, t.type) }).toEqual({ id: t.id, type: t.type.meaning });
      else expect({ id: t.id, type: inGroup(7151, t.type) }).toEqual({ id: t.id, type: undefined });
      if (t.typeModifier) expect(inGroup(244, t.typeModifier)).toBe(t.typeModifier.meaning);
      expect(t.type.scheme).toBe('SCT');
      expect(t.category.scheme).toBe('SCT');
    }
  });

  it('uses the standard codes for the fixed concepts', () => {
    for (const c of Object.values(CATEGORY)) expect(inGroup(7150, c)).toBe(c.meaning);
    for (const c of Object.values(LATERALITY)) expect(inGroup(244, c)).toBe(c.meaning);
    expect(inGroup(7162, DCM_CODES.artificialIntelligence)).toBe(DCM_CODES.artificialIntelligence.meaning);
    expect(inGroup(7202, DCM_CODES.sourceImageForProcessing)).toBe(DCM_CODES.sourceImageForProcessing.meaning);
    expect(inGroup(7203, DCM_CODES.segmentation)).toBe(DCM_CODES.segmentation.meaning);
  });

  it('has unique ids and does not code different targets as the same anatomy without a modifier', () => {
    expect(new Set(SEGMENT_TARGETS.map(t => t.id)).size).toBe(SEGMENT_TARGETS.length);
    const keys = SEGMENT_TARGETS.map(t => `${t.type.value}/${t.typeModifier?.value ?? ''}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('covers the common targets of the issue', () => {
    for (const id of [
      'liver',
      'spleen',
      'kidney-left',
      'kidney-right',
      'pancreas',
      'lung',
      'heart',
      'aorta',
      'bladder',
      'prostate',
      'brain',
      'gallbladder',
      'stomach',
      'tumor',
      'lesion',
      'mass',
      'polyp',
      'cyst',
      'vessel',
      'bone',
    ]) {
      expect(SEGMENT_TARGETS.some(t => t.id === id)).toBe(true);
    }
  });
});

describe('search', () => {
  it('finds by label, synonym, spelling variant and code, best match first', () => {
    expect(searchTargets('liver')[0].id).toBe('liver');
    expect(searchTargets('tumour')[0].id).toBe('tumor');
    expect(searchTargets('oesophagus')[0].id).toBe('esophagus');
    expect(searchTargets('kid').map(t => t.id)).toEqual(['kidney', 'kidney-left', 'kidney-right']);
    expect(searchTargets('left').map(t => t.id)).toEqual(
      expect.arrayContaining(['kidney-left', 'lung-left', 'adrenal-gland-left']),
    );
    expect(searchTargets('10200004')[0].id).toBe('liver');
    expect(searchTargets('Pólyp')[0].id).toBe('polyp');
    expect(searchTargets('zzz')).toEqual([]);
    expect(searchTargets('')).toHaveLength(SEGMENT_TARGETS.length);
  });

  it('resolves exact names and ids, and codes anything else as free text with a Tissue category', () => {
    expect(resolveTarget('Liver').id).toBe('liver');
    expect(resolveTarget('kidney-right').typeModifier?.meaning).toBe('Right');
    const free = resolveTarget('  Strange blob  ');
    expect(free.label).toBe('Strange blob');
    expect(free.category).toEqual(CATEGORY.tissue);
    expect(inGroup(7151, free.type)).toBe('Tissue');
    expect(resolveTarget('liv').label).toBe('liv');
    expect(freeTextTarget('x', [1, 2, 3]).color).toEqual([1, 2, 3]);
  });
});
