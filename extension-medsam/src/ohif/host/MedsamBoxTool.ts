/**
 * The MedSAM box tool, built on the HOST's cornerstone3D tools at run time (a second cornerstone copy would have its
 * own tool groups, events and segmentation state). It extends the host's LabelmapBaseTool so that OHIF's own Enter
 * and Esc commands (acceptPreview, cancelActiveOperation -> rejectPreview) reach it as they reach the brush tools.
 *
 * Interaction: press and drag on a slice to draw a box; drag a corner to resize it, or inside it to move it; the
 * mask preview follows (decoder only once the slice is encoded). Enter accepts, Esc rejects.
 */
import type { ImageBox } from '../../engine/geometry/box';
import { boxCorners, dragTo, grab, type DragMode } from '../app/boxDrag';
import { segmentMessage } from '../app/errorMessages';
import type {
  HostCornerstone,
  HostEnabledElement,
  HostInteractionEvent,
  HostSvgDrawingHelper,
  HostViewport,
} from './hostLibraries';
import { ensureActiveSegment, labelmapImageIdFor, previewTargetFor } from './hostSegmentation';
import type { HostCommandsManager, HostServicesManager } from './hostTypes';
import { currentSlice, loadedNeighbours, sliceImageFor, type ViewportSlice } from './hostViewport';
import { BOX_TOOL_NAME } from '../modules/ids';
import { imagePointToWorld, worldToImagePoint } from '../app/imagePlane';
import { previewOverlayFor } from './previewOverlayHost';
import type { MedsamService } from '../app/medsamService';

export interface BoxToolDeps {
  cs: HostCornerstone;
  service: MedsamService;
  servicesManager: HostServicesManager;
  commandsManager: HostCommandsManager;
}

interface DragState {
  mode: DragMode;
  element: HTMLElement;
  slice: ViewportSlice;
}

const BOX_COLOR = 'rgb(90, 204, 230)';

