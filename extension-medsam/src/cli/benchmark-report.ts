/** `medsam benchmark`'s report: the JSON written to disk and the plain-text table printed on stdout. */
import {
  protocolName,
  reviewCheck,
  summarise2D,
  summarise3D,
  type ReviewCheck,
  type Row3D,
  type Summary2D,
} from '../engine/benchmark/summary';
import type { BenchOptions, SliceRecord, VolumeRecord } from '../engine/benchmark/types';
import type { ModelInfo } from './benchmark-model';

/**
 * Published DSC / NSD (%) to read the figures against (docs/pipeline.md, "Metrics and published
 * figures"): LiteMedSAM per modality on the MedSAM-on-Laptop validation set; MedSAM ViT-B overall only.
 */
const PUBLISHED: Record<string, { overall: [number, number]; modality: Record<string, [number, number]> }> = {
  'litemedsam-256-longest-pad': {
    overall: [83.23, 82.71],
    modality: {
      CT: [92.26, 94.9],
      MR: [89.63, 93.37],
      PET: [51.58, 25.17],
      US: [94.77, 96.81],
      'X-RAY': [75.83, 80.39],
      DERMOSCOPY: [92.47, 93.85],
      ENDOSCOPY: [96.04, 98.11],
      FUNDUS: [94.81, 96.41],
      MICROSCOPY: [61.63, 65.38],
    },
  },
  'medsam-1024-stretch': { overall: [84.91, 86.46], modality: {} },
};

export interface BenchmarkReport {
  tool: 'medsam benchmark';
  date: string;
  model: ModelInfo;
  protocol: BenchOptions & { jitterSpace: string; nsdTolerance: string; propagatePadPx: Record<string, number> };
  cases: {
    name: string;
    modality: string;
    slices: number;
    targets: string[];
    sliceSpacingMm: number | null;
    pixelSpacingMm: readonly number[] | null;
  }[];
  twoD: Summary2D & { records: SliceRecord[] };
  threeD: { rows: Row3D[]; records: VolumeRecord[] };
  review: ReviewCheck | null;
  published: { source: string; overall: [number, number] | null; modality: Record<string, [number, number]> };
  seconds: { twoD: number; threeD: number };
}

export function buildReport(input: {
  model: ModelInfo;
  options: BenchOptions;
  cases: BenchmarkReport['cases'];
  slices: SliceRecord[];
  volumes: VolumeRecord[];
  propagatePadPx: Record<string, number>;
  seconds: { twoD: number; threeD: number };
  date?: Date;
}): BenchmarkReport {
  const pub = PUBLISHED[input.model.profile];
  const modalities = new Set(input.cases.map(c => c.modality.toUpperCase()));
  return {
    tool: 'medsam benchmark',
    date: (input.date ?? new Date()).toISOString(),
    model: input.model,
    protocol: {
      ...input.options,
      jitterSpace: `model input (${input.model.inputSize} px, ${input.model.profile})`,
      nsdTolerance: `${input.options.tau} mm (${input.options.tau} px for images without pixel spacing)`,
      propagatePadPx: input.propagatePadPx,
    },
    cases: input.cases,
    twoD: { ...summarise2D(input.slices), records: input.slices },
    threeD: { rows: summarise3D(input.volumes), records: input.volumes },
    review: input.volumes.length ? reviewCheck(input.volumes, input.options.reviewFraction) : null,
    published: {
      source: 'MedSAM on Laptop (CVPR 2024), validation set, DSC / NSD %',
      overall: input.model.testModel || !pub ? null : pub.overall,
      modality:
        input.model.testModel || !pub
          ? {}
          : Object.fromEntries(Object.entries(pub.modality).filter(([m]) => modalities.has(m))),
    },
    seconds: input.seconds,
  };
}

const f = (v: number, d = 4): string => (Number.isFinite(v) ? v.toFixed(d) : '-');

