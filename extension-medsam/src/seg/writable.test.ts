/**
 * A built SEG is a writable SEG (highdicom's rule): buildSeg refuses, with a SegError naming the attribute and the
 * value, everything the Part 10 writer would refuse, for both kinds; and whatever buildSeg returns, writePart10 writes.
 */
import type { Code } from './codes';
import { parseDicom, quietDcmjs } from './dicom/parse';
import { writePart10 } from './dicom/part10';
import { SegError } from './errors';
import type { SourceImage } from './source';
import { describe as segment, noise, rect, syntheticSources, target } from './testing/fixtures';
import { sequentialUids } from './uid';
import { buildSeg, checkSegInput, type SegInput, type SegmentationKind, type SegmentDescription } from './writer';

quietDcmjs();
const ROWS = 5;
const COLS = 7;
const KINDS: SegmentationKind[] = ['BINARY', 'LABELMAP'];

/** Two segments on three slices, disjoint (so that a label map can hold them). */
function input(kind: SegmentationKind, sources: SourceImage[] = syntheticSources(3, ROWS, COLS)): SegInput {
  const rows = sources[0].rows;
  const columns = sources[0].columns;
  return {
    sources,
    segments: [segment(target('liver')), segment(target('spleen'))],
    masks: [
      sources.map((_, k) => (k === 0 ? rect(rows, columns, 0, 0, 1, 1) : null)),
      sources.map((_, k) => (k === 1 ? noise(rows, columns, 7) : null)),
    ],
    options: { kind, uid: sequentialUids('2.25.7'), now: new Date(2024, 0, 2, 3, 4, 5) },
  };
}

function withOptions(i: SegInput, options: NonNullable<SegInput['options']>): SegInput {
  return { ...i, options: { ...i.options, ...options } };
}

function withSegment(i: SegInput, change: Partial<SegmentDescription>): SegInput {
  return { ...i, segments: [{ ...i.segments[0], ...change }, ...i.segments.slice(1)] };
}

