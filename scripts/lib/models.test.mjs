import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { servedManifest } from './models.mjs';

function file(rel) {
  return { path: rel, bytes: 1, sha256: 'a'.repeat(64) };
}

function entry(id, testModel, variants, extra = {}) {
  return { id, testModel, variants, ...extra };
}

test('models whose files are missing are left out of the served manifest, with what is missing and how to make it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-models-'));
  fs.mkdirSync(path.join(dir, 'test'));
  fs.writeFileSync(path.join(dir, 'test', 'e.onnx'), 'x');
  fs.writeFileSync(path.join(dir, 'test', 'd.onnx'), 'x');
  const lite = entry(
    'litemedsam',
    false,
    { fp32: { encoder: file('litemedsam/e.onnx'), decoder: file('litemedsam/d.onnx') } },
    {
      provenance: { converter: 'npm run model:litemedsam' },
    },
  );
  const tiny = entry('tiny', true, {
    fp32: { encoder: file('test/e.onnx'), decoder: file('test/d.onnx') },
    int8: { encoder: file('test/e8.onnx'), decoder: file('test/d.onnx') },
  });
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ manifestVersion: 1, models: [lite, tiny] }));

  const served = servedManifest(dir);
  assert.deepEqual(
    served.manifest.models.map(m => m.id),
    ['tiny'],
  );
  assert.deepEqual(
    Object.keys(served.manifest.models[0].variants),
    ['fp32'],
    'a variant without its files is left out',
  );
  assert.deepEqual(served.dropped, [
    { id: 'litemedsam', missing: 'litemedsam/e.onnx', makeWith: 'npm run model:litemedsam' },
  ]);

  fs.mkdirSync(path.join(dir, 'litemedsam'));
  fs.writeFileSync(path.join(dir, 'litemedsam', 'e.onnx'), 'x');
  fs.writeFileSync(path.join(dir, 'litemedsam', 'd.onnx'), 'x');
  assert.deepEqual(
    servedManifest(dir).manifest.models.map(m => m.id),
    ['litemedsam', 'tiny'],
    'checked per request, not once',
  );
  assert.equal(servedManifest(path.join(dir, 'nowhere')), null);
});
