import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findCycles } from '../check-cycles.mjs';

function tree(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-cycles-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function cycles(dir, targets = ['.']) {
  return findCycles(targets.map(t => path.join(dir, t))).cycles.map(c => c.map(f => path.relative(dir, f)).join(' > '));
}

test('import type, export from, .ts specifiers, .js specifiers and index files all make edges', () => {
  const dir = tree({
    'a.ts': "import type { B } from './b';\nexport const a = 1;\n",
    'b.ts': "export type B = 1;\nexport { c } from './sub/c.ts';\n",
    'sub/c.ts': "import { d } from '../d.js';\nexport const c = d;\n",
    'd.ts': "import { type A } from './dir';\nexport const d = 2;\n",
    'dir/index.ts': "export type { A } from '../a';\n",
  });
  assert.deepEqual(cycles(dir), [`a.ts > b.ts > sub/c.ts > d.ts > ${path.join('dir', 'index.ts')} > a.ts`]);
});

test('import() types, require and dynamic import make edges; packages and comments do not', () => {
  const dir = tree({
    'a.ts': "// import { b } from './b';\nimport fs from 'node:fs';\nexport type T = import('./b').B;\n",
    'b.ts': "export type B = 1;\nexport const load = () => require('./c');\n",
    'c.ts': "export const x = () => import('./a');\n",
    'lone.ts': "import { x } from './c';\nexport const y = x;\n",
  });
  assert.deepEqual(cycles(dir), ['a.ts > b.ts > c.ts > a.ts']);
});

test('no cycle, a self-import, and a cycle found through a folder not given', () => {
  assert.deepEqual(cycles(tree({ 'a.ts': "import './b';\n", 'b.ts': 'export {};\n' })), []);
  assert.deepEqual(cycles(tree({ 'a.ts': "import type { A } from './a';\nexport type A = 1;\n" })), ['a.ts > a.ts']);
  const dir = tree({ 'in/a.ts': "import '../out/b';\n", 'out/b.ts': "import type {} from '../in/a';\n" });
  assert.deepEqual(cycles(dir, ['in']), [
    `${path.join('in', 'a.ts')} > ${path.join('out', 'b.ts')} > ${path.join('in', 'a.ts')}`,
  ]);
});
