import { MedsamError } from '../../engine/errors';
import { ViewerError } from './errors';
import { modelLoadMessage, segmentMessage } from './errorMessages';

const MANIFEST = 'https://p.example/medsam-models/manifest.json';

describe('modelLoadMessage', () => {
  it('names the URL of a file that could not be downloaded and how to serve the models', () => {
    const e = new MedsamError(
      'MODEL_UNAVAILABLE',
      'could not download https://p.example/medsam-models/m/decoder.onnx: HTTP 404 Not Found',
      {
        url: 'https://p.example/medsam-models/m/decoder.onnx',
      },
    );
    const text = modelLoadMessage(e, MANIFEST);
    expect(text).toContain('URL: https://p.example/medsam-models/m/decoder.onnx');
    expect(text).toContain('HTTP 404');
    expect(text).toContain('window.config.medsam.modelBaseUrl');
  });

  it('resolves the manifest path of a file whose hash differs and says to copy it again', () => {
    const e = new MedsamError('MODEL_INTEGRITY', 'model file m/encoder.onnx has sha256 00, the manifest expects ff', {
      path: 'm/encoder.onnx',
    });
    const text = modelLoadMessage(e, MANIFEST);
    expect(text).toContain('URL: https://p.example/medsam-models/m/encoder.onnx');
    expect(text).toContain('copy the model file again');
  });

  it('falls back to the manifest URL, and handles foreign errors', () => {
    expect(modelLoadMessage(new MedsamError('INVALID_MANIFEST', 'no model "x"'), MANIFEST)).toContain(
      `URL: ${MANIFEST}`,
    );
    expect(modelLoadMessage(new Error('boom'), MANIFEST)).toBe('MedSAM could not start: boom');
  });
});

describe('segmentMessage', () => {
  it('tells the user to draw on the image for a box outside it', () => {
    expect(
      segmentMessage(new MedsamError('INVALID_BOX', 'Box [600, 1, 700, 9] lies outside the 512x512 image')),
    ).toMatch(/^Draw the box on the image/);
    expect(segmentMessage(new MedsamError('INVALID_IMAGE', 'no pixel data'))).toContain('cannot segment this image');
    expect(segmentMessage(new ViewerError('NOT_ACQUIRED_PLANE', 'this viewport shows a reformatted plane'))).toBe(
      'MedSAM cannot segment here: this viewport shows a reformatted plane',
    );
    expect(segmentMessage(new ViewerError('MODEL_NOT_LOADED', 'MedSAM model not available: HTTP 404'))).toBe(
      'MedSAM model not available: HTTP 404',
    );
  });
});