function table(head: string[], rows: string[][], leftColumns: number): string[] {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => (i < leftColumns ? c.padEnd(w[i]) : c.padStart(w[i])))
      .join('  ')
      .trimEnd();
  return [fmt(head), w.map(n => '-'.repeat(n)).join('  '), ...rows.map(fmt)];
}

export function formatBenchmark(r: BenchmarkReport): string {
  const p = r.protocol;
  const m = r.model;
  const out: string[] = [];
  out.push(
    `MedSAM accuracy benchmark: ${m.testModel ? 'TEST MODEL ' : ''}${m.id} (${m.displayName}), ${m.precision}, weights sha256 ${m.weights.sha256 ?? 'none (' + m.weights.source + ')'}`,
  );
  out.push(
    `  encoder ${m.files.encoder.path} sha256 ${m.files.encoder.sha256}; decoder sha256 ${m.files.decoder.sha256}`,
  );
  out.push(
    `seed ${p.seed}; boxes: ${p.boxMode === 'component' ? 'one per connected component' : 'one per target and slice'}, reference bounding box + random 0-${p.maxJitterPx} px per side${p.marginPx ? ` + ${p.marginPx} px margin` : ''} in the ${p.jitterSpace}; NSD tolerance ${p.nsdTolerance}`,
  );
  out.push('', '2D: every target on every slice where the reference has it (mean and median over slices)');
  out.push(
    ...table(
      [
        'case',
        'modality',
        'target',
        'slices',
        'DSC mean',
        'DSC median',
        'DSC min',
        'NSD mean',
        'NSD median',
        'NSD unit',
      ],
      r.twoD.perTarget.map(t => [
        t.case,
        t.modality,
        t.target,
        String(t.dice.n),
        f(t.dice.mean),
        f(t.dice.median),
        f(t.dice.min),
        f(t.nsd.mean),
        f(t.nsd.median),
        t.nsdUnit,
      ]),
      3,
    ),
  );
  out.push('');
  out.push(
    ...table(
      ['modality', 'items', 'DSC', 'NSD', 'published DSC / NSD %'],
      [
        ...r.twoD.perModality.map(x => {
          const pub = r.published.modality[x.modality.toUpperCase()];
          return [x.modality, String(x.n), f(x.dice), f(x.nsd), pub ? `${pub[0]} / ${pub[1]}` : '-'];
        }),
        [
          'overall',
          String(r.twoD.overall.n),
          f(r.twoD.overall.dice),
          f(r.twoD.overall.nsd),
          r.published.overall ? `${r.published.overall[0]} / ${r.published.overall[1]}` : '-',
        ],
      ],
      1,
    ),
  );
  if (r.threeD.rows.length) {
    out.push(
      '',
      '3D: the annotation study (reference box every k slices, interpolated) and single-box propagation from the middle slice',
    );
    out.push(
      ...table(
        ['case', 'target', 'protocol', 'DSC', 'NSD', 'boxes drawn', 'slices segmented', 'reference slices'],
        r.threeD.rows.map(x => [
          x.case,
          x.target,
          x.protocol,
          f(x.dice),
          f(x.nsd),
          String(x.userActions),
          String(x.slicesSegmented),
          String(x.referenceSlices),
        ]),
        3,
      ),
    );
  }
  if (r.review) {
    const q = r.review;
    out.push(
      '',
      `review queue on the 3D runs' slices: ${q.hits} of the ${q.k} lowest-Dice slices (${Math.round(p.reviewFraction * 100)}% of ${q.n}) are in its top ${q.k}: ` +
        `share ${f(q.share, 2)} vs chance ${f(q.chance, 2)} (lift ${f(q.lift, 1)}): ${q.verdict}`,
    );
  }
  if (r.published.overall) out.push('', `published: ${r.published.source}`);
  out.push(`time: 2D ${r.seconds.twoD.toFixed(1)} s, 3D ${r.seconds.threeD.toFixed(1)} s`);
  return out.join('\n');
}

export { protocolName };
