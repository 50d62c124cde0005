/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * `medsam segment --dicomweb`: the 20-slice CT stored in a real Orthanc, retrieved by WADO-RS (JPEG 2000 as stored),
 * gives the same SEG voxels as the same run on the folder; a series that is not there or holds no images is refused
 * with the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listDicomFiles, readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { readSeg } from '../../extension-medsam/src/seg/reader';
import type { SourceImage } from '../../extension-medsam/src/seg/source';
import { createOrthanc, orthancInstalled, type TestOrthanc } from './orthanc';
import { runCli as run } from './run-cli';
import { OUT, ROOT } from './validators';

const CT20 = path.join(ROOT, 'tests/data/ct-abdomen-20slice/ct_dicom');
const samples = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests/data/samples.json'), 'utf8')) as {
  studies: { name: string; StudyInstanceUID: string; SeriesInstanceUID: string }[];
};
const ct = samples.studies.find(s => s.name === 'ct-abdomen-20slice')!;

const BOXES = {
  segments: [
    {
      target: 'liver',
      boxes: [
        { slice: 5, box: [120, 200, 260, 330] },
        { slice: 6, box: [121, 201, 259, 331] },
      ],
    },
    { label: 'Something else', boxes: [{ slice: 19, box: [40, 400, 90, 420] }] },
  ],
};

/** Foreground voxel indices per segment label and source SOP Instance UID. */
function voxelsBySop(file: string, sources: SourceImage[]): Map<string, number[]> {
  const seg = readSeg(new Uint8Array(fs.readFileSync(file)), sources);
  const out = new Map<string, number[]>();
  seg.masks.forEach((perSlice, s) =>
    perSlice.forEach((mask, k) => {
      const on: number[] = [];
      mask.forEach((v, i) => v && on.push(i));
      if (on.length) out.set(`${seg.segments[s].label} @ ${sources[k].sopInstanceUid}`, on);
    }),
  );
  return out;
}

(orthancInstalled() ? describe : describe.skip)('medsam segment --dicomweb (Orthanc)', () => {
  let orthanc: TestOrthanc;
  const boxes = path.join(OUT, 'cli-segment-dicomweb-boxes.json');
  const { sources } = readSourceFolder(CT20);

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(boxes, JSON.stringify(BOXES));
    orthanc = await createOrthanc();
    for (const file of listDicomFiles(CT20)) {
      const r = await fetch(`${orthanc.url}/instances`, { method: 'POST', body: fs.readFileSync(file) });
      if (!r.ok) throw new Error(`Orthanc refused ${file}: HTTP ${r.status}`);
    }
  });

  afterAll(async () => {
    await orthanc?.stop();
    if (orthanc) fs.rmSync(orthanc.storage, { recursive: true, force: true });
  });

  it('gives the SEG voxels of the same run on the folder', async () => {
    const fromFolder = path.join(OUT, 'cli-segment-dicomweb-folder.dcm');
    const fromPacs = path.join(OUT, 'cli-segment-dicomweb.dcm');
    const local = await run([
      'segment',
      '--dicom',
      CT20,
      '--boxes',
      boxes,
      '--model',
      'box-oracle',
      '--out',
      fromFolder,
      '--quiet',
    ]);
    expect(local.code).toBe(0);
    const remote = await run([
      'segment',
      '--dicomweb',
      orthanc.dicomWeb,
      '--study',
      ct.StudyInstanceUID,
      '--series',
      ct.SeriesInstanceUID,
      '--header',
      'X-Test: 1',
      '--boxes',
      boxes,
      '--model',
      'box-oracle',
      '--out',
      fromPacs,
      '--stow',
      orthanc.dicomWeb,
      '--quiet',
    ]);
    if (remote.code !== 0) throw new Error(remote.stderr);
    const a = voxelsBySop(fromFolder, sources);
    const b = voxelsBySop(fromPacs, sources);
    const total = (m: Map<string, number[]>) => [...m.values()].reduce((n, v) => n + v.length, 0);
    console.log(
      `medsam segment --dicomweb: ${b.size} segment slices, ${total(b)} voxels; from the folder ${a.size} segment slices, ${total(a)} voxels`,
    );
    expect(a.size).toBe(3);
    expect(b).toEqual(a);
    expect(JSON.parse(remote.stdout).stow).toMatchObject({ status: 200 });
  });

  it('refuses a series that is not there, and one that holds no images', async () => {
    const args = (series: string) => [
      'segment',
      '--dicomweb',
      orthanc.dicomWeb,
      '--study',
      ct.StudyInstanceUID,
      '--series',
      series,
      '--boxes',
      boxes,
      '--model',
      'box-oracle',
      '--out',
      path.join(OUT, 'x.dcm'),
    ];
    const missing = await run(args('1.2.3.999'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /INVALID_SOURCE: No series 1\.2\.3\.999 in study .* \(HTTP 404\): check --study, --series and --dicomweb/,
    );
    // The SEG the first test stored.
    const r = await fetch(`${orthanc.dicomWeb}/studies/${ct.StudyInstanceUID}/series?Modality=SEG`, {
      headers: { Accept: 'application/dicom+json' },
    });
    const [segSeries] = ((await r.json()) as Record<string, { Value?: string[] }>[]).map(
      s => s['0020000E']?.Value?.[0] ?? '',
    );
    expect(segSeries).toBeTruthy();
    const notImages = await run(args(segSeries));
    expect(notImages.code).toBe(1);
    expect(notImages.stderr).toMatch(/is not a series of images: 1 instance\(s\) of modality SEG/);
    const both = await run([...args('x'), '--dicom', CT20]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give either --dicom DIR or --dicomweb URL --study UID --series UID/);
  });
});
