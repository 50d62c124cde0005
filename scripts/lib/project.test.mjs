// What `npm start` serves from the project (projectServeOptions) and where it listens: only model files from the
// models folder, which also holds the Python export tooling, and only on the loopback interface.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MODELS_PREFIX, projectServeOptions } from './project.mjs';
import { createViewerServer, listen } from './serve.mjs';

const get = (port, urlPath) =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath }, res => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', reject);
  });

describe('the project as npm start serves it', () => {
  let dir;
  let server;
  let port;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-project-test-'));
    const viewer = path.join(dir, 'viewer');
    fs.mkdirSync(viewer);
    fs.writeFileSync(path.join(viewer, 'index.html'), '<!doctype html><title>viewer</title>');
    fs.mkdirSync(path.join(dir, 'config'));
    fs.writeFileSync(path.join(dir, 'config', 'app-config.js'), 'window.config = {};');
    const models = path.join(dir, 'models', 'tiny');
    fs.mkdirSync(models, { recursive: true });
    for (const file of ['encoder.fp32.onnx', 'encoder.ort', 'weights.data', 'info.json', 'export.py', 'notes.txt'])
      fs.writeFileSync(path.join(models, file), 'x');
    fs.writeFileSync(path.join(dir, 'models', 'requirements.txt'), 'torch');
    server = createViewerServer({ viewerDir: viewer, ...projectServeOptions(dir) });
    await listen(server, 0);
    port = server.address().port;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves model files (.onnx, .ort, .data, .json) from the models folder and nothing else in it', async () => {
    const status = {};
    for (const file of ['tiny/encoder.fp32.onnx', 'tiny/encoder.ort', 'tiny/weights.data', 'tiny/info.json'])
      status[file] = await get(port, `${MODELS_PREFIX}${file}`);
    for (const file of ['tiny/export.py', 'tiny/notes.txt', 'requirements.txt'])
      status[file] = await get(port, `${MODELS_PREFIX}${file}`);
    assert.deepEqual(status, {
      'tiny/encoder.fp32.onnx': 200,
      'tiny/encoder.ort': 200,
      'tiny/weights.data': 200,
      'tiny/info.json': 200,
      'tiny/export.py': 404,
      'tiny/notes.txt': 404,
      'requirements.txt': 404,
    });
  });

  it('listens on the loopback interface only, as npm start calls it', () => {
    assert.equal(server.address().address, '127.0.0.1');
  });
});
