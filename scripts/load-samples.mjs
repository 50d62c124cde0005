#!/usr/bin/env node
// Loads the sample CT studies (tests/data/samples.json) into an Orthanc through its REST API and checks them
// through its DICOMweb API. `npm start` does this by itself when its archive is empty.
// usage: node scripts/load-samples.mjs [ORTHANC_URL]     (default http://127.0.0.1:8042)
//        --force   load even when the archive already holds instances
// The credentials are those `npm start` made for its storage folder (ORTHANC_STORAGE, default .orthanc).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { orthancClient, readOrthancCredentials } from './lib/orthanc.mjs';
import { countInstances, loadSamples, readSamples, verifySamples } from './lib/samples.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const force = args.includes('--force');
const url = (args.find(a => !a.startsWith('--')) ?? 'http://127.0.0.1:8042').replace(/\/+$/, '');

try {
  const orthanc = orthancClient(
    url,
    readOrthancCredentials(path.resolve(root, process.env.ORTHANC_STORAGE || '.orthanc')),
  );
  const samples = readSamples(root);
  const before = await countInstances(orthanc);
  if (before > 0 && !force) {
    console.log(`${url} already holds ${before} instances; not loading (use --force to load anyway)`);
  } else {
    console.log(`stored ${await loadSamples(orthanc, samples)} instances in ${url}`);
  }
  for (const s of await verifySamples(orthanc, samples)) {
    console.log(`  ${s.name}: ${s.instances} instances, StudyInstanceUID ${s.StudyInstanceUID}`);
  }
} catch (e) {
  console.error(`load-samples: ${e.message}`);
  process.exit(1);
}
