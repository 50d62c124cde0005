// The prebuilt OHIF viewers (npm @ohif/app) that the MedSAM mode and extension are tested on: every version the
// registry serves from 3.11 on (`npm view @ohif/app versions`, 2026-12). `npm run test:compat` runs the end-to-end
// smoke on each; `npm start` and the normal end-to-end run use the default (scripts/fetch-viewer.sh, OHIF_VERSION).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Oldest first. */
export const OHIF_VERSIONS = Object.freeze(['3.11.1', '3.12.0', '3.12.10', '3.13.2', '3.14.0-beta.6']);

/**
 * Versions known not to work, with the reason shown in the table instead of a run (none at present: 3.11.1 needed
 * the mode built by hand and Enter/Esc routed to the box tool, both done by feature detection).
 */
export const UNSUPPORTED_OHIF_VERSIONS = Object.freeze({});

const fetchScript = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fetch-viewer.sh');

/** The version `npm start` serves without OHIF_VERSION: the one place it is written is scripts/fetch-viewer.sh. */
export function defaultOhifVersion() {
  const m = /^OHIF_VERSION="\$\{OHIF_VERSION:-([^}]+)\}"$/m.exec(fs.readFileSync(fetchScript, 'utf8'));
  if (!m) throw new Error(`${fetchScript} does not set a default OHIF_VERSION`);
  return m[1];
}

/**
 * Which versions a run covers. `only`: a comma-separated list (each must be listed); `ends`: the oldest and the newest
 * only; `skipDefault`: leave out the default version (the normal end-to-end run already covers it).
 */
export function selectVersions(
  { only = '', ends = false, skipDefault = false } = {},
  all = OHIF_VERSIONS,
  def = defaultOhifVersion(),
) {
  let chosen = [...all];
  if (only.trim()) {
    const asked = only
      .split(',')
      .map(v => v.trim())
      .filter(Boolean);
    const unknown = asked.filter(v => !all.includes(v));
    if (unknown.length) throw new Error(`not a tested OHIF version: ${unknown.join(', ')} (listed: ${all.join(', ')})`);
    chosen = all.filter(v => asked.includes(v));
  }
  if (ends && chosen.length > 2) chosen = [chosen[0], chosen.at(-1)];
  if (skipDefault) chosen = chosen.filter(v => v !== def);
  return chosen;
}

/**
 * A row of the compat table from one run of the end-to-end smoke (`playwright test compat-smoke`): the counts and the
 * failure from its JSON report (readE2eReport), the figures from the 'compat:' lines of its output.
 */
export function parseCompatRun(output, exitCode, report) {
  const figure = re => re.exec(output)?.[1] ?? null;
  const passed = exitCode === 0 && report.passed > 0 && report.failed === 0;
  let reason = null;
  if (!passed) {
    const failure = report.failures?.[0];
    reason = report.missing
      ? `no result (exit ${exitCode}); see the log`
      : failure
        ? failure.message
        : `exit ${exitCode}`;
  }
  return {
    passed,
    tests: report.missing ? null : `${report.passed}/${report.passed + report.failed}`,
    reason,
    dice: figure(/liver Dice vs TotalSegmentator ([\d.]+)/),
    reloaded: figure(/loaded back by the host: (\d+ voxels, accepted \d+, \d+ differing)/),
    steps: figure(/steps: ([^\n]+)/),
    consoleErrors: figure(/console errors: (\d+)/),
  };
}
