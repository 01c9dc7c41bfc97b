/** Line and point charts with uPlot (bundled at build time), sized to their container. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface SeriesSpec {
  readonly label: string;
  readonly stroke: string;
  readonly dash?: number[];
  /** Points only (no line), e.g. binned observations. */
  readonly pointsOnly?: boolean;
}

export interface ChartSpec {
  /** The chart's accessible name, and its visible title unless `showTitle` is false. */
  readonly title: string;
  readonly showTitle?: boolean;
  readonly x: { readonly label: string };
  readonly y: { readonly label: string; readonly range?: [number, number] };
  readonly series: readonly SeriesSpec[];
  readonly height?: number;
}

export type Data = [number[], ...Array<Array<number | null>>];

export interface Chart {
  update(data: Data): void;
  destroy(): void;
}

export function lineChart(container: HTMLElement, spec: ChartSpec, data: Data): Chart {
  const width = () => Math.max(240, Math.floor(container.clientWidth || 320));
  const range = spec.y.range;
  const options: uPlot.Options = {
    ...(spec.showTitle === false ? {} : { title: spec.title }),
    width: width(),
    height: spec.height ?? 220,
    scales: { x: { time: false }, y: range ? { range: () => range } : {} },
    axes: [
      { label: spec.x.label, size: 36 },
      { label: spec.y.label, size: 56 },
    ],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    series: [
      { label: spec.x.label },
      ...spec.series.map(
        (s): uPlot.Series => ({
          label: s.label,
          stroke: s.stroke,
          width: 2,
          ...(s.dash ? { dash: s.dash } : {}),
          ...(s.pointsOnly
            ? { paths: () => null, points: { show: true, size: 9, fill: s.stroke, stroke: s.stroke } }
            : { points: { show: false } }),
        }),
      ),
    ],
  };
  const plot = new uPlot(options, data as uPlot.AlignedData, container);
  container.setAttribute('role', 'img');
  container.setAttribute('aria-label', spec.title);
  const resize = new ResizeObserver(() => {
    if (Math.abs(plot.width - width()) > 4) plot.setSize({ width: width(), height: plot.height });
  });
  resize.observe(container);
  return {
    update: (next) => plot.setData(next as uPlot.AlignedData),
    destroy: () => {
      resize.disconnect();
      plot.destroy();
    },
  };
}

export const COLORS = {
  declared: '#2563eb',
  learned: '#dc2626',
  observed: '#111827',
  routed: '#15803d',
  strongest: '#7c3aed',
  cheapest: '#c2410c',
} as const;
