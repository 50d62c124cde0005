// Page objects for the OHIF 3.13 viewer: the study list and the MedSAM mode's viewer. They wait on what the
// page shows or signals (DOM, cornerstone render events), never on fixed sleeps.
import assert from 'node:assert/strict';

/** A sample study of tests/data/samples.json, by name. */
export function sample(stack, name) {
  const s = stack.samples.find(x => x.name === name);
  assert.ok(s, `sample ${name} in tests/data/samples.json`);
  return s;
}

/**
 * A new page with the MedSAM mode open on a study and the given model loaded (ready). `model` null: no ?medsamModel=,
 * the viewer's default (the manifest's first clinical model, LiteMedSAM).
 */
export async function openWithModel(openPage, stack, study, model) {
  const guarded = await openPage();
  const viewer = new MedsamViewer(guarded.page, stack.origin);
  await viewer.open(study.StudyInstanceUID, model ? { medsamModel: model } : {});
  await viewer.waitForRenderedSeries(study.SeriesInstanceUID);
  const tool = new MedsamTool(guarded.page);
  const state = await tool.waitForModel();
  assert.equal(state.status, 'ready', `model ${model ?? '(default)'} loaded: ${state.message}`);
  return { ...guarded, viewer, tool, state };
}

export class StudyList {
  constructor(page, origin) {
    this.page = page;
    this.origin = origin;
  }

  async open() {
    await this.page.goto(`${this.origin}/`);
    await this.page.getByText('Study List').first().waitFor();
  }

  /** The table row of a study, found by its patient name as the list shows it ("Family, Given"). */
  row(patientName) {
    return this.page.locator('tr', { hasText: patientName }).first();
  }

  /** Selects a study and returns the names of the workflows (modes) the list offers for it. */
  async workflowsFor(patientName) {
    await this.row(patientName).click();
    // The nearest block around the "Launch workflow" heading that holds buttons: one button per mode.
    const launch = this.page.getByText('Launch workflow', { exact: true }).locator('xpath=ancestor::div[.//button][1]');
    await launch.getByRole('button').first().waitFor();
    return (await launch.getByRole('button').allInnerTexts()).map(s => s.trim()).filter(Boolean);
  }

  async launch(workflow) {
    await this.page.getByRole('button', { name: workflow, exact: true }).click();
  }
}

export class MedsamViewer {
  constructor(page, origin) {
    this.page = page;
    this.origin = origin;
  }

  /** Opens the MedSAM mode on a study; `params` adds URL parameters (e.g. { medsamModel: 'box-oracle' }). */
  async open(studyInstanceUID, params = {}) {
    const query = new URLSearchParams({ StudyInstanceUIDs: studyInstanceUID, ...params });
    await this.page.goto(`${this.origin}/medsam?${query}`);
  }

  panel() {
    return this.page.locator('[data-cy="medsam-panel"]');
  }

  /**
   * Waits until cornerstone has rendered an image of `seriesInstanceUID` in a viewport (a render event with
   * the image loaded, counted by browser.mjs, and the viewport's current image id) and returns what the
   * viewport holds.
   */
  async waitForRenderedSeries(seriesInstanceUID, timeout = 60000) {
    await this.page.locator('[data-cy="viewport-pane"]').first().waitFor({ timeout });
    const handle = await this.page.waitForFunction(
      series => {
        if (!(window.__medsamImageRenders > 0) || !window.cornerstone?.getEnabledElements) return false;
        for (const { viewport } of window.cornerstone.getEnabledElements()) {
          const imageId = viewport.getCurrentImageId?.();
          if (imageId && imageId.includes(series)) {
            return {
              imageId,
              imageCount: viewport.getImageIds?.().length ?? null,
              renders: window.__medsamImageRenders,
            };
          }
        }
        return false;
      },
      seriesInstanceUID,
      { timeout, polling: 200 },
    );
    return handle.jsonValue();
  }

