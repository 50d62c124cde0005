/**
 * A require hook that runs the project's TypeScript in plain Node (no build step, no type check): each .ts file is
 * transpiled to CommonJS with the TypeScript compiler already installed for the tests. Used by the command line
 * (bin/medsam.cjs), the benchmark and the onnxruntime-web parity runner, which must run outside jest (jest's
 * CommonJS sandbox cannot load onnxruntime-web's WASM module, an ES module it imports dynamically).
 *   node -r ./extension-medsam/bin/register-ts.cjs some-script.ts
 */
'use strict';
const fs = require('fs');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  isolatedModules: true,
  sourceMap: false,
  inlineSourceMap: true,
};

require.extensions['.ts'] = function registerTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
