// The write-ahead outbox in the real viewer, under the faults a probe found. Playwright holds or aborts the STOW-RS
// POST (context.route) so that the PACS (Orthanc) stays up for everything else:
// - the tab is closed while the STOW is in flight (leaving asks first: beforeunload) -> a new tab lists the SEG
//   as an interrupted store, and Retry stores it;
// - a STOW that never answers ends in STOW_TIMEOUT after the site's stowTimeoutSeconds (set short by rewriting
//   app-config.js for this context) and the SEG waits in the outbox;
// - two tabs retry one entry at once -> one POST reaches the PACS (navigator.locks), the other tab is told the entry
//   is gone, QIDO finds one SEG series and no entry is left in IndexedDB.
import assert from 'node:assert/strict';
import http from 'node:http';
import { MedsamTool, MedsamViewer } from '../pages.mjs';
import { onCt, segSeries, storedOutboxEntries } from '../fixtures/archive.mjs';
import { test } from '../test.mjs';

const STOW_TIMEOUT_SECONDS = 3;

/** The STOW-RS POST (QIDO and WADO on /dicom-web pass). */
const isStow = url => url.pathname.startsWith('/dicom-web/studies') && !url.search;

/** Serves app-config.js with a short STOW time limit, for every page of the context. */
async function shortStowTimeout(context) {
  await context.route(
    url => url.pathname === '/app-config.js',
    async route => {
      const response = await route.fetch();
      const body = `${await response.text()}\nwindow.config.medsam.stowTimeoutSeconds = ${STOW_TIMEOUT_SECONDS};\n`;
      await route.fulfill({ response, body });
    },
  );
}

/** Opens the study in the MedSAM mode (box oracle) in `page` and waits for the model and the panel. */
async function openViewer(page, stack, ct) {
  const viewer = new MedsamViewer(page, stack.origin);
  await viewer.open(ct.StudyInstanceUID, { medsamModel: 'box-oracle' });
  await viewer.waitForRenderedSeries(ct.SeriesInstanceUID);
  const tool = new MedsamTool(page);
  const state = await tool.waitForModel();
  assert.equal(state.status, 'ready', `model loaded: ${state.message}`);
  await tool.openPanel();
  return tool;
}

const outboxOf = page => page.evaluate(() => window.services.medsamService.getState().outbox);

async function retryAndExpectStored(page, stack, ct, before, log) {
  await page.locator('[data-cy="medsam-outbox-retry"]').click();
  await page.waitForFunction(() => window.services.medsamService.getState().outbox.length === 0, null, {
    timeout: 30000,
    polling: 100,
  });
  const added = (await segSeries(stack.origin, ct.StudyInstanceUID)).filter(u => !before.includes(u));
  log(
    `Retry -> ${(await page.evaluate(() => window.services.medsamService.getState().save.message)) ?? ''}; QIDO: new SEG series ${added.join(', ')}`,
  );
  assert.equal(added.length, 1, 'QIDO finds the retried SEG, once');
  assert.deepEqual(await storedOutboxEntries(page), [], 'no entry left in IndexedDB');
}

test(
  'Outbox: the tab closed while the STOW is in flight (leaving asks first) -> a new tab lists the SEG as interrupted, Retry stores it',
  onCt(tabClosedMidStow),
);
test(
  `Outbox: a STOW that never answers times out after stowTimeoutSeconds (${STOW_TIMEOUT_SECONDS} s) and the SEG waits in the outbox`,
  onCt(stowNeverAnswers),
);
test(
  'Outbox: two tabs retry one entry at once -> one POST, one SEG in the PACS, the other tab told it is gone, no zombie entry',
  onCt(twoTabsRetry),
);

async function tabClosedMidStow({ stack, openPage, log }, ct, before) {
  const { page, context } = await openPage();
  const tool = await openViewer(page, stack, ct);
  await tool.acceptDraggedBox(); // something to save
  await tool.openPanel();
  // The POST goes to a PACS that takes it and never answers: the tab goes away before any answer. (Holding it in
  // Playwright's router does not work: Chromium lets a paused request go on once its page is gone.)
  const blackHole = http.createServer(() => {});
  await new Promise(resolve => blackHole.listen(0, '127.0.0.1', resolve));
  let posted = null;
  const postArrived = new Promise(resolve => (posted = resolve));
  const hold = route => {
    if (route.request().method() !== 'POST') return route.fallback();
    posted();
    return route.continue({ url: `http://127.0.0.1:${blackHole.address().port}/dicom-web/studies` });
  };
  await context.route(isStow, hold);
  try {
    await page.locator('[data-cy="medsam-save"]').click();
    await postArrived;
    const written = await storedOutboxEntries(page);
    log(`STOW in flight; IndexedDB holds ${written.join(', ')}`);
    assert.equal(written.length, 1, 'the SEG is in IndexedDB before the STOW answers (write-ahead)');

    const dialogs = [];
    page.on('dialog', dialog => {
      dialogs.push(dialog.type());
      void dialog.accept();
    });
    await page.close({ runBeforeUnload: true });
    await page.waitForEvent('close', { timeout: 10000 }).catch(() => undefined);
    log(`closing the tab during the save: dialogs ${JSON.stringify(dialogs)}`);
    assert.deepEqual(dialogs, ['beforeunload'], 'leaving during a save asks first');
    await context.unroute(isStow, hold);
    await checkInterrupted(context, stack, ct, before, written, log);
  } finally {
    blackHole.closeAllConnections();
    blackHole.close();
  }
}

