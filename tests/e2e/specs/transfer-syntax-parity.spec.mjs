// Viewer/CLI pixel parity per encoding: one slice of the real 3-slice CT in every transfer syntax the command line
// reads (written at test time by dcmtk's encoders, tests/seg/encodings.ts) and as MONOCHROME1, each stored in Orthanc
// as its own study. The viewer loads each (cornerstone's decoders in the page: the frames are asked for with
// transfer-syntax=*); the test reads back what the box tool hands the engine (the cornerstone image and the
// metadata modules hostViewport.sliceImageFor reads) and turns it into the MedSAM input with the extension's own
// sliceFromCornerstoneImage and preprocessForModel; the command line's input comes from `slicePixels` on the file.
// Both LiteMedSAM's 256 and MedSAM's 1024 input must be equal, bit for bit, for every encoding. The second test does
// the same for each frame of multi-frame images (an enhanced CT and an RGB ultrasound cine, make_multiframe.py): the
// viewer shows each frame as a slice, and each frame's input equals the CLI's for that frame; a box accepted on a
// frame of the enhanced CT and saved to the PACS gives a SEG that references that frame by its number.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { root } from '../harness.mjs';
import { storeSeries } from '../fixtures/phantom.mjs';
import { deleteStudy } from '../fixtures/references.mjs';
import { getJson, value } from '../fixtures/archive.mjs';
import { MedsamTool, MedsamViewer } from '../pages.mjs';
import { test } from '../test.mjs';

const require = createRequire(import.meta.url);
require(path.join(root, 'extension-medsam/bin/register-ts.cjs'));
const { CT3, ENCODINGS, encodeFolder, writeMonochrome1 } = require(path.join(root, 'tests/seg/encodings.ts'));
const { readDicomFile, slicesOfFiles } = require(path.join(root, 'extension-medsam/src/cli/dicom-folder.ts'));
const { dciodvfy, venvPython } = require(path.join(root, 'tests/seg/validators.ts'));
const { parseDicom, quietDcmjs } = require(path.join(root, 'extension-medsam/src/seg/dicom/parse.ts'));
const { parseMultipart } = require(path.join(root, 'extension-medsam/src/seg/multipart.ts'));
const { readSeg } = require(path.join(root, 'extension-medsam/src/seg/reader.ts'));
const { slicePixels } = require(path.join(root, 'extension-medsam/src/cli/pixels.ts'));
const { preprocessForModel } = require(path.join(root, 'extension-medsam/src/engine/preprocess/index.ts'));
const { sliceFromCornerstoneImage } = require(path.join(root, 'extension-medsam/src/ohif/host/sliceImage.ts'));

const SLICE = '02.dcm';
/**
 * Encodings the test archive cannot serve to the viewer, with what it answers: Orthanc 1.10.1 (Debian's) fails the
 * WADO-RS frames (transfer-syntax=*) of a deflated and of a big-endian instance with HTTP 500, so no viewer on it can
 * show them (their pixels, once inflated or byte-swapped, are the native ones; the CLI's decode of both is checked
 * against the native file in tests/seg/transfer-syntaxes.test.ts). Checked each run: a case that starts to render
 * is compared like the others.
 */
const ARCHIVE_CANNOT_SERVE = { deflated: /^500\b/, 'big-endian': /^500\b/ };
const PROFILES = ['litemedsam-256-longest-pad', 'medsam-1024-stretch'];

/** The slice in every encoding and as MONOCHROME1, each file with its own study, series and instance UIDs. */
function prepare(outDir) {
  fs.rmSync(outDir, { recursive: true, force: true });
  const src = path.join(outDir, 'src');
  fs.mkdirSync(src, { recursive: true });
  fs.copyFileSync(path.join(CT3, SLICE), path.join(src, SLICE));
  const folders = encodeFolder(src, outDir);
  const cases = [
    { name: 'native', file: path.join(src, SLICE) },
    ...ENCODINGS.map(e => ({ name: e.name, file: path.join(folders[e.name], SLICE) })),
  ];
  const mono1 = path.join(outDir, 'monochrome1.dcm');
  writeMonochrome1(path.join(src, SLICE), mono1);
  cases.push({ name: 'monochrome1', file: mono1 });
  const base = `2.25.${BigInt(Date.now()) * 1000n + BigInt(process.pid % 1000)}`;
  return cases.map((c, i) => {
    const file = path.join(outDir, `${c.name}.dcm`);
    if (c.file !== file) fs.copyFileSync(c.file, file);
    const uids = { study: `${base}.${i + 1}.1`, series: `${base}.${i + 1}.2`, sop: `${base}.${i + 1}.3` };
    execFileSync(
      '/usr/bin/dcmodify',
      [
        '-nb',
        '-m',
        `(0020,000D)=${uids.study}`,
        '-m',
        `(0020,000E)=${uids.series}`,
        '-m',
        `(0008,0018)=${uids.sop}`,
        file,
      ],
      { stdio: 'pipe' },
    );
    return { ...c, file, ...uids };
  });
}

