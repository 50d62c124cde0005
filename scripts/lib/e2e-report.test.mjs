import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readE2eReport } from './e2e-report.mjs';

function withReport(report, fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medsam-e2e-report-'));
  try {
    const file = path.join(dir, 'e2e.json');
    if (report !== undefined) fs.writeFileSync(file, typeof report === 'string' ? report : JSON.stringify(report));
    return fn(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const spec = (title, status, message) => ({
  title,
  tests: [
    { status, results: [{ status: status === 'unexpected' ? 'failed' : 'passed', error: message && { message } }] },
  ],
});

test('counts of a Playwright JSON report: flaky is passed, the first line of each failure', () => {
  const report = {
    suites: [
      {
        title: 'a.spec.mjs',
        specs: [spec('one', 'expected'), spec('two', 'unexpected', '\u001b[31mboom\u001b[39m\n  at x')],
        suites: [{ title: 'inner', specs: [spec('three', 'flaky')] }],
      },
    ],
    errors: [],
    stats: { expected: 1, unexpected: 1, flaky: 1, skipped: 0 },
  };
  assert.deepEqual(withReport(report, readE2eReport), {
    passed: 2,
    failed: 1,
    failures: [{ title: 'two', message: 'boom' }],
    missing: false,
  });
});

test('a run that crashed, failed outside its tests or ran nothing counts as failed', () => {
  assert.equal(withReport(undefined, readE2eReport).failed, 1);
  assert.equal(withReport(undefined, readE2eReport).missing, true);
  assert.equal(withReport('{"stats":', readE2eReport).failed, 1);
  const setupFailed = {
    suites: [],
    errors: [{ message: 'Error: webpack failed' }],
    stats: { expected: 0, unexpected: 0 },
  };
  assert.deepEqual(withReport(setupFailed, readE2eReport).failures, [
    { title: 'error outside the tests', message: 'Error: webpack failed' },
  ]);
  assert.equal(withReport(setupFailed, readE2eReport).failed, 1);
  assert.equal(withReport({ suites: [], errors: [], stats: { expected: 0, unexpected: 0 } }, readE2eReport).failed, 1);
});
