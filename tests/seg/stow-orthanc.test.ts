/**
 * Save to PACS against a real Orthanc (DICOMweb plugin) and against a fake server:
 *  - a SEG (binary and label map) stored by STOW-RS is verified in the response, QIDO finds its series, WADO-RS gives
 *    the same bytes back and our reader the same masks;
 *  - Orthanc's silent rejection (HTTP 200, both lists empty), Orthanc stopped, and a fake server answering 200 with
 *    an empty stored list each leave the SEG in the outbox with the reason; a retry once Orthanc is back stores it.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { targetById } from '../../extension-medsam/src/seg/codes';
import { quietDcmjs } from '../../extension-medsam/src/seg/dicom/parse';
import { writePart10 } from '../../extension-medsam/src/seg/dicom/part10';
import { parseMultipart } from '../../extension-medsam/src/seg/multipart';
import { Outbox, memoryStore, saveToPacs, stowSender, type OutboxEntry } from '../../extension-medsam/src/seg/outbox';
import { readSeg } from '../../extension-medsam/src/seg/reader';
import { stowInstances } from '../../extension-medsam/src/seg/stow';
import { readNrrd } from '../../extension-medsam/src/seg/volume/nrrd';
import { volumeToSlices } from '../../extension-medsam/src/seg/volume/volume';
import {
  buildSeg,
  medsamAlgorithm,
  writeSeg,
  type SegmentationKind,
  type WrittenSeg,
} from '../../extension-medsam/src/seg/writer';
import { createOrthanc, orthancInstalled, type TestOrthanc } from './orthanc';
import { ROOT } from './validators';

quietDcmjs();
const DATA = path.join(ROOT, 'tests/data/ct-liver-3slice');
const { sources } = readSourceFolder(path.join(DATA, 'ct-3slice'));
const liverLabels = volumeToSlices(
  readNrrd(new Uint8Array(fs.readFileSync(path.join(DATA, 'liver_seg.nrrd'))), b => new Uint8Array(zlib.gunzipSync(b))),
  sources,
).slices;
const liver = targetById('liver')!;
const masks = [liverLabels.map(s => Uint8Array.from(s, v => (v === 1 ? 1 : 0)))];

function makeSeg(kind: SegmentationKind): WrittenSeg {
  return writeSeg({
    sources,
    segments: [
      {
        label: liver.label,
        category: liver.category,
        type: liver.type,
        color: liver.color,
        algorithmType: 'SEMIAUTOMATIC',
        algorithm: medsamAlgorithm({ id: 'tiny-random', weightsSha256: null }),
      },
    ],
    masks,
    options: { kind, seriesDescription: `MedSAM STOW test ${kind}` },
  });
}

const forStow = (seg: WrittenSeg) => ({ ...seg, description: 'MedSAM liver', bytes: seg.bytes });

async function qidoSeries(dicomWeb: string, study: string): Promise<string[]> {
  const r = await fetch(`${dicomWeb}/studies/${study}/series?Modality=SEG`, {
    headers: { Accept: 'application/dicom+json' },
  });
  if (r.status === 204) return [];
  const json = (await r.json()) as Record<string, { Value?: string[] }>[];
  return json.map(s => s['0020000E']?.Value?.[0] ?? '');
}

async function wadoInstance(dicomWeb: string, seg: WrittenSeg): Promise<Uint8Array> {
  const r = await fetch(
    `${dicomWeb}/studies/${seg.studyInstanceUid}/series/${seg.seriesInstanceUid}/instances/${seg.sopInstanceUid}`,
    {
      headers: { Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' },
    },
  );
  expect(r.status).toBe(200);
  const parts = parseMultipart(new Uint8Array(await r.arrayBuffer()), r.headers.get('content-type') ?? '');
  expect(parts).toHaveLength(1);
  return parts[0].bytes;
}

const describeIfOrthanc = orthancInstalled() ? describe : describe.skip;
if (!orthancInstalled()) {
  console.warn(
    'Orthanc with the DICOMweb and GDCM plugins is not installed: apt-get install -y orthanc orthanc-dicomweb orthanc-gdcm',
  );
}

describeIfOrthanc('Save to PACS with Orthanc', () => {
  let orthanc: TestOrthanc;
  const figures: string[] = [];
  beforeAll(async () => {
    orthanc = await createOrthanc();
  });
  afterAll(async () => {
    await orthanc?.stop();
    if (orthanc) fs.rmSync(orthanc.storage, { recursive: true, force: true });
    console.log(`STOW-RS checks (Orthanc)\n${figures.map(f => `  ${f}`).join('\n')}`);
  });

  it.each<SegmentationKind>(['BINARY', 'LABELMAP'])(
    'stores a %s SEG, QIDO finds it, WADO-RS returns the same file and voxels',
    async kind => {
      const seg = makeSeg(kind);
      const result = await stowInstances([forStow(seg)], { root: orthanc.dicomWeb });
      expect(result.stored.map(s => s.sopInstanceUid)).toEqual([seg.sopInstanceUid]);
      expect(await qidoSeries(orthanc.dicomWeb, seg.studyInstanceUid)).toContain(seg.seriesInstanceUid);
      const back = await wadoInstance(orthanc.dicomWeb, seg);
      const identical = Buffer.from(back).equals(Buffer.from(seg.bytes));
      const read = readSeg(back, sources);
      read.masks[0].forEach((m, k) => expect(Buffer.from(m).equals(Buffer.from(masks[0][k]))).toBe(true));
      figures.push(
        `${kind}: STOW HTTP ${result.status}, stored list has the instance; QIDO finds the series; WADO-RS ${identical ? 'byte-identical' : 'same voxels (bytes differ)'} (${back.length} bytes)`,
      );
      expect(identical).toBe(true);
    },
  );

  it("catches Orthanc's silent rejection (HTTP 200, empty lists) and keeps the SEG in the outbox", async () => {
    const built = buildSeg({
      sources,
      segments: [
        { label: 'Liver', category: liver.category, type: liver.type, color: liver.color, algorithmType: 'MANUAL' },
      ],
      masks,
    });
    // Orthanc 1.10 drops an instance whose StudyInstanceUID is empty and still answers 200 with both lists empty.
    // (Without the attribute at all it answers 400 with the instance in FailedSOPSequence.)
    const bytes = writePart10({ ...built.dataset, StudyInstanceUID: null });
    const outbox = new Outbox(memoryStore<OutboxEntry>());
    const outcome = await saveToPacs({ ...built, bytes, description: 'broken' }, { root: orthanc.dicomWeb }, outbox);
    expect(outcome).toMatchObject({ stored: false, error: { code: 'STOW_NOT_STORED' } });
    expect((await outbox.list()).map(e => e.id)).toEqual([built.sopInstanceUid]);
    figures.push(
      `Orthanc HTTP 200 with empty lists -> ${outcome.stored ? 'stored?!' : `${outcome.error.code}: ${outcome.error.message}`}`,
    );
  });

  it('keeps the SEG in the outbox while Orthanc is down and stores it on retry once Orthanc is back', async () => {
    const seg = makeSeg('BINARY');
    const outbox = new Outbox(memoryStore<OutboxEntry>());
    const config = { root: orthanc.dicomWeb };
    await orthanc.stop();
    const outcome = await saveToPacs(forStow(seg), config, outbox);
    expect(outcome).toMatchObject({ stored: false, error: { code: 'STOW_NETWORK' } });
    expect((await outbox.list()).map(e => e.id)).toEqual([seg.sopInstanceUid]);
    figures.push(
      `Orthanc stopped -> ${outcome.stored ? '' : `${outcome.error.code}: ${outcome.error.message}`}; outbox holds 1`,
    );

    await orthanc.start();
    const retried = await outbox.retryAll(stowSender(config));
    expect(retried[seg.sopInstanceUid].ok).toBe(true);
    expect(await outbox.list()).toEqual([]);
    expect(await qidoSeries(orthanc.dicomWeb, seg.studyInstanceUid)).toContain(seg.seriesInstanceUid);
    figures.push('Orthanc back -> retry stored it (verified), outbox empty, QIDO finds it');
  });
});

describe('Save to PACS with a server that answers 200 and stores nothing', () => {
  let server: http.Server;
  let root = '';
  const requests: string[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
        res.end(JSON.stringify({ '00081199': { vr: 'SQ', Value: [] }, '00081198': { vr: 'SQ', Value: [] } }));
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    root = `http://127.0.0.1:${(server.address() as { port: number }).port}/dicom-web`;
  });
  afterAll(() => new Promise<void>(r => server.close(() => r())));

  it('reports the store as failed and keeps the SEG in the outbox', async () => {
    const seg = makeSeg('BINARY');
    const outbox = new Outbox(memoryStore<OutboxEntry>());
    const outcome = await saveToPacs(forStow(seg), { root }, outbox);
    // one STOW, then one QIDO asking whether the SEG is there after all (it is not: the answer lists no such instance)
    expect(requests).toEqual([
      'POST /dicom-web/studies',
      `GET /dicom-web/instances?SOPInstanceUID=${seg.sopInstanceUid}`,
    ]);
    expect(outcome.stored).toBe(false);
    if (!outcome.stored)
      expect(outcome.error.message).toMatch(
        /did not store 1 of 1 instances \(the response lists no stored and no failed instance/,
      );
    const [entry] = await outbox.list();
    expect(entry).toMatchObject({ id: seg.sopInstanceUid, attempts: 1, lastError: { code: 'STOW_NOT_STORED' } });
    expect(Buffer.from((await outbox.download(seg.sopInstanceUid)).bytes).equals(Buffer.from(seg.bytes))).toBe(true);
  });
});
