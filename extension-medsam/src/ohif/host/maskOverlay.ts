/**
 * A light overlay for the box preview while the box is being dragged: a 2D canvas laid over the viewport element
 * that shows the mask in the segment's colour. Writing the labelmap instead makes the host re-render the viewport
 * (WebGL, then a copy to the on-screen canvas), which costs hundreds of ms per preview without a GPU and blocks the
 * page; this overlay costs a few ms. The labelmap is written once the drag ends (see PreviewController).
 */
import type { PreviewOverlay } from '../app/previewController';

export type Rgba = readonly [number, number, number, number];

/** Canvas points (CSS pixels) of the image's corners: top-left, top-right, bottom-left (pixel edges). */
export interface CanvasCorners {
  topLeft: readonly [number, number];
  topRight: readonly [number, number];
  bottomLeft: readonly [number, number];
}

/** The mask (1 inside) as RGBA pixels: `colour` inside, transparent outside. */
export function maskToRgba(
  mask: ArrayLike<number>,
  colour: Rgba,
  out = new Uint8ClampedArray(mask.length * 4),
): Uint8ClampedArray {
  // One 32-bit write per pixel; the byte order of the platform decides how RGBA packs into it.
  const words = new Uint32Array(out.buffer, out.byteOffset, mask.length);
  const bytes = new Uint8ClampedArray(colour);
  const inside = new Uint32Array(bytes.buffer)[0];
  for (let i = 0; i < mask.length; i++) words[i] = mask[i] ? inside : 0;
  return out;
}

/** The affine map image pixel (x, y) -> canvas, as the six numbers of CanvasRenderingContext2D.setTransform. */
export function imageToCanvasTransform(
  corners: CanvasCorners,
  columns: number,
  rows: number,
): [number, number, number, number, number, number] {
  const [ox, oy] = corners.topLeft;
  return [
    (corners.topRight[0] - ox) / columns,
    (corners.topRight[1] - oy) / columns,
    (corners.bottomLeft[0] - ox) / rows,
    (corners.bottomLeft[1] - oy) / rows,
    ox,
    oy,
  ];
}

export interface MaskOverlayHost {
  /** The viewport's element (cornerstone's viewport-element div). */
  element: HTMLElement;
  columns: number;
  rows: number;
  /** Where the image's corners are on the canvas now (the user may not zoom during a drag, but may between drags). */
  corners(): CanvasCorners;
  colour: Rgba;
  /** Calls `fn` once after the viewport's next render (so that the overlay leaves only when the labelmap shows). */
  afterNextRender(fn: () => void): void;
}

/** A PreviewOverlay on a canvas over `host.element`; created lazily on the first mask, removed by clear(). */
export function createMaskOverlay(host: MaskOverlayHost): PreviewOverlay {
  let canvas: HTMLCanvasElement | null = null;
  let source: HTMLCanvasElement | null = null;
  let pixels: ImageData | null = null;
  let generation = 0;

  const remove = () => {
    canvas?.remove();
    // The target keeping this overlay lives on in the undo history: let the slice-sized buffers go with the canvas.
    canvas = source = pixels = null;
  };

  return {
    show(mask) {
      generation++;
      const doc = host.element.ownerDocument;
      if (!source || !pixels) {
        source = doc.createElement('canvas');
        source.width = host.columns;
        source.height = host.rows;
        pixels = new ImageData(host.columns, host.rows);
      }
      maskToRgba(mask, host.colour, pixels.data);
      source.getContext('2d')?.putImageData(pixels, 0, 0);
      if (!canvas) {
        canvas = doc.createElement('canvas');
        canvas.dataset.cy = 'medsam-preview-overlay';
        // Above the viewport's canvas, below nothing that takes input: the box tool keeps getting the mouse.
        Object.assign(canvas.style, {
          position: 'absolute',
          left: '0',
          top: '0',
          width: '100%',
          height: '100%',
          pointerEvents: 'none',
          zIndex: '1',
        });
        host.element.appendChild(canvas);
      }
      const dpr = doc.defaultView?.devicePixelRatio ?? 1;
      const w = Math.max(1, Math.round(host.element.clientWidth * dpr));
      const h = Math.max(1, Math.round(host.element.clientHeight * dpr));
      if (canvas.width !== w) canvas.width = w;
      if (canvas.height !== h) canvas.height = h;
      const ctx = canvas.getContext('2d');
      if (!ctx) return;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, w, h);
      const [a, b, c, d, e, f] = imageToCanvasTransform(host.corners(), host.columns, host.rows);
      ctx.setTransform(a * dpr, b * dpr, c * dpr, d * dpr, e * dpr, f * dpr);
      ctx.imageSmoothingEnabled = false; // label pixels stay square, as the labelmap draws them
      ctx.drawImage(source, 0, 0);
    },
    clear(options) {
      const mine = ++generation;
      if (!canvas) return;
      if (!options?.afterRender) return remove();
      // Removed once the labelmap that replaces it has been drawn (a new show() meanwhile keeps it).
      host.afterNextRender(() => {
        if (generation === mine) remove();
      });
    },
  };
}
