// Save to PACS in the real viewer: a box (box oracle) accepted into the labelmap, "Save to PACS" writes a binary SEG and
// stores it in Orthanc through the same-origin /dicom-web proxy. The test then finds it with QIDO, retrieves it with
// WADO-RS and decodes it here with the project's reader (run in Node, not in the page) against the labelmap read from
// the page, and checks that a reload shows it as a SEG display set. The failure tests stop Orthanc (or make the store
// answer 200 with an empty stored list): the SEG must wait in the outbox, survive a reload, and be stored by Retry.
// The panel's choices: a target picked in the picker codes the stored segment, Label Map gives SOP class 66.7, and
// Discard (asked twice) empties the outbox.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../harness.mjs';
import { MedsamTool, MedsamViewer } from '../pages.mjs';
import { getJson, onCt, segSeries, storedOutboxEntries, value } from '../fixtures/archive.mjs';
import { test } from '../test.mjs';

const require = createRequire(import.meta.url);
require(path.join(root, 'extension-medsam/bin/register-ts.cjs'));
const { readSeg } = require(path.join(root, 'extension-medsam/src/seg/reader.ts'));
const { parseMultipart } = require(path.join(root, 'extension-medsam/src/seg/multipart.ts'));
const { sourceFromDicomJson } = require(path.join(root, 'extension-medsam/src/seg/source.ts'));
const { dciodvfy, dciodvfyPath } = require(path.join(root, 'tests/seg/validators.ts'));
const { targetById } = require(path.join(root, 'extension-medsam/src/seg/codes.ts'));

const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
const LABELMAP_SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.7';
/** Opens the study in the MedSAM mode with the box oracle, draws a box on the shown slice and accepts it. */
async function boxAccepted(openPage, stack, study, { secondSlice = false } = {}) {
  const guarded = await openPage();
  const { page } = guarded;
  const viewer = new MedsamViewer(page, stack.origin);
  await viewer.open(study.StudyInstanceUID, { medsamModel: 'box-oracle' });
  await viewer.waitForRenderedSeries(study.SeriesInstanceUID);
  const tool = new MedsamTool(page);
  const state = await tool.waitForModel();
  assert.equal(state.status, 'ready', `model loaded: ${state.message}`);
  await tool.acceptDraggedBox();
  if (secondSlice) {
    // A second box on a slice 7 further on (or back), so that the SEG spans slices and the slice mapping is tested.
    await page.evaluate(async () => {
      const { viewport } = window.cornerstone.getEnabledElements()[0];
      const n = viewport.getImageIds().length;
      const k = viewport.getCurrentImageIdIndex();
      await viewport.setImageIdIndex(k + 7 < n ? k + 7 : k - 7);
    });
    await page.waitForTimeout(500);
    await tool.acceptDraggedBox([0.45, 0.5], [0.7, 0.62]);
  }
  return { ...guarded, viewer, tool };
}

/** The labelmap of every slice of the viewport, as foreground voxel indices per source SOP Instance UID. */
function labelmapBySop(page, segmentationId = null) {
  return page.evaluate(segmentationId => {
    const { viewport } = window.cornerstone.getEnabledElements()[0];
    const active = segmentationId
      ? { segmentationId }
      : window.services.segmentationService.getActiveSegmentation(viewport.id);
    const out = {};
    for (const imageId of viewport.getImageIds()) {
      const sop = window.cornerstone.metaData.get('instance', imageId)?.SOPInstanceUID;
      const ids = window.cornerstoneTools.segmentation.getLabelmapImageIdsForImageId(imageId, active.segmentationId);
      const indices = [];
      for (const id of ids) {
        const image = window.cornerstone.cache.getImage(id);
        const values = image.voxelManager ? image.voxelManager.getScalarData() : image.getPixelData();
        for (let i = 0; i < values.length; i++) if (values[i] === 1) indices.push(i);
      }
      out[sop] = indices;
    }
    return out;
  }, segmentationId);
}

