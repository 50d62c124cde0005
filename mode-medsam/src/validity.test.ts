import { medsamStudyValidity } from './validity';

describe('medsamStudyValidity', () => {
  it('accepts CT, MR, ultrasound and RGB camera studies', () => {
    for (const m of ['CT', 'MR', 'US', 'ES', 'XC', 'OT']) expect(medsamStudyValidity(m).valid).toBe(true);
  });

  it('accepts a study that mixes a supported series with others', () => {
    expect(medsamStudyValidity('CT\\SEG\\SR').valid).toBe(true);
    expect(medsamStudyValidity('seg\\mr').valid).toBe(true);
  });

  it('refuses studies without a supported image series, and says why', () => {
    const result = medsamStudyValidity('SEG\\SR');
    expect(result.valid).toBe(false);
    expect(result.description).toContain('SEG, SR');
    expect(medsamStudyValidity('').valid).toBe(false);
    expect(medsamStudyValidity(undefined).valid).toBe(false);
    expect(medsamStudyValidity('PT').valid).toBe(false);
  });
});
