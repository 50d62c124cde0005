import fs from 'node:fs';
import path from 'node:path';
import { dicomLabToRgb, rgbToDicomLab } from './colour';

const golden = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../tests/fixtures/seg/cielab.json'), 'utf8')) as {
  colours: { rgb: [number, number, number]; dicom: [number, number, number] }[];
};

describe('RecommendedDisplayCIELabValue', () => {
  it('equals highdicom CIELabColor.from_rgb for every golden colour', () => {
    for (const { rgb, dicom } of golden.colours) expect({ rgb, lab: rgbToDicomLab(rgb) }).toEqual({ rgb, lab: dicom });
  });

  it('gives back the sRGB colour (to within rounding)', () => {
    for (const { rgb } of golden.colours) {
      const back = dicomLabToRgb(rgbToDicomLab(rgb));
      back.forEach((c, i) => expect(Math.abs(c - rgb[i])).toBeLessThanOrEqual(1));
    }
  });

  it('refuses colours outside 0..255', () => {
    expect(() => rgbToDicomLab([256, 0, 0])).toThrow(/0\.\.255/);
    expect(() => rgbToDicomLab([NaN, 0, 0])).toThrow();
  });
});
