#!/usr/bin/env node
// `npm run test:compat`: the end-to-end smoke (tests/e2e/specs/compat-smoke.spec.mjs: the MedSAM mode with the real
// model, box -> mask, accept, Save to PACS, reload shows the SEG; and the messages of a viewer MedSAM cannot use) on
// each prebuilt OHIF version of scripts/lib/ohif-versions.mjs, one after the other (each its own stack and
// .viewer/<version>/), then a table version -> pass/fail with the figures, the time and the reason. The extension and
// mode are built once.
//
// usage: node scripts/test-compat.mjs [--only 3.11.1,3.14.0-beta.6] [--ends] [--skip-default]
//   --ends          the oldest and the newest version only
//   --skip-default  leave out the version the normal end-to-end run covers (OHIF_VERSION, else the default)
//   MEDSAM_SKIP_BUILD=1 reuse dist/ as built
// Each version is one run of the end-to-end runner (playwright.config.mjs) on compat-smoke.spec.mjs.
// Writes tests/out/compat.md (the table), tests/out/compat-<version>.log and .json (its Playwright report; traces of a
// failure in compat-<version>-results/); ends with 'compat: N passed, N failed'.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readE2eReport } from './lib/e2e-report.mjs';
import { defaultOhifVersion, parseCompatRun, selectVersions, UNSUPPORTED_OHIF_VERSIONS } from './lib/ohif-versions.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'tests', 'out');
const playwrightCli = path.join(root, 'node_modules', '@playwright', 'test', 'cli.js');
const log = (...args) => console.log('[compat]', ...args);

function parseArgs(argv) {
  const options = { only: '', ends: false, skipDefault: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') options.only = argv[++i] ?? '';
    else if (argv[i].startsWith('--only=')) options.only = argv[i].slice('--only='.length);
    else if (argv[i] === '--ends') options.ends = true;
    else if (argv[i] === '--skip-default') options.skipDefault = true;
    else throw new Error(`unknown option ${argv[i]} (--only LIST, --ends, --skip-default)`);
  }
  return options;
}

/** Runs the smoke on one version, its output shown as it comes and kept in a log file. */
function runVersion(version) {
  return new Promise(resolve => {
    const started = Date.now();
    const report = path.join(outDir, `compat-${version}.json`);
    fs.rmSync(report, { force: true });
    const child = spawn(process.execPath, [playwrightCli, 'test', 'compat-smoke'], {
      cwd: root,
      env: {
        ...process.env,
        OHIF_VERSION: version,
        MEDSAM_SKIP_BUILD: '1',
        E2E_REPORT: report,
        E2E_OUTPUT_DIR: path.join(outDir, `compat-${version}-results`),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = chunk => {
      const text = chunk.toString();
      output += text;
      process.stdout.write(text.replace(/^(?=.)/gm, `[${version}] `));
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', code => {
      fs.writeFileSync(path.join(outDir, `compat-${version}.log`), output);
      const run = parseCompatRun(output, code ?? 1, readE2eReport(report));
      resolve({ version, seconds: (Date.now() - started) / 1000, ...run });
    });
  });
}

function table(rows, def) {
  const lines = [
    '| OHIF version | result | tests | time | liver Dice (LiteMedSAM) | SEG loaded back by the host | steps | console errors | reason |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const name = r.version === def ? `${r.version} (default)` : r.version;
    const result = r.unsupported ? 'unsupported' : r.passed ? 'pass' : 'FAIL';
    const time = r.seconds === undefined ? '' : `${r.seconds.toFixed(0)} s`;
    lines.push(
      `| ${name} | ${result} | ${r.tests ?? ''} | ${time} | ${r.dice ?? ''} | ${r.reloaded ?? ''} | ${r.steps ?? ''} | ${r.consoleErrors ?? ''} | ${r.reason ?? ''} |`,
    );
  }
  return lines.join('\n');
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  // The version the normal end-to-end run used: OHIF_VERSION when set, else fetch-viewer.sh's default.
  const def = process.env.OHIF_VERSION || defaultOhifVersion();
  const versions = selectVersions(options, undefined, def);
  fs.mkdirSync(outDir, { recursive: true });
  if (process.env.MEDSAM_SKIP_BUILD !== '1') {
    log('building dist/ (webpack), once for every version');
    const built = spawnSync(path.join(root, 'node_modules', '.bin', 'webpack'), ['--mode', 'production'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error('webpack failed');
  }
  const started = Date.now();
  const rows = [];
  for (const version of versions) {
    const why = UNSUPPORTED_OHIF_VERSIONS[version];
    if (why) {
      rows.push({ version, unsupported: true, passed: false, reason: why });
      continue;
    }
    log(`@ohif/app@${version}`);
    rows.push(await runVersion(version));
  }
  const md = table(rows, def);
  fs.writeFileSync(path.join(outDir, 'compat.md'), `${md}\n`);
  console.log('');
  console.log(md);
  const passed = rows.filter(r => r.passed).length;
  const failed = rows.filter(r => !r.passed && !r.unsupported).length;
  log(
    `${rows.length} versions in ${((Date.now() - started) / 1000).toFixed(0)} s; table in ${path.relative(root, path.join(outDir, 'compat.md'))}`,
  );
  console.log(`compat: ${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch(e => {
  console.error('[compat]', e.message);
  console.log('compat: 0 passed, 1 failed');
  process.exitCode = 1;
});
