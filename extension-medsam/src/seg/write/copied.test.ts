/** Copied source values made to fit their VRs, and buildSeg/checkSegInput refusing what cannot be written. */
import { SegError } from '../errors';
import { evenSpacing } from '../source';
import { describe as describeSegment, rect, syntheticSources, target } from '../testing/fixtures';
import { buildSeg, checkSegInput, writeSeg } from '../writer';
import { copiedAttributes } from './copied';

describe('copiedAttributes', () => {
  it('cleans ACR-NEMA dates and times and leaves out values over their VR length, saying so', () => {
    const { values, fixes } = copiedAttributes({
      StudyDate: '1996.06.11',
      StudyTime: '09:11:56.25',
      PatientBirthDate: ' 19500101 ',
      AccessionNumber: 'A'.repeat(17),
      PatientName: `${'N'.repeat(65)}^X`,
      PatientID: 'P1',
    });
    expect(values).toEqual({
      StudyDate: '19960611',
      StudyTime: '091156.25',
      PatientBirthDate: '19500101',
      PatientID: 'P1',
    });
    // Padding is not worth a warning; the old formats and the values left out are (in the order of COPIED_PATIENT_STUDY).
    expect(fixes.map(f => [f.keyword, f.written])).toEqual([
      ['PatientName', null],
      ['StudyDate', '19960611'],
      ['StudyTime', '091156.25'],
      ['AccessionNumber', null],
    ]);
  });

  it('keeps multi-valued text as a list', () => {
    expect(copiedAttributes({ ReferringPhysicianName: 'Doe^A\\Roe^B' }).values).toEqual({
      ReferringPhysicianName: ['Doe^A', 'Roe^B'],
    });
  });
});

describe('buildSeg', () => {
  const segments = [describeSegment(target('liver'))];

  it('writes a SEG from a source with an ACR-NEMA date and an over-long accession number', () => {
    const sources = syntheticSources(2).map(s => ({
      ...s,
      patientStudy: { ...s.patientStudy, StudyDate: '2001.02.03', AccessionNumber: 'X'.repeat(20) },
    }));
    const seg = writeSeg({ sources, segments, masks: [[rect(5, 7, 1, 1, 3, 3), null]] });
    expect(seg.dataset.StudyDate).toBe('20010203');
    expect(seg.dataset.AccessionNumber).toBeNull();
    expect(seg.valueFixes.map(f => f.keyword)).toEqual(['StudyDate', 'AccessionNumber']);
  });

  it('refuses a value the writer could not encode when building, not when writing', () => {
    const sources = syntheticSources(2).map(s => ({ ...s, seriesInstanceUid: '1.2.03' }));
    expect(() => buildSeg({ sources, segments, masks: [[null, null]] })).toThrow(SegError);
    expect(() => checkSegInput({ sources, segments })).toThrow(
      /SeriesInstanceUID \(UI\) value "1\.2\.03" is not a valid UID/,
    );
    expect(() =>
      checkSegInput({ sources: syntheticSources(2), segments, options: { seriesDescription: 'D'.repeat(65) } }),
    ).toThrow(/SeriesDescription/);
    expect(checkSegInput({ sources: syntheticSources(2), segments }).valueFixes).toEqual([]);
  });
});

describe('evenSpacing', () => {
  it('accepts positions within 2% of the spacing of an even grid, and refuses a missing slice', () => {
    expect(evenSpacing([0, 7.06, 14, 20.95, 28.04])).toBeCloseTo(7.01, 10);
    expect(evenSpacing([0, 7, 14, 28])).toBeUndefined();
    expect(evenSpacing([0, 7.2, 14])).toBeUndefined();
    expect(evenSpacing([5])).toBeUndefined();
  });
});
