// The model manifest as the viewer gets it: the models folder's manifest.json less the models whose files are not
// there (the published LiteMedSAM before `npm run model:litemedsam` has made it, a site's model not yet copied), so
// the viewer's default falls to a model that loads instead of failing on a missing file.
import fs from 'node:fs';
import path from 'node:path';

/** Each variant's encoder and decoder files, relative to the manifest. */
function modelFiles(entry) {
  return Object.values(entry.variants ?? {})
    .flatMap(v => [v?.encoder?.path, v?.decoder?.path])
    .filter(p => typeof p === 'string');
}

/**
 * Reads dir/manifest.json. Returns { manifest, dropped: [{ id, missing }] } with every variant whose files are
 * missing taken out, and every model left without a variant; null when there is no readable manifest (the static
 * file is served as it is, and the viewer reports what is wrong with it).
 */
export function servedManifest(dir) {
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(manifest?.models)) return null;
  const dropped = [];
  const models = [];
  for (const entry of manifest.models) {
    const variants = {};
    let missing = null;
    for (const [precision, variant] of Object.entries(entry?.variants ?? {})) {
      const absent = modelFiles({ variants: { precision: variant } }).find(rel => !isFile(path.resolve(dir, rel)));
      if (absent) missing ??= absent;
      else variants[precision] = variant;
    }
    if (Object.keys(variants).length) models.push({ ...entry, variants });
    else dropped.push({ id: entry?.id, missing, makeWith: entry?.provenance?.converter ?? null });
  }
  return { manifest: { ...manifest, models }, dropped };
}

function isFile(file) {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
