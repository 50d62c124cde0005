// Playwright's global setup (playwright.config.mjs): once per run, before any worker starts its stack, Orthanc and
// Chromium installed, the prebuilt viewer unpacked and dist/ built with webpack (unless MEDSAM_SKIP_BUILD=1).
import fs from 'node:fs';
import { outDir, prepareStack } from './harness.mjs';

export default function globalSetup() {
  fs.mkdirSync(outDir, { recursive: true });
  prepareStack({ log: (...args) => console.log('[e2e]', ...args) });
}
