// What the project ships is declared where an audit and an installer see it (node --test scripts/lib): every package
// the extension's bundle or the command line loads at run time is a dependency of the package that ships it (so
// `npm audit --omit=dev` audits it), none asks for a newer Node than the project says it runs on, and every Python
// requirement is pinned.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const readJson = file => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));

/** Source files that run in the product (not tests, fixtures or type declarations). */
function productFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'testing' && entry.name !== '__tests__') out.push(...productFiles(rel));
    } else if (/\.(ts|tsx|cjs|mjs|js)$/.test(entry.name) && !/\.(test|d)\.[cm]?[jt]sx?$/.test(entry.name)) {
      out.push(rel);
    }
  }
  return out;
}

/** The packages a file loads at run time: import ... from, import(), require(); type-only imports are left out. */
function runtimePackages(file) {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const names = new Set();
  const specifiers = [
    ...text.matchAll(/^\s*import\s+(?!type\s)[^'";]*?from\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map(m => m[1]);
  for (const spec of specifiers) {
    if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
    names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
  }
  return names;
}

/** The lowest major.minor a `>=X.Y` engines range admits (the only form our packages use), or null. */
function minimumNode(range) {
  const m = /^\s*>=\s*(\d+)(?:\.(\d+))?/.exec(range ?? '');
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : null;
}

describe('dependencies', () => {
  it('declares every package the extension and the command line load at run time as a dependency of the extension', () => {
    const extension = readJson('extension-medsam/package.json');
    // An optional peer (playwright-core for the benchmark's PNG chart) is used when present and said so when not.
    const optionalPeers = Object.keys(extension.peerDependenciesMeta ?? {}).filter(
      n => extension.peerDependenciesMeta[n].optional,
    );
    const declared = new Set([...Object.keys(extension.dependencies ?? {}), ...optionalPeers]);
    const missing = new Map();
    for (const dir of ['extension-medsam/src', 'extension-medsam/bin']) {
      for (const file of productFiles(dir)) {
        for (const name of runtimePackages(file)) if (!declared.has(name)) missing.set(name, file);
      }
    }
    assert.deepEqual(
      [...missing].map(([name, file]) => `${name} (${file})`),
      [],
    );
  });

  it('asks for no newer Node than the project declares', () => {
    const project = minimumNode(readJson('package.json').engines?.node);
    assert.ok(project, 'package.json declares engines.node as >=X');
    const extension = readJson('extension-medsam/package.json');
    assert.deepEqual(
      minimumNode(extension.engines?.node),
      project,
      'the extension (the medsam command) declares the same Node',
    );
    const tooNew = [];
    for (const name of Object.keys(extension.dependencies ?? {})) {
      // Where Node would find it from the extension (several packages do not export their package.json).
      const manifest = ['extension-medsam/node_modules', 'node_modules']
        .map(d => path.join(root, d, name, 'package.json'))
        .find(f => fs.existsSync(f));
      assert.ok(manifest, `${name} is installed`);
      const wants = minimumNode(JSON.parse(fs.readFileSync(manifest, 'utf8')).engines?.node);
      if (wants && (wants[0] > project[0] || (wants[0] === project[0] && wants[1] > project[1])))
        tooNew.push(`${name} needs Node >= ${wants.join('.')}`);
    }
    assert.deepEqual(tooNew, []);
  });

  it('pins every Python requirement', () => {
    for (const file of fs.readdirSync(path.join(root, 'models')).filter(f => /^requirements.*\.txt$/.test(f))) {
      const loose = fs
        .readFileSync(path.join(root, 'models', file), 'utf8')
        .split('\n')
        .map(l => l.replace(/#.*/, '').trim())
        .filter(l => l && !/^[A-Za-z0-9._-]+(\[[^\]]*\])?==[^=<>~!*]+$/.test(l));
      assert.deepEqual(loose, [], `models/${file}`);
    }
  });
});
