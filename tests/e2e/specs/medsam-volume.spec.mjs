// "Segment volume" in the real viewer (issue 6): long and short axes drawn with the mouse (the host's Bidirectional
// tool) on 3 slices of the 20-slice CT, then Segment volume with the box oracle. The expected 3D mask is computed here,
// independently of the extension: the markers' end points read back from cornerstone's annotation state and mapped
// with the host's own worldToImageCoords, one covering rectangle per key slice, rectangles interpolated linearly
// between key slices, each rasterised (pixel centres inside). The same markers go to `medsam segment --markers`,
// whose SEG must hold the same voxels. A long-task observer records the longest main-thread task during the run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../harness.mjs';
import { boxMask, decodeMask as decode, openWithModel, overlap, sample } from '../pages.mjs';
import { test } from '../test.mjs';

const require = createRequire(import.meta.url);
require(path.join(root, 'extension-medsam/bin/register-ts.cjs'));
const { readSeg } = require(path.join(root, 'extension-medsam/src/seg/reader.ts'));
const { readSourceFolder } = require(path.join(root, 'extension-medsam/src/cli/dicom-folder.ts'));

const KEY_SLICES = [4, 9, 14];
// Long axes as fractions of the viewport (start, end): three differently sized and placed tumour-like marks.
const LONG_AXES = [
  [
    [0.36, 0.42],
    [0.56, 0.56],
  ],
  [
    [0.3, 0.38],
    [0.64, 0.6],
  ],
  [
    [0.4, 0.45],
    [0.55, 0.53],
  ],
];

const count = a => a.reduce((n, v) => n + (v ? 1 : 0), 0);

/** The interpolated boxes, computed here from the markers alone. */
function expectedBoxes(markers, sliceCount, width, height) {
  const keys = markers
    .map(m => {
      const xs = m.points.map(p => p[0]);
      const ys = m.points.map(p => p[1]);
      const clamp = (v, hi) => Math.min(hi, Math.max(0, v));
      return {
        slice: m.slice,
        box: {
          x0: clamp(Math.min(...xs), width),
          y0: clamp(Math.min(...ys), height),
          x1: clamp(Math.max(...xs), width),
          y1: clamp(Math.max(...ys), height),
        },
      };
    })
    .sort((a, b) => a.slice - b.slice);
  const boxes = new Array(sliceCount).fill(null);
  for (let k = 0; k + 1 < keys.length; k++) {
    const a = keys[k];
    const b = keys[k + 1];
    for (let z = a.slice; z <= b.slice; z++) {
      const t = (z - a.slice) / (b.slice - a.slice);
      boxes[z] = Object.fromEntries(['x0', 'y0', 'x1', 'y1'].map(c => [c, a.box[c] + t * (b.box[c] - a.box[c])]));
    }
  }
  return boxes;
}

function dice3d(volume, boxes) {
  let inter = 0;
  let a = 0;
  let b = 0;
  volume.forEach((v, z) => {
    const got = decode(v);
    const want = boxes[z] ? boxMask(boxes[z], v.rows, v.columns) : new Uint8Array(got.length);
    const o = overlap(got, want);
    inter += o.intersection;
    a += o.a;
    b += o.b;
  });
  return { dice: a + b ? (2 * inter) / (a + b) : 1, viewerVoxels: a, expectedVoxels: b };
}

async function drawMarkers(tool) {
  await tool.activateMarkerTool(); // 'k': the key-slice marker tool (the host's Bidirectional)
  const vp = await tool.viewport();
  const at = ([fx, fy]) => [vp.left + vp.width * fx, vp.top + vp.height * fy];
  for (const [i, z] of KEY_SLICES.entries()) {
    await tool.showSlice(z);
    await tool.drag(at(LONG_AXES[i][0]), at(LONG_AXES[i][1]), 10);
    await tool.page.waitForTimeout(200);
  }
}

