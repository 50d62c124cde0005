// How well the box preview follows the mouse: the default model (LiteMedSAM) on WASM, the 20-slice CT, a first box
// around the liver encodes the slice; then a second box is dragged over DRAG_MOVES mouse moves on the cached
// embedding. Prints the previews shown during the drag, previews per second, decode ms p50, how long each mouse move
// waited for the page, and the longest main-thread task (PerformanceObserver 'longtask').
// Asserts behaviour only (a preview during the drag, the last preview is the final box's); the speed is a figure,
// never a pass/fail: it depends on the machine and its load.
import assert from 'node:assert/strict';
import { TS_LABEL, ct20Labels, largestLabelSlice, maskBox } from '../fixtures/references.mjs';
import { openWithModel, sample } from '../pages.mjs';
import { test } from '../test.mjs';

const DRAG_MOVES = 40;
const PAD = 5;

const p50 = values => {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};
const fmtMs = v => (v === null || v === undefined ? '–' : `${Math.round(v)} ms`);

/** Starts recording in the page: long tasks, and every change of the shown preview with the decode time it took. */
function startRecording(page) {
  return page.evaluate(() => {
    const rec = { longTasks: [], previews: [], stopped: false };
    window.__medsamDragRecord = rec;
    const observer = new PerformanceObserver(list => {
      for (const e of list.getEntries()) rec.longTasks.push({ start: e.startTime, ms: e.duration });
    });
    observer.observe({ type: 'longtask' });
    rec.observer = observer;
    const service = window.services.medsamService;
    let shown = service.preview.current?.shownBox ?? null;
    // Polled each frame: the preview object changes identity with each mask painted.
    const tick = () => {
      if (rec.stopped) return;
      const now = service.preview.current?.shownBox ?? null;
      if (now && now !== shown) {
        const t = service.getState().timings;
        rec.previews.push({ at: performance.now(), decodeMs: t.decodeMs, maskMs: t.maskMs ?? null });
      }
      shown = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    return performance.now();
  });
}

function stopRecording(page) {
  return page.evaluate(() => {
    const rec = window.__medsamDragRecord;
    rec.stopped = true;
    rec.observer.takeRecords().forEach(e => rec.longTasks.push({ start: e.startTime, ms: e.duration }));
    rec.observer.disconnect();
    return { longTasks: rec.longTasks, previews: rec.previews, now: performance.now() };
  });
}

test(`drag speed: box preview over ${DRAG_MOVES} mouse moves on an encoded slice (real model, WASM)`, async ({
  stack,
  openPage,
  log,
}) => {
  test.setTimeout(240000);
  const ct = sample(stack, 'ct-abdomen-20slice');
  const reference = ct20Labels();
  const { page, tool, state } = await openWithModel(openPage, stack, ct, null);
  assert.equal(state.model.id, 'litemedsam', 'the default model is LiteMedSAM');

  const largest = largestLabelSlice(reference, TS_LABEL.liver);
  const chosen = { ...largest, liver: largest.mask };
  await tool.showSlice(await tool.sliceOfSop(chosen.sop));
  await tool.activateBoxTool();
  const liverBox = maskBox(chosen.liver, reference.columns, reference.rows, PAD);

  // First box: encodes the slice (the figure before the drag), accepted so the drag below starts a new box.
  const [a, b] = await tool.pagePointsAt([
    [liverBox.x0, liverBox.y0],
    [liverBox.x1, liverBox.y1],
  ]);
  const t0 = Date.now();
  await tool.drag(a, b);
  await tool.waitForPreview(180000);
  const first = await tool.state();
  log(
    `figure: first box ${Date.now() - t0} ms (encode ${fmtMs(first.timings.encodeMs)}, decode ${fmtMs(first.timings.decodeMs)}, mask ${fmtMs(first.timings.maskMs)})`,
  );
  await page.keyboard.press('Enter');
  await tool.waitForNoPreview(60000);

  // Second box, by hand: press at the liver's top-left corner, DRAG_MOVES moves from a small box to the full box.
  const start = [a[0], a[1]];
  const from = [a[0] + (b[0] - a[0]) * 0.2, a[1] + (b[1] - a[1]) * 0.2];
  const began = await startRecording(page);
  await page.mouse.move(start[0], start[1]);
  await page.mouse.down();
  const moveWaits = [];
  const dragStarted = Date.now();
  for (let i = 1; i <= DRAG_MOVES; i++) {
    const f = i / DRAG_MOVES;
    const t = Date.now();
    await page.mouse.move(from[0] + (b[0] - from[0]) * f, from[1] + (b[1] - from[1]) * f);
    moveWaits.push(Date.now() - t);
  }
  const dragMs = Date.now() - dragStarted;
  const duringDrag = await page.evaluate(() => window.__medsamDragRecord.previews.length);
  await page.mouse.up();
  await tool.waitForPreview(120000);
  const rec = await stopRecording(page);

  const finalBox = await tool.previewBox();
  const [corner] = await tool.imagePointsAt([b]);
  const previews = rec.previews.length;
  const spanS = (rec.previews.length ? rec.previews.at(-1).at - began : rec.now - began) / 1000;
  const decodes = rec.previews.map(p => p.decodeMs).filter(v => typeof v === 'number');
  const masks = rec.previews.map(p => p.maskMs).filter(v => typeof v === 'number');
  const longest = rec.longTasks.reduce((m, t) => Math.max(m, t.ms), 0);
  const longSum = rec.longTasks.reduce((s, t) => s + t.ms, 0);
  log(
    `figure: drag of ${DRAG_MOVES} mouse moves took ${dragMs} ms; each move waited p50 ${fmtMs(p50(moveWaits))}, max ${fmtMs(Math.max(...moveWaits))}`,
  );
  log(
    `figure: previews shown ${previews} (${duringDrag} while the button was down) in ${spanS.toFixed(1)} s: ${(previews / spanS).toFixed(2)} previews/s`,
  );
  log(`figure: decode p50 ${fmtMs(p50(decodes))}, box-to-mask p50 ${fmtMs(p50(masks))}`);
  log(
    `figure: longest main-thread task ${fmtMs(longest)} (${rec.longTasks.length} long tasks, ${fmtMs(longSum)} in all)`,
  );

  assert.ok(duringDrag >= 1, 'at least one preview while dragging');
  assert.ok(finalBox, 'a preview is live after the drag');
  assert.ok(
    Math.abs(finalBox.x1 - corner[0]) <= 1.5 && Math.abs(finalBox.y1 - corner[1]) <= 1.5,
    `the last preview's box ${JSON.stringify(finalBox)} ends where the mouse was released ${corner.slice(0, 2)}`,
  );
  const live = await page.evaluate(() => {
    const c = window.services.medsamService.preview.current;
    return (
      c &&
      c.shownBox &&
      c.box &&
      c.shownBox.x0 === c.box.x0 &&
      c.shownBox.y0 === c.box.y0 &&
      c.shownBox.x1 === c.box.x1 &&
      c.shownBox.y1 === c.box.y1
    );
  });
  assert.ok(live, 'the mask shown is the final box’s');
  await page.keyboard.press('Escape');
  await tool.waitForNoPreview(30000);
});
