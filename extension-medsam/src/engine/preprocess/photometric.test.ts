import { asMonochrome2, storedValueRange } from './photometric';
import { normaliseIntensity } from './intensity';
import type { SliceImage } from './types';

describe('MONOCHROME1 -> MONOCHROME2', () => {
  it('gives the stored range of BitsStored and PixelRepresentation', () => {
    expect(storedValueRange(12, false)).toEqual([0, 4095]);
    expect(storedValueRange(16, true)).toEqual([-32768, 32767]);
    expect(storedValueRange(8, false)).toEqual([0, 255]);
  });

  it('inverts over the pixel value range, keeping the array type, rescale and modality', () => {
    const image: SliceImage = {
      rows: 2,
      columns: 2,
      samplesPerPixel: 1,
      pixels: new Uint16Array([0, 100, 4000, 4095]),
      rescaleSlope: 2,
      rescaleIntercept: -1000,
      modality: 'DX',
      photometricInterpretation: 'MONOCHROME1',
      pixelValueRange: [0, 4095],
    };
    const out = asMonochrome2(image);
    expect(out.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(out.pixels)).toEqual([4095, 3995, 95, 0]);
    expect([out.rescaleSlope, out.rescaleIntercept, out.modality, out.photometricInterpretation]).toEqual([
      2,
      -1000,
      'DX',
      'MONOCHROME2',
    ]);
  });

  it("inverts over the slice's own extremes without a range, and leaves other images alone", () => {
    const pixels = new Int16Array([-5, 0, 10, 20]);
    expect(
      Array.from(
        asMonochrome2({ rows: 2, columns: 2, samplesPerPixel: 1, pixels, photometricInterpretation: 'MONOCHROME1 ' })
          .pixels,
      ),
    ).toEqual([20, 15, 5, -5]);
    const grey: SliceImage = { rows: 2, columns: 2, samplesPerPixel: 1, pixels };
    expect(asMonochrome2(grey)).toBe(grey);
    const rgb: SliceImage = {
      rows: 1,
      columns: 2,
      samplesPerPixel: 3,
      pixels: new Uint8Array(6),
      photometricInterpretation: 'MONOCHROME1',
    };
    expect(asMonochrome2(rgb)).toBe(rgb);
  });

  it('makes the low values of a radiograph bright in the intensity step', () => {
    const image: SliceImage = {
      rows: 2,
      columns: 2,
      samplesPerPixel: 1,
      pixels: new Uint16Array([0, 1000, 3000, 4095]),
      modality: 'DX',
      photometricInterpretation: 'MONOCHROME1',
      pixelValueRange: [0, 4095],
    };
    const out = normaliseIntensity(image, { kind: 'min-max' }).data;
    expect(Array.from(out)).toEqual([255, 192, 68, 0]);
  });
});
