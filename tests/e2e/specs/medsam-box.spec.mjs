// The MedSAM box tool in the real viewer: a box drawn with the mouse becomes a labelmap preview of the active segment,
// Enter keeps it, Esc restores the labelmap, ctrl+z undoes it. Expected masks are computed here, independently of the
// extension: from the mouse positions through the host's own transforms (box oracle), or from the phantom's geometry
// (bright-in-box). The runner fails any test whose pages sent a request off the origin.
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadPhantom, PHANTOM, phantomEllipse, phantomMask } from '../fixtures/phantom.mjs';
import { boxMask, MedsamTool, MedsamViewer, openWithModel, overlap, sample } from '../pages.mjs';
import { test } from '../test.mjs';

const boxFrom = ([a, b]) => ({
  x0: Math.min(a[0], b[0]),
  y0: Math.min(a[1], b[1]),
  x1: Math.max(a[0], b[0]),
  y1: Math.max(a[1], b[1]),
});
const fmt = box => `[${[box.x0, box.y0, box.x1, box.y1].map(v => v.toFixed(1)).join(', ')}]`;
const ms = v => (v === null || v === undefined ? '–' : `${Math.round(v)} ms`);
const count = values => values.reduce((n, v) => n + (v ? 1 : 0), 0);

test('box oracle: the accepted labelmap is the drawn box (IoU >= 0.97), Esc restores, resize follows, ctrl+z undoes', async ({
  stack,
  openPage,
  outDir,
  log,
}) => {
  const ct = sample(stack, 'ct-abdomen-20slice');
  const { page, viewer, tool, pageErrors } = await openWithModel(openPage, stack, ct, 'box-oracle');

  // The panel: the test model is labelled, and the WASM path runs (headless Chromium here has no GPU).
  await page.locator('[data-cy="medsam-test-model"]').waitFor();
  assert.equal(await tool.panelValue('device'), 'WASM');
  log(
    `panel: model ${(await tool.panelValue('model')).replace(/\s+/g, ' ')}, device ${await tool.panelValue('device')}, status ${await tool.panelValue('status')}`,
  );

  await tool.activateBoxTool();
  const vp = await tool.viewport();
  const at = (fx, fy) => [vp.left + vp.width * fx, vp.top + vp.height * fy];

  // 1. A box, then Esc: the preview goes and the labelmap is as before (empty).
  await tool.drag(at(0.4, 0.6), at(0.55, 0.7));
  await tool.waitForPreview();
  const previewed = await tool.labelmapOfShownSlice();
  assert.ok(count(previewed.values) > 0, 'the preview is in the labelmap');
  await page.keyboard.press('Escape');
  await tool.waitForNoPreview();
  assert.equal(count((await tool.labelmapOfShownSlice()).values), 0, 'Esc restores the labelmap');

  // 2. An off-centre, non-square box drawn with the mouse, then its corner pulled further: the preview follows.
  const from = at(0.27, 0.33);
  const to = at(0.58, 0.5);
  const pulled = at(0.66, 0.55);
  await tool.drag(from, to);
  await tool.waitForPreview();
  const first = await tool.labelmapOfShownSlice();
  await tool.drag(to, pulled, 8);
  await tool.waitForPreview();
  await page.keyboard.press('Enter');
  await tool.waitForNoPreview();

  const { rows, columns, values } = await tool.labelmapOfShownSlice();
  const drawn = boxFrom(await tool.imagePointsAt([from, to]));
  const expected = boxFrom(await tool.imagePointsAt([from, pulled]));
  const firstIoU = overlap(first.values, boxMask(drawn, rows, columns)).iou;
  const result = overlap(values, boxMask(expected, rows, columns));
  const state = await tool.state();
  const w = expected.x1 - expected.x0;
  const h = expected.y1 - expected.y0;
  log(`image ${columns}x${rows}; drawn box ${fmt(drawn)} -> preview IoU ${firstIoU.toFixed(4)}`);
  log(
    `resized box ${fmt(expected)} (${w.toFixed(1)} x ${h.toFixed(1)} px, centre ${((expected.x0 + expected.x1) / 2).toFixed(1)}, ${((expected.y0 + expected.y1) / 2).toFixed(1)})`,
  );
  log(`accepted labelmap: ${result.a} px, expected ${result.b} px, IoU ${result.iou.toFixed(4)}`);
  log(
    `timings: encode ${ms(state.timings.encodeMs)}, decode ${ms(state.timings.decodeMs)}, box-to-mask ${ms(state.timings.maskMs)}`,
  );
  assert.ok(Math.abs(w / h - 1) > 0.3, `the box is not square (${w} x ${h})`);
  assert.ok(
    Math.abs((expected.x0 + expected.x1) / 2 - columns / 2) > 20 ||
      Math.abs((expected.y0 + expected.y1) / 2 - rows / 2) > 20,
    'the box is off-centre',
  );
  assert.ok(firstIoU >= 0.97, `the first preview matches the first box (IoU ${firstIoU})`);
  assert.ok(result.iou >= 0.97, `the labelmap equals the resized box (IoU ${result.iou})`);
  assert.ok(state.timings.encodeMs !== null && state.timings.decodeMs !== null, 'encode and decode timings are shown');

  // 3. Undo and redo through the host's history (OHIF's ctrl+z / ctrl+y).
  await page.evaluate(() => window.commandsManager.runCommand('undo'));
  assert.equal(count((await tool.labelmapOfShownSlice()).values), 0, 'undo removes the accepted mask');
  await page.evaluate(() => window.commandsManager.runCommand('redo'));
  assert.equal(count((await tool.labelmapOfShownSlice()).values), result.a, 'redo brings it back');

  // The accepted mask and the MedSAM panel, with the box oracle (the README's docs/images/medsam-box-ct.png, made with
  // the real model, comes from medsam-real-model.spec.mjs).
  await page.locator('[data-cy="medsam-btn"]').click();
  await viewer.panel().waitFor();
  const file = path.join(outDir, 'medsam-box-ct.png');
  await page.screenshot({ path: file });
  log(`screenshot ${path.relative(process.cwd(), file)}`);
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

test('bright-in-box on a synthetic phantom: a loose box gives the object (Dice >= 0.95)', async ({
  stack,
  openPage,
  outDir,
  log,
}) => {
  const phantom = await loadPhantom(stack.orthanc);
  log(`phantom ${PHANTOM.columns}x${PHANTOM.rows}x${PHANTOM.slices} loaded: ${phantom.StudyInstanceUID}`);
  const { page, tool } = await openWithModel(openPage, stack, phantom, 'bright-in-box');
  assert.equal(await tool.panelValue('device'), 'WASM');
  // The 'm' hotkey activates the box tool (the toolbar button is tested above).
  const vp = await tool.viewport();
  await page.mouse.move(vp.left + vp.width / 2, vp.top + vp.height / 2);
  await page.keyboard.press('m');
  await page.waitForFunction(
    id =>
      window.cornerstoneTools.ToolGroupManager.getToolGroupForViewport(id)?.getActivePrimaryMouseButtonTool() ===
      'MedsamBox',
    vp.id,
  );

  const plane = await tool.shownImagePlane();
  const k = Math.round(plane.imagePositionPatient[2] / PHANTOM.sliceSpacing);
  const e = phantomEllipse(k);
  const margin = 12; // a loose box, as MedSAM was trained with
  const [a, b] = await tool.pagePointsAt([
    [e.cx - e.rx - margin, e.cy - e.ry - margin],
    [e.cx + e.rx + margin, e.cy + e.ry + margin],
  ]);
  await tool.drag(a, b);
  await tool.waitForPreview();
  await page.keyboard.press('Enter');
  await tool.waitForNoPreview();

  const { values } = await tool.labelmapOfShownSlice();
  const truth = phantomMask(k);
  const result = overlap(values, truth);
  const state = await tool.state();
  log(
    `slice ${k}: ellipse centre (${e.cx}, ${e.cy}) radii ${e.rx} x ${e.ry}; box ${fmt(boxFrom(await tool.imagePointsAt([a, b])))}`,
  );
  log(`mask ${result.a} px, truth ${result.b} px, Dice ${result.dice.toFixed(4)}, IoU ${result.iou.toFixed(4)}`);
  log(
    `intensity: ${state.intensity.description}; timings: encode ${ms(state.timings.encodeMs)}, decode ${ms(state.timings.decodeMs)}`,
  );
  assert.ok(result.dice >= 0.95, `Dice ${result.dice} >= 0.95`);
  await page.screenshot({ path: path.join(outDir, 'medsam-phantom.png') });
});

test('bright-in-box on an RGB endoscopy phantom (ES, 8-bit RGB): the colour path gives the object (Dice >= 0.95)', async ({
  stack,
  openPage,
  log,
}) => {
  const phantom = await loadPhantom(stack.orthanc, { rgb: true });
  const { page, tool, state: loaded } = await openWithModel(openPage, stack, phantom, 'bright-in-box');
  await tool.activateBoxTool();
  const e = phantomEllipse(0);
  const margin = 15;
  const [a, b] = await tool.pagePointsAt([
    [e.cx - e.rx - margin, e.cy - e.ry - margin],
    [e.cx + e.rx + margin, e.cy + e.ry + margin],
  ]);
  await tool.drag(a, b);
  await tool.waitForPreview();
  await page.keyboard.press('Enter');
  await tool.waitForNoPreview();
  const { values, rows, columns } = await tool.labelmapOfShownSlice();
  const result = overlap(values, phantomMask(0));
  const state = await tool.state();
  log(
    `${columns}x${rows} RGB, modality ${state.intensity.modality}, intensity "${state.intensity.description}", device ${loaded.device}`,
  );
  log(`mask ${result.a} px, truth ${result.b} px, Dice ${result.dice.toFixed(4)}`);
  assert.equal(state.intensity.modality, 'ES');
  assert.ok(result.dice >= 0.95, `Dice ${result.dice} >= 0.95`);
});

test('axial volume viewport (MPR): the box oracle gives the drawn box; a reformatted view is refused with a message', async ({
  stack,
  openPage,
  log,
}) => {
  const ct = sample(stack, 'ct-abdomen-20slice');
  const { page, tool } = await openWithModel(openPage, stack, ct, 'box-oracle');
  const vp = await tool.useMprAxial();
  const from = [vp.left + vp.width * 0.25, vp.top + vp.height * 0.42];
  const to = [vp.left + vp.width * 0.7, vp.top + vp.height * 0.5];
  await tool.drag(from, to);
  await tool.waitForPreview();
  await page.keyboard.press('Enter');
  await tool.waitForNoPreview();
  const { rows, columns, values, imageId } = await tool.labelmapOfShownSlice();
  const box = boxFrom(await tool.imagePointsAt([from, to]));
  const r = overlap(values, boxMask(box, rows, columns));
  log(
    `mpr-axial slice ${imageId.split('/').at(-3).slice(-12)}: box ${fmt(box)}, labelmap ${r.a} px vs ${r.b} px, IoU ${r.iou.toFixed(4)}`,
  );
  assert.ok(r.iou >= 0.97, `IoU ${r.iou} on the axial volume viewport`);

  // The sagittal view is a reformat: MedSAM says so instead of segmenting a plane it was not given.
  const sagittal = await tool.useViewport('mpr-sagittal').viewport();
  // The first press on another viewport makes it the active one (the host's doing); the drag comes after it.
  await page.mouse.click(sagittal.left + sagittal.width / 2, sagittal.top + sagittal.height / 2);
  await tool.drag(
    [sagittal.left + sagittal.width * 0.3, sagittal.top + sagittal.height * 0.45],
    [sagittal.left + sagittal.width * 0.6, sagittal.top + sagittal.height * 0.55],
  );
  const message = await page
    .waitForFunction(() => window.services.medsamService.getState().message, null, { timeout: 10000 })
    .then(h => h.jsonValue());
  log(`sagittal: ${message}`);
  assert.match(message, /reformatted|acquired plane/);
});

test('a model file that is missing (404) or altered (sha256) shows the URL and the fix; the viewer keeps working', async ({
  stack,
  openPage,
  log,
}) => {
  const ct = sample(stack, 'ct-liver-3slice');
  for (const fault of ['404', 'sha256']) {
    const { page, context } = await openPage();
    const url = `${stack.origin}/medsam-models/test/box-oracle/decoder.fp32.onnx`;
    await context.route(url, async route => {
      if (fault === '404') return route.fulfill({ status: 404, body: 'not found' });
      const real = await route.fetch();
      const body = Buffer.from(await real.body());
      body[body.length - 1] ^= 0xff; // same size, different bytes
      return route.fulfill({
        status: 200,
        body,
        headers: { 'content-type': 'application/octet-stream', 'cross-origin-resource-policy': 'same-origin' },
      });
    });
    const viewer = new MedsamViewer(page, stack.origin);
    await viewer.open(ct.StudyInstanceUID, { medsamModel: 'box-oracle' });
    const tool = new MedsamTool(page);
    const state = await tool.waitForModel();
    assert.equal(state.status, 'error', `${fault}: the panel shows an error`);
    const message = await page.locator('[data-cy="medsam-message"]').innerText();
    log(`${fault}: ${message.split('\n').join(' | ')}`);
    assert.ok(message.includes(url), `${fault}: the message names ${url}`);
    assert.match(message, /Fix:/, `${fault}: the message says how to fix it`);
    assert.match(message, fault === '404' ? /HTTP 404/ : /sha256/);
    // The tool is disabled; the viewer still shows the study.
    await page.waitForFunction(
      () => {
        const button = document.querySelector('[data-cy="MedsamBox"]');
        return (
          button &&
          (button.hasAttribute('disabled') ||
            button.getAttribute('aria-disabled') === 'true' ||
            /cursor-not-allowed|opacity-50|disabled/i.test(
              button.className + ' ' + (button.parentElement?.className ?? ''),
            ))
        );
      },
      null,
      { timeout: 15000 },
    );
    const shown = await viewer.waitForRenderedSeries(ct.SeriesInstanceUID);
    assert.equal(shown.imageCount, ct.instances);
    await context.unroute(url);
  }
});

test('the second visit loads the model from Cache Storage without downloading it', async ({ stack, openPage, log }) => {
  const ct = sample(stack, 'ct-liver-3slice');
  const { page, requests } = await openPage();
  const viewer = new MedsamViewer(page, stack.origin);
  const tool = new MedsamTool(page);
  await viewer.open(ct.StudyInstanceUID, { medsamModel: 'tiny-random' });
  const first = await tool.waitForModel();
  assert.equal(first.status, 'ready');
  // The panel's own button activates the box tool too.
  await viewer.waitForRenderedSeries(ct.SeriesInstanceUID);
  await page.locator('[data-cy="medsam-activate"]').click();
  await page.waitForFunction(() => {
    const { viewport } = window.cornerstone.getEnabledElements()[0];
    return (
      window.cornerstoneTools.ToolGroupManager.getToolGroupForViewport(
        viewport.id,
      )?.getActivePrimaryMouseButtonTool() === 'MedsamBox'
    );
  });
  const onnx = () => requests.filter(u => u.endsWith('.onnx'));
  const downloaded = onnx().length;
  const cached = await page.evaluate(async () =>
    (await (await caches.open('medsam-models-v1')).keys()).map(r => new URL(r.url).pathname),
  );
  log(
    `first visit: model loaded in ${ms(first.timings.loadMs)}, ${downloaded} model files downloaded (${(first.download.totalBytes / 1e6).toFixed(2)} MB); Cache Storage: ${cached.join(', ')}`,
  );
  assert.equal(downloaded, 2, 'encoder and decoder downloaded once');
  assert.deepEqual(cached.sort(), [
    '/medsam-models/test/tiny-random/decoder.fp32.onnx',
    '/medsam-models/test/tiny-random/encoder.fp32.onnx',
  ]);

  await page.reload();
  const second = await tool.waitForModel();
  assert.equal(second.status, 'ready');
  log(
    `second visit: model loaded in ${ms(second.timings.loadMs)}, ${onnx().length - downloaded} model files downloaded`,
  );
  assert.equal(onnx().length, downloaded, 'no model file is downloaded again');
});
