// The end-to-end runner (`npm run test:e2e`, scripts/test.sh, scripts/test-compat.mjs): @playwright/test on Debian's
// Chromium (never a downloaded browser), one worker, one stack per run (tests/e2e/test.mjs, global-setup.mjs).
//   npm run test:e2e -- save                 the spec files whose path matches
//   npm run test:e2e -- -g 'Save to PACS'    the tests whose name matches
//   npm run test:e2e -- --retries 1          retries (none by default)
//   MEDSAM_SKIP_BUILD=1  reuse dist/ as built
//   E2E_TIMEOUT_MS=...   per-test limit (default 120000; a few tests set their own)
//   E2E_REPORT=...       the JSON report (default tests/out/e2e.json; npm test reads its counts from it)
//   E2E_OUTPUT_DIR=...   traces of failed tests (default tests/out/e2e-results; `npx playwright show-trace <zip>`)
//   npm run test:e2e -- --trace retain-on-failure   traces with screenshots and DOM snapshots (slower)
import { defineConfig } from '@playwright/test';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './tests/e2e/browser.mjs';

process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD ??= '1';

export default defineConfig({
  testDir: 'tests/e2e/specs',
  testMatch: '*.spec.mjs',
  globalSetup: './tests/e2e/global-setup.mjs',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: Number(process.env.E2E_TIMEOUT_MS || 120000),
  outputDir: process.env.E2E_OUTPUT_DIR || 'tests/out/e2e-results',
  reporter: [['list'], ['json', { outputFile: process.env.E2E_REPORT || 'tests/out/e2e.json' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS },
    // A failed test keeps its trace (actions, network, console; tests/out/FAILED-*.png has its last page). Screenshots
    // and DOM snapshots would make the run 45% slower on 2 cores: `-- --trace retain-on-failure` records them too.
    trace: { mode: 'retain-on-failure', screenshots: false, snapshots: false },
  },
});