/**
 * What hostViewport.sliceImageFor reads for an image (default: the viewport's current one; another is loaded first),
 * with the pixel bytes in base64.
 */
function readBack(page, wanted = null) {
  return page.evaluate(async wanted => {
    const { viewport } = window.cornerstone.getEnabledElements()[0];
    const imageId = wanted ?? viewport.getCurrentImageId();
    const image =
      window.cornerstone.cache.getImage(imageId) ?? (await window.cornerstone.imageLoader.loadAndCacheImage(imageId));
    const data = image.voxelManager?.getScalarData?.() ?? image.getPixelData();
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    const md = window.cornerstone.metaData;
    const series = md.get('generalSeriesModule', imageId) ?? {};
    const pixel = md.get('imagePixelModule', imageId) ?? {};
    const lut = md.get('modalityLutModule', imageId) ?? {};
    return {
      imageId,
      type: data.constructor.name,
      b64: btoa(s),
      image: {
        rows: image.rows,
        columns: image.columns,
        color: image.color,
        numberOfComponents: image.numberOfComponents,
        slope: image.slope,
        intercept: image.intercept,
        photometricInterpretation: image.photometricInterpretation,
        preScale: image.preScale ? JSON.parse(JSON.stringify(image.preScale)) : undefined,
      },
      meta: {
        modality: series.modality,
        photometricInterpretation: pixel.photometricInterpretation,
        samplesPerPixel: pixel.samplesPerPixel,
        rescaleSlope: lut.rescaleSlope,
        rescaleIntercept: lut.rescaleIntercept,
        bitsStored: pixel.bitsStored,
        pixelRepresentation: pixel.pixelRepresentation,
      },
      transferSyntax: md.get('transferSyntax', imageId)?.transferSyntaxUID ?? null,
    };
  }, wanted);
}

/** Resolves when the viewer rendered the series, or with the archive's answer when it refused the frames. */
async function renderedOrRefused(viewer, series, sop, frames) {
  let timer;
  const refused = new Promise(resolve => {
    timer = setInterval(() => {
      const answer = frames.get(sop);
      if (answer && !answer.startsWith('200')) resolve(answer);
    }, 200);
  });
  try {
    return await Promise.race([viewer.waitForRenderedSeries(series, 60000).then(() => null), refused]);
  } finally {
    clearInterval(timer);
  }
}

/** Records the status and content type of every WADO-RS frames answer, by SOP Instance UID. */
function watchFrames(page) {
  const frames = new Map();
  page.on('response', res => {
    const m = /\/instances\/([0-9.]+)\/frames\//.exec(res.url());
    if (m) frames.set(m[1], `${res.status()} ${res.headers()['content-type'] ?? ''}`);
  });
  return frames;
}

/** Both profiles' inputs from the viewer's read-back and from the CLI's slice, compared. */
function parityRow(name, r, fromCli, extra = {}) {
  const fromViewer = viewerSlice(r);
  const row = {
    name,
    ...extra,
    viewerTransferSyntax: r.transferSyntax,
    viewerPixels: r.type,
    scaled: r.image.preScale?.scaled === true,
  };
  for (const profile of PROFILES)
    row[profile] = compare(preprocessForModel(fromViewer, profile).input, preprocessForModel(fromCli, profile).input);
  return row;
}

function assertEqualInputs(rows) {
  const unequal = rows.filter(r => !r.skipped && PROFILES.some(p => r[p].differing > 0));
  assert.deepEqual(
    unequal.map(
      r => `${r.name}: ${PROFILES.map(p => `${p} ${r[p].differing} values differ (max ${r[p].max})`).join(', ')}`,
    ),
    [],
    'the viewer and the CLI give the engine the same input',
  );
}

const TYPED = {
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  Uint8ClampedArray,
};

function viewerSlice(r) {
  const bytes = Buffer.from(r.b64, 'base64');
  const Ctor = TYPED[r.type];
  assert.ok(Ctor, `pixel array type ${r.type}`);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const pixels = new Ctor(copy.buffer);
  return sliceFromCornerstoneImage({ ...r.image, imageId: r.imageId, getPixelData: () => pixels }, r.meta).slice;
}

