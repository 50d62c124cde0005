/**
 * The drag preview's overlay on a host viewport: where the slice's corners are on the canvas (the host's own
 * transforms), the segment's colour, and the viewport's render event that tells when the labelmap is on screen.
 */
import type { HostCornerstone, HostViewport } from './hostLibraries';
import type { HostServices } from './hostTypes';
import type { ActiveSegment } from './hostSegmentation';
import { imagePointToWorld, type ImagePlane } from '../app/imagePlane';
import { createMaskOverlay, type Rgba } from './maskOverlay';
import type { PreviewOverlay } from '../app/previewController';

/** Close to how the host fills a labelmap segment, so that the switch from overlay to labelmap is hardly seen. */
const PREVIEW_ALPHA = 128;
const FALLBACK_COLOUR: Rgba = [221, 84, 84, PREVIEW_ALPHA];
/** The overlay goes at the latest after this long, should the host not report a render. */
const RENDER_WAIT_MS = 1000;

function segmentColour(services: HostServices, viewportId: string, segment: ActiveSegment): Rgba {
  try {
    const c = services.segmentationService?.getSegmentColor?.(viewportId, segment.segmentationId, segment.segmentIndex);
    if (c && c.length >= 3) return [c[0], c[1], c[2], PREVIEW_ALPHA];
  } catch {
    /* no colour yet: the fallback is still a visible preview */
  }
  return FALLBACK_COLOUR;
}

/** An overlay for previews of `plane` on `viewport` (null when the viewport has no element to draw over). */
export function previewOverlayFor(
  cs: HostCornerstone,
  services: HostServices,
  viewport: HostViewport,
  plane: ImagePlane,
  segment: ActiveSegment,
): PreviewOverlay | undefined {
  const element: HTMLElement | undefined = viewport?.element;
  if (!element || typeof document === 'undefined') return undefined;
  const toCanvas = (x: number, y: number) =>
    viewport.worldToCanvas(imagePointToWorld(plane, { x, y })) as [number, number];
  const rendered: string = cs.core.Enums?.Events?.IMAGE_RENDERED ?? 'CORNERSTONE_IMAGE_RENDERED';
  return createMaskOverlay({
    element,
    columns: plane.columns,
    rows: plane.rows,
    colour: segmentColour(services, viewport.id, segment),
    corners: () => ({
      topLeft: toCanvas(0, 0),
      topRight: toCanvas(plane.columns, 0),
      bottomLeft: toCanvas(0, plane.rows),
    }),
    afterNextRender(fn) {
      let done = false;
      const once = () => {
        if (done) return;
        done = true;
        element.removeEventListener(rendered, once);
        clearTimeout(timer);
        fn();
      };
      const timer = setTimeout(once, RENDER_WAIT_MS);
      element.addEventListener(rendered, once);
    },
  });
}
