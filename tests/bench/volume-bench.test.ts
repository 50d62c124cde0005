/**
 * @jest-environment ./tests/parity/support/ort-node-environment.js
 *
 * The volume benchmark's plumbing, not its figures: argument parsing, the key slices, the table, and one cell run
 * in-process with the tiny random-weight test model over 3 slices of the 20-slice CT (onnxruntime-node).
 */
import * as path from 'path';
import { REPO_ROOT } from '../parity/support/node-models';
import { formatVolumeTable, parseVolumeBenchArgs, volumeRow } from './volume-bench';
import { benchKeySlices, runVolumeCell } from './volume-bench-child';

describe('volume benchmark', () => {
  it('parses its options and names the fix for bad ones', () => {
    const o = parseVolumeBenchArgs([
      '--models',
      'a,b',
      '--runtimes',
      'web-wasm',
      '--variants',
      'fp32,int8',
      '--slices',
      '5',
      '--json',
      'x.json',
    ]);
    expect(o).toMatchObject({
      models: ['a', 'b'],
      runtimes: ['web-wasm'],
      variants: ['fp32', 'int8'],
      slices: 5,
      json: path.resolve('x.json'),
    });
    expect(parseVolumeBenchArgs([]).runtimes).toEqual(['node', 'web-wasm']);
    expect(() => parseVolumeBenchArgs(['--slices', '2'])).toThrow(/--slices takes an integer >= 3/);
    expect(() => parseVolumeBenchArgs(['--runtimes', 'webgpu'])).toThrow(/--runtimes takes .*node, web-wasm/);
    expect(() => parseVolumeBenchArgs(['--fast'])).toThrow(/unknown argument --fast/);
  });

  it('puts three key boxes around the centre, spanning exactly the slices asked for', () => {
    const image = { width: 512, height: 400 };
    const keys = benchKeySlices(20, image, 5);
    expect(keys.map(k => k.slice)).toEqual([7, 9, 11]);
    for (const k of keys) {
      if (!('box' in k)) throw new Error('expected boxes');
      expect((k.box.x0 + k.box.x1) / 2).toBeCloseTo(256);
      expect((k.box.y0 + k.box.y1) / 2).toBeCloseTo(200);
    }
    expect(() => benchKeySlices(20, image, 21)).toThrow(/from 3 .* to 20/);
  });

  it('runs a cell and tabulates it', async () => {
    const r = await runVolumeCell({
      manifest: path.join(REPO_ROOT, 'models/manifest.json'),
      modelId: 'tiny-random',
      precision: 'fp32',
      runtime: 'node',
      threads: 1,
      dicom: path.join(REPO_ROOT, 'tests/data/ct-abdomen-20slice/ct_dicom'),
      slices: 3,
    });
    expect(r.status).toBe('complete');
    expect(r.slices).toBe(3);
    expect(r.perSlice.map(t => t.slice).sort((a, b) => a - b)).toEqual(r.keySlices.map(k => k.slice));
    for (const t of r.perSlice) for (const ms of Object.values(t)) expect(Number.isFinite(ms) && ms >= 0).toBe(true);
    const table = formatVolumeTable([volumeRow(r)]).split('\n');
    expect(table).toHaveLength(3);
    expect(table[0]).toMatch(/^\| model .*\| s\/slice total .*\| peak RSS MB \|$/);
    expect(table[2]).toMatch(/^\| tiny-random +\| fp32 +\| node +\| 3 +\|/);
    expect(new Set(table.map(l => l.length)).size).toBe(1);
  });
});