function withSources(i: SegInput, change: (s: SourceImage, k: number) => Partial<SourceImage>): SegInput {
  return { ...i, sources: i.sources.map((s, k) => ({ ...s, ...change(s, k) })) };
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

const liverCode = (change: Partial<Code>): Partial<SegmentDescription> => ({
  category: { ...target('liver').category, ...change },
});

/** [what, the input made bad, the message (s = the first described segment's index in SegmentSequence)] */
const REFUSED: [string, (i: SegInput) => SegInput, (s: number) => string][] = [
  [
    'a backslash in an LO option',
    i => withOptions(i, { seriesDescription: 'Liver\\Spleen' }),
    () => 'SeriesDescription (LO) value "Liver\\Spleen" contains a backslash (the value separator)',
  ],
  [
    'lower case in a CS option',
    i => withOptions(i, { contentLabel: 'medsam' }),
    () => 'ContentLabel (CS) value "medsam" may hold only upper-case letters, digits, space and underscore',
  ],
  [
    'a CS option over 16 characters',
    i => withOptions(i, { contentLabel: 'X'.repeat(17) }),
    () => `ContentLabel (CS) value "${'X'.repeat(17)}" is longer than the 16 characters CS allows`,
  ],
  [
    'an LO option over 64 characters',
    i => withOptions(i, { manufacturer: 'M'.repeat(65) }),
    () => `Manufacturer (LO) value "${'M'.repeat(65)}" is longer than the 64 characters LO allows`,
  ],
  [
    'a control character in a PN option',
    i => withOptions(i, { contentCreatorName: 'Doe^Jane\u0007' }),
    () => 'ContentCreatorName (PN) value "Doe^Jane\u0007" contains control characters',
  ],
  [
    'an IS option over 32 bits',
    i => withOptions(i, { seriesNumber: 2 ** 31 }),
    () => 'SeriesNumber 2147483648 is not a 32-bit integer',
  ],
  ['a fractional IS option', i => withOptions(i, { instanceNumber: 1.5 }), () => 'InstanceNumber 1.5 is not a 32-bit'],
  [
    'an infinite slice thickness',
    i => withOptions(i, { sliceThicknessMm: Infinity }),
    () => 'SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].SliceThickness Infinity is not a finite number',
  ],
  [
    'a segment label over 64 characters',
    i => withSegment(i, { label: 'L'.repeat(65) }),
    s => `SegmentSequence[${s}].SegmentLabel (LO) value "${'L'.repeat(65)}" is longer than the 64 characters`,
  ],
  [
    'a NUL in a segment description (ST)',
    i => withSegment(i, { description: 'liver\u0000' }),
    s => `SegmentSequence[${s}].SegmentDescription (ST) value "liver\u0000" contains control characters`,
  ],
  [
    'a tracking UID that is not a UID',
    i => withSegment(i, { trackingUid: '2.25.abc' }),
    s => `SegmentSequence[${s}].TrackingUID (UI) value "2.25.abc" is not a valid UID`,
  ],
  [
    'an algorithm version over 64 characters',
    i => withSegment(i, { algorithm: { ...i.segments[0].algorithm!, version: 'v'.repeat(65) } }),
    s =>
      `SegmentSequence[${s}].SegmentationAlgorithmIdentificationSequence[0].AlgorithmVersion (LO) value "${'v'.repeat(65)}"`,
  ],
  [
    'a code meaning over 64 characters',
    i => withSegment(i, liverCode({ meaning: 'm'.repeat(65) })),
    s =>
      `SegmentSequence[${s}].SegmentedPropertyCategoryCodeSequence[0].CodeMeaning (LO) value "${'m'.repeat(65)}" is longer`,
  ],
  [
    'a backslash in a coding scheme',
    i => withSegment(i, liverCode({ scheme: 'S\\CT' })),
    s =>
      `SegmentSequence[${s}].SegmentedPropertyCategoryCodeSequence[0].CodingSchemeDesignator (SH) value "S\\CT" contains a backslash`,
  ],
  [
    "a source's SOP Instance UID with a leading zero",
    i => withSources(i, (_, k) => ({ sopInstanceUid: `1.2.03.${k + 1}` })),
    () =>
      'ReferencedSeriesSequence[0].ReferencedInstanceSequence[0].ReferencedSOPInstanceUID (UI) value "1.2.03.3" is not a valid UID',
  ],
  [
    "a source's SOP class that is not a UID",
    i => withSources(i, () => ({ sopClassUid: 'CT Image Storage' })),
    () =>
      'ReferencedSeriesSequence[0].ReferencedInstanceSequence[0].ReferencedSOPClassUID (UI) value "CT Image Storage" is not a valid UID',
  ],
  [
    "a source's study UID with a trailing space",
    i => withSources(i, () => ({ studyInstanceUid: '1.2.3.4 ' })),
    () => 'StudyInstanceUID (UI) value "1.2.3.4 " is not a valid UID',
  ],
  [
    "a source's frame of reference UID over 64 characters",
    i => withSources(i, () => ({ frameOfReferenceUid: `2.25.${'1'.repeat(61)}` })),
    () => `FrameOfReferenceUID (UI) value "2.25.${'1'.repeat(61)}" is longer than the 64 characters UI allows`,
  ],
  [
    'images with more rows than US holds',
    i => input(i.options!.kind!, syntheticSources(3, 70000, 1)),
    () => 'Rows (US) value 70000 is outside 0..65535',
  ],
];

describe('buildSeg refuses what the Part 10 writer would refuse, naming the attribute and the value', () => {
  for (const kind of KINDS) {
    // LABELMAP describes pixel value 0 as a Background segment first (SegmentSequence[0]).
    const first = kind === 'LABELMAP' ? 1 : 0;
    it.each(REFUSED)(`${kind}: %s`, (_, make, message) => {
      const bad = make(input(kind));
      const e = thrown(() => buildSeg(bad));
      expect(e).toBeInstanceOf(SegError);
      expect((e as SegError).code).toBe('INVALID_VALUE');
      expect((e as SegError).message).toContain(message(first));
      // checkSegInput (run before inference) finds it too, with the same message.
      expect((thrown(() => checkSegInput(bad)) as SegError | undefined)?.message).toBe((e as SegError).message);
    });
  }

  it('BINARY: a PatientOrientation that is not CS, on an image without patient geometry', () => {
    const [one] = syntheticSources(1, ROWS, COLS).map(s => ({
      ...s,
      imagePositionPatient: undefined,
      imageOrientationPatient: undefined,
      frameOfReferenceUid: undefined,
      patientOrientation: 'l\\p',
    }));
    expect(() => buildSeg({ ...input('BINARY', [one]), masks: [[null], [rect(ROWS, COLS, 0, 0, 2, 2)]] })).toThrow(
      'PatientOrientation (CS) value "l" may hold only upper-case letters',
    );
  });
});

/** Deterministic pseudo-random numbers (xorshift32). */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

describe('whatever buildSeg returns, writePart10 writes', () => {
  it('for the fixtures of both kinds: stacks, one slice, a multi-frame instance, all empty, kept empty frames', () => {
    const multiFrame = syntheticSources(3, ROWS, COLS).map((s, k) => ({
      ...s,
      sopInstanceUid: '1.2.3.4.5.77',
      numberOfFrames: 3,
      referencedFrameNumber: k + 1,
    }));
    const single = syntheticSources(1, ROWS, COLS);
    const unlocated = syntheticSources(1, ROWS, COLS).map(s => ({
      ...s,
      imagePositionPatient: undefined,
      imageOrientationPatient: undefined,
      frameOfReferenceUid: undefined,
      patientOrientation: 'L\\P',
    }));
    const manySegments = (kind: SegmentationKind): SegInput => {
      const segments = Array.from({ length: 300 }, (_, n) => ({ ...segment(target('liver')), label: `Lesion ${n}` }));
      // One pixel each for the first 35, none for the rest (described, no frame).
      const masks = segments.map((_, n) => {
        if (n >= ROWS * COLS) return [null];
        const m = new Uint8Array(ROWS * COLS);
        m[n] = 1;
        return [m];
      });
      return { ...input(kind, single), segments, masks };
    };
    let written = 0;
    for (const kind of KINDS) {
      const fixtures: SegInput[] = [
        input(kind),
        input(kind, multiFrame),
        { ...input(kind, single), masks: [[rect(ROWS, COLS, 1, 1, 3, 3)], [null]] },
        { ...input(kind), masks: input(kind).masks.map(m => m.map(() => null)) },
        withOptions(input(kind), { keepEmptyFrames: true, contentCreatorName: 'Müller^Zoë', seriesNumber: 0 }),
        withSegment(input(kind), { algorithmType: 'MANUAL', description: 'line 1\r\nline 2', trackingId: 'T\\1' }),
        manySegments(kind),
      ];
      if (kind === 'BINARY')
        fixtures.push({ ...input(kind, unlocated), masks: [[rect(ROWS, COLS, 0, 0, 2, 2)], [null]] });
      for (const fixture of fixtures) {
        const built = buildSeg(fixture);
        const bytes = writePart10(built.dataset);
        expect(parseDicom(bytes).dataset.NumberOfFrames).toBe(built.frames.length);
        written++;
      }
    }
    expect(written).toBe(15);
  });

  it('for 400 random inputs: refused at buildSeg with an INVALID_VALUE naming the attribute, or written', () => {
    const next = random(20240102);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    // Each value is a good one most of the time, else anything: so that some inputs are written and many are not.
    const nasty = ['A', 'a', '0', ' ', '_', '^', '=', '.', '-', '\\', '\n', '\u0000', 'é', '€'];
    const text = (good: string, max: number): string =>
      next() < 0.85 ? good : Array.from({ length: Math.floor(next() * max) }, () => pick(nasty)).join('');
    const uid = (good: string): string =>
      next() < 0.85 ? good : pick(['2.25.1', `2.25.${'9'.repeat(Math.floor(next() * 70))}`, '1.02', '1.2.', 'a']);
    const number = (good: number): number => (next() < 0.85 ? good : pick([0, 2 ** 31 - 1, 2 ** 31, -5, 1.5, NaN]));
    const refusedAttributes = new Set<string>();
    let written = 0;
    for (let n = 0; n < 400; n++) {
      const kind = pick(KINDS);
      let candidate = withOptions(input(kind), {
        seriesDescription: text('MedSAM segmentation', 70),
        contentLabel: text('MEDSAM', 18),
        contentDescription: text('MedSAM box-prompt segmentation', 70),
        contentCreatorName: text('Doe^Jane', 70),
        manufacturer: text('MedSAM for OHIF', 70),
        softwareVersions: text('0.1.0', 70),
        deviceSerialNumber: text('0', 70),
        seriesNumber: number(300),
        instanceNumber: number(1),
      });
      candidate = withSegment(candidate, {
        label: `S${text('Liver', 70)}`,
        description: text('', 1100) || undefined,
        trackingUid: uid('') || undefined,
      });
      const sopClassUid = uid('1.2.840.10008.5.1.4.1.1.2');
      candidate = withSources(candidate, (s, k) => ({ sopClassUid, sopInstanceUid: `${uid('1.2.3.4.5')}.${k + 1}` }));
      const e = thrown(() => buildSeg(candidate));
      if (e === undefined) {
        const built = buildSeg(candidate);
        expect(() => writePart10(built.dataset)).not.toThrow();
        written++;
        continue;
      }
      // Only the writer's code: nothing else about these inputs is wrong.
      expect(e).toBeInstanceOf(SegError);
      expect((e as SegError).code).toBe('INVALID_VALUE');
      const name = String((e as SegError).details.keyword);
      expect((e as SegError).message.startsWith(name)).toBe(true);
      refusedAttributes.add(name.replace(/\[\d+\]/g, '[]'));
    }
    expect(written).toBeGreaterThan(10);
    expect(refusedAttributes.size).toBeGreaterThan(5);
  });
});
