/**
 * Builds the extension and the mode as ES modules that a prebuilt OHIF 3.x viewer loads by URL
 * (window.config.extensions / modes -> dynamic import -> the module's default export):
 *   dist/extension-medsam/index.js         (bundles React 18 for its own panel root; nothing from OHIF or cornerstone)
 *   dist/extension-medsam/chunks/*.js      the engine worker (a module worker that owns onnxruntime-web) and lazy parts
 *   dist/extension-medsam/ort/*            onnxruntime-web 1.30's WASM runtime (WebGPU + WASM build), loaded by the worker
 *   dist/mode-medsam/index.js
 * `npx webpack` builds both (production); `npx webpack --mode development` keeps them readable.
 */
const fs = require('node:fs');
const path = require('node:path');
const { sources } = require('webpack');

const root = __dirname;

/**
 * onnxruntime-web 1.30's runtimes, loaded by the engine worker at run time from env.wasm.wasmPaths (this folder; the
 * viewer's own /ort files are never used): the WebGPU build ("onnxruntime-web", ort-wasm-simd-threaded.jsep.*) where
 * the browser has a WebGPU adapter, else the WASM-only build ("onnxruntime-web/wasm", ort-wasm-simd-threaded.*),
 * whose CPU kernels run about 1.5x faster. A browser downloads only the one it uses.
 */
const ORT_DIST = path.join(root, 'node_modules', 'onnxruntime-web', 'dist');
const ORT_RUNTIME_FILES = [
  'ort-wasm-simd-threaded.jsep.mjs',
  'ort-wasm-simd-threaded.jsep.wasm',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
];

/** Emits onnxruntime-web's runtime files under ort/ next to index.js (no copy-plugin dependency needed). */
class EmitOrtRuntimePlugin {
  apply(compiler) {
    compiler.hooks.thisCompilation.tap('EmitOrtRuntimePlugin', compilation => {
      compilation.hooks.processAssets.tap(
        { name: 'EmitOrtRuntimePlugin', stage: compilation.constructor.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => {
          for (const file of ORT_RUNTIME_FILES) {
            const from = path.join(ORT_DIST, file);
            compilation.fileDependencies.add(from);
            // minimized: emitted as published (Terser would otherwise rewrite the .mjs glue).
            compilation.emitAsset(`ort/${file}`, new sources.RawSource(fs.readFileSync(from)), { minimized: true });
          }
        },
      );
    });
  }
}

function esModuleBuild(name, entry, { plugins = [] } = {}) {
  return (env, argv) => {
    const mode = argv.mode ?? 'production';
    return {
      name,
      mode,
      target: ['web', 'es2022'],
      entry: { index: path.join(root, entry) },
      devtool: mode === 'production' ? 'source-map' : 'eval-cheap-module-source-map',
      experiments: { outputModule: true },
      output: {
        path: path.join(root, 'dist', name),
        filename: '[name].js',
        chunkFilename: 'chunks/[name].[contenthash:16].js',
        // Chunks and workers are found next to index.js through import.meta.url, wherever a site puts the folder.
        publicPath: 'auto',
        library: { type: 'module' },
        module: true,
        chunkFormat: 'module',
        workerChunkLoading: 'import',
        clean: true,
      },
      resolve: {
        extensions: ['.ts', '.tsx', '.mjs', '.js'],
        // onnxruntime-web: the build that loads its .mjs/.wasm from wasmPaths (see ORT_RUNTIME_FILES).
        conditionNames: ['onnxruntime-web-use-extern-wasm', 'import', 'module', 'browser', 'default'],
      },
      module: {
        rules: [
          {
            test: /\.tsx?$/,
            exclude: /node_modules/,
            use: {
              loader: 'ts-loader',
              // Type errors are `npm run typecheck`'s job; the bundle only needs the transpiled code.
              options: { transpileOnly: true, compilerOptions: { noEmit: false, module: 'ESNext', sourceMap: true } },
            },
          },
          {
            // onnxruntime-web reads import.meta.url at run time to find itself; keep it as the real chunk URL.
            test: /[\\/]onnxruntime-web[\\/]/,
            parser: { importMeta: false },
          },
        ],
      },
      // The prebuilt viewer exposes nothing by module name, so a runtime plugin can import no host package.
      externals: [
        ({ request }, callback) =>
          /^(@ohif\/|@cornerstonejs\/)/.test(request ?? '')
            ? callback(
                new Error(
                  `${name}: do not import ${request}; take it from the host (see extension-medsam/src/ohif/host/hostLibraries.ts)`,
                ),
              )
            : callback(),
      ],
      plugins,
      performance: { hints: false },
      stats: 'errors-warnings',
    };
  };
}

module.exports = [
  esModuleBuild('extension-medsam', 'extension-medsam/src/index.ts', { plugins: [new EmitOrtRuntimePlugin()] }),
  esModuleBuild('mode-medsam', 'mode-medsam/src/index.ts'),
];
