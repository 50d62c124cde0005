// The counts of an end-to-end run, read from the JSON report @playwright/test writes (playwright.config.mjs:
// tests/out/e2e.json, or E2E_REPORT). npm test adds them to its total; test:compat puts them in its table.
//   node scripts/lib/e2e-report.mjs tests/out/e2e.json   prints "PASSED FAILED"
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g');

/** The failed tests of a report's suites (nested), each { title, message } with the first line of its first error. */
function failuresOf(suites, found = []) {
  for (const suite of suites ?? []) {
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests ?? []) {
        if (test.status !== 'unexpected') continue;
        const error = test.results?.at(-1)?.error ?? test.results?.at(-1)?.errors?.[0];
        const message = (error?.message ?? 'failed').replace(ANSI, '').split('\n')[0].trim();
        found.push({ title: spec.title, message });
      }
    }
    failuresOf(suite.suites, found);
  }
  return found;
}

/**
 * { passed, failed, failures, missing } of a Playwright JSON report. A flaky test (passed on a retry) counts as passed;
 * an error outside the tests (global setup, a spec that does not load, the stack's teardown) as one failure each; a
 * report that is missing or unreadable (the run crashed before writing it) or that ran no test, as one failure.
 */
export function readE2eReport(file) {
  let report;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return { passed: 0, failed: 1, failures: [{ title: 'no report', message: e.message }], missing: true };
  }
  const stats = report.stats ?? {};
  const errors = (report.errors ?? []).map(e => ({
    title: 'error outside the tests',
    message: (e.message ?? String(e)).replace(ANSI, '').split('\n')[0].trim(),
  }));
  const failures = [...failuresOf(report.suites), ...errors];
  const passed = (stats.expected ?? 0) + (stats.flaky ?? 0);
  let failed = (stats.unexpected ?? 0) + errors.length;
  if (passed + failed === 0) {
    failed = 1;
    failures.push({ title: 'no test', message: 'no end-to-end test ran' });
  }
  return { passed, failed, failures, missing: false };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { passed, failed } = readE2eReport(process.argv[2] ?? 'tests/out/e2e.json');
  console.log(`${passed} ${failed}`);
}
