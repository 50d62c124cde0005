#!/usr/bin/env node
/**
 * `npx medsam ...` from the repository: runs the TypeScript command line (src/cli/main.ts) in Node without a build
 * step (see register-ts.cjs).
 */
'use strict';
const path = require('path');
require('./register-ts.cjs');

require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'))
  .main(process.argv.slice(2))
  .then(code => {
    process.exitCode = code;
  });
