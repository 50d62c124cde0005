// The WebGPU path, through Chromium's software adapter (SwiftShader): functional checks only, about 40x slower
// than WASM here and worthless for timing. The same box tool and checks as medsam-box.spec.mjs, on WebGPU.
import assert from 'node:assert/strict';
import { launchWebGpuBrowser, WEBGPU_FLAGS } from '../browser.mjs';
import { MedsamTool, MedsamViewer, overlap } from '../pages.mjs';
import { test } from '../test.mjs';

const sample = (stack, name) => stack.samples.find(x => x.name === name);
const boxFrom = ([a, b]) => ({
  x0: Math.min(a[0], b[0]),
  y0: Math.min(a[1], b[1]),
  x1: Math.max(a[0], b[0]),
  y1: Math.max(a[1], b[1]),
});
const ms = v => (v === null || v === undefined ? '–' : `${Math.round(v)} ms`);

/** Opens the study in the MedSAM mode with a model and a device, waits for the model, activates the box tool. */
async function openOn(ctx, browser, study, model, provider) {
  const { page } = await ctx.openPage({ browser });
  const viewer = new MedsamViewer(page, ctx.stack.origin);
  await viewer.open(study.StudyInstanceUID, { medsamModel: model, medsamProvider: provider });
  await viewer.waitForRenderedSeries(study.SeriesInstanceUID);
  const tool = new MedsamTool(page);
  const state = await tool.waitForModel(180000);
  assert.equal(state.status, 'ready', `${model} on ${provider}: ${state.message}`);
  await tool.activateBoxTool();
  return { page, tool, state };
}

/** Draws the same box (fractions of the viewport) in a page, accepts it, returns the labelmap and the box. */
async function drawAndAccept(tool, page, timeout) {
  const vp = await tool.viewport();
  const from = [vp.left + vp.width * 0.3, vp.top + vp.height * 0.36];
  const to = [vp.left + vp.width * 0.6, vp.top + vp.height * 0.52];
  await tool.drag(from, to, 4);
  await tool.waitForPreview(timeout);
  await page.keyboard.press('Enter');
  await tool.waitForNoPreview(timeout);
  return {
    labelmap: await tool.labelmapOfShownSlice(),
    box: boxFrom(await tool.imagePointsAt([from, to])),
    state: await tool.state(),
  };
}

async function adapterOf(page) {
  return page.evaluate(async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    return adapter ? `${adapter.info?.vendor ?? '?'} ${adapter.info?.architecture ?? '?'}` : null;
  });
}

// On SwiftShader with 2 cores a first box takes about 100 s on WebGPU (the first encoder run: 77 s even for the
// trivial box-oracle graph, 84 s for the tiny model; decoder 0.4 s and 16 s), so one test covers the path.
test('WebGPU (SwiftShader adapter): the tiny random model runs on WebGPU and gives the WASM mask', async ({
  stack,
  browser: wasmBrowser,
  openPage,
  log,
}) => {
  test.setTimeout(540000);
  const ctx = { stack, openPage, log };
  const ct = sample(ctx.stack, 'ct-liver-3slice');
  const cpu = await openOn(ctx, wasmBrowser, ct, 'tiny-random', 'wasm');
  assert.equal(await cpu.tool.panelValue('device'), 'WASM');
  const onCpu = await drawAndAccept(cpu.tool, cpu.page, 120000);

  const browser = await launchWebGpuBrowser();
  try {
    const gpu = await openOn(ctx, browser, ct, 'tiny-random', 'webgpu');
    const adapter = await adapterOf(gpu.page);
    assert.ok(adapter, `Chromium gives a WebGPU adapter with ${WEBGPU_FLAGS.join(' ')}`);
    assert.equal(await gpu.tool.panelValue('device'), 'WebGPU');
    const onGpu = await drawAndAccept(gpu.tool, gpu.page, 420000);
    const same = overlap(onGpu.labelmap.values, onCpu.labelmap.values);
    ctx.log(
      `adapter ${adapter}; box ${[onGpu.box.x0, onGpu.box.y0, onGpu.box.x1, onGpu.box.y1].map(v => v.toFixed(1)).join(', ')}`,
    );
    ctx.log(
      `WASM: encode ${ms(onCpu.state.timings.encodeMs)}, decode ${ms(onCpu.state.timings.decodeMs)}; WebGPU: encode ${ms(onGpu.state.timings.encodeMs)}, decode ${ms(onGpu.state.timings.decodeMs)}`,
    );
    ctx.log(`mask WebGPU ${same.a} px, WASM ${same.b} px, IoU ${same.iou.toFixed(4)}`);
    assert.equal(onGpu.state.device, 'webgpu');
    assert.ok(same.b > 0, 'the WASM mask is not empty');
    assert.ok(same.iou >= 0.95, `WebGPU and WASM masks agree (IoU ${same.iou})`);
  } finally {
    await browser.close();
  }
});