  /**
   * Luminance statistics of the viewport as composited on screen (a screenshot decoded in the page):
   * a blank or failed render has ~0 spread.
   */
  async viewportPixelStats() {
    const png = await this.page.locator('[data-cy="viewport-pane"]').first().screenshot();
    return this.page.evaluate(async b64 => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const g = canvas.getContext('2d');
      g.drawImage(img, 0, 0);
      const { data } = g.getImageData(0, 0, img.width, img.height);
      let sum = 0;
      let sumSq = 0;
      let lit = 0;
      const n = data.length / 4;
      for (let i = 0; i < data.length; i += 4) {
        const y = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
        sum += y;
        sumSq += y * y;
        if (y > 40) lit++;
      }
      const mean = sum / n;
      return {
        width: img.width,
        height: img.height,
        mean,
        std: Math.sqrt(Math.max(0, sumSq / n - mean * mean)),
        litFraction: lit / n,
      };
    }, png.toString('base64'));
  }
}

/**
 * The MedSAM parts of the viewer: the model state through the OHIF service, the box tool driven with the mouse, and
 * read-backs from the host's cornerstone (viewport geometry, labelmap) for checks computed in the test.
 */
export class MedsamTool {
  constructor(page) {
    this.page = page;
    /** The viewport the read-backs use (null: the first one). */
    this.viewportId = null;
  }

  /** Read-backs and drawing positions refer to this viewport from now on (e.g. 'mpr-axial'). */
  useViewport(viewportId) {
    this.viewportId = viewportId;
    return this;
  }

  state() {
    return this.page.evaluate(() => window.services.medsamService.getState());
  }

  /** Waits until the model is loaded (or failed) and returns the state. */
  async waitForModel(timeout = 120000) {
    await this.page.waitForFunction(
      () => ['ready', 'error'].includes(window.services?.medsamService?.getState().status),
      null,
      { timeout, polling: 100 },
    );
    return this.state();
  }

  /** Switches to the MPR layout and works on its axial view (a volume viewport) from now on; returns its rectangle. */
  async useMprAxial() {
    await this.page.evaluate(() => window.commandsManager.runCommand('setHangingProtocol', { protocolId: 'mpr' }));
    await this.page.waitForFunction(
      () =>
        window.cornerstone
          .getEnabledElements()
          .some(e => e.viewport.id === 'mpr-axial' && e.viewport.getCurrentImageId?.()),
      null,
      { timeout: 60000 },
    );
    this.useViewport('mpr-axial');
    await this.activateBoxTool();
    const vp = await this.viewport();
    assert.equal(vp.type, 'orthographic', 'the axial view is a volume viewport');
    return vp;
  }

  /** Shows the MedSAM panel when the host switched the right side to another panel (e.g. its segmentation panel). */
  async openPanel() {
    const panel = this.page.locator('[data-cy="medsam-panel"]');
    if (!(await panel.isVisible().catch(() => false))) await this.page.locator('[data-cy="medsam-btn"]').click();
    await panel.waitFor();
  }

  /** The panel's text for a field (data-cy="medsam-<field>-value"). */
  panelValue(field) {
    return this.page.locator(`[data-cy="medsam-${field}-value"]`).innerText();
  }

  /** Clicks the MedSAM box button in the main toolbar and checks the tool became the primary mouse tool. */
  async activateBoxTool() {
    await this.page.locator('[data-cy="MedsamBox"]').first().click();
    await this.page.waitForFunction(id => {
      const { viewport } = window.cornerstone.getEnabledElements().find(e => !id || e.viewport.id === id);
      return (
        window.cornerstoneTools.ToolGroupManager.getToolGroupForViewport(
          viewport.id,
        )?.getActivePrimaryMouseButtonTool() === 'MedsamBox'
      );
    }, this.viewportId);
  }

  /** The first viewport's element rectangle in page pixels and what it shows. */
  viewport() {
    return this.page.evaluate(id => {
      const { viewport } = window.cornerstone.getEnabledElements().find(e => !id || e.viewport.id === id);
      const r = viewport.element.getBoundingClientRect();
      return {
        id: viewport.id,
        type: viewport.type,
        left: r.left,
        top: r.top,
        width: r.width,
        height: r.height,
        imageId: viewport.getCurrentImageId(),
      };
    }, this.viewportId);
  }

  /** Presses at `from`, drags to `to` (page pixels) in steps, releases: a box drawn by hand. */
  async drag(from, to, steps = 12) {
    await this.page.mouse.move(from[0], from[1]);
    await this.page.mouse.down();
    await this.page.mouse.move(to[0], to[1], { steps });
    await this.page.mouse.up();
  }