/** Creates the tool class on the host's LabelmapBaseTool. Call once per page; register it with the host's addTool. */
export function createMedsamBoxToolClass({ cs, service, servicesManager, commandsManager }: BoxToolDeps) {
  const { tools, core } = cs;
  const Events = tools.Enums.Events;
  const preview = service.preview;
  let lastWarmed = '';

  const viewportOf = (element: HTMLElement) => core.getEnabledElement(element as HTMLDivElement)?.viewport;

  /** Encodes what the viewport shows, then its loaded neighbours, so that a box needs only the decoder. */
  function warm(viewport: HostViewport | undefined): void {
    if (!service.isReady() || !viewport) return;
    let slice: ViewportSlice;
    try {
      slice = currentSlice(cs, viewport);
    } catch {
      return;
    }
    const key = `${viewport.id}|${slice.imageId}|${service.getState().intensity.preset}`;
    if (key === lastWarmed) return;
    lastWarmed = key;
    try {
      service.warm(
        { imageId: slice.imageId, image: slice.image() },
        loadedNeighbours(cs, viewport, slice.imageId).map(imageId => ({
          imageId,
          image: () => {
            try {
              return sliceImageFor(cs, imageId);
            } catch {
              return null;
            }
          },
        })),
      );
    } catch {
      /* no pixel data yet: the box will say so */
    }
  }

  class MedsamBoxTool extends tools.LabelmapBaseTool {
    static override toolName = BOX_TOOL_NAME;
    private drag: DragState | null = null;

    constructor(
      toolProps = {},
      defaultToolProps = { supportedInteractionTypes: ['Mouse', 'Touch'], configuration: {} },
    ) {
      super(toolProps, defaultToolProps);
    }

    preMouseDownCallback = (evt: HostInteractionEvent): boolean => {
      const { element, currentPoints } = evt.detail;
      const viewport = viewportOf(element);
      if (!viewport) return false;
      if (service.getState().status === 'error') {
        // The panel already says why (model URL, fix); the viewer's other tools keep working.
        return false;
      }
      const blocking = service.previewBlocking();
      if (blocking) {
        // A box accepted into a volume preview would be taken back with it when the preview is rejected.
        service.reportError(blocking);
        return true;
      }
      let slice: ViewportSlice;
      try {
        slice = currentSlice(cs, viewport);
      } catch (e) {
        service.reportError(segmentMessage(e));
        return true;
      }
      const point = worldToImagePoint(slice.plane, currentPoints.world);
      const live = preview.current;
      const sameSlice = live && live.context.viewportId === viewport.id && live.context.imageId === slice.imageId;
      const box = sameSlice ? live.box : null;
      const corners = box
        ? boxCorners(box).map(p => viewport.worldToCanvas(imagePointToWorld(slice.plane, p)) as [number, number])
        : null;
      const mode = grab(box, corners, currentPoints.canvas, point);
      if (mode.kind === 'new') {
        let image;
        try {
          image = slice.image();
        } catch (e) {
          service.reportError(segmentMessage(e));
          return true;
        }
        const pixels = slice.plane.rows * slice.plane.columns;
        preview.start({
          viewportId: viewport.id,
          imageId: slice.imageId,
          image,
          target: async () => {
            const segment = await ensureActiveSegment(servicesManager.services, commandsManager, viewport.id);
            const labelmapImageId = labelmapImageIdFor(cs, segment.segmentationId, slice.imageId, viewport.id);
            const target = {
              ...previewTargetFor(cs, segment, labelmapImageId, pixels),
              overlay: previewOverlayFor(cs, servicesManager.services, viewport, slice.plane, segment),
            };
            return service.trackAcceptedBox(target, {
              imageId: slice.imageId,
              segmentationId: segment.segmentationId,
              labelmapImageId,
              pixels,
            });
          },
        });
      }
      this.drag = { mode, element, slice };
      preview.setDragging(true);
      element.addEventListener(Events.MOUSE_DRAG, this.onDrag as EventListener);
      element.addEventListener(Events.MOUSE_UP, this.onRelease as EventListener);
      element.addEventListener(Events.MOUSE_CLICK, this.onRelease as EventListener);
      element.addEventListener(Events.TOUCH_DRAG, this.onDrag as EventListener);
      element.addEventListener(Events.TOUCH_END, this.onRelease as EventListener);
      evt.preventDefault?.();
      return true;
    };

    private onDrag = (evt: HostInteractionEvent): void => {
      const d = this.drag;
      if (!d) return;
      const p = worldToImagePoint(d.slice.plane, evt.detail.currentPoints.world);
      const box: ImageBox | null = dragTo(d.mode, p, { width: d.slice.plane.columns, height: d.slice.plane.rows });
      if (box) preview.setBox(box);
      this.render(d.slice.viewportId);
    };

    private onRelease = (evt: HostInteractionEvent): void => {
      const d = this.drag;
      if (!d) return;
      this.onDrag(evt);
      this.endDrag();
      if (!preview.current?.box) preview.reject(); // a click without a box leaves nothing behind
    };

    /** Ends a drag and removes its listeners (also when the tool is switched off mid-drag). */
    private endDrag(): void {
      const d = this.drag;
      if (!d) return;
      this.drag = null;
      preview.setDragging(false);
      for (const [type, fn] of [
        [Events.MOUSE_DRAG, this.onDrag],
        [Events.MOUSE_UP, this.onRelease],
        [Events.MOUSE_CLICK, this.onRelease],
        [Events.TOUCH_DRAG, this.onDrag],
        [Events.TOUCH_END, this.onRelease],
      ] as const) {
        d.element.removeEventListener(type, fn as EventListener);
      }
    }

    mouseMoveCallback = (evt: HostInteractionEvent): boolean => {
      warm(viewportOf(evt.detail.element));
      return false;
    };

    private render(viewportId: string): void {
      tools.utilities.triggerAnnotationRenderForViewportIds([viewportId]);
    }

    /** Draws the box (dashed while its mask is being computed) and its corner handles, on the slice it belongs to. */
    renderAnnotation = (enabledElement: HostEnabledElement, svgDrawingHelper: HostSvgDrawingHelper): boolean => {
      const live = preview.current;
      const viewport = enabledElement.viewport;
      if (
        !live?.box ||
        live.context.viewportId !== viewport.id ||
        viewport.getCurrentImageId?.() !== live.context.imageId
      )
        return false;
      let slice: ViewportSlice;
      try {
        slice = currentSlice(cs, viewport);
      } catch {
        return false;
      }
      const corners = boxCorners(live.box).map(p => viewport.worldToCanvas(imagePointToWorld(slice.plane, p)));
      const uid = 'medsam-box';
      tools.drawing.drawPolyline(svgDrawingHelper, uid, 'outline', corners, {
        color: BOX_COLOR,
        width: 2,
        closePath: true,
        lineDash: live.busy ? '6,4' : undefined,
      });
      tools.drawing.drawHandles(svgDrawingHelper, uid, 'corners', corners, { color: BOX_COLOR, handleRadius: 4 });
      return true;
    };

    /**
     * OHIF 3.11 (cornerstone3D 4.5) passes Enter and Esc only to labelmap tools that answer true here, and the base
     * class answers from its own preview data, which this tool never fills; later hosts ask every labelmap tool.
     */
    override shouldResolvePreviewRequests(): boolean {
      return preview.hasPreview || service.volume.hasPreview || service.volume.isRunning;
    }

    /** OHIF's Enter (acceptPreview command) calls this on every labelmap tool: a box preview, else a volume run's. */
    override acceptPreview(): void {
      if (!preview.hasPreview) return void service.volume.accept();
      const viewportId = preview.current?.context.viewportId;
      void preview.accept().then(() => viewportId && this.render(viewportId));
    }

    /** OHIF's Esc (cancelActiveOperation -> rejectPreview) calls this on every labelmap tool. */
    override rejectPreview(): void {
      if (!preview.hasPreview) {
        // Esc during a run stops it (the slices done stay as a preview); on a preview it drops it.
        if (service.volume.isRunning) service.volume.cancel();
        else service.volume.reject();
        return;
      }
      const viewportId = preview.current?.context.viewportId;
      preview.reject();
      if (viewportId) this.render(viewportId);
    }

    onSetToolActive(): void {
      void service.loadModel();
      const group = tools.ToolGroupManager.getToolGroup(this.toolGroupId);
      for (const { viewportId, renderingEngineId } of group?.getViewportsInfo?.() ?? []) {
        warm(core.getRenderingEngine(renderingEngineId)?.getViewport(viewportId));
      }
    }

    onSetToolPassive(): void {
      this.endDrag();
    }

    onSetToolDisabled(): void {
      this.endDrag();
    }
  }

  return MedsamBoxTool;
}

const registered = new WeakMap<object, ReturnType<typeof createMedsamBoxToolClass>>();

/** Registers the box tool with the host's cornerstone once per page; returns the class. */
export function registerMedsamBoxTool(deps: BoxToolDeps): ReturnType<typeof createMedsamBoxToolClass> {
  const existing = registered.get(deps.cs.tools);
  if (existing) return existing;
  const ToolClass = createMedsamBoxToolClass(deps);
  if (!deps.cs.tools.state?.tools?.[BOX_TOOL_NAME]) deps.cs.tools.addTool(ToolClass);
  registered.set(deps.cs.tools, ToolClass);
  return ToolClass;
}