test('Segment volume: markers on 3 slices -> 3D mask (Dice >= 0.95 vs interpolated boxes), same voxels as the CLI, cancel and reject consistent', async ({
  stack,
  openPage,
  outDir,
  log,
}) => {
  const ct = sample(stack, 'ct-abdomen-20slice');
  const { page, tool } = await openWithModel(openPage, stack, ct, 'box-oracle');

  await drawMarkers(tool);
  const markers = await tool.markers();
  assert.deepEqual(
    markers.map(m => m.slice).sort((a, b) => a - b),
    KEY_SLICES,
    'one marker per key slice',
  );
  for (const m of markers)
    log(`marker slice ${m.slice}: ${m.points.map(p => `(${p[0].toFixed(1)}, ${p[1].toFixed(1)})`).join(' ')}`);

  // 1. The run, with the longest main-thread task recorded.
  await page.evaluate(() => {
    window.__medsamLongTasks = [];
    window.__medsamRunEvents = [];
    const t0 = performance.now();
    new PerformanceObserver(list =>
      window.__medsamLongTasks.push(
        ...list.getEntries().map(e => ({ at: Math.round(e.startTime - t0), ms: Math.round(e.duration) })),
      ),
    ).observe({ type: 'longtask' });
    let last = -1;
    window.services.medsamService.subscribe(s => {
      if (s.volume.done !== last)
        window.__medsamRunEvents.push({
          at: Math.round(performance.now() - t0),
          done: s.volume.done,
          phase: s.volume.phase,
        });
      last = s.volume.done;
    });
  });
  const t0 = Date.now();
  await tool.openPanel();
  await page.locator('[data-cy="medsam-volume-run"]').click();
  await tool.waitForVolumePhase('preview');
  const runMs = Date.now() - t0;
  const state = await tool.volumeState();
  const longTaskEntries = await page.evaluate(() => window.__medsamLongTasks);
  const longTasks = longTaskEntries.map(t => t.ms);
  // The first slice's tasks include the host creating the segmentation (createLabelmapForViewport) and its first
  // render: reported apart from the steady state of the run.
  const firstSliceAt = (await page.evaluate(() => window.__medsamRunEvents)).find(e => e.done === 1)?.at ?? 0;
  const steady = longTaskEntries.filter(t => t.at > firstSliceAt).map(t => t.ms);
  log(`long tasks (ms after the click: duration): ${longTaskEntries.map(t => `${t.at}:${t.ms}`).join(' ')}`);
  log(
    `run events (ms: slices done): ${(await page.evaluate(() => window.__medsamRunEvents)).map(e => `${e.at}:${e.done}`).join(' ')}`,
  );
  assert.equal(state.outcome, 'complete', state.message ?? '');
  assert.equal(state.done, KEY_SLICES.at(-1) - KEY_SLICES[0] + 1, 'every slice from the first to the last key slice');
  const volume = await tool.labelmapVolume();
  const { rows, columns } = volume.find(v => v.rows);
  const boxes = expectedBoxes(markers, volume.length, columns, rows);
  const d = dice3d(volume, boxes);
  log(
    `volume run: ${state.done} slices in ${(runMs / 1000).toFixed(1)} s (${(runMs / state.done).toFixed(0)} ms/slice incl. UI), ${state.volumeMl?.toFixed(2)} mL`,
  );
  log(
    `3D Dice vs the interpolated boxes: ${d.dice.toFixed(4)} (viewer ${d.viewerVoxels} voxels, expected ${d.expectedVoxels})`,
  );
  const longest = a => (a.length ? Math.max(...a) : 0);
  const own = await page.evaluate(() =>
    performance
      .getEntriesByType('measure')
      .filter(m => m.name.startsWith('medsam:volume'))
      .map(m => ({ name: m.name, ms: m.duration })),
  );
  const ownMax = name => longest(own.filter(m => m.name === name).map(m => m.ms)).toFixed(1);
  log(
    `MedSAM's own main-thread work per slice (User Timing): longest send ${ownMax('medsam:volume-slice-send')} ms, longest labelmap write ${ownMax('medsam:volume-slice-write')} ms`,
  );
  log(
    `longest main-thread task during the run: ${longest(longTasks)} ms (${longTasks.length} over 50 ms); after the first slice: ${longest(steady)} ms (${steady.length} over 50 ms); target: none over 50 ms`,
  );
  assert.ok(d.dice >= 0.95, `Dice ${d.dice}`);
  assert.ok(state.review.length > 0, 'a review queue');
  await page.locator('[data-cy="medsam-review-item"]').first().waitFor({ state: 'attached', timeout: 5000 });
  // The preview with the box oracle (the README's docs/images/medsam-volume-ct.png comes from medsam-real-model.spec.mjs).
  await page.screenshot({ path: path.join(outDir, 'medsam-volume-ct.png') });
  fs.writeFileSync(
    path.join(outDir, 'volume-long-tasks.json'),
    JSON.stringify(
      { runMs, slices: state.done, firstSliceAt, longTasks: longTaskEntries, medsamMeasures: own },
      null,
      1,
    ),
  );

  // 2. The command line on the same markers (same slices by SOP Instance UID, same image coordinates).
  const markersFile = path.join(outDir, 'volume-markers.json');
  fs.writeFileSync(
    markersFile,
    JSON.stringify({
      mode: 'interpolate',
      segments: [
        {
          label: 'MedSAM volume',
          keySlices: markers.map(m => ({
            sopInstanceUid: m.sopInstanceUid,
            lines: [
              [...m.points[0].slice(0, 2), ...m.points[1].slice(0, 2)],
              [...m.points[2].slice(0, 2), ...m.points[3].slice(0, 2)],
            ],
          })),
        },
      ],
    }),
  );
  const segFile = path.join(outDir, 'volume-cli.dcm');
  execFileSync(
    process.execPath,
    [
      path.join(root, 'extension-medsam/bin/medsam.cjs'),
      'segment',
      '--dicom',
      path.join(root, 'tests/data', ct.dir),
      '--markers',
      markersFile,
      '--model',
      'box-oracle',
      '--out',
      segFile,
      '--quiet',
    ],
    { cwd: root, stdio: 'pipe' },
  );
  const { sources } = readSourceFolder(path.join(root, 'tests/data', ct.dir));
  const seg = readSeg(new Uint8Array(fs.readFileSync(segFile)), sources);
  const cliBySop = new Map(sources.map((src, k) => [src.sopInstanceUid, seg.masks[0][k]]));
  let differing = 0;
  let cliVoxels = 0;
  for (const v of volume) {
    const got = decode(v);
    const cli = cliBySop.get(v.sopInstanceUid) ?? new Uint8Array(got.length);
    for (let i = 0; i < got.length; i++) {
      if (!!got[i] !== !!cli[i]) differing++;
      if (cli[i]) cliVoxels++;
    }
  }
  log(
    `CLI (onnxruntime-node) vs viewer (onnxruntime-web): ${cliVoxels} vs ${d.viewerVoxels} voxels, ${differing} differ`,
  );
  assert.equal(differing, 0, 'the command line gives the same voxels as the viewer');

  // 3. Reject restores the labelmap.
  log(`panel visible after the run: ${await page.locator('[data-cy="medsam-panel"]').isVisible()}`);
  await tool.openPanel();
  await page.locator('[data-cy="medsam-volume-reject"]').click();
  assert.equal(
    (await tool.labelmapVolume()).reduce((n, v) => n + count(decode(v)), 0),
    0,
    'reject leaves no voxel',
  );

  // 4. Cancel mid-run: the slices done are whole, the others untouched; Enter keeps them, ctrl+z takes the run back.
  const first = new Map(volume.map(v => [v.sopInstanceUid, decode(v)]));
  await page.locator('[data-cy="medsam-volume-run"]').click();
  await page.waitForFunction(() => window.services.medsamService.getState().volume.done >= 2, null, {
    polling: 20,
    timeout: 60000,
  });
  // Clicked in the page at once: the panel re-renders with every slice, so a click that waits for a stable element
  // (Playwright's) can miss the short run on a busy machine.
  const clicked = await page.evaluate(() => {
    const button = document.querySelector('[data-cy="medsam-volume-cancel"]');
    button?.click();
    return !!button;
  });
  assert.ok(clicked, 'the Cancel button is there while the run goes on');
  await tool.waitForVolumePhase('preview', 60000);
  const cancelled = await tool.volumeState();
  assert.equal(cancelled.outcome, 'cancelled');
  const after = await tool.labelmapVolume();
  let whole = 0;
  for (const v of after) {
    const got = decode(v);
    if (count(got) === 0) continue;
    assert.equal(overlap(got, first.get(v.sopInstanceUid)).iou, 1, `slice ${v.sopInstanceUid} is whole`);
    whole++;
  }
  log(
    `cancelled after ${cancelled.done} of ${cancelled.total} slices: ${whole} slices written whole, the others empty`,
  );
  assert.equal(whole, cancelled.done);
  assert.ok(cancelled.done < state.done, 'the run stopped early');
  // A preview is not saved: Save to PACS says to accept or reject it first.
  await page.locator('[data-cy="medsam-save"]').click();
  await page.waitForFunction(() => window.services.medsamService.getState().save.status === 'failed');
  log(`Save during the preview: ${await page.evaluate(() => window.services.medsamService.getState().save.message)}`);
  await page.keyboard.press('Enter');
  await tool.waitForVolumePhase('accepted', 10000);
  assert.ok((await tool.labelmapVolume()).some(v => count(decode(v)) > 0));
  await page.keyboard.press('Control+z');
  await tool.waitForVolumePhase('idle', 10000);
  assert.equal(
    (await tool.labelmapVolume()).reduce((n, v) => n + count(decode(v)), 0),
    0,
    'ctrl+z takes the whole run back',
  );
  log(`after ctrl+z: ${(await tool.volumeState()).message}`);
});

