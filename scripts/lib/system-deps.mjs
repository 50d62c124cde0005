// Debian packages the project runs (Orthanc for the archive, Chromium for the end-to-end tests, dicom3tools to
// validate DICOM SEG, dcmtk to encode the test files of every transfer syntax).
// Installed through apt when we are root; otherwise the one command to run is printed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const ORTHANC_PLUGIN_DIR = '/usr/share/orthanc/plugins';

/** What each feature needs: a file that proves the package is there, and the Debian packages. */
const FEATURES = {
  orthanc: {
    files: [
      '/usr/sbin/Orthanc',
      `${ORTHANC_PLUGIN_DIR}/libOrthancDicomWeb.so`,
      `${ORTHANC_PLUGIN_DIR}/libOrthancGdcm.so`,
    ],
    packages: ['orthanc', 'orthanc-dicomweb', 'orthanc-gdcm'],
  },
  chromium: {
    files: ['/usr/bin/chromium'],
    packages: ['chromium'],
  },
  // dciodvfy validates every SEG the tests write (dicom-seg.md).
  dicom3tools: {
    files: ['/usr/bin/dciodvfy'],
    packages: ['dicom3tools'],
  },
  // dcmtk's encoders write the JPEG, JPEG-LS, RLE, deflated and big-endian files the decoding tests read
  // (tests/seg/encodings.ts), and its IJG decoder gives the lossy ones' reference.
  dcmtk: {
    files: ['/usr/bin/dcmcjpeg', '/usr/bin/dcmcjpls', '/usr/bin/dcmcrle', '/usr/bin/dcmconv', '/usr/bin/dcmdjpeg'],
    packages: ['dcmtk'],
  },
};

export function aptCommand(packages) {
  return `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(' ')}`;
}

/** The Debian packages (of the named features) whose files are missing. */
export function missingPackages(features) {
  const missing = [];
  for (const name of features) {
    const feature = FEATURES[name];
    if (!feature) throw new Error(`unknown system feature ${name}`);
    if (feature.files.some(f => !fs.existsSync(f))) missing.push(...feature.packages);
  }
  return missing;
}

/**
 * Makes sure the features' packages are installed. Returns the packages it installed.
 * Throws with the command to run when they are missing and we are not root.
 */
export function ensureSystemPackages(features, log = console.log) {
  const missing = missingPackages(features);
  if (missing.length === 0) return [];
  const command = aptCommand(missing);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    const error = new Error(
      `missing Debian packages: ${missing.join(' ')}; install them as root with:\n  sudo sh -c '${command}'`,
    );
    error.code = 'MISSING_SYSTEM_PACKAGES';
    throw error;
  }
  log(`installing Debian packages: ${missing.join(' ')} (apt-get)`);
  const result = spawnSync('bash', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`apt-get failed (exit ${result.status}): ${command}`);
  const still = missingPackages(features);
  if (still.length) throw new Error(`apt-get finished but these are still missing: ${still.join(' ')}`);
  return missing;
}
