#!/usr/bin/env node
/**
 * `npx medsam ...` from the repository: runs the TypeScript command line (src/cli/main.ts) in Node without a build
 * step, transpiling each project .ts file to CommonJS with the TypeScript compiler already installed for the tests.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  isolatedModules: true,
  inlineSourceMap: true,
};
const srcRoot = path.resolve(__dirname, '..', 'src');
const previous = require.extensions['.ts'];
require.extensions['.ts'] = function medsamTs(module, filename) {
  if (previous && !filename.startsWith(srcRoot)) return previous(module, filename);
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};

require(path.join(srcRoot, 'cli', 'main.ts'))
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