const openPanel = page => new MedsamTool(page).openPanel();

async function clickSave(page) {
  await openPanel(page);
  await page.locator('[data-cy="medsam-save"]').click();
  await page.waitForFunction(
    () => ['stored', 'failed'].includes(window.services.medsamService.getState().save.status),
    null,
    { timeout: 60000, polling: 100 },
  );
  return page.evaluate(() => window.services.medsamService.getState());
}

const outboxCount = page => page.locator('[data-cy="medsam-outbox"]').getAttribute('data-count').then(Number);

test(
  'Save to PACS: box -> accept -> Save -> QIDO finds the SEG -> WADO-RS bytes decode to the labelmap, voxel for voxel -> reload shows it',
  onCt(saveAndReadBack),
);
test(
  'Save to PACS with Orthanc stopped: the failure is shown, the SEG waits in the outbox (across a reload), Retry after Orthanc is back stores it',
  onCt(orthancStopped),
);
test(
  'Save to PACS with a target chosen in the picker (Liver) as a Label Map: the stored SEG is 66.7 and codes the segment as liver',
  onCt(pickedTargetLabelMap),
);
test("A hand edit with the viewer's eraser after MedSAM makes the saved segment MANUAL", onCt(handEditIsManual));
test(
  'Discard in the outbox: with Orthanc stopped the SEG waits, Discard asks once more, then the outbox (and its IndexedDB store) is empty',
  onCt(discardFromOutbox),
);
test(
  'Save to PACS answered 200 with an empty stored list: not taken for a success, the SEG waits in the outbox, Retry stores it',
  onCt(emptyStoredList),
);

