/**
 * Loads one ES module file shipped inside a package, in Node and under jest alike. Some decoders the viewer runs
 * are published only as ES modules that their package's "exports" map does not list (the 12-bit JPEG and RLE
 * decoders of @cornerstonejs/dicom-image-loader): Node 20 cannot require() such a file, and jest's CommonJS sandbox
 * cannot import() it. The TypeScript compiler the command line already runs on (bin/register-ts.cjs) turns it into
 * CommonJS; the file must import nothing that is not CommonJS itself.
 */
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import ts from 'typescript';

const loaded = new Map<string, unknown>();

export function packageFile(packageName: string, relative: string): string {
  // package.json is exported by every package used this way; deep paths are not.
  return path.join(path.dirname(require.resolve(`${packageName}/package.json`)), relative);
}

export function loadEsmFile<T>(packageName: string, relative: string): T {
  const file = packageFile(packageName, relative);
  const cached = loaded.get(file);
  if (cached) return cached as T;
  const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: file,
  });
  const m = new Module(file) as Module & { _compile(code: string, filename: string): void };
  m.filename = file;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  m._compile(outputText, file);
  loaded.set(file, m.exports);
  return m.exports as T;
}
