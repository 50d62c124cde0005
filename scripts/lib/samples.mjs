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

async function orthancJson(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

export async function countInstances(orthancUrl) {
  const stats = await orthancJson(`${orthancUrl}/statistics`);
  return stats.CountInstances;
}

/**
 * POSTs every sample file to Orthanc's /instances. Orthanc's answer must say Success or AlreadyStored
 * for each file (its DICOMweb STOW can answer 200 on a rejected file; the REST route cannot).
 */
export async function loadSamples(orthancUrl, samples) {
  let stored = 0;
  for (const study of samples) {
    for (const file of study.files) {
      const answer = await orthancJson(`${orthancUrl}/instances`, {
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

/**
 * Checks through DICOMweb (QIDO-RS) that each sample study is there with its instance count.
 * `dicomwebRoot` is e.g. http://127.0.0.1:8042/dicom-web (Orthanc) or the viewer's proxied /dicom-web.
 */
export async function verifySamples(dicomwebRoot, samples) {
  const found = [];
  for (const study of samples) {
    const res = await fetch(`${dicomwebRoot}/studies?StudyInstanceUID=${study.StudyInstanceUID}`, {
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
export async function ensureSamples(orthancUrl, root) {
  const samples = readSamples(root);
  const before = await countInstances(orthancUrl);
  if (before === 0) {
    const loaded = await loadSamples(orthancUrl, samples);
    const studies = await verifySamples(`${orthancUrl}/dicom-web`, samples);
    return { before, loaded, studies, missing: [] };
  }
  const studies = [];
  const missing = [];
  for (const sample of samples) {
    try {
      studies.push(...(await verifySamples(`${orthancUrl}/dicom-web`, [sample])));
    } catch (e) {
      missing.push({ name: sample.name, reason: e.message });
    }
  }
  return { before, loaded: 0, studies, missing };
}