function compare(a, b) {
  let differing = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) differing++;
    if (d > max) max = d;
  }
  return { differing, max };
}

/** Opens each stored case in the viewer and compares the engine's input there with the CLI's. */
async function compareEveryCase({ stack, cases, openPage, outDir, log }) {
  const { page } = await openPage();
  // What the archive sent for each frame the viewer asked for: the transfer syntax its decoders got.
  const frames = watchFrames(page);
  const viewer = new MedsamViewer(page, stack.origin);
  const rows = [];
  for (const c of cases) {
    await viewer.open(c.study, { medsamModel: 'box-oracle' });
    const refused = await renderedOrRefused(viewer, c.series, c.sop, frames);
    if (refused !== null) {
      if (!ARCHIVE_CANNOT_SERVE[c.name]?.test(refused))
        throw new Error(`${c.name}: the viewer did not render the image (frames answer: ${refused})`);
      log(`figure: ${JSON.stringify({ name: c.name, skipped: `the archive answers its frames with ${refused}` })}`);
      rows.push({ name: c.name, skipped: refused });
      continue;
    }
    const r = await readBack(page);
    r.transferSyntax = /transfer-syntax="?([0-9.]+)/.exec(frames.get(c.sop) ?? '')?.[1] ?? null;
    const file = readDicomFile(c.file);
    const row = parityRow(c.name, r, await slicePixels(file), { fileTransferSyntax: file.transferSyntaxUid });
    rows.push(row);
    log(`figure: ${JSON.stringify(row)}`);
  }
  fs.writeFileSync(path.join(outDir, 'transfer-syntax-parity.json'), JSON.stringify(rows, null, 2));
  assert.ok(rows.filter(r => !r.skipped).length >= cases.length - Object.keys(ARCHIVE_CANNOT_SERVE).length);
  assertEqualInputs(rows);
}

test('viewer/CLI parity: the same MedSAM input from every transfer syntax and from MONOCHROME1', async ({
  stack,
  openPage,
  outDir,
  log,
}) => {
  test.setTimeout(600000);
  quietDcmjs();
  const cases = prepare(path.join(outDir, 'transfer-syntax-parity'));
  for (const c of cases)
    await storeSeries(stack.orthanc, { studyUID: c.study, seriesUID: c.series, files: [fs.readFileSync(c.file)] });
  try {
    await compareEveryCase({ stack, cases, openPage, outDir, log });
  } finally {
    // The copies share the 3-slice CT's patient: left in the archive they would crowd the study list other specs read.
    for (const c of cases) await deleteStudy(stack.orthanc, c.study);
  }
});

test('viewer/CLI parity: every frame of an enhanced CT and of an RGB ultrasound cine is a slice with the same MedSAM input', async ({
  stack,
  openPage,
  outDir,
  log,
}) => {
  test.setTimeout(300000);
  const python = venvPython();
  if (!python) {
    log('skipped: the project venv with highdicom is missing (npm test makes it); it writes the multi-frame files');
    return;
  }
  quietDcmjs();
  const dir = path.join(outDir, 'multiframe-parity');
  fs.rmSync(dir, { recursive: true, force: true });
  execFileSync(python, [path.join(root, 'tests/seg/make_multiframe.py'), CT3, dir], { stdio: 'pipe' });
  // The files keep the 3-slice CT's study (a sample the other specs use): each gets a study of its own here.
  const base = `2.25.${BigInt(Date.now()) * 1000n + BigInt((process.pid + 300) % 1000)}`;
  ['enhanced-ct', 'us-cine'].forEach((name, i) =>
    execFileSync('/usr/bin/dcmodify', ['-nb', '-m', `(0020,000D)=${base}.${i + 1}`, path.join(dir, `${name}.dcm`)], {
      stdio: 'pipe',
    }),
  );
  const { page } = await openPage();
  const frames = watchFrames(page);
  const viewer = new MedsamViewer(page, stack.origin);
  const rows = [];
  for (const name of ['enhanced-ct', 'us-cine']) {
    const file = path.join(dir, `${name}.dcm`);
    const { files, sources } = slicesOfFiles([readDicomFile(file)]);
    const { studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop } = sources[0];
    await storeSeries(stack.orthanc, { studyUID: study, seriesUID: series, files: [fs.readFileSync(file)] });
    await viewer.open(study, { medsamModel: 'box-oracle' });
    const refused = await renderedOrRefused(viewer, series, sop, frames);
    if (refused !== null) throw new Error(`${name}: the viewer did not render the image (frames answer: ${refused})`);
    const imageIds = await page.evaluate(() => window.cornerstone.getEnabledElements()[0].viewport.getImageIds());
    const frameOf = id => Number(/\/frames\/(\d+)/.exec(id)?.[1]);
    assert.deepEqual(imageIds.map(frameOf).sort(), [1, 2, 3], `${name}: the viewer shows each frame as a slice`);
    for (const imageId of imageIds) {
      const r = await readBack(page, imageId);
      r.transferSyntax = /transfer-syntax="?([0-9.]+)/.exec(frames.get(sop) ?? '')?.[1] ?? null;
      const k = files.findIndex(f => f.frame + 1 === frameOf(imageId));
      const row = parityRow(`${name} frame ${frameOf(imageId)}`, r, await slicePixels(files[k]));
      rows.push(row);
      log(`figure: ${JSON.stringify(row)}`);
    }
    if (name === 'enhanced-ct') await saveFrameSeg({ page, stack, outDir, log, study, sop, sources, frameOf });
    await deleteStudy(stack.orthanc, study);
  }
  assertEqualInputs(rows);
});

