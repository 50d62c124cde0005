#!/usr/bin/env node
// Import cycles among TypeScript/JavaScript files, type-only imports included (eslint's import-x/no-cycle skips
// `import type`, which still ties two modules together: neither can move or be read without the other).
//
// usage: node scripts/check-cycles.mjs [FOLDER_OR_FILE ...]   (default: extension-medsam/src)
//
// Every edge is read with the TypeScript parser (no type check): import and `import type`, `export ... from`,
// `import x = require()`, `import('...')` in types and in code, and `require('...')`. Relative specifiers resolve
// with or without an extension (.ts, .tsx, .mts, .cts, .d.ts, .js, .mjs, .cjs; a .js specifier also finds its .ts)
// and to a folder's index file; packages are not followed. Files outside the folders given are followed too, so that
// a cycle that leaves a folder and comes back is still found; a cycle is reported when it touches a given folder.
// Prints each elementary cycle (edges that are type-only marked "type") and exits 1 when there is any, else 0.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.d.ts', '.js', '.mjs', '.cjs'];
const MAX_CYCLES = 200;

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDirectory(p) {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function listSources(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) listSources(p, out);
    else if (entry.isFile() && SOURCE.test(entry.name)) out.push(p);
  }
  return out;
}

/** The file a relative specifier names, or null (a package, or nothing there). */
export function resolveRelative(fromFile, specifier) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../') && specifier !== '.' && specifier !== '..') {
    return null;
  }
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [base, ...EXTENSIONS.map(e => base + e)];
  // TypeScript's ESM style: './x.js' names './x.ts' (and .mjs/.cjs their .mts/.cts).
  const js = /\.(js|jsx|mjs|cjs)$/.exec(base);
  if (js) {
    const stem = base.slice(0, -js[0].length);
    const swapped = { '.js': ['.ts', '.tsx', '.d.ts'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] }[js[0]];
    candidates.push(...swapped.map(e => stem + e));
  }
  candidates.push(...EXTENSIONS.map(e => path.join(base, `index${e}`)));
  return candidates.find(c => isFile(c) && SOURCE.test(c)) ?? null;
}

function stringArgument(node) {
  const arg = node.arguments?.[0];
  return arg && ts.isStringLiteralLike(arg) ? arg.text : null;
}

/** The module specifiers of one file, each with whether it is only about types. */
export function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const add = (specifier, typeOnly) => found.push({ specifier, typeOnly });
  const visit = node => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteralLike(node.moduleSpecifier)) {
      const clause = node.importClause;
      // `import type {..}`, or `import { type A, type B }` with nothing else (`import {}` and bare imports load code).
      const namedOnlyTypes =
        clause !== undefined &&
        !clause.name &&
        clause.namedBindings !== undefined &&
        ts.isNamedImports(clause.namedBindings) &&
        clause.namedBindings.elements.length > 0 &&
        clause.namedBindings.elements.every(e => e.isTypeOnly);
      add(node.moduleSpecifier.text, Boolean(clause?.isTypeOnly) || namedOnlyTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteralLike(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const namedOnlyTypes =
        clause !== undefined &&
        ts.isNamedExports(clause) &&
        clause.elements.length > 0 &&
        clause.elements.every(e => e.isTypeOnly);
      add(node.moduleSpecifier.text, node.isTypeOnly || namedOnlyTypes);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteralLike(node.moduleReference.expression)
    ) {
      add(node.moduleReference.expression.text, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteralLike(arg.literal)) add(arg.literal.text, true);
    } else if (ts.isCallExpression(node)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      const specifier = isImport || isRequire ? stringArgument(node) : null;
      if (specifier !== null) add(specifier, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** file -> Map(target -> typeOnly), following relative imports from the given files. */
export function importGraph(files) {
  const graph = new Map();
  const queue = [...files];
  while (queue.length > 0) {
    const file = queue.pop();
    if (graph.has(file)) continue;
    const edges = new Map();
    graph.set(file, edges);
    for (const { specifier, typeOnly } of importsOf(file)) {
      const target = resolveRelative(file, specifier);
      if (target === null || target.split(path.sep).includes('node_modules')) continue;
      // Two imports of one module: the edge is type-only when both are.
      edges.set(target, (edges.get(target) ?? true) && typeOnly);
      if (!graph.has(target)) queue.push(target);
    }
  }
  return graph;
}

/** Strongly connected components (Tarjan), iteratively so that deep graphs do not overflow the stack. */
function components(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const out = [];
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work = [[root, [...graph.get(root).keys()].sort(), 0]];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, next] = frame;
      if (frame[2] < next.length) {
        const w = next[frame[2]++];
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, [...graph.get(w).keys()].sort(), 0]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v), index.get(w)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const component = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        out.push(component.sort());
      }
    }
  }
  return out;
}

/** Elementary cycles of one component, each starting at its smallest file (at most `limit`). */
function cyclesOf(graph, component, limit) {
  const members = new Set(component);
  const cycles = [];
  for (const start of component) {
    const trail = [start];
    const seen = new Set([start]);
    const walk = v => {
      for (const w of [...graph.get(v).keys()].sort()) {
        if (cycles.length >= limit) return;
        if (!members.has(w) || w < start) continue;
        if (w === start) cycles.push([...trail, start]);
        else if (!seen.has(w)) {
          seen.add(w);
          trail.push(w);
          walk(w);
          trail.pop();
          seen.delete(w);
        }
      }
    };
    walk(start);
  }
  return cycles;
}

export function findCycles(targets) {
  const roots = [];
  for (const t of targets) {
    const p = path.resolve(t);
    if (isDirectory(p)) listSources(p, roots);
    else if (isFile(p)) roots.push(p);
    else throw new Error(`check-cycles: no such file or folder: ${t}`);
  }
  const graph = importGraph(roots);
  const given = new Set(roots);
  const cycles = [];
  for (const component of components(graph)) {
    const selfLoop = component.length === 1 && graph.get(component[0]).has(component[0]);
    if (component.length < 2 && !selfLoop) continue;
    if (!component.some(f => given.has(f))) continue;
    cycles.push(...cyclesOf(graph, component, MAX_CYCLES - cycles.length));
  }
  return { files: roots.length, cycles, graph };
}

function main() {
  const targets = process.argv.slice(2);
  const { files, cycles, graph } = findCycles(targets.length > 0 ? targets : ['extension-medsam/src']);
  const rel = f => path.relative(process.cwd(), f).split(path.sep).join('/');
  if (cycles.length === 0) {
    console.log(`check-cycles: no import cycles among ${files} files (type-only imports included)`);
    return 0;
  }
  const capped = cycles.length >= MAX_CYCLES ? ` (the first ${MAX_CYCLES})` : '';
  console.log(
    `check-cycles: ${cycles.length} import ${cycles.length === 1 ? 'cycle' : 'cycles'}${capped} among ${files} files:`,
  );
  for (const cycle of cycles) {
    const steps = cycle.map((f, i) =>
      i === 0 ? rel(f) : `${graph.get(cycle[i - 1]).get(f) ? '-(type)->' : '->'} ${rel(f)}`,
    );
    console.log(`  ${steps.join(' ')}`);
  }
  return 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  process.exitCode = main();
}
