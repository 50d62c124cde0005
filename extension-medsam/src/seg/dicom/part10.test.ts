import * as dcmjs from 'dcmjs';
import { DICTIONARY, type Keyword } from './dictionary';
import { encodeDatasetExplicitLE, writePart10 } from './part10';
import { parseDicom } from './parse';
import { formatDS, checkText } from './values';

const u16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const ascii = (b: Uint8Array, o: number, n: number): string => String.fromCharCode(...b.subarray(o, o + n));

describe('dictionary', () => {
  it('has the tag and VR that dcmjs (PS3.6) gives every keyword', () => {
    const dcm = dcmjs.data.DicomMetaDictionary.nameMap;
    for (const [keyword, info] of Object.entries(DICTIONARY)) {
      const ref = dcm[keyword];
      expect({ keyword, tag: ref?.tag.replace(/[(),]/g, '').toUpperCase() }).toEqual({
        keyword,
        tag: info.tag.toString(16).toUpperCase().padStart(8, '0'),
      });
      // PS3.6 gives "OB or OW" (PixelData) and "US or SS" (PixelPaddingValue); SEG pixels are unsigned: OB, US.
      const allowed: Record<string, string[]> = { ox: ['OB', 'OW'], xs: ['US', 'SS'] };
      expect({ keyword, ok: (allowed[ref.vr] ?? [ref.vr]).includes(info.vr) }).toEqual({ keyword, ok: true });
    }
  });
});