/**
 * Save to PACS on a multi-frame image: a box-oracle box accepted on the frame shown, saved; the stored SEG (WADO-RS)
 * references that frame by Referenced SOP Instance UID + Referenced Frame Number, holds its mask on that frame only,
 * and passes dciodvfy.
 */
async function saveFrameSeg({ page, stack, outDir, log, study, sop, sources, frameOf }) {
  const tool = new MedsamTool(page);
  assert.equal((await tool.waitForModel()).status, 'ready');
  // Frame 2: neither the first frame nor the first slice along the normal (the frames are stored head to feet).
  await page.evaluate(async () => {
    const { viewport } = window.cornerstone.getEnabledElements()[0];
    await viewport.setImageIdIndex(viewport.getImageIds().findIndex(id => /\/frames\/2$/.test(id)));
  });
  await page.waitForFunction(
    () => /\/frames\/2$/.test(window.cornerstone.getEnabledElements()[0].viewport.getCurrentImageId()),
    null,
    { timeout: 30000 },
  );
  const shown = frameOf(
    await page.evaluate(() => window.cornerstone.getEnabledElements()[0].viewport.getCurrentImageId()),
  );
  assert.equal(shown, 2);
  await tool.acceptDraggedBox();
  await tool.openPanel();
  await page.locator('[data-cy="medsam-save"]').click();
  await page.waitForFunction(
    () => ['stored', 'failed'].includes(window.services.medsamService.getState().save.status),
    null,
    { timeout: 60000, polling: 100 },
  );
  const { save } = await page.evaluate(() => window.services.medsamService.getState());
  assert.equal(save.status, 'stored', save.message);
  const [inst] = await getJson(`${stack.origin}/dicom-web/studies/${study}/series/${save.seriesInstanceUid}/instances`);
  const r = await fetch(
    `${stack.origin}/dicom-web/studies/${study}/series/${save.seriesInstanceUid}/instances/${value(inst, '00080018')}`,
    {
      headers: { Accept: 'multipart/related; type="application/dicom"' },
    },
  );
  assert.equal(r.status, 200);
  const [part] = parseMultipart(new Uint8Array(await r.arrayBuffer()), r.headers.get('content-type'));
  const file = path.join(outDir, 'multiframe-viewer-seg.dcm');
  fs.writeFileSync(file, part.bytes);
  const refs = parseDicom(part.bytes).dataset.PerFrameFunctionalGroupsSequence.map(pf => {
    const src = pf.DerivationImageSequence[0].SourceImageSequence[0];
    return [src.ReferencedSOPInstanceUID, Number(src.ReferencedFrameNumber)];
  });
  assert.deepEqual(refs, [[sop, shown]], 'the SEG references the frame the box was drawn on');
  const masks = readSeg(part.bytes, sources).masks[0];
  assert.deepEqual(
    sources.map((s, k) => masks[k].some(Boolean)),
    sources.map(s => s.referencedFrameNumber === shown),
  );
  const v = dciodvfy(file);
  assert.deepEqual(v.errors, []);
  log(
    `figure: ${JSON.stringify({ savedFrom: `enhanced-ct frame ${shown}`, references: refs, dciodvfy: `${v.errors.length} errors, ${v.warnings.length} warnings` })}`,
  );
}