async function saveAndReadBack({ stack, openPage, outDir, log }, ct, before) {
  const { page, viewer } = await boxAccepted(openPage, stack, ct, { secondSlice: true });
  const expected = await labelmapBySop(page);

  const state = await clickSave(page);
  log(`panel: ${state.save.status}: ${state.save.message.split('\n').join(' | ')}`);
  assert.equal(state.save.status, 'stored', state.save.message);
  assert.equal(await outboxCount(page), 0, 'nothing in the outbox');
  const uid = state.save.seriesInstanceUid;
  assert.ok(
    (await page.locator('[data-cy="medsam-save-result"]').innerText()).includes(uid),
    'the panel names the series',
  );

  // QIDO-RS from the test, through the viewer's origin.
  const after = await segSeries(stack.origin, ct.StudyInstanceUID);
  assert.ok(!before.includes(uid) && after.includes(uid), `QIDO finds the new SEG series ${uid}`);
  const [inst] = await getJson(`${stack.origin}/dicom-web/studies/${ct.StudyInstanceUID}/series/${uid}/instances`);
  assert.equal(value(inst, '00080016'), SEG_SOP_CLASS, 'a classic binary SEG (66.4)');
  const sop = value(inst, '00080018');

  // WADO-RS retrieve of the instance, decoded here with the project's reader on the source slices.
  const r = await fetch(`${stack.origin}/dicom-web/studies/${ct.StudyInstanceUID}/series/${uid}/instances/${sop}`, {
    headers: { Accept: 'multipart/related; type="application/dicom"' },
  });
  assert.equal(r.status, 200);
  const [part] = parseMultipart(new Uint8Array(await r.arrayBuffer()), r.headers.get('content-type'));
  const sourceMeta = await getJson(
    `${stack.origin}/dicom-web/studies/${ct.StudyInstanceUID}/series/${ct.SeriesInstanceUID}/metadata`,
  );
  const slices = sourceMeta.map(m => ({ ...sourceFromDicomJson(m), sopInstanceUid: value(m, '00080018') }));
  const seg = readSeg(part.bytes, slices);
  assert.equal(seg.segmentationType, 'BINARY');
  assert.equal(seg.segments.length, 1);
  let segVoxels = 0;
  let labelVoxels = 0;
  let mismatches = 0;
  let slicesWithMask = 0;
  slices.forEach((slice, k) => {
    const mask = seg.masks[0][k];
    const want = new Set(expected[slice.sopInstanceUid]);
    assert.ok(expected[slice.sopInstanceUid], `the labelmap has slice ${slice.sopInstanceUid}`);
    let n = 0;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) n++;
      if (!!mask[i] !== want.has(i)) mismatches++;
    }
    segVoxels += n;
    labelVoxels += want.size;
    if (n) slicesWithMask++;
  });
  log(
    `SEG ${sop}: ${part.bytes.length} bytes, segment "${seg.segments[0].label}", ${slicesWithMask} of ${slices.length} slices with foreground; SEG ${segVoxels} voxels, labelmap ${labelVoxels} voxels, ${mismatches} differing`,
  );
  assert.ok(labelVoxels > 0, 'the accepted labelmap is not empty');
  assert.equal(slicesWithMask, 2, 'both boxed slices are in the SEG');
  assert.equal(mismatches, 0, 'the stored SEG equals the accepted labelmap voxel for voxel');
  assert.equal(segVoxels, labelVoxels);

  // The file as Orthanc gives it back is a valid SEG IOD (dicom3tools).
  const file = path.join(outDir, 'medsam-save-viewer.seg.dcm');
  fs.writeFileSync(file, part.bytes);
  if (dciodvfyPath()) {
    const v = dciodvfy(file);
    log(
      `dciodvfy ${path.basename(file)}: ${v.errors.length} errors, ${v.warnings.length} warnings${v.warnings.length ? `: ${v.warnings.join(' / ')}` : ''}`,
    );
    assert.deepEqual(v.errors, [], 'dciodvfy finds no error');
  } else log('dciodvfy not installed: IOD check skipped');

  // Reload: the study now holds a SEG display set (OHIF lists it in the study browser).
  await page.reload();
  await viewer.waitForRenderedSeries(ct.SeriesInstanceUID);
  const shown = await page.waitForFunction(
    uid =>
      window.services.displaySetService
        .getActiveDisplaySets()
        .find(ds => ds.SeriesInstanceUID === uid && ds.Modality === 'SEG') && {
        uid,
        count: window.services.displaySetService.getActiveDisplaySets().length,
      },
    uid,
    { timeout: 30000, polling: 200 },
  );
  log(
    `after reload: SEG display set ${(await shown.jsonValue()).uid} among ${(await shown.jsonValue()).count} display sets`,
  );

  // Hydration in OHIF: the SEG display set loaded by the viewer's own SEG extension gives the same labelmap.
  const segmentationId = await page.evaluate(async uid => {
    const ds = window.services.displaySetService.getActiveDisplaySets().find(d => d.SeriesInstanceUID === uid);
    await ds.load({ headers: {} });
    return ds.displaySetInstanceUID;
  }, uid);
  await page.waitForFunction(id => !!window.services.segmentationService.getSegmentation(id), segmentationId, {
    timeout: 30000,
    polling: 200,
  });
  const hydrated = await labelmapBySop(page, segmentationId);
  let hydratedVoxels = 0;
  let hydratedMismatches = 0;
  for (const [sopUid, indices] of Object.entries(expected)) {
    const got = new Set(hydrated[sopUid] ?? []);
    hydratedVoxels += got.size;
    hydratedMismatches += indices.filter(i => !got.has(i)).length + [...got].filter(i => !indices.includes(i)).length;
  }
  log(
    `OHIF hydrated the SEG (segmentation ${segmentationId}): ${hydratedVoxels} voxels of segment 1, labelmap ${labelVoxels}, ${hydratedMismatches} differing`,
  );
  assert.equal(hydratedMismatches, 0, 'the SEG loaded back in OHIF equals the accepted labelmap voxel for voxel');
}

