// The viewer host: study list with the sample studies, the MedSAM mode offered and opened, the CT rendered,
// the MedSAM panel mounted. (The runner fails any test whose pages sent a request off the origin.)
import assert from 'node:assert/strict';
import path from 'node:path';
import { MedsamTool, MedsamViewer, StudyList } from '../pages.mjs';
import { test } from '../test.mjs';

const sample = (stack, name) => {
  const s = stack.samples.find(x => x.name === name);
  assert.ok(s, `sample ${name} in tests/data/samples.json`);
  return s;
};
/** The study list shows DICOM person names as "Family, Given". */
const listedName = patientName => patientName.split('^').filter(Boolean).join(', ');

test('study list shows the sample CT studies', async ({ stack, openPage, log }) => {
  const { page } = await openPage();
  const list = new StudyList(page, stack.origin);
  await list.open();
  for (const study of stack.samples) {
    const row = list.row(listedName(study.PatientName));
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, new RegExp(`\\b${study.Modality}\\b`), `${study.name} row shows ${study.Modality}: ${text}`);
    assert.match(
      text,
      new RegExp(`\\b${study.instances}\\b`),
      `${study.name} row shows ${study.instances} instances: ${text}`,
    );
    log(`${study.name}: ${text.replace(/\s+/g, ' ').trim()}`);
  }
});

test('study list offers the MedSAM mode and launches it', async ({ stack, openPage, log }) => {
  const ct = sample(stack, 'ct-abdomen-20slice');
  const { page } = await openPage();
  const list = new StudyList(page, stack.origin);
  await list.open();
  const workflows = await list.workflowsFor(listedName(ct.PatientName));
  log(`workflows: ${workflows.join(', ')}`);
  assert.ok(workflows.includes('MedSAM'), `MedSAM among ${workflows.join(', ')}`);
  await list.launch('MedSAM');
  await page.waitForURL(url => new URL(url).pathname === '/medsam');
  assert.equal(new URL(page.url()).searchParams.get('StudyInstanceUIDs'), ct.StudyInstanceUID);
  await new MedsamViewer(page, stack.origin).panel().waitFor();
});

test('MedSAM mode renders the 20-slice CT (JPEG 2000) and shows the MedSAM panel', async ({
  stack,
  openPage,
  outDir,
  log,
}) => {
  const ct = sample(stack, 'ct-abdomen-20slice');
  const { page, pageErrors } = await openPage();
  const viewer = new MedsamViewer(page, stack.origin);
  await viewer.open(ct.StudyInstanceUID);

  const shown = await viewer.waitForRenderedSeries(ct.SeriesInstanceUID);
  log(`rendered ${shown.imageId.slice(0, 60)}... (${shown.imageCount} images, ${shown.renders} renders)`);
  assert.equal(shown.imageCount, ct.instances);

  const panel = viewer.panel();
  await panel.waitFor();
  assert.equal(await panel.locator('[data-cy="medsam-panel-title"]').innerText(), 'MedSAM');
  for (const field of ['medsam-model', 'medsam-device', 'medsam-status']) {
    assert.equal(await panel.locator(`[data-cy="${field}"]`).count(), 1, `${field} in the panel`);
  }
  log(`panel: ${(await panel.innerText()).replace(/\s+/g, ' ')}`);

  const stats = await viewer.viewportPixelStats();
  log(
    `viewport ${stats.width}x${stats.height}: mean ${stats.mean.toFixed(1)}, std ${stats.std.toFixed(1)}, lit ${(100 * stats.litFraction).toFixed(1)}%`,
  );
  assert.ok(
    stats.std > 20 && stats.litFraction > 0.05,
    `the viewport shows an image (std ${stats.std}, lit ${stats.litFraction})`,
  );

  const crossOriginIsolated = await page.evaluate(() => self.crossOriginIsolated);
  assert.equal(crossOriginIsolated, true, 'COOP/COEP make the page cross-origin isolated');
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');

  const file = path.join(outDir, 'medsam-mode-ct20.png');
  await page.screenshot({ path: file });
  log(`screenshot ${path.relative(process.cwd(), file)}`);
});

test('MedSAM mode renders the 3-slice CT (implicit VR little endian)', async ({ stack, openPage, log }) => {
  const ct = sample(stack, 'ct-liver-3slice');
  const { page } = await openPage();
  const viewer = new MedsamViewer(page, stack.origin);
  await viewer.open(ct.StudyInstanceUID);
  const shown = await viewer.waitForRenderedSeries(ct.SeriesInstanceUID);
  assert.equal(shown.imageCount, ct.instances);
  const stats = await viewer.viewportPixelStats();
  log(`viewport: std ${stats.std.toFixed(1)}, lit ${(100 * stats.litFraction).toFixed(1)}%`);
  assert.ok(stats.std > 20 && stats.litFraction > 0.05, 'the viewport shows an image');
  await viewer.panel().waitFor();
});

test('MedSAM panel follows the service state and survives switching panels', async ({ stack, openPage, log }) => {
  const ct = sample(stack, 'ct-abdomen-20slice');
  const { page } = await openPage();
  const viewer = new MedsamViewer(page, stack.origin);
  await viewer.open(ct.StudyInstanceUID, { medsamModel: 'box-oracle' });
  await viewer.panel().waitFor();

  // Another right-hand panel, then back: the panel's own React root is unmounted and mounted again.
  await page.locator('[data-cy="panelSegmentationWithToolsLabelMap-btn"]').click();
  await viewer.panel().waitFor({ state: 'detached' });
  await page.locator('[data-cy="medsam-btn"]').click();
  await viewer.panel().waitFor();

  // The engine reports through the OHIF service (the mode loads the model named in the URL); the panel re-renders
  // from the service's state, and the command reads the same state.
  const state = await new MedsamTool(page).waitForModel();
  assert.equal(state.status, 'ready', `box oracle loaded: ${state.message}`);
  await viewer.panel().locator('[data-cy="medsam-test-model"]').waitFor();
  const value = field => viewer.panel().locator(`[data-cy="${field}-value"]`).innerText();
  assert.equal(await value('medsam-device'), 'WASM');
  assert.match(await value('medsam-status'), /^(ready|encoding)$/);
  assert.match(await value('medsam-load-time'), /^\d+ ms$/);
  const fromCommand = await page.evaluate(() => window.commandsManager.runCommand('getMedsamState'));
  assert.equal(fromCommand?.device, 'wasm');
  assert.equal(fromCommand?.model?.id, 'box-oracle');
  log(`panel: ${(await viewer.panel().innerText()).replace(/\s+/g, ' ')}`);
});
