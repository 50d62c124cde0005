// The end-to-end `test`: @playwright/test with this project's fixtures. Specs import { test } from here.
//   stack    (worker) Orthanc + the viewer host (harness.mjs), started once per worker: with workers: 1, once per run,
//            again only after a failed test (Playwright replaces the worker then). dist/ is built by the global setup.
//   browser  (worker) Playwright's, launched from playwright.config.mjs's launchOptions: Debian's Chromium.
//   openPage a guarded page in a fresh context; options.browser opens it in another browser (e.g. one with WebGPU).
//            After the test every page it opened is checked: a request that would leave the viewer's origin fails
//            the test. A failed test leaves a screenshot of its last page, tests/out/FAILED-<name>.png.
//   log      console lines "[e2e]   <test name>: ..." (the list reporter shows them; test:compat reads its figures).
//   outDir   tests/out, where the specs write their figures, screenshots and files.
import path from 'node:path';
import { createRequire } from 'node:module';
import { test as base } from '@playwright/test';
import { newGuardedPage } from './browser.mjs';
import { outDir, root, startStack } from './harness.mjs';

// The project's TypeScript, required by the specs (createRequire), is transpiled as `npm run medsam` does it, whichever
// spec runs first.
createRequire(import.meta.url)(path.join(root, 'extension-medsam/bin/register-ts.cjs'));

const say = (...args) => console.log('[e2e]', ...args);

export const test = base.extend({
  stack: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const stack = await startStack({ log: say, build: false });
      try {
        await use(stack);
      } finally {
        await stack.stop();
      }
    },
    { scope: 'worker', timeout: 300000 },
  ],
  _chromium: [
    async ({ browser }, use) => {
      say(`chromium ${browser.version()}`);
      await use();
    },
    { scope: 'worker', auto: true },
  ],
  outDir: [outDir, { scope: 'worker' }],
  // eslint-disable-next-line no-empty-pattern
  log: async ({}, use, testInfo) => {
    await use((...args) => say(`  ${testInfo.title}:`, ...args));
  },
  openPage: async ({ browser, stack }, use, testInfo) => {
    const pages = [];
    await use(async (options = {}) => {
      const guarded = await newGuardedPage(options.browser ?? browser, stack.origin, options);
      pages.push(guarded);
      return guarded;
    });
    const leaks = [...new Set(pages.flatMap(p => p.offOrigin))];
    const shot = pages.at(-1)?.page;
    if (shot && (leaks.length || testInfo.status !== testInfo.expectedStatus))
      await shot
        .screenshot({ path: path.join(outDir, `FAILED-${testInfo.title.replace(/\W+/g, '-')}.png`) })
        .catch(() => {});
    const requests = pages.reduce((n, p) => n + p.requests.length, 0);
    for (const p of pages) await p.context.close().catch(() => {});
    if (leaks.length) throw new Error(`requests left the origin ${stack.origin}: ${leaks.join(', ')}`);
    if (pages.length) say(`  ${testInfo.title}: ${requests} requests, all same-origin`);
  },
});