async function orthancStopped({ stack, openPage, log }, ct, before) {
  const { page, viewer } = await boxAccepted(openPage, stack, ct);
  await stack.orthanc.stop();
  let state;
  try {
    state = await clickSave(page);
    log(`Orthanc stopped -> ${state.save.status}: ${state.save.message.split('\n').join(' | ')}`);
    assert.equal(state.save.status, 'failed');
    assert.match(await page.locator('[data-cy="medsam-save-result"]').innerText(), /Not stored/);
    assert.equal(await outboxCount(page), 1, 'the SEG is in the outbox');
  } finally {
    await stack.orthanc.start();
  }
  // IndexedDB: the entry survives a reload (Orthanc is back, so that the study loads again).
  await page.reload();
  await viewer.waitForRenderedSeries(ct.SeriesInstanceUID);
  await new MedsamTool(page).waitForModel();
  await openPanel(page);
  await page.waitForFunction(() => window.services.medsamService.getState().outbox.length === 1, null, {
    timeout: 15000,
  });
  log(
    `after reload: outbox ${await outboxCount(page)} entry: ${(await page.locator('[data-cy="medsam-outbox-entry"]').innerText()).split('\n').join(' | ')}`,
  );
  assert.deepEqual(await segSeries(stack.origin, ct.StudyInstanceUID), before, 'nothing reached Orthanc yet');
  await page.locator('[data-cy="medsam-outbox-retry"]').click();
  await page.waitForFunction(() => window.services.medsamService.getState().outbox.length === 0, null, {
    timeout: 30000,
    polling: 100,
  });
  assert.equal(await outboxCount(page), 0, 'the outbox is empty after the retry');
  const after = await segSeries(stack.origin, ct.StudyInstanceUID);
  const added = after.filter(u => !before.includes(u));
  log(
    `Orthanc back, Retry -> outbox ${await outboxCount(page)}; QIDO: ${added.length} new SEG series ${added.join(', ')}`,
  );
  assert.deepEqual(added, [state.save.seriesInstanceUid], 'QIDO finds the retried SEG');
}

async function emptyStoredList({ stack, openPage, log }, ct, before) {
  const { page, context } = await boxAccepted(openPage, stack, ct);
  // What Orthanc answers when it drops a file: 200, and neither a stored nor a failed sequence with items.
  const stowUrl = url => url.pathname.startsWith('/dicom-web/studies') && !url.search;
  const handler = route =>
    route.request().method() === 'POST'
      ? route.fulfill({
          status: 200,
          contentType: 'application/dicom+json',
          body: JSON.stringify({
            '00081190': { vr: 'UR', Value: [`${stack.origin}/dicom-web/studies/x`] },
            '00081198': { vr: 'SQ', Value: [] },
            '00081199': { vr: 'SQ', Value: [] },
          }),
        })
      : route.continue();
  await context.route(stowUrl, handler);
  const state = await clickSave(page);
  log(`empty stored list -> ${state.save.status}: ${state.save.message.split('\n').join(' | ')}`);
  assert.equal(state.save.status, 'failed');
  assert.match(state.save.message, /STOW_NOT_STORED/);
  assert.equal(await outboxCount(page), 1);
  assert.deepEqual(await segSeries(stack.origin, ct.StudyInstanceUID), before, 'nothing reached Orthanc');
  await context.unroute(stowUrl, handler);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-cy="medsam-outbox-download"]').click(),
  ]);
  const file = await download.path();
  const { size } = await import('node:fs').then(fs => fs.statSync(file));
  log(`Download: ${download.suggestedFilename()} (${size} bytes)`);
  assert.match(download.suggestedFilename(), /^SEG-[\d.]+\.dcm$/);
  assert.ok(size > 1000, 'the downloaded file holds the SEG');
  await page.locator('[data-cy="medsam-outbox-retry"]').click();
  await page.waitForFunction(() => window.services.medsamService.getState().outbox.length === 0, null, {
    timeout: 30000,
    polling: 100,
  });
  const added = (await segSeries(stack.origin, ct.StudyInstanceUID)).filter(u => !before.includes(u));
  log(`Retry -> outbox ${await outboxCount(page)}; QIDO: new SEG series ${added.join(', ')}`);
  assert.deepEqual(added, [state.save.seriesInstanceUid]);
}