describe('explicit VR little endian encoding', () => {
  it('writes tags in ascending order with 2-byte lengths for short VRs and 4-byte lengths for OB/SQ/UT', () => {
    const b = encodeDatasetExplicitLE({
      SeriesDescription: 'abc',
      Rows: 3,
      SOPClassUID: '1.2.3',
      PixelData: new Uint8Array([1, 2, 3]),
    });
    // (0008,0016) UI "1.2.3\0"
    expect([u16(b, 0), u16(b, 2), ascii(b, 4, 2), u16(b, 6)]).toEqual([0x0008, 0x0016, 'UI', 6]);
    expect(Array.from(b.subarray(8, 14))).toEqual([...'1.2.3'].map(c => c.charCodeAt(0)).concat(0));
    // (0008,103E) LO "abc " (space padded)
    expect([u16(b, 14), u16(b, 16), ascii(b, 18, 2), u16(b, 20), ascii(b, 22, 4)]).toEqual([
      0x0008,
      0x103e,
      'LO',
      4,
      'abc ',
    ]);
    // (0028,0010) US 3
    expect([u16(b, 26), u16(b, 28), ascii(b, 30, 2), u16(b, 32), u16(b, 34)]).toEqual([0x0028, 0x0010, 'US', 2, 3]);
    // (7FE0,0010) OB, reserved 0000, 4-byte length 4 (NUL padded)
    expect([u16(b, 36), u16(b, 38), ascii(b, 40, 2), u16(b, 42), u32(b, 44)]).toEqual([0x7fe0, 0x0010, 'OB', 0, 4]);
    expect(Array.from(b.subarray(48))).toEqual([1, 2, 3, 0]);
  });

  it('writes sequences with defined lengths that add up', () => {
    const b = encodeDatasetExplicitLE({
      SegmentSequence: [{ SegmentNumber: 1, SegmentLabel: 'A' }, { SegmentNumber: 2 }],
    });
    expect([ascii(b, 4, 2), u16(b, 6)]).toEqual(['SQ', 0]);
    const seqLength = u32(b, 8);
    expect(seqLength).toBe(b.length - 12);
    expect([u16(b, 12), u16(b, 14)]).toEqual([0xfffe, 0xe000]);
    const item1 = u32(b, 16);
    expect(item1).toBe(10 + 10); // SegmentNumber (8+2) + SegmentLabel "A " (8+2)
  });

  it('encodes AT as group then element, and numbers as DS/IS text', () => {
    const b = encodeDatasetExplicitLE({
      DimensionIndexPointer: 0x0020_0032,
      PixelSpacing: [0.1 + 0.2, 1 / 3],
      NumberOfFrames: 12,
    });
    const parsed = parseDicom(
      writePart10({
        SOPClassUID: '1.2',
        SOPInstanceUID: '1.3',
        DimensionIndexPointer: 0x0020_0032,
        PixelSpacing: [0.1 + 0.2, 1 / 3],
        NumberOfFrames: 12,
      }),
    );
    expect(parsed.dataset.PixelSpacing).toEqual([0.3, 0.33333333333333]);
    expect(parsed.dataset.NumberOfFrames).toBe(12);
    expect([u16(b, 8), u16(b, 10)]).toEqual([0x0020, 0x0032]);
  });

  it('declares UTF-8 only when a value needs it', () => {
    expect(
      parseDicom(writePart10({ SOPClassUID: '1.2', SOPInstanceUID: '1.3', PatientName: 'Doe^Jane' })).dataset
        .SpecificCharacterSet,
    ).toBeUndefined();
    const ds = parseDicom(
      writePart10({ SOPClassUID: '1.2', SOPInstanceUID: '1.3', PatientName: 'Müller^Zoë', SegmentLabel: 'Läsion' }),
    ).dataset;
    expect(ds.SpecificCharacterSet).toBe('ISO_IR 192');
    expect(ds.SegmentLabel).toBe('Läsion');
    expect(ds.PatientName).toEqual([{ Alphabetic: 'Müller^Zoë' }]);
    expect(() =>
      writePart10({
        SOPClassUID: '1.2',
        SOPInstanceUID: '1.3',
        SpecificCharacterSet: 'ISO_IR 100',
        SegmentLabel: 'Läsion',
      }),
    ).toThrow(/ISO_IR 192/);
  });

  it('writes a Part 10 header that dcmjs reads back', () => {
    const bytes = writePart10({
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.66.4',
      SOPInstanceUID: '2.25.1',
      Modality: 'SEG',
      ContentCreatorName: null,
    });
    expect(ascii(bytes, 128, 4)).toBe('DICM');
    const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(0) as ArrayBuffer);
    expect(dict.meta['00020010'].Value).toEqual(['1.2.840.10008.1.2.1']);
    expect(dict.meta['00020002'].Value).toEqual(['1.2.840.10008.5.1.4.1.1.66.4']);
    expect(dict.meta['00020003'].Value).toEqual(['2.25.1']);
    expect(dict.dict['00700084']).toBeDefined(); // present with zero length
  });

  it('refuses values DICOM cannot hold, naming the attribute', () => {
    const base = { SOPClassUID: '1.2', SOPInstanceUID: '1.3' };
    expect(() => writePart10({ ...base, ContentLabel: 'lower case' })).toThrow(/ContentLabel \(CS\)/);
    expect(() => writePart10({ ...base, SegmentLabel: 'x'.repeat(65) })).toThrow(/SegmentLabel \(LO\).*64/);
    expect(() => writePart10({ ...base, SegmentLabel: 'a\\b' })).toThrow(/backslash/);
    expect(() => writePart10({ ...base, SeriesInstanceUID: '1.02.3' })).toThrow(/not a valid UID/);
    expect(() => writePart10({ ...base, Rows: 70000 })).toThrow(/Rows \(US\) value 70000/);
    expect(() => writePart10({ ...base, StudyDate: '2024-01-02' })).toThrow(/StudyDate/);
  });
});

describe('value formatting', () => {
  it('fits any finite number into 16 DS characters, keeping as much precision as fits', () => {
    for (const n of [
      0,
      -0,
      1,
      -1.5,
      0.810547,
      1 / 3,
      -235.199997,
      // eslint-disable-next-line no-loss-of-precision -- more digits than a double holds, on purpose
      123456789.123456789,
      1e-9,
      -1.2345678901234e-12,
      6.02e23,
      -249.51171875,
    ]) {
      const s = formatDS(n);
      expect(s.length).toBeLessThanOrEqual(16);
      expect(() => checkText('DS', 'DS', s)).not.toThrow();
      expect(Math.abs(Number(s) - n)).toBeLessThanOrEqual(Math.abs(n) * 1e-9 + 1e-300);
    }
    expect(formatDS(-0)).toBe('0');
    expect(() => formatDS(NaN)).toThrow();
  });

  it('keeps every keyword typed (compile-time list matches runtime dictionary)', () => {
    const k: Keyword = 'SegmentLabel';
    expect(DICTIONARY[k].vr).toBe('LO');
  });
});