test('Segment volume on the axial volume viewport (MPR) from one accepted box (shift+M): propagation writes whole slices around it', async ({
  stack,
  openPage,
  log,
}) => {
  const ct = sample(stack, 'ct-abdomen-20slice');
  const { page, tool } = await openWithModel(openPage, stack, ct, 'box-oracle');
  const vp = await tool.useMprAxial();
  const from = [vp.left + vp.width * 0.4, vp.top + vp.height * 0.42];
  const to = [vp.left + vp.width * 0.6, vp.top + vp.height * 0.52];
  await tool.drag(from, to);
  await tool.waitForPreview();
  await page.keyboard.press('Enter');
  await tool.waitForNoPreview();
  const shown = await tool.labelmapOfShownSlice();

  await page.keyboard.press('Shift+M');
  await tool.waitForVolumePhase('preview');
  const state = await tool.volumeState();
  assert.equal(state.mode, 'propagate');
  assert.equal(state.outcome, 'complete', state.message ?? '');
  // Every slice of the series, read by its own image id (not by what the viewport shows).
  const slices = await page.evaluate(segmentationId => {
    const { viewport } = window.cornerstone.getEnabledElements().find(e => e.viewport.id === 'mpr-axial');
    return viewport.getImageIds().map(imageId => {
      const id = window.cornerstoneTools.segmentation.getLabelmapImageIdsForImageId(imageId, segmentationId)[0];
      const data = window.cornerstone.cache.getImage(id).voxelManager.getScalarData();
      let n = 0;
      for (let i = 0; i < data.length; i++) if (data[i]) n++;
      return { imageId, voxels: n };
    });
  }, shown.segmentationId);
  const written = slices.map((s, z) => (s.voxels > 0 ? z : -1)).filter(z => z >= 0);
  const keyZ = slices.findIndex(s => s.imageId === shown.imageId);
  log(
    `key slice ${keyZ} (${count(shown.values)} voxels); run: ${state.done} slices, written ${written.join(',')}; voxels per slice ${slices.map(s => s.voxels).join(' ')}`,
  );
  assert.ok(written.includes(keyZ), 'the key slice keeps its mask');
  assert.equal(written.length, state.done, 'each slice the run did has voxels, no other has');
  assert.equal(
    written.at(-1) - written[0] + 1,
    written.length,
    'the written slices are contiguous around the key slice',
  );
  assert.equal(slices[keyZ].voxels, count(shown.values), 'the key slice is as accepted');
});