async function pickedTargetLabelMap({ stack, openPage, log }, ct, _before) {
  const { page } = await boxAccepted(openPage, stack, ct);
  await openPanel(page);
  const liver = targetById('liver');
  const input = page.locator('[data-cy="medsam-target-input"]');
  assert.equal(await input.count(), 1, 'one segment, one picker');
  await input.fill('liv');
  const options = page.locator('[data-cy="medsam-target-option"]');
  await options.first().waitFor();
  log(`picker, "liv": ${(await options.allInnerTexts()).join(' | ')}`);
  await page.locator(`[data-cy="medsam-target-option"][data-target-id="${liver.id}"]`).click();
  await page.waitForFunction(
    id => Object.values(window.services.medsamService.getState().targets).some(t => t.id === id),
    liver.id,
    { timeout: 5000 },
  );
  assert.equal(await input.getAttribute('data-target-id'), liver.id, 'the picker shows the choice');
  assert.equal(await input.inputValue(), liver.label);
  const coding = await page.locator('[data-cy="medsam-target-coding"]').innerText();
  assert.ok(coding.includes(liver.type.value), `the panel shows the code: ${coding}`);
  const segments = await page.locator('[data-cy="medsam-segment"]').allInnerTexts();
  log(`segments after the choice: ${segments.map(t => t.split('\n').join(' / ')).join(' | ')}`);

  await page.locator('[data-cy="medsam-save-kind"]').selectOption('labelmap');
  const state = await clickSave(page);
  log(`panel: ${state.save.status}: ${state.save.message.split('\n').join(' | ')}`);
  assert.equal(state.save.status, 'stored', state.save.message);
  const uid = state.save.seriesInstanceUid;

  // QIDO: the SOP class; WADO-RS metadata: the segment's coded type, as Orthanc stored it.
  const [inst] = await getJson(`${stack.origin}/dicom-web/studies/${ct.StudyInstanceUID}/series/${uid}/instances`);
  assert.equal(value(inst, '00080016'), LABELMAP_SEG_SOP_CLASS, 'a Label Map SEG (66.7)');
  const [meta] = await getJson(`${stack.origin}/dicom-web/studies/${ct.StudyInstanceUID}/series/${uid}/metadata`);
  assert.equal(value(meta, '00620001'), 'LABELMAP', 'SegmentationType');
  const items = meta['00620002']?.Value ?? [];
  const first = items.find(item => value(item, '00620004') === 1);
  assert.ok(first, `segment 1 in SegmentSequence (numbers ${items.map(i => value(i, '00620004')).join(', ')})`);
  const type = value(first, '0062000F');
  const category = value(first, '00620003');
  log(
    `SEG ${value(inst, '00080018')}: SOP class ${value(inst, '00080016')}, segment 1 "${value(first, '00620005')}": category ${value(category, '00080100')} ${value(category, '00080104')}, type ${value(type, '00080102')} ${value(type, '00080100')} ${value(type, '00080104')}`,
  );
  assert.deepEqual(
    [value(type, '00080100'), value(type, '00080102'), value(type, '00080104')],
    [liver.type.value, liver.type.scheme, liver.type.meaning],
    "SegmentedPropertyTypeCodeSequence is liver's",
  );
  assert.deepEqual(
    [value(category, '00080100'), value(category, '00080102')],
    [liver.category.value, liver.category.scheme],
  );
  assert.equal(value(first, '00620008'), 'SEMIAUTOMATIC', 'SegmentAlgorithmType: MedSAM output, not edited');
}

/** The stored SEG's SegmentAlgorithmType of segment 1 (WADO-RS metadata). */
async function algorithmTypeOf(stack, ct, uid) {
  const [meta] = await getJson(`${stack.origin}/dicom-web/studies/${ct.StudyInstanceUID}/series/${uid}/metadata`);
  return value(
    (meta['00620002']?.Value ?? []).find(item => value(item, '00620004') === 1),
    '00620008',
  );
}

