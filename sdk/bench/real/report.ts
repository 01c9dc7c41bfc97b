/** SVG plots of bench:real (accuracy against the share of strong calls; APGR per window). */
import type { CurvePoint } from './curves.js';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const PALETTE = ['#000000', '#d95f02', '#7570b3', '#1b9e77', '#e7298a', '#666666', '#1f78b4'];

export interface Series {
  readonly name: string;
  readonly points: readonly CurvePoint[];
  readonly dashed?: boolean;
}

interface Axes {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
}

/** A line plot of (share, accuracy)-like series with a legend on the right. */
export function linePlot(axes: Axes, series: readonly Series[]): string {
  const W = 900;
  const H = 440;
  const m = { l: 70, r: 300, t: 40, b: 55 };
  const px = (v: number) => m.l + ((v - axes.x[0]) / (axes.x[1] - axes.x[0])) * (W - m.l - m.r);
  const py = (v: number) => H - m.b - ((v - axes.y[0]) / (axes.y[1] - axes.y[0])) * (H - m.t - m.b);
  const ticks = (lo: number, hi: number) => Array.from({ length: 6 }, (_, i) => lo + ((hi - lo) * i) / 5);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<title>${escapeXml(axes.title)}</title>`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${m.l}" y="24" font-size="15" font-weight="bold">${escapeXml(axes.title)}</text>`,
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="black"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="black"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" font-size="12" text-anchor="middle">${escapeXml(axes.xLabel)}</text>`,
    `<text x="16" y="${(m.t + H - m.b) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${(m.t + H - m.b) / 2})">${escapeXml(axes.yLabel)}</text>`,
  ];
  for (const t of ticks(axes.x[0], axes.x[1]))
    parts.push(
      `<text x="${px(t).toFixed(1)}" y="${H - m.b + 16}" font-size="11" text-anchor="middle">${Number(t.toFixed(3))}</text>`,
    );
  for (const t of ticks(axes.y[0], axes.y[1]))
    parts.push(
      `<text x="${m.l - 6}" y="${(py(t) + 4).toFixed(1)}" font-size="11" text-anchor="end">${Number(t.toFixed(3))}</text>`,
      `<line x1="${m.l}" y1="${py(t).toFixed(1)}" x2="${W - m.r}" y2="${py(t).toFixed(1)}" stroke="#eeeeee"/>`,
    );
  for (const [i, s] of series.entries()) {
    const colour = PALETTE[i % PALETTE.length];
    const path = [...s.points].map((p) => `${px(p.share).toFixed(1)},${py(p.accuracy).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="${i === 0 ? 2.5 : 1.5}"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/>`,
      `<text x="${W - m.r + 14}" y="${m.t + 18 * i + 8}" font-size="12" fill="${colour}">— ${escapeXml(s.name)}</text>`,
    );
    if (i === 0)
      for (const p of s.points)
        parts.push(`<circle cx="${px(p.share).toFixed(1)}" cy="${py(p.accuracy).toFixed(1)}" r="3" fill="${colour}"/>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
