/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * `medsam segment --markers` end to end on the 20-slice CT with the box-oracle test model (its mask is the box):
 * markers on 3 slices (long/short axes on two, a box on one) -> the SEG's 3D mask matches the mask this test computes
 * on its own from the interpolated boxes (covering rectangle of the axes, linear interpolation between key slices,
 * pixel centres inside the box), Dice >= 0.95.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runCli as run } from '../seg/run-cli';
import { readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { readSeg } from '../../extension-medsam/src/seg/reader';
import { checkSources } from '../../extension-medsam/src/seg/source';
import { OUT, ROOT } from '../seg/validators';

const CT20 = path.join(ROOT, 'tests/data/ct-abdomen-20slice/ct_dicom');

type Quad = [number, number, number, number];
// Off-centre, non-square, changing size: catches flips, transposes and off-by-one slices.
const KEYS: { slice: number; lines?: Quad[]; box?: Quad }[] = [
  {
    slice: 4,
    lines: [
      [150, 240, 250, 260],
      [195, 215, 205, 290],
    ],
  }, // long axis, short axis
  { slice: 9, box: [120, 200, 300, 330] },
  {
    slice: 14,
    lines: [
      [180, 250, 240, 250],
      [210, 230, 212, 280],
    ],
  },
];

function keyBox(k: (typeof KEYS)[number]): Quad {
  if (k.box) return k.box;
  const xs = k.lines!.flatMap(l => [l[0], l[2]]);
  const ys = k.lines!.flatMap(l => [l[1], l[3]]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Slice index -> expected box: linear in each coordinate between the two neighbouring key slices. */
function expectedBoxes(): Map<number, Quad> {
  const out = new Map<number, Quad>();
  for (let i = 1; i < KEYS.length; i++) {
    const a = KEYS[i - 1];
    const b = KEYS[i];
    const [ba, bb] = [keyBox(a), keyBox(b)];
    for (let z = a.slice; z <= b.slice; z++) {
      const t = (z - a.slice) / (b.slice - a.slice);
      out.set(z, ba.map((v, j) => v + (bb[j] - v) * t) as Quad);
    }
  }
  return out;
}

describe('medsam segment --markers', () => {
  it('segments every slice between the marked slices from interpolated boxes (Dice >= 0.95 against the rasterised boxes)', async () => {
    fs.mkdirSync(OUT, { recursive: true });
    const markers = path.join(OUT, 'cli-markers.json');
    fs.writeFileSync(markers, JSON.stringify({ segments: [{ target: 'liver', keySlices: KEYS }] }));
    const seg = path.join(OUT, 'cli-markers-20.dcm');
    const r = await run(['segment', '--dicom', CT20, '--markers', markers, '--model', 'box-oracle', '--out', seg]);
    if (r.code !== 0) throw new Error(r.stderr);
    expect(r.stderr).toMatch(/TEST MODEL/);
    expect(r.stderr).toMatch(/volume liver: 11\/11 \(slice 4\) \d+ ms\/slice, ~0\.0 s left/);
    const summary = JSON.parse(r.stdout);
    expect(summary.volume[0]).toMatchObject({
      mode: 'interpolate',
      start: 9,
      status: 'complete',
      slices: [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
    });

    const { sources } = readSourceFolder(CT20);
    const stack = checkSources(sources);
    const order = stack.geometry!.order;
    const back = readSeg(new Uint8Array(fs.readFileSync(seg)), sources);
    const columns = stack.columns;
    const boxes = expectedBoxes();
    let inter = 0;
    let sumPred = 0;
    let sumRef = 0;
    for (let z = 0; z < order.length; z++) {
      const m = back.masks[0][order[z]];
      const b = boxes.get(z);
      for (let p = 0; p < stack.rows * columns; p++) {
        const r0 = Math.floor(p / columns);
        const c = p % columns;
        const ref = b && c + 0.5 > b[0] && c + 0.5 < b[2] && r0 + 0.5 > b[1] && r0 + 0.5 < b[3] ? 1 : 0;
        const pred = m && m[p] ? 1 : 0;
        inter += ref & pred;
        sumPred += pred;
        sumRef += ref;
      }
    }
    const dice = (2 * inter) / (sumPred + sumRef);
    console.log(
      `medsam segment --markers (box-oracle, 20-slice CT, markers on slices 4, 9, 14): 3D Dice ${dice.toFixed(4)} over ${sumRef} reference voxels, volume ${summary.volume[0].volumeMl} mL`,
    );
    expect(dice).toBeGreaterThanOrEqual(0.95);
    expect(summary.volume[0].volumeMl).toBeGreaterThan(0);
    expect(summary.volume[0].review).toHaveLength(5);
  });

  it('propagate mode: from one key slice up and down, each box the previous mask bounding box padded by propagatePadPx', async () => {
    const markers = path.join(OUT, 'cli-markers-propagate.json');
    fs.writeFileSync(
      markers,
      JSON.stringify({
        mode: 'propagate',
        propagatePadPx: 4,
        beyondKeys: 3,
        segments: [{ label: 'Lesion', keySlices: [{ slice: 10, box: [200, 200, 260, 240] }] }],
      }),
    );
    const r = await run([
      'segment',
      '--dicom',
      CT20,
      '--markers',
      markers,
      '--model',
      'box-oracle',
      '--out',
      path.join(OUT, 'cli-markers-propagate.dcm'),
      '--quiet',
    ]);
    if (r.code !== 0) throw new Error(r.stderr);
    expect(r.stderr).toBe('');
    const v = JSON.parse(r.stdout).volume[0];
    expect(v).toMatchObject({
      mode: 'propagate',
      start: 10,
      status: 'complete',
      slices: [7, 8, 9, 10, 11, 12, 13],
      stoppedAt: [],
    });
    // The box-oracle's mask is the box, so each step away from the key slice grows the mask by 4 px a side.
    const { sources } = readSourceFolder(CT20);
    const order = checkSources(sources).geometry!.order;
    const back = readSeg(new Uint8Array(fs.readFileSync(path.join(OUT, 'cli-markers-propagate.dcm'))), sources);
    const area = (z: number) => back.masks[0][order[z]].reduce((a, b) => a + b, 0);
    const areas = [7, 8, 9, 10, 11, 12, 13].map(area);
    console.log(`medsam segment --markers propagate (box-oracle): mask areas on slices 7..13: ${areas.join(', ')}`);
    // Exactly (60 + 8k) x (40 + 8k) k slices away: the oracle's 4-px grid at 1024 scale is 2 px here, and 4 px padding fits it.
    expect(areas).toEqual([3, 2, 1, 0, 1, 2, 3].map(k => (60 + 8 * k) * (40 + 8 * k)));
  });

  it('refuses a key slice with neither box nor lines, with the place of the problem', async () => {
    const bad = path.join(OUT, 'cli-markers-bad.json');
    fs.writeFileSync(bad, JSON.stringify({ segments: [{ target: 'liver', keySlices: [{ slice: 2 }] }] }));
    const r = await run([
      'segment',
      '--dicom',
      CT20,
      '--markers',
      bad,
      '--model',
      'box-oracle',
      '--out',
      path.join(OUT, 'x.dcm'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/segments\[0\]\.keySlices\[0\] needs either "box" or "lines"/);
    const both = await run([
      'segment',
      '--dicom',
      CT20,
      '--markers',
      bad,
      '--boxes',
      bad,
      '--model',
      'box-oracle',
      '--out',
      path.join(OUT, 'x.dcm'),
    ]);
    expect(both.stderr).toMatch(/either --boxes FILE or --markers FILE/);
  });
});