  /**
   * Page points -> image coordinates of the shown slice, computed with the host's own transforms (canvasToWorld,
   * then cornerstone's worldToImageCoords: pixel edges, [0, 0] = top-left corner of the top-left pixel).
   */
  imagePointsAt(points) {
    return this.page.evaluate(
      ([pts, id]) => {
        const { viewport } = window.cornerstone.getEnabledElements().find(e => !id || e.viewport.id === id);
        const r = viewport.element.getBoundingClientRect();
        const imageId = viewport.getCurrentImageId();
        return pts.map(([x, y]) =>
          window.cornerstone.utilities.worldToImageCoords(imageId, viewport.canvasToWorld([x - r.left, y - r.top])),
        );
      },
      [points, this.viewportId],
    );
  }

  /** Image coordinates (pixel edges) of the shown slice -> page points. */
  pagePointsAt(imagePoints) {
    return this.page.evaluate(
      ([pts, id]) => {
        const { viewport } = window.cornerstone.getEnabledElements().find(e => !id || e.viewport.id === id);
        const r = viewport.element.getBoundingClientRect();
        const imageId = viewport.getCurrentImageId();
        return pts.map(p => {
          const [x, y] = viewport.worldToCanvas(window.cornerstone.utilities.imageToWorldCoords(imageId, p));
          return [x + r.left, y + r.top];
        });
      },
      [imagePoints, this.viewportId],
    );
  }

  /** The labelmap of the shown slice in the active segmentation: { rows, columns, values (row-major) }. */
  labelmapOfShownSlice() {
    return this.page.evaluate(id => {
      const { viewport } = window.cornerstone.getEnabledElements().find(e => !id || e.viewport.id === id);
      const imageId = viewport.getCurrentImageId();
      const active = window.services.segmentationService.getActiveSegmentation(viewport.id);
      if (!active) return null;
      const ids = window.cornerstoneTools.segmentation.getLabelmapImageIdsForImageId(imageId, active.segmentationId);
      const image = window.cornerstone.cache.getImage(ids[0]);
      const values = image.voxelManager ? image.voxelManager.getScalarData() : image.getPixelData();
      return {
        rows: image.rows,
        columns: image.columns,
        values: Array.from(values),
        segmentationId: active.segmentationId,
        imageId,
      };
    }, this.viewportId);
  }

  /** Geometry of the shown slice: ImagePositionPatient (z tells which phantom slice). */
  shownImagePlane() {
    return this.page.evaluate(id => {
      const { viewport } = window.cornerstone.getEnabledElements().find(e => !id || e.viewport.id === id);
      return window.cornerstone.metaData.get('imagePlaneModule', viewport.getCurrentImageId());
    }, this.viewportId);
  }

  /** The host's image ids of the viewport, in its order (a slice index below is an index into this list). */
  imageIds() {
    return this.page.evaluate(
      id =>
        window.cornerstone
          .getEnabledElements()
          .find(e => !id || e.viewport.id === id)
          .viewport.getImageIds(),
      this.viewportId,
    );
  }

  /** Shows slice `index` of the stack viewport and waits until it is rendered. */
  async showSlice(index) {
    await this.page.evaluate(
      async ([i, id]) => {
        const { viewport } = window.cornerstone.getEnabledElements().find(e => !id || e.viewport.id === id);
        await viewport.setImageIdIndex(i);
      },
      [index, this.viewportId],
    );
    await this.page.waitForFunction(
      ([i, id]) =>
        window.cornerstone
          .getEnabledElements()
          .find(e => !id || e.viewport.id === id)
          .viewport.getCurrentImageIdIndex() === i,
      [index, this.viewportId],
    );
    await this.page.waitForTimeout(300);
  }

  /** The slice index of the image with this SOP Instance UID (-1: not in the viewport). */
  async sliceOfSop(sopInstanceUid) {
    return (await this.imageIds()).findIndex(imageId => sopOfImageId(imageId) === sopInstanceUid);
  }

  /** The box of the live preview in image coordinates (pixel edges), as the tool sends it to the model, or null. */
  previewBox() {
    return this.page.evaluate(() => {
      const box = window.services.medsamService.preview.current?.box;
      return box ? { x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1 } : null;
    });
  }

  /** Presses `key` and waits until the host made `toolName` the primary mouse tool of the viewport. */
  async activateToolByKey(key, toolName) {
    await this.page.keyboard.press(key);
    await this.page.waitForFunction(
      ([id, name]) => {
        const { viewport } = window.cornerstone.getEnabledElements().find(e => !id || e.viewport.id === id);
        return (
          window.cornerstoneTools.ToolGroupManager.getToolGroupForViewport(
            viewport.id,
          )?.getActivePrimaryMouseButtonTool() === name
        );
      },
      [this.viewportId, toolName],
    );
  }

