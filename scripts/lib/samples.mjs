// Loads the project's sample CT studies (tests/data/samples.json) into an Orthanc and checks they arrived.
import fs from 'node:fs';
import path from 'node:path';

export function readSamples(root) {
  const dataDir = path.join(root, 'tests', 'data');
  const manifest = JSON.parse(fs.readFileSync(path.join(dataDir, 'samples.json'), 'utf8'));
  return manifest.studies.map(study => {
    const dir = path.join(dataDir, study.dir);
    const files = fs
      .readdirSync(dir)
      .filter(f => f.toLowerCase().endsWith('.dcm'))
      .sort()
      .map(f => path.join(dir, f));
    return { ...study, files };
  });
}

async function orthancJson(orthanc, where, init) {
  const res = await orthanc.fetch(where, init);
  const text = await res.text();
  if (!res.ok)
    throw new Error(`${init?.method ?? 'GET'} ${orthanc.url}${where}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** `orthanc`: an orthancClient() (orthanc.mjs), which sends the archive's credentials. */
export async function countInstances(orthanc) {
  const stats = await orthancJson(orthanc, '/statistics');
  return stats.CountInstances;
}

/**
 * POSTs every sample file to Orthanc's /instances. Orthanc's answer must say Success or AlreadyStored
 * for each file (its DICOMweb STOW can answer 200 on a rejected file; the REST route cannot).
 */
export async function loadSamples(orthanc, samples) {
  let stored = 0;
  for (const study of samples) {
    for (const file of study.files) {
      const answer = await orthancJson(orthanc, '/instances', {
        method: 'POST',
        headers: { 'Content-Type': 'application/dicom' },
        body: fs.readFileSync(file),
      });
      if (answer.Status !== 'Success' && answer.Status !== 'AlreadyStored') {
        throw new Error(`Orthanc did not store ${file}: ${JSON.stringify(answer)}`);
      }
      stored++;
    }
  }
  return stored;
}

/** Checks through Orthanc's DICOMweb (QIDO-RS) that each sample study is there with its instance count. */
export async function verifySamples(orthanc, samples) {
  const found = [];
  for (const study of samples) {
    const res = await orthanc.fetch(`/dicom-web/studies?StudyInstanceUID=${study.StudyInstanceUID}`, {
      headers: { Accept: 'application/dicom+json' },
    });
    if (!res.ok) throw new Error(`QIDO for ${study.name}: HTTP ${res.status}`);
    const body = await res.text();
    const matches = body ? JSON.parse(body) : [];
    const count = Number(matches[0]?.['00201208']?.Value?.[0] ?? 0);
    if (count !== study.instances) {
      throw new Error(`sample ${study.name}: QIDO finds ${count} instances, expected ${study.instances}`);
    }
    found.push({ name: study.name, StudyInstanceUID: study.StudyInstanceUID, instances: count });
  }
  return found;
}

/**
 * Loads the samples when the archive is empty and checks them through QIDO. An archive that already holds
 * instances is the user's: missing samples are then reported (in `missing`), not reloaded.
 */
export async function ensureSamples(orthanc, root) {
  const samples = readSamples(root);
  const before = await countInstances(orthanc);
  if (before === 0) {
    const loaded = await loadSamples(orthanc, samples);
    const studies = await verifySamples(orthanc, samples);
    return { before, loaded, studies, missing: [] };
  }
  const studies = [];
  const missing = [];
  for (const sample of samples) {
    try {
      studies.push(...(await verifySamples(orthanc, [sample])));
    } catch (e) {
      missing.push({ name: sample.name, reason: e.message });
    }
  }
  return { before, loaded: 0, studies, missing };
}
