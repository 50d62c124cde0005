import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultOhifVersion, OHIF_VERSIONS, parseCompatRun, selectVersions } from './ohif-versions.mjs';

test('the default viewer (fetch-viewer.sh) is one of the tested versions', () => {
  assert.ok(OHIF_VERSIONS.includes(defaultOhifVersion()), defaultOhifVersion());
});

test('version selection: all, a list, oldest and newest, without the default', () => {
  const all = ['3.11.1', '3.12.0', '3.13.2', '3.14.0-beta.6'];
  assert.deepEqual(selectVersions({}, all, '3.13.2'), all);
  assert.deepEqual(selectVersions({ ends: true }, all, '3.13.2'), ['3.11.1', '3.14.0-beta.6']);
  assert.deepEqual(selectVersions({ skipDefault: true }, all, '3.13.2'), ['3.11.1', '3.12.0', '3.14.0-beta.6']);
  assert.deepEqual(selectVersions({ only: '3.14.0-beta.6, 3.11.1' }, all, '3.13.2'), ['3.11.1', '3.14.0-beta.6']);
  assert.throws(() => selectVersions({ only: '3.10.0' }, all, '3.13.2'), /not a tested OHIF version: 3\.10\.0/);
});

test('a run is read from its report (counts, the failing step) and its output (figures)', () => {
  const ok = [
    '[e2e]   compat smoke: x: compat: @ohif/app@3.12.10 liver Dice vs TotalSegmentator 0.9780 (viewer 19514 px, reference 19281 px)',
    '[e2e]   compat smoke: x: compat: @ohif/app@3.12.10 SEG 2.25.1 loaded back by the host: 19514 voxels, accepted 19514, 0 differing',
    '[e2e]   compat smoke: x: compat: @ohif/app@3.12.10 steps: open+model 10.1 s, box->mask 9.9 s',
    '[e2e]   compat smoke: x: compat: @ohif/app@3.12.10 console errors: 2: a | b',
    '  1 passed (31.0s)',
  ].join('\n');
  assert.deepEqual(parseCompatRun(ok, 0, { passed: 1, failed: 0, failures: [], missing: false }), {
    passed: true,
    tests: '1/1',
    reason: null,
    dice: '0.9780',
    reloaded: '19514 voxels, accepted 19514, 0 differing',
    steps: 'open+model 10.1 s, box->mask 9.9 s',
    consoleErrors: '2',
  });
  const failed = parseCompatRun('  1 failed', 1, {
    passed: 0,
    failed: 1,
    failures: [{ title: 'compat smoke: x', message: 'box->mask: page.waitForFunction: Timeout 60000ms exceeded.' }],
    missing: false,
  });
  assert.equal(failed.passed, false);
  assert.equal(failed.tests, '0/1');
  assert.equal(failed.reason, 'box->mask: page.waitForFunction: Timeout 60000ms exceeded.');
  const crashed = parseCompatRun('', 1, { passed: 0, failed: 1, failures: [], missing: true });
  assert.equal(crashed.reason, 'no result (exit 1); see the log');
  assert.equal(crashed.tests, null);
});
