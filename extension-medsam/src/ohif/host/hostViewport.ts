/**
 * What the box tool reads from a cornerstone viewport: the slice it shows (image id, geometry, pixels for the
 * engine) and the slices next to it (for background encoding). Stack viewports and volume viewports that show the
 * acquired plane (axial for an axial series) are supported: both name the image they show.
 */
import type { SliceInput } from '../../engine/session/pipeline';
import type { HostCornerstone, HostViewport } from './hostLibraries';
import { isAcquisitionPlane, planeFromImagePlaneModule, type ImagePlane, type Vec3 } from '../app/imagePlane';
import { sliceFromCornerstoneImage } from './sliceImage';
import { ViewerError } from '../app/errors';

export interface ViewportSlice {
  viewportId: string;
  imageId: string;
  plane: ImagePlane;
  /** The engine's input (throws MedsamError INVALID_IMAGE when the pixels are not there). */
  image(): SliceInput;
}

export function sliceImageFor(cs: HostCornerstone, imageId: string, viewport?: HostViewport): SliceInput {
  const { cache, metaData } = cs.core;
  // Only a stack viewport holds the image it shows; a volume viewport's slices are in the cache.
  const shown = viewport && 'getCornerstoneImage' in viewport ? viewport.getCornerstoneImage() : undefined;
  const image = shown?.imageId === imageId ? shown : cache.getImage(imageId);
  if (!image)
    throw new ViewerError(
      'IMAGE_NOT_READY',
      `the image ${imageId} has no pixel data in the viewer yet (still loading?)`,
      { imageId },
    );
  const series = metaData.get('generalSeriesModule', imageId) ?? {};
  const pixel = metaData.get('imagePixelModule', imageId) ?? {};
  const lut = metaData.get('modalityLutModule', imageId) ?? {};
  return sliceFromCornerstoneImage(image, {
    modality: series.modality,
    photometricInterpretation: pixel.photometricInterpretation,
    samplesPerPixel: pixel.samplesPerPixel,
    rescaleSlope: lut.rescaleSlope,
    rescaleIntercept: lut.rescaleIntercept,
    bitsStored: pixel.bitsStored,
    pixelRepresentation: pixel.pixelRepresentation,
  });
}

/** The slice a viewport shows, or a ViewerError saying why MedSAM cannot work on this view. */
export function currentSlice(cs: HostCornerstone, viewport: HostViewport): ViewportSlice {
  const imageId: string | undefined = viewport.getCurrentImageId?.();
  if (!imageId) {
    throw new ViewerError(
      'NOT_ACQUIRED_PLANE',
      'this view shows no single acquired image (a reformatted or 3D view); MedSAM segments the acquired plane',
    );
  }
  const plane = planeFromImagePlaneModule(cs.core.metaData.get('imagePlaneModule', imageId));
  if (!plane)
    throw new ViewerError(
      'IMAGE_NOT_READY',
      `the image ${imageId} has no geometry (ImageOrientationPatient) in the viewer`,
      { imageId },
    );
  const normal = viewport.getCamera?.()?.viewPlaneNormal as Vec3 | undefined;
  if (normal && !isAcquisitionPlane(plane, normal)) {
    throw new ViewerError(
      'NOT_ACQUIRED_PLANE',
      'this viewport shows a reformatted plane; MedSAM segments the acquired plane (switch the view to it)',
    );
  }
  return { viewportId: viewport.id, imageId, plane, image: () => sliceImageFor(cs, imageId, viewport) };
}

/** Image ids of the slices around the current one that the viewer has already loaded (nearest first). */
export function loadedNeighbours(cs: HostCornerstone, viewport: HostViewport, current: string, reach = 2): string[] {
  const ids: string[] = viewport.getImageIds?.() ?? [];
  const at = ids.indexOf(current);
  if (at < 0) return [];
  const out: string[] = [];
  for (let d = 1; d <= reach; d++) {
    for (const i of [at + d, at - d]) {
      const id = ids[i];
      if (id && cs.core.cache.getImage(id)) out.push(id);
    }
  }
  return out;
}
