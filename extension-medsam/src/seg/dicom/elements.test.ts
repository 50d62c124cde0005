/**
 * validatePart10 refuses exactly what writePart10 refuses, with the same error: the writer and the validator share
 * dicom/elements.ts, and this checks it over every attribute of the dictionary and values of every kind that break a
 * rule, at the top level and inside sequence items.
 */
import { SegError } from '../errors';
import { DICTIONARY, type Keyword } from './dictionary';
import { validateDataset, validatePart10, type Dataset, type ElementValue } from './elements';
import { encodeDatasetExplicitLE, writePart10 } from './part10';

const BASE: Dataset = { SOPClassUID: '1.2.840.10008.5.1.4.1.1.66.4', SOPInstanceUID: '2.25.1' };

/** Values of every shape the dataset type allows (and a few it does not), most of them breaking some VR's rules. */
const VALUES: unknown[] = [
  '',
  'ABC_1 2',
  'abc',
  'a\\b',
  'tab\there',
  'nul\0',
  'x'.repeat(17),
  'x'.repeat(65),
  'x'.repeat(1025),
  'Müller^Zoë',
  `${'N'.repeat(65)}^X`,
  '1.2.840.10008',
  '1.02.3',
  '1..2',
  '2.25.' + '9'.repeat(70),
  '20240102',
  '2024-01-02',
  '101500.123',
  '10:15',
  '045Y',
  ' +12 ',
  '1.5e3',
  'NaN',
  ['DERIVED', 'PRIMARY'],
  ['a', 'b'],
  0,
  -1,
  1.5,
  65535,
  65536,
  2 ** 31,
  -(2 ** 15) - 1,
  2 ** 32,
  1e-320,
  1 / 3,
  NaN,
  Infinity,
  [1, 2, 3],
  [0.5, NaN],
  new Uint8Array([1, 2, 3]),
  { vr: 'OW', bytes: new Uint8Array(4) },
  [{ SegmentNumber: 1 }],
  [{ SegmentNumber: 70000 }],
  [{ SegmentLabel: 'a\\b' }],
  [{ NotAKeyword: 1 }],
  [null],
  [[{ SegmentNumber: 1 }]],
  null,
  { SegmentNumber: 1 },
];

/** Values too long for a 2-byte length field: tried on one attribute of each VR (the rules go by VR). */
const LONG_VALUES: unknown[] = [
  'x'.repeat(70000),
  Array.from({ length: 9000 }, () => 'DERIVED'),
  Array.from({ length: 40000 }, (_, i) => i % 60000),
];

/** The error a call throws (code and message), or 'ok'. */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!(e instanceof SegError)) return `not a SegError: ${String(e)}`;
    return `${e.code}: ${e.message}`;
  }
}

function agree(ds: Dataset): { validate: string; write: string } {
  return { validate: outcome(() => validatePart10(ds)), write: outcome(() => writePart10(ds)) };
}

describe('validatePart10 and writePart10', () => {
  const keywords = Object.keys(DICTIONARY) as Keyword[];
  const onePerVr = [...new Map(keywords.map(k => [DICTIONARY[k].vr, k])).values()];
  const cases = [
    ...keywords.flatMap(keyword => VALUES.map(value => [keyword, value] as const)),
    ...onePerVr.flatMap(keyword => LONG_VALUES.map(value => [keyword, value] as const)),
  ];

  it('refuse the same datasets with the same SegError, for every attribute and value, top level and nested', () => {
    let refused = 0;
    let written = 0;
    for (const [keyword, value] of cases) {
      for (const ds of [
        { ...BASE, [keyword]: value as ElementValue },
        { ...BASE, SegmentSequence: [{ SegmentNumber: 1, [keyword]: value as ElementValue }] },
      ]) {
        const { validate, write } = agree(ds);
        // Compared as a whole only on a mismatch (expect per case would make this loop slow).
        if (validate !== write)
          expect({ keyword, value: String(value).slice(0, 40), validate }).toEqual({
            keyword,
            value: String(value).slice(0, 40),
            validate: write,
          });
        // What the writer refuses is always a SegError naming what it refuses, never a TypeError or RangeError.
        if (write.startsWith('not a SegError')) expect({ keyword, write }).toBeUndefined();
        if (write === 'ok') written++;
        else refused++;
      }
    }
    // Both outcomes are well represented, so the agreement means something.
    expect(refused).toBeGreaterThan(1000);
    expect(written).toBeGreaterThan(1000);
  });

  it('agree on what only the file adds: the SOP UIDs of the meta header', () => {
    for (const ds of [
      { SOPInstanceUID: '2.25.1' },
      { ...BASE, SOPClassUID: null },
      { ...BASE, SOPInstanceUID: ['1.2', '1.3'] },
      { ...BASE, SOPInstanceUID: '1.02' },
    ] as Dataset[]) {
      const { validate, write } = agree(ds);
      expect(write).toMatch(/^INVALID_VALUE: /);
      expect(validate).toBe(write);
    }
  });

  it('validateDataset agrees with encodeDatasetExplicitLE (the dataset without the file meta)', () => {
    for (const value of [...VALUES, ...LONG_VALUES]) {
      const ds = { ContentLabel: value, SegmentSequence: [{ SegmentLabel: value }] } as Dataset;
      expect(outcome(() => validateDataset(ds))).toBe(outcome(() => encodeDatasetExplicitLE(ds)));
    }
  });

  it('name the element by its path and show the value', () => {
    const nested = { ...BASE, SegmentSequence: [{ SegmentNumber: 1 }, { SegmentNumber: 2, SegmentLabel: 'a\\b' }] };
    expect(() => validatePart10(nested)).toThrow(
      'SegmentSequence[1].SegmentLabel (LO) value "a\\b" contains a backslash (the value separator)',
    );
    expect(() => validatePart10({ ...BASE, Rows: 70000 })).toThrow('Rows (US) value 70000 is outside 0..65535');
    expect(() => validatePart10({ ...BASE, RecommendedDisplayCIELabValue: [0.5, NaN] })).toThrow(
      'RecommendedDisplayCIELabValue (US) needs finite numbers, got [0.5, NaN]',
    );
    expect(() => validatePart10({ ...BASE, PixelSpacing: [0.5, NaN] })).toThrow(
      'PixelSpacing NaN is not a finite number',
    );
    expect(() => validatePart10({ ...BASE, SegmentSequence: [null] as unknown as Dataset[] })).toThrow(
      'SegmentSequence (SQ) needs a list of items, got [null]',
    );
    expect(() => validatePart10({ ...BASE, ImageType: Array.from({ length: 9000 }, () => 'DERIVED') })).toThrow(
      "ImageType (CS) is 72000 bytes, over the 65534 its VR's length field allows",
    );
    try {
      validatePart10({ ...BASE, SegmentSequence: [{ TrackingUID: 'abc' }] });
      throw new Error('not refused');
    } catch (e) {
      expect(e).toBeInstanceOf(SegError);
      expect((e as SegError).code).toBe('INVALID_VALUE');
      expect((e as SegError).details).toMatchObject({ keyword: 'SegmentSequence[0].TrackingUID', value: 'abc' });
    }
  });
});
