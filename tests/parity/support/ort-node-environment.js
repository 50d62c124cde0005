/**
 * Jest's node environment with Node's own typed-array constructors, for tests that run onnxruntime-node.
 * Jest gives each test file a separate JS realm but shares only ArrayBuffer and Uint8Array with Node; the
 * onnxruntime-node addon creates its output arrays in Node's realm, and onnxruntime-common's Tensor then rejects
 * them ("A float32 tensor's data must be type of function Float32Array()"). Sharing the other typed arrays too,
 * as jest already does for Uint8Array, removes the mismatch. Use with the docblock
 *   @jest-environment ./tests/parity/support/ort-node-environment.js
 */
'use strict';
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'Int8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'DataView',
];

class OrtNodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (name in globalThis) this.global[name] = globalThis[name];
  }
}

module.exports = OrtNodeEnvironment;
