/**
 * The benchmark's chart as SVG text (no plotting dependency): for each target, box plots of the 2D DSC and NSD
 * across slices (Tukey whiskers, outliers as dots, the mean as a diamond) and, where a 3D run exists, the 3D DSC of
 * each protocol as a coloured marker beside the DSC box.
 */
import type { BoxStats } from '../engine/benchmark/stats';
import type { BenchmarkReport } from './benchmark-report';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLOURS = ['#d62728', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#17becf'];

export function benchmarkSvg(r: BenchmarkReport): string {
  const targets = r.twoD.perTarget;
  const slot = 78;
  const left = 64;
  const panelH = 230;
  const top = 70;
  const gap = 150;
  const width = Math.max(760, left + 30 + slot * targets.length + 190);
  const height = top + 2 * panelH + gap + 140;
  const protocols = [...new Set(r.threeD.rows.map(x => x.protocol))];
  const parts: string[] = [];
  const title = `MedSAM accuracy benchmark: ${r.model.testModel ? 'TEST MODEL ' : ''}${r.model.id} (${r.model.precision}), seed ${r.protocol.seed}`;
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  parts.push(`<text x="${left}" y="24" font-size="14" font-weight="bold">${esc(title)}</text>`);
  parts.push(
    `<text x="${left}" y="40" fill="#555" font-size="10">${esc(`boxes: reference bbox per ${r.protocol.boxMode} + random 0-${r.protocol.maxJitterPx} px per side (${r.model.inputSize} px model input); NSD tau ${r.protocol.tau} mm (px without spacing)`)}</text>`,
  );
  parts.push(
    `<text x="${left}" y="54" fill="#555" font-size="10">${esc(`weights sha256 ${r.model.weights.sha256 ?? 'none'}`)}</text>`,
  );

  const panel = (y0: number, label: string, stats: (i: number) => BoxStats, markers: boolean): void => {
    const y = (v: number): number => y0 + panelH - v * panelH;
    const x1 = left + slot * targets.length + 20;
    parts.push(
      `<text x="16" y="${y0 + panelH / 2}" transform="rotate(-90 16 ${y0 + panelH / 2})" text-anchor="middle" font-size="12">${esc(label)}</text>`,
    );
    for (let t = 0; t <= 10; t++) {
      const v = t / 10;
      parts.push(`<line x1="${left}" x2="${x1}" y1="${y(v)}" y2="${y(v)}" stroke="${t % 5 === 0 ? '#bbb' : '#eee'}"/>`);
      if (t % 2 === 0) parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`);
    }
    targets.forEach((tg, i) => {
      const s = stats(i);
      const cx = left + slot * i + slot / 2 - (markers && protocols.length ? 14 : 0);
      const bw = 24;
      if (s.n > 0) {
        parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(s.whiskerLow)}" y2="${y(s.whiskerHigh)}" stroke="#333"/>`);
        for (const w of [s.whiskerLow, s.whiskerHigh])
          parts.push(`<line x1="${cx - 6}" x2="${cx + 6}" y1="${y(w)}" y2="${y(w)}" stroke="#333"/>`);
        parts.push(
          `<rect x="${cx - bw / 2}" y="${y(s.q3)}" width="${bw}" height="${Math.max(1, y(s.q1) - y(s.q3))}" fill="#9ecae1" stroke="#333"/>`,
        );
        parts.push(
          `<line x1="${cx - bw / 2}" x2="${cx + bw / 2}" y1="${y(s.median)}" y2="${y(s.median)}" stroke="#08306b" stroke-width="2"/>`,
        );
        parts.push(`<path d="M${cx} ${y(s.mean) - 4} l4 4 l-4 4 l-4 -4 z" fill="#fff" stroke="#08306b"/>`);
        for (const o of s.outliers) parts.push(`<circle cx="${cx}" cy="${y(o)}" r="2.2" fill="none" stroke="#555"/>`);
      }
      if (markers) {
        protocols.forEach((p, j) => {
          const row = r.threeD.rows.find(x => x.case === tg.case && x.target === tg.target && x.protocol === p);
          if (row && Number.isFinite(row.dice))
            parts.push(
              `<circle cx="${cx + 20 + j * 6}" cy="${y(row.dice)}" r="3.5" fill="${COLOURS[j % COLOURS.length]}"><title>${esc(`${tg.target} 3D ${p}: ${row.dice.toFixed(4)}`)}</title></circle>`,
            );
        });
      }
      const lx = left + slot * i + slot / 2;
      const ly = y0 + panelH + 12;
      parts.push(`<text x="${lx}" y="${ly}" transform="rotate(35 ${lx} ${ly})">${esc(tg.target)}</text>`);
      if (i === 0 || targets[i - 1].case !== tg.case)
        parts.push(
          `<text x="${lx}" y="${ly + 58}" fill="#555" transform="rotate(35 ${lx} ${ly + 58})">${esc(tg.case)}</text>`,
        );
    });
    parts.push(`<rect x="${left}" y="${y0}" width="${x1 - left}" height="${panelH}" fill="none" stroke="#888"/>`);
  };
  panel(top, 'DSC (2D per slice; dots: 3D)', i => targets[i].dice, true);
  panel(top + panelH + gap, 'NSD (2D per slice)', i => targets[i].nsd, false);
  // Legend.
  const lx = left + slot * targets.length + 34;
  let ly = top + 10;
  parts.push(
    `<rect x="${lx}" y="${ly - 8}" width="14" height="10" fill="#9ecae1" stroke="#333"/><text x="${lx + 20}" y="${ly + 1}">2D: quartiles, median</text>`,
  );
  ly += 18;
  parts.push(
    `<path d="M${lx + 7} ${ly - 8} l4 4 l-4 4 l-4 -4 z" fill="#fff" stroke="#08306b"/><text x="${lx + 20}" y="${ly + 1}">2D mean</text>`,
  );
  protocols.forEach((p, j) => {
    ly += 18;
    parts.push(
      `<circle cx="${lx + 7}" cy="${ly - 3}" r="3.5" fill="${COLOURS[j % COLOURS.length]}"/><text x="${lx + 20}" y="${ly + 1}">3D ${esc(p)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
