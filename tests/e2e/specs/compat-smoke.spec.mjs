// The smoke test that every prebuilt OHIF version is held to (npm run test:compat runs it once per version with
// OHIF_VERSION; the normal end-to-end run runs it on the default version): the study list offers the MedSAM mode and
// launches it with the real model (LiteMedSAM); 'm' and the toolbar button give the box tool; a box drawn with the
// mouse around the liver of the 20-slice CT gives the liver; Accept writes it into the host's labelmap; Save to PACS
// stores a SEG that QIDO finds; after a reload the host lists the SEG and loads it back to the same voxels. Each
// step's time is logged as a 'compat:' line, which test:compat puts in its table.
// Two more tests play a viewer MedSAM cannot use on each real host (the built mode or extension loaded through a
// wrapper that hides a piece): it must say why in the panel and the console, and the viewer must keep working.
import assert from 'node:assert/strict';
import { TS_LABEL, ct20Labels, largestLabelSlice, maskBox } from '../fixtures/references.mjs';
import { getJson, onCt, segSeries, value } from '../fixtures/archive.mjs';
import { MedsamTool, MedsamViewer, overlap, sample, sopOfImageId, StudyList } from '../pages.mjs';
import { test } from '../test.mjs';

const PAD = 5; // as in the real-model spec: the TotalSegmentator bounding box plus 5 px
const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

