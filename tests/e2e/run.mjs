#!/usr/bin/env node
// End-to-end test runner: one stack (Orthanc + viewer host) and one Chromium for all specs, a fresh browser
// context per test. Every page opened through ctx.openPage() is checked after its test: a request that
// would leave the viewer's origin fails the test. Prints 'N passed, N failed' and exits non-zero on failure.
//
// usage: node tests/e2e/run.mjs [spec-file-or-name-filter ...]
//   MEDSAM_SKIP_BUILD=1  reuse dist/ as built
//   E2E_TIMEOUT_MS=...   per-test limit (default 120000)
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchBrowser, newGuardedPage } from './browser.mjs';
import { outDir, root, startStack } from './harness.mjs';

const specDir = path.join(root, 'tests', 'e2e', 'specs');
const timeoutMs = Number(process.env.E2E_TIMEOUT_MS || 120000);
const log = (...args) => console.log('[e2e]', ...args);

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]);
}

async function loadTests(filters) {
  const files = fs
    .readdirSync(specDir)
    .filter(f => f.endsWith('.spec.mjs'))
    .sort();
  const tests = [];
  for (const file of files) {
    const mod = await import(pathToFileURL(path.join(specDir, file)).href);
    for (const t of mod.tests ?? []) tests.push({ ...t, file });
  }
  if (!filters.length) return tests;
  return tests.filter(t => filters.some(f => t.file.includes(f) || t.name.includes(f)));
}

async function main() {
  const tests = await loadTests(process.argv.slice(2));
  if (!tests.length) throw new Error('no end-to-end test matched');
  fs.mkdirSync(outDir, { recursive: true });

  const stack = await startStack({ log });
  let browser;
  const results = [];
  try {
    browser = await launchBrowser();
    log(`chromium ${browser.version()}`);
    for (const test of tests) {
      const pages = [];
      const ctx = {
        stack,
        browser,
        outDir,
        log: (...args) => log(`  ${test.name}:`, ...args),
        /** A guarded page in a fresh context; options.browser opens it in another browser (e.g. one with WebGPU). */
        async openPage(options = {}) {
          const guarded = await newGuardedPage(options.browser ?? browser, stack.origin, options);
          pages.push(guarded);
          return guarded;
        },
      };
      const started = Date.now();
      let error = null;
      try {
        await withTimeout(test.run(ctx), test.timeoutMs ?? timeoutMs, test.name);
        const leaks = pages.flatMap(p => p.offOrigin);
        if (leaks.length)
          throw new Error(`requests left the origin ${stack.origin}: ${[...new Set(leaks)].join(', ')}`);
      } catch (e) {
        error = e;
        const shot = pages.at(-1)?.page;
        if (shot)
          await shot
            .screenshot({ path: path.join(outDir, `FAILED-${test.name.replace(/\W+/g, '-')}.png`) })
            .catch(() => {});
      }
      const requests = pages.reduce((n, p) => n + p.requests.length, 0);
      for (const p of pages) await p.context.close().catch(() => {});
      const ms = Date.now() - started;
      results.push({ name: test.name, ok: !error });
      if (error) log(`FAIL ${test.name} (${ms} ms): ${error.message}`);
      else log(`ok   ${test.name} (${ms} ms, ${requests} requests, all same-origin)`);
    }
  } finally {
    await browser?.close().catch(() => {});
    await stack.stop();
  }
  const passed = results.filter(r => r.ok).length;
  const failed = results.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch(e => {
  console.error('[e2e]', e.stack || e.message);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
