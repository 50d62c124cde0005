import { isMedsamError } from '../../engine/errors';
import { isViewerError } from '../app/errors';
import { sliceFromCornerstoneImage } from './sliceImage';

describe('sliceFromCornerstoneImage', () => {
  it('passes a pre-scaled CT slice (HU already) with slope 1 and intercept 0', () => {
    const hu = new Float32Array([-1000, 40, 60, 1000, 0, 0]);
    const s = sliceFromCornerstoneImage(
      {
        rows: 2,
        columns: 3,
        slope: 1,
        intercept: -1024,
        preScale: { scaled: true, scalingParameters: { modality: 'CT', rescaleSlope: 1, rescaleIntercept: -1024 } },
        getPixelData: () => hu,
      },
      { modality: 'CT' },
    ).slice;
    expect(s).toMatchObject({
      rows: 2,
      columns: 3,
      samplesPerPixel: 1,
      rescaleSlope: 1,
      rescaleIntercept: 0,
      modality: 'CT',
    });
    expect(s.pixels).toBe(hu);
  });

  it('applies the rescale once (in the engine) when the loader did not', () => {
    const stored = new Uint16Array([0, 1024, 2048, 4095]);
    const s = sliceFromCornerstoneImage(
      { rows: 2, columns: 2, slope: 1, intercept: -1024, getPixelData: () => stored },
      { modality: 'CT' },
    ).slice;
    expect(s.rescaleSlope).toBe(1);
    expect(s.rescaleIntercept).toBe(-1024);
    expect(s.pixels).toBe(stored);
  });

  it('takes the rescale from metadata when the image lacks it, and prefers the voxel manager data', () => {
    const data = new Int16Array([1, 2, 3, 4]);
    const s = sliceFromCornerstoneImage(
      { rows: 2, columns: 2, voxelManager: { getScalarData: () => data } },
      { rescaleSlope: 2, rescaleIntercept: -5, modality: 'MR' },
    ).slice;
    expect(s).toMatchObject({ rescaleSlope: 2, rescaleIntercept: -5, modality: 'MR' });
    expect(s.pixels).toBe(data);
  });

  it('drops alpha from RGBA and keeps interleaved RGB, with the real rows and columns', () => {
    const rgba = new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255]);
    const s = sliceFromCornerstoneImage(
      { rows: 1, columns: 3, color: true, rgba: true, getPixelData: () => rgba },
      { modality: 'ES' },
    ).slice;
    expect(s.samplesPerPixel).toBe(3);
    expect(Array.from(s.pixels)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([s.rows, s.columns]).toEqual([1, 3]);
  });

  it('converts arrays the engine does not take (Int32, Uint8Clamped grey) to float32 without loss', () => {
    const s = sliceFromCornerstoneImage({
      rows: 1,
      columns: 2,
      getPixelData: () => new Int32Array([-70000, 70000]),
    }).slice;
    expect(s.pixels).toBeInstanceOf(Float32Array);
    expect(Array.from(s.pixels)).toEqual([-70000, 70000]);
  });

  it('says clearly when there is no pixel data or the sample count is wrong', () => {
    const codeOf = (image: Parameters<typeof sliceFromCornerstoneImage>[0]) => {
      try {
        sliceFromCornerstoneImage(image);
        return 'no error';
      } catch (e) {
        return isViewerError(e) || isMedsamError(e) ? e.code : String(e);
      }
    };
    expect(codeOf({ rows: 2, columns: 2, imageId: 'wadors:x' })).toBe('IMAGE_NOT_READY');
    expect(codeOf({ rows: 2, columns: 2, getPixelData: () => new Uint8Array(5) })).toBe('INVALID_IMAGE');
    expect(() => sliceFromCornerstoneImage({ rows: 2, columns: 2, imageId: 'wadors:x' })).toThrow('wadors:x');
  });
});