/** Runs a step and records how long it took; a failure names the step. */
async function step(times, name, fn) {
  const started = Date.now();
  try {
    return await fn();
  } catch (e) {
    e.message = `${name}: ${e.message}`;
    throw e;
  } finally {
    times.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

test(
  'compat smoke: study list -> MedSAM mode, real model box -> liver mask, accept, Save to PACS, reload shows the SEG',
  onCt(async ({ stack, openPage, log }, ct, before) => {
    test.setTimeout(240000);
    const times = [];
    const version = stack.viewerVersion ?? '?';
    let consoleErrors = [];
    try {
      const reference = ct20Labels();
      // From the study list, as a user opens it: the host lists the mode as valid for the study and launches it.
      const opened = await step(times, 'list+open+model', async () => {
        const guarded = await openPage();
        const list = new StudyList(guarded.page, stack.origin);
        await list.open();
        await list.row(ct.PatientName.split('^').filter(Boolean).join(', ')).click();
        const launch = guarded.page.getByRole('button', { name: 'MedSAM', exact: true });
        await launch.first().waitFor();
        assert.ok(await launch.first().isEnabled(), 'the study list offers the MedSAM mode for the CT');
        await launch.first().click();
        await guarded.page.waitForURL(url => new URL(url).pathname === '/medsam');
        assert.equal(new URL(guarded.page.url()).searchParams.get('StudyInstanceUIDs'), ct.StudyInstanceUID);
        await new MedsamViewer(guarded.page, stack.origin).waitForRenderedSeries(ct.SeriesInstanceUID);
        const tool = new MedsamTool(guarded.page);
        const state = await tool.waitForModel();
        assert.equal(state.status, 'ready', `model loaded: ${state.message}`);
        return { ...guarded, tool, state };
      });
      const { page, tool, state, pageErrors } = opened;
      consoleErrors = opened.consoleErrors;
      assert.equal(state.model.id, 'litemedsam', 'the default model is LiteMedSAM');

      const largest = largestLabelSlice(reference, TS_LABEL.liver);
      const chosen = { ...largest, liver: largest.mask };
      const dice = await step(times, 'box->mask', async () => {
        const slice = await tool.sliceOfSop(chosen.sop);
        assert.ok(slice >= 0, 'the liver slice is in the viewport');
        await tool.showSlice(slice);
        // The hotkey (the host's hotkey customization) and the toolbar button (the host's toolbar sections).
        await tool.activateToolByKey('m', 'MedsamBox');
        await tool.activateBoxTool();
        const box = maskBox(chosen.liver, reference.columns, reference.rows, PAD);
        const [a, b] = await tool.pagePointsAt([
          [box.x0, box.y0],
          [box.x1, box.y1],
        ]);
        await tool.drag(a, b);
        await tool.waitForPreview(120000);
        // Accept with the panel's button, as a user would: the panel must be reachable on every host.
        await tool.openPanel();
        await page.locator('[data-cy="medsam-box-accept"]').click();
        await tool.waitForNoPreview(60000);
        const shown = await tool.labelmapOfShownSlice();
        assert.ok(shown, 'the box created a segmentation in the host');
        assert.equal(sopOfImageId(shown.imageId), chosen.sop);
        return overlap(
          Uint8Array.from(shown.values, v => (v ? 1 : 0)),
          chosen.liver,
        );
      });
      log(
        `compat: @ohif/app@${version} liver Dice vs TotalSegmentator ${dice.dice.toFixed(4)} (viewer ${dice.a} px, reference ${dice.b} px)`,
      );
      assert.ok(dice.dice >= 0.93, `liver Dice ${dice.dice} >= 0.93`);
      const expected = await tool.labelmapBySop();

      const saved = await step(times, 'save', async () => {
        const s = await tool.save();
        assert.equal(s.save.status, 'stored', s.save.message);
        const uid = s.save.seriesInstanceUid;
        const after = await segSeries(stack.origin, ct.StudyInstanceUID);
        assert.ok(!before.includes(uid) && after.includes(uid), `QIDO finds the new SEG series ${uid}`);
        const [inst] = await getJson(
          `${stack.origin}/dicom-web/studies/${ct.StudyInstanceUID}/series/${uid}/instances`,
        );
        assert.equal(value(inst, '00080016'), SEG_SOP_CLASS, 'a classic binary SEG (66.4)');
        return uid;
      });

      const hydrated = await step(times, 'reload+SEG', async () => {
        await page.reload();
        await tool.waitForModel();
        await page.waitForFunction(
          uid =>
            window.services.displaySetService
              .getActiveDisplaySets()
              .some(ds => ds.SeriesInstanceUID === uid && ds.Modality === 'SEG'),
          saved,
          { timeout: 60000, polling: 200 },
        );
        // The host's own SEG extension loads it: the same voxels as the labelmap that was accepted.
        const segmentationId = await page.evaluate(async uid => {
          const ds = window.services.displaySetService.getActiveDisplaySets().find(d => d.SeriesInstanceUID === uid);
          await ds.load({ headers: {} });
          return ds.displaySetInstanceUID;
        }, saved);
        await page.waitForFunction(id => !!window.services.segmentationService.getSegmentation(id), segmentationId, {
          timeout: 60000,
          polling: 200,
        });
        const loaded = await tool.labelmapBySop(segmentationId);
        let voxels = 0;
        let differing = 0;
        for (const [sop, indices] of Object.entries(expected)) {
          const got = new Set(loaded[sop] ?? []);
          voxels += got.size;
          differing += indices.filter(i => !got.has(i)).length + [...got].filter(i => !indices.includes(i)).length;
        }
        return { voxels, differing };
      });
      const acceptedVoxels = Object.values(expected).reduce((n, v) => n + v.length, 0);
      log(
        `compat: @ohif/app@${version} SEG ${saved} loaded back by the host: ${hydrated.voxels} voxels, accepted ${acceptedVoxels}, ${hydrated.differing} differing`,
      );
      assert.equal(hydrated.differing, 0, 'the SEG loaded back equals the accepted labelmap voxel for voxel');
      assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
    } finally {
      log(`compat: @ohif/app@${version} steps: ${times.join(', ')}`);
      // Not a failure (the hosts log their own errors, e.g. a missing favicon); shown to compare versions.
      const distinct = [...new Set(consoleErrors.map(e => e.slice(0, 160)))];
      log(
        `compat: @ohif/app@${version} console errors: ${consoleErrors.length}${distinct.length ? `: ${distinct.slice(0, 3).join(' | ')}` : ''}`,
      );
    }
  }),
);

test('compat: a viewer without a segmentation mode to extend: MedSAM not launchable, the reason in the panel and the console, the viewer works', async ({
  stack,
  openPage,
  log,
}) => {
  const version = stack.viewerVersion ?? '?';
  const ct = sample(stack, 'ct-abdomen-20slice');
  const { page, context, consoleErrors, pageErrors } = await openPage();
  // The built mode, loaded through a wrapper whose loadModules finds no @ohif/mode-segmentation: what a viewer
  // without it (or with one of another shape) gives the mode.
  const modeUrl = url => url.pathname === '/medsam-plugin/mode-medsam/index.js' && !url.search;
  await context.route(modeUrl, route =>
    route.fulfill({
      contentType: 'text/javascript',
      body: [
        "import mode from '/medsam-plugin/mode-medsam/index.js?real';",
        'export default { ...mode, modeFactory: args => mode.modeFactory({ ...args, loadModules: async () => [undefined] }) };',
      ].join('\n'),
    }),
  );
  const list = new StudyList(page, stack.origin);
  await list.open();
  await list.row(ct.PatientName.split('^').filter(Boolean).join(', ')).click();
  const offered = page.getByRole('button', { name: 'Segmentation', exact: true });
  await offered.first().waitFor();
  assert.ok(await offered.first().isEnabled(), "the host's own modes are still offered");
  // 3.11/3.12 list an invalid mode greyed out with its reason; 3.13 and later leave it out of "Launch workflow".
  const unavailable = page.getByRole('button', { name: 'MedSAM (unavailable)', exact: true });
  const listed = await unavailable.count();
  assert.equal(
    await page.getByRole('button', { name: 'MedSAM', exact: true }).count(),
    0,
    'MedSAM is not offered as launchable',
  );

  await new MedsamViewer(page, stack.origin).open(ct.StudyInstanceUID);
  await new MedsamViewer(page, stack.origin).waitForRenderedSeries(ct.SeriesInstanceUID);
  await page.waitForFunction(() => window.services.medsamService.getState().status === 'error', null, {
    timeout: 30000,
  });
  const state = await page.evaluate(() => window.services.medsamService.getState());
  const shown = await page.locator('[data-cy="medsam-panel"]').innerText();
  log(
    `compat: @ohif/app@${version} unavailable: ${listed ? 'listed greyed out' : 'not listed'} in the study list; panel "${state.message}"`,
  );
  assert.match(state.message, /MedSAM mode: this viewer has no usable @ohif\/mode-segmentation/);
  assert.ok(shown.includes('this viewer has no usable @ohif/mode-segmentation'), 'the panel shows the reason');
  assert.equal(state.model, null, 'no model was downloaded');
  const said = consoleErrors.filter(e => e.includes('this viewer has no usable @ohif/mode-segmentation'));
  assert.ok(said.length >= 1, 'the console says why');
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});

test('compat: a viewer whose cornerstone3D lacks LabelmapBaseTool: one message naming it in the panel and the console, no model download', async ({
  stack,
  openPage,
  log,
}) => {
  const version = stack.viewerVersion ?? '?';
  const ct = sample(stack, 'ct-abdomen-20slice');
  const { page, context, consoleErrors, pageErrors } = await openPage();
  // The built extension, handed the host's cornerstone3D without LabelmapBaseTool (as an older cornerstone3D has
  // none) on mode entry.
  const extensionUrl = url => url.pathname === '/medsam-plugin/extension-medsam/index.js' && !url.search;
  await context.route(extensionUrl, route =>
    route.fulfill({
      contentType: 'text/javascript',
      body: [
        "import extension from '/medsam-plugin/extension-medsam/index.js?real';",
        'const UTILITY = "@ohif/extension-cornerstone.utilityModule.common";',
        'function older(manager) {',
        '  const m = Object.create(manager);',
        '  m.getModuleEntry = id => {',
        '    const entry = manager.getModuleEntry(id);',
        '    if (id !== UTILITY || !entry) return entry;',
        '    const libraries = entry.exports.getCornerstoneLibraries();',
        '    const cornerstoneTools = { ...libraries.cornerstoneTools, LabelmapBaseTool: undefined };',
        '    return { ...entry, exports: { ...entry.exports, getCornerstoneLibraries: () => ({ ...libraries, cornerstoneTools }) } };',
        '  };',
        '  return m;',
        '}',
        'export default { ...extension, onModeEnter: args => extension.onModeEnter({ ...args, extensionManager: older(args.extensionManager) }) };',
      ].join('\n'),
    }),
  );
  const viewer = new MedsamViewer(page, stack.origin);
  await viewer.open(ct.StudyInstanceUID);
  await viewer.waitForRenderedSeries(ct.SeriesInstanceUID);
  await viewer.panel().waitFor();
  await page.waitForFunction(() => window.services.medsamService.getState().status === 'error', null, {
    timeout: 30000,
  });
  const state = await page.evaluate(() => window.services.medsamService.getState());
  log(`compat: @ohif/app@${version} lacking LabelmapBaseTool: panel "${state.message}"`);
  assert.match(state.message, /^MedSAM cannot run in this viewer: it lacks cornerstone3D tools LabelmapBaseTool/);
  assert.ok(
    (await viewer.panel().innerText()).includes('MedSAM cannot run in this viewer'),
    'the panel shows the message',
  );
  assert.equal(
    consoleErrors.filter(e => e.startsWith('MedSAM cannot run in this viewer')).length,
    1,
    'said once in the console',
  );
  assert.equal(state.model, null, 'no model was downloaded');
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});
