/**
 * The whole-series speed run's work list, not its figures: which slices and boxes both sides get, and the files
 * `medsam segment` reads, on the real 20-slice CT and its TotalSegmentator labels.
 */
import * as path from 'path';
import { readSourceFolder } from '../../extension-medsam/src/cli/dicom-folder';
import { quietDcmjs } from '../../extension-medsam/src/seg/dicom/parse';
import { checkSources } from '../../extension-medsam/src/seg/source';
import { REPO_ROOT } from '../parity/support/node-models';
import { parseSpeedArgs } from './speed';
import { boxesFile, markersFile, seriesWork } from './speed-series';

const CT20 = path.join(REPO_ROOT, 'tests/data/ct-abdomen-20slice');

describe('speed benchmark: whole series and 3D work', () => {
  quietDcmjs();
  const { files, sources } = readSourceFolder(path.join(CT20, 'ct_dicom'));
  const order = checkSources(sources).geometry!.order;
  const image = { width: sources[0].columns, height: sources[0].rows };
  const work = seriesWork(path.join(CT20, 'example_seg_dicom.nii.gz'), sources, files, order, image);

  it('takes the dozen largest labels, a box per slice where each has >= 200 px, and liver + spleen for 3D', () => {
    expect(work.labels).toHaveLength(12);
    expect(work.labels).toEqual(expect.arrayContaining([1, 5])); // spleen, liver
    const boxes = work.slices.flatMap(s => s.boxes);
    expect(boxes.length).toBeGreaterThan(100);
    for (const { box } of boxes) {
      expect(box.x0).toBeGreaterThanOrEqual(0);
      expect(box.x1).toBeLessThanOrEqual(image.width);
      expect(box.x1).toBeGreaterThan(box.x0);
    }
    // Slices in series order, each file the one at that position.
    expect(work.slices.map(s => s.file)).toEqual(work.slices.map(s => files[order[s.z]].path));
    expect(work.propagate.map(p => p.target).sort()).toEqual(['liver', 'spleen']);
    for (const p of work.propagate)
      expect(work.slices[work.slices.findIndex(s => s.z === p.start)].boxes.some(b => b.label === p.label)).toBe(true);
  });

  it("writes the boxes and markers files in the command line's formats, one segment per label or target", () => {
    const b = boxesFile(work) as { segments: Array<{ label: string; boxes: Array<{ slice: number; box: number[] }> }> };
    expect(b.segments).toHaveLength(12);
    expect(b.segments.reduce((n, s) => n + s.boxes.length, 0)).toBe(
      work.slices.reduce((n, s) => n + s.boxes.length, 0),
    );
    for (const p of work.propagate) {
      const m = markersFile(p) as {
        mode: string;
        segments: Array<{ target: string; keySlices: Array<{ slice: number }> }>;
      };
      expect(m.mode).toBe('propagate');
      expect(m.segments).toEqual([
        { target: p.target, keySlices: [{ slice: p.start, box: [p.box.x0, p.box.y0, p.box.x1, p.box.y1] }] },
      ]);
    }
  });

  it('runs the series part unless told not to', () => {
    expect(parseSpeedArgs([]).series).toBe(true);
    expect(parseSpeedArgs(['--no-series']).series).toBe(false);
  });
});