  /** The key-slice marker tool ('k', the host's Bidirectional: long and short axes). */
  activateMarkerTool() {
    return this.activateToolByKey('k', 'Bidirectional');
  }

  /**
   * The key-slice markers (Bidirectional annotations) as image points through the host's transform, with their slice
   * index and SOP Instance UID: points[0..1] the long axis, points[2..3] the short axis.
   */
  markers() {
    return this.page.evaluate(id => {
      const { viewport } = window.cornerstone.getEnabledElements().find(e => !id || e.viewport.id === id);
      const ids = viewport.getImageIds();
      return window.cornerstoneTools.annotation.state
        .getAllAnnotations()
        .filter(a => a.metadata.toolName === 'Bidirectional')
        .map(a => {
          const imageId = a.metadata.referencedImageId;
          return {
            slice: ids.indexOf(imageId),
            sopInstanceUid: /instances\/([0-9.]+)/.exec(imageId)?.[1],
            points: a.data.handles.points.map(p => window.cornerstone.utilities.worldToImageCoords(imageId, p)),
          };
        });
    }, this.viewportId);
  }

  /**
   * Every slice's labelmap of the active segmentation in the viewport's order, with its SOP Instance UID; `b64` holds
   * the bytes (1 inside), decodeMask() turns it into a Uint8Array.
   */
  labelmapVolume() {
    return this.page.evaluate(id => {
      const { viewport } = window.cornerstone.getEnabledElements().find(e => !id || e.viewport.id === id);
      const active = window.services.segmentationService.getActiveSegmentation(viewport.id);
      return viewport.getImageIds().map(imageId => {
        const ids = active
          ? window.cornerstoneTools.segmentation.getLabelmapImageIdsForImageId(imageId, active.segmentationId)
          : [];
        const image = ids[0] ? window.cornerstone.cache.getImage(ids[0]) : null;
        const values = image ? (image.voxelManager ? image.voxelManager.getScalarData() : image.getPixelData()) : [];
        const bytes = new Uint8Array(values.length);
        for (let i = 0; i < values.length; i++) bytes[i] = values[i] ? 1 : 0;
        let s = '';
        for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return {
          sopInstanceUid: /instances\/([0-9.]+)/.exec(imageId)?.[1],
          rows: image?.rows,
          columns: image?.columns,
          b64: btoa(s),
        };
      });
    }, this.viewportId);
  }

  /** The "Segment volume" part of the service state (phase, done, total, outcome, review, volumeMl, ...). */
  volumeState() {
    return this.page.evaluate(() => window.services.medsamService.getState().volume);
  }

  /** Waits for the volume run's phase ('running', 'preview', 'accepted', 'idle'); on timeout the error says where it was. */
  async waitForVolumePhase(phase, timeout = 90000) {
    try {
      await this.page.waitForFunction(p => window.services.medsamService.getState().volume.phase === p, phase, {
        timeout,
        polling: 100,
      });
    } catch (e) {
      const s = await this.page.evaluate(() => {
        const state = window.services.medsamService.getState();
        return { volume: state.volume, status: state.status, message: state.message };
      });
      throw new Error(`volume phase ${phase} not reached: ${JSON.stringify(s)}`, { cause: e });
    }
  }

  /** Waits until the box preview was accepted or rejected. */
  async waitForNoPreview(timeout = 30000) {
    await this.page.waitForFunction(() => !window.services.medsamService.getState().previewPending, null, {
      timeout,
      polling: 50,
    });
  }

  /**
   * Drags a box given as fractions of the viewport ([x0, y0], [x1, y1]; default the middle-left region the box oracle
   * tests use), waits for its preview and accepts it with Enter.
   */
  async acceptDraggedBox(from = [0.3, 0.35], to = [0.62, 0.55]) {
    await this.activateBoxTool();
    const vp = await this.viewport();
    await this.drag(
      [vp.left + vp.width * from[0], vp.top + vp.height * from[1]],
      [vp.left + vp.width * to[0], vp.top + vp.height * to[1]],
    );
    await this.waitForPreview();
    await this.page.keyboard.press('Enter');
    await this.waitForNoPreview();
  }

