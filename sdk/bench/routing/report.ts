/** Markdown tables and SVG plots of bench:routing results. */

export interface StrategyRow {
  readonly strategy: string;
  readonly successRate: number;
  readonly costPerTask: number;
}

interface Margins {
  readonly l: number;
  readonly r: number;
  readonly t: number;
  readonly b: number;
}

/** The opening of a plot: svg element, title, white background, heading and the two axes. */
function frame(title: string, W: number, H: number, m: Margins): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<title>${escapeXml(title)} (simulated)</title>
<rect width="100%" height="100%" fill="white"/>
<text x="${m.l}" y="24" font-size="15" font-weight="bold">${escapeXml(title)} (simulated)</text>
<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>
<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Success vs cost per task (log scale) for one workload: the Pareto view. */
export function paretoSvg(title: string, rows: readonly StrategyRow[]): string {
  const W = 900;
  const H = 420;
  const m = { l: 70, r: 380, t: 40, b: 50 };
  const costs = rows.map((r) => Math.max(r.costPerTask, 1e-7));
  const lo = Math.log10(Math.min(...costs)) - 0.2;
  const hi = Math.log10(Math.max(...costs)) + 0.2;
  const x = (c: number) => m.l + ((Math.log10(Math.max(c, 1e-7)) - lo) / (hi - lo || 1)) * (W - m.l - m.r);
  const y = (s: number) => H - m.b - s * (H - m.t - m.b);
  const ticks = [];
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) ticks.push(e);
  const palette = [
    '#1b9e77',
    '#d95f02',
    '#7570b3',
    '#e7298a',
    '#66a61e',
    '#e6ab02',
    '#a6761d',
    '#666666',
    '#1f78b4',
    '#b2182b',
  ];
  const points = rows
    .map((r, i) => {
      const colour = r.strategy.startsWith('rightsize') ? '#000000' : palette[i % palette.length];
      const px = x(r.costPerTask);
      const py = y(r.successRate);
      return (
        `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="${r.strategy.startsWith('rightsize') ? 7 : 5}" fill="${colour}"/>` +
        `<text x="${W - m.r + 12}" y="${m.t + 16 * i}" font-size="12" fill="${colour}">● ${escapeXml(r.strategy)} (${(100 * r.successRate).toFixed(1)}%, $${r.costPerTask.toExponential(2)})</text>`
      );
    })
    .join('\n');
  return `${frame(title, W, H, m)}
${[0, 0.25, 0.5, 0.75, 1].map((s) => `<text x="${m.l - 8}" y="${y(s) + 4}" font-size="11" text-anchor="end">${(100 * s).toFixed(0)}%</text><line x1="${m.l}" y1="${y(s)}" x2="${W - m.r}" y2="${y(s)}" stroke="#eee"/>`).join('\n')}
${ticks.map((e) => `<text x="${x(10 ** e)}" y="${H - m.b + 16}" font-size="11" text-anchor="middle">1e${e}</text>`).join('\n')}
<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" font-size="12" text-anchor="middle">cost per task, USD (log scale; free is drawn at 1e-7)</text>
<text x="16" y="${(m.t + H - m.b) / 2}" font-size="12" transform="rotate(-90 16 ${(m.t + H - m.b) / 2})" text-anchor="middle">success rate</text>
${points}
</svg>
`;
}