async function handEditIsManual({ stack, openPage, log }, ct) {
  const { page } = await boxAccepted(openPage, stack, ct);
  const tool = new MedsamTool(page);
  const voxels = async () => (await tool.labelmapOfShownSlice()).values.reduce((n, v) => n + (v ? 1 : 0), 0);
  const accepted = await voxels();

  // The host's own eraser (OHIF's segmentation mode), dragged with the mouse across the accepted mask.
  const eraser = await page.evaluate(() => {
    const { viewport } = window.cornerstone.getEnabledElements()[0];
    const group = window.cornerstoneTools.ToolGroupManager.getToolGroupForViewport(viewport.id);
    const name = Object.keys(group.toolOptions).find(n => /eraser/i.test(n));
    group.setToolActive(name, { bindings: [{ mouseButton: 1 }] });
    return name;
  });
  assert.ok(eraser, 'the segmentation mode has an eraser');
  const vp = await tool.viewport();
  await tool.drag(
    [vp.left + vp.width * 0.35, vp.top + vp.height * 0.45],
    [vp.left + vp.width * 0.58, vp.top + vp.height * 0.45],
    15,
  );
  await page.waitForFunction(n => {
    const { viewport } = window.cornerstone.getEnabledElements()[0];
    const seg = window.services.segmentationService.getActiveSegmentation(viewport.id);
    const id = window.cornerstoneTools.segmentation.getLabelmapImageIdsForImageId(
      viewport.getCurrentImageId(),
      seg.segmentationId,
    )[0];
    const data = window.cornerstone.cache.getImage(id).voxelManager.getScalarData();
    let count = 0;
    for (let i = 0; i < data.length; i++) if (data[i]) count++;
    return count < n;
  }, accepted);
  const erased = await voxels();
  log(`${eraser}: ${accepted} -> ${erased} voxels`);

  await openPanel(page);
  const state = await clickSave(page);
  assert.equal(state.save.status, 'stored', state.save.message);
  const type = await algorithmTypeOf(stack, ct, state.save.seriesInstanceUid);
  log(`after the eraser: SegmentAlgorithmType ${type}`);
  assert.equal(type, 'MANUAL');
}

async function discardFromOutbox({ stack, openPage, log }, ct, before) {
  const { page } = await boxAccepted(openPage, stack, ct);
  await stack.orthanc.stop();
  try {
    const state = await clickSave(page);
    assert.equal(state.save.status, 'failed', state.save.message);
    assert.equal(await outboxCount(page), 1, 'the SEG is in the outbox');
  } finally {
    await stack.orthanc.start();
  }
  assert.equal((await storedOutboxEntries(page)).length, 1, 'the outbox store in IndexedDB holds the SEG');
  const discard = page.locator('[data-cy="medsam-outbox-discard"]');
  await discard.click();
  assert.equal(await discard.getAttribute('data-confirm'), 'true', 'the first click only asks');
  assert.match(await discard.innerText(), /Discard\? yes/);
  assert.equal(await outboxCount(page), 1, 'nothing discarded before the second click');
  await discard.click();
  await page.waitForFunction(() => window.services.medsamService.getState().outbox.length === 0, null, {
    timeout: 15000,
    polling: 100,
  });
  assert.equal(await outboxCount(page), 0);
  log(
    `Discard, yes -> outbox ${await outboxCount(page)}: ${await page.locator('[data-cy="medsam-save-result"]').innerText()}`,
  );
  // IndexedDB (what a reload would list): the entry is gone for good; and nothing reached Orthanc.
  assert.equal((await storedOutboxEntries(page)).length, 0, 'the outbox store in IndexedDB is empty');
  assert.deepEqual(await segSeries(stack.origin, ct.StudyInstanceUID), before, 'nothing was stored');
}