  /**
   * Waits until the preview shows the mask of the newest box: nothing in flight or waiting (boxes drawn during a drag
   * are coalesced and sent after a short interval, so "status ready" alone can fall between two of them).
   */
  async waitForPreview(timeout = 30000) {
    await this.page.waitForFunction(
      () => {
        const service = window.services.medsamService;
        const s = service.getState();
        const live = service.preview.current;
        const same = (a, b) => !!a && !!b && a.x0 === b.x0 && a.y0 === b.y0 && a.x1 === b.x1 && a.y1 === b.y1;
        return s.previewPending && s.status === 'ready' && live && !live.busy && same(live.shownBox, live.box);
      },
      null,
      { timeout, polling: 50 },
    );
  }
  /** Clicks "Save to PACS" in the MedSAM panel and returns the service state once the save is stored or failed. */
  async save(timeout = 60000) {
    await this.openPanel();
    await this.page.locator('[data-cy="medsam-save"]').click();
    await this.page.waitForFunction(
      () => ['stored', 'failed'].includes(window.services.medsamService.getState().save.status),
      null,
      { timeout, polling: 100 },
    );
    return this.state();
  }

  /**
   * Foreground voxel indices (value 1) per source SOP Instance UID over every slice of the viewport, for the active
   * segmentation or `segmentationId` (e.g. a SEG the host loaded back).
   */
  labelmapBySop(segmentationId = null) {
    return this.page.evaluate(
      ([segId, id]) => {
        const { viewport } = window.cornerstone.getEnabledElements().find(e => !id || e.viewport.id === id);
        const active = segId
          ? { segmentationId: segId }
          : window.services.segmentationService.getActiveSegmentation(viewport.id);
        // cornerstone3D 4.x (OHIF 3.11/3.12) maps source to labelmap images only for segmentations shown in a
        // viewport; the segmentation's own index-aligned lists serve one that was loaded but not shown.
        const labelmap = window.services.segmentationService.getSegmentation(active.segmentationId)?.representationData
          ?.Labelmap;
        const labelmapIdsOf = imageId => {
          const mapped = window.cornerstoneTools.segmentation.getLabelmapImageIdsForImageId(
            imageId,
            active.segmentationId,
          );
          if (mapped?.length) return mapped;
          const k = labelmap?.referencedImageIds?.indexOf(imageId) ?? -1;
          return k >= 0 && labelmap.imageIds?.[k] ? [labelmap.imageIds[k]] : [];
        };
        const out = {};
        for (const imageId of viewport.getImageIds()) {
          const sop = window.cornerstone.metaData.get('instance', imageId)?.SOPInstanceUID;
          const indices = [];
          for (const labelmapId of labelmapIdsOf(imageId)) {
            const image = window.cornerstone.cache.getImage(labelmapId);
            const values = image.voxelManager ? image.voxelManager.getScalarData() : image.getPixelData();
            for (let i = 0; i < values.length; i++) if (values[i] === 1) indices.push(i);
          }
          out[sop] = indices;
        }
        return out;
      },
      [segmentationId, this.viewportId],
    );
  }
}

/** Pixels whose centres lie inside a box given in pixel-edge image coordinates. */
export function boxMask(box, rows, columns) {
  const mask = new Uint8Array(rows * columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      if (c + 0.5 > box.x0 && c + 0.5 < box.x1 && r + 0.5 > box.y0 && r + 0.5 < box.y1) mask[r * columns + c] = 1;
    }
  }
  return mask;
}

/** Intersection over union and Dice of two binary masks (any nonzero value counts). */
export function overlap(a, b) {
  let inter = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ? 1 : 0;
    const y = b[i] ? 1 : 0;
    inter += x & y;
    na += x;
    nb += y;
  }
  const union = na + nb - inter;
  return {
    iou: union ? inter / union : 1,
    dice: na + nb ? (2 * inter) / (na + nb) : 1,
    a: na,
    b: nb,
    intersection: inter,
  };
}

/** The SOP Instance UID in a host image id (wadors: .../instances/<uid>/frames/1). */
export function sopOfImageId(imageId) {
  return /instances\/([0-9.]+)/.exec(imageId)?.[1];
}

/** A labelmapVolume() slice's mask as bytes (1 inside). */
export function decodeMask(slice) {
  return new Uint8Array(Buffer.from(slice.b64, 'base64'));
}