/** A new tab of the same context (the same IndexedDB, as a new tab of the same browser profile) after the closed one. */
async function checkInterrupted(context, stack, ct, before, written, log) {
  const next = await context.newPage();
  await openViewer(next, stack, ct);
  await next.waitForFunction(() => window.services.medsamService.getState().outbox.length === 1, null, {
    timeout: 15000,
  });
  const [entry] = await outboxOf(next);
  log(`new tab: outbox ${entry.id} ${entry.code}: ${entry.error}`);
  assert.equal(entry.id, written[0]);
  assert.equal(entry.code, 'STOW_INTERRUPTED');
  assert.equal(await next.locator('[data-cy="medsam-outbox-entry"]').getAttribute('data-code'), 'STOW_INTERRUPTED');
  assert.deepEqual(await segSeries(stack.origin, ct.StudyInstanceUID), before, 'nothing reached Orthanc');
  await retryAndExpectStored(next, stack, ct, before, log);
}

async function stowNeverAnswers({ stack, openPage, log }, ct, before) {
  const { page, context } = await openPage();
  await shortStowTimeout(context);
  const tool = await openViewer(page, stack, ct);
  await tool.acceptDraggedBox(); // something to save
  await tool.openPanel();
  const held = [];
  const handler = route => (route.request().method() === 'POST' ? void held.push(route) : route.fallback());
  await context.route(isStow, handler);
  const started = Date.now();
  await page.locator('[data-cy="medsam-save"]').click();
  await page.waitForFunction(() => window.services.medsamService.getState().save.status === 'failed', null, {
    timeout: 60000,
    polling: 100,
  });
  const seconds = (Date.now() - started) / 1000;
  const state = await page.evaluate(() => window.services.medsamService.getState());
  log(`no answer -> after ${seconds.toFixed(1)} s: ${state.save.message.split('\n').join(' | ')}`);
  assert.equal(held.length, 1, 'the POST was sent and held');
  assert.match(state.save.message, /STOW_TIMEOUT/);
  assert.match(state.save.message, new RegExp(`within ${STOW_TIMEOUT_SECONDS} s`));
  assert.ok(
    seconds >= STOW_TIMEOUT_SECONDS - 0.5 && seconds < STOW_TIMEOUT_SECONDS + 20,
    `timed out after the setting (${seconds} s)`,
  );
  await page.waitForFunction(() => window.services.medsamService.getState().outbox.length === 1, null, {
    timeout: 15000,
  });
  assert.equal((await outboxOf(page))[0].code, 'STOW_TIMEOUT');
  assert.equal((await storedOutboxEntries(page)).length, 1, 'the SEG is in IndexedDB');
  await context.unroute(isStow, handler);
  await retryAndExpectStored(page, stack, ct, before, log);
}

async function twoTabsRetry({ stack, openPage, log }, ct, before) {
  const { page: tabA, context } = await openPage();
  const tool = await openViewer(tabA, stack, ct);
  await tool.acceptDraggedBox();
  await tool.openPanel();
  // The first save cannot reach the PACS: the SEG waits in the outbox.
  const refuse = route => (route.request().method() === 'POST' ? route.abort('connectionrefused') : route.fallback());
  await context.route(isStow, refuse);
  await tabA.locator('[data-cy="medsam-save"]').click();
  await tabA.waitForFunction(() => window.services.medsamService.getState().save.status === 'failed', null, {
    timeout: 60000,
    polling: 100,
  });
  await context.unroute(isStow, refuse);
  assert.equal((await outboxOf(tabA)).length, 1);

  const tabB = await context.newPage();
  await openViewer(tabB, stack, ct);
  await tabB.waitForFunction(() => window.services.medsamService.getState().outbox.length === 1, null, {
    timeout: 15000,
  });

  // Every POST now reaches Orthanc, 1.5 s late, so that the two retries overlap.
  let posts = 0;
  await context.route(isStow, async route => {
    if (route.request().method() !== 'POST') return route.fallback();
    posts++;
    await new Promise(resolve => setTimeout(resolve, 1500));
    return route.fallback();
  });
  await Promise.all([
    tabA.locator('[data-cy="medsam-outbox-retry"]').click(),
    tabB.locator('[data-cy="medsam-outbox-retry"]').click(),
  ]);
  const settled = tab =>
    tab.waitForFunction(
      () =>
        ['stored', 'idle', 'failed'].includes(window.services.medsamService.getState().save.status) &&
        window.services.medsamService.getState().outbox.length === 0,
      null,
      { timeout: 30000, polling: 100 },
    );
  await Promise.all([settled(tabA), settled(tabB)]);
  const saves = await Promise.all(
    [tabA, tabB].map(t => t.evaluate(() => window.services.medsamService.getState().save)),
  );
  log(
    `tab A: ${saves[0].status}: ${saves[0].message} | tab B: ${saves[1].status}: ${saves[1].message}; POSTs: ${posts}`,
  );
  assert.equal(posts, 1, 'one STOW reached the PACS');
  assert.deepEqual(
    saves.map(s => s.status).sort(),
    ['idle', 'stored'],
    'one tab stored it, the other was told it is gone',
  );
  assert.match(saves.find(s => s.status === 'idle').message, /no longer in the outbox/);
  const added = (await segSeries(stack.origin, ct.StudyInstanceUID)).filter(u => !before.includes(u));
  assert.equal(added.length, 1, 'QIDO finds one new SEG series');
  assert.deepEqual(await storedOutboxEntries(tabA), [], 'no zombie entry in IndexedDB');
}
