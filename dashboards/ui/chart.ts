import uPlot from 'uplot';

/** Series for uPlot: one x array (unix seconds) and one y array per label. */
export interface SeriesSet {
  times: number[];
  series: Array<{ label: string; values: Array<number | null> }>;
}

const COLORS = ['#73bf69', '#f2cc0c', '#8ab8ff', '#ff780a', '#f2495c', '#5794f2', '#b877d9', '#705da0', '#37872d', '#fade2a'];
const SEVERITY_COLORS: Record<string, string> = { ERROR: '#f2495c', FATAL: '#c4162a', WARN: '#fade2a', WARNING: '#fade2a', INFO: '#73bf69', DEBUG: '#8ab8ff', TRACE: '#8e8e9e' };

/** Rows of (time, series key, value) → aligned arrays; missing points are gaps. */
export function pivot(rows: Array<Record<string, unknown>>, time = 't', key = 'k', value = 'v'): SeriesSet {
  const times = [...new Set(rows.map((r) => Number(r[time])))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const byKey = new Map<string, Array<number | null>>();
  for (const r of rows) {
    const k = String(r[key] ?? '');
    if (!byKey.has(k)) byKey.set(k, new Array(times.length).fill(null));
    byKey.get(k)![index.get(Number(r[time]))!] = r[value] === null ? null : Number(r[value]);
  }
  return { times, series: [...byKey].sort(([a], [b]) => a.localeCompare(b)).map(([label, values]) => ({ label, values })) };
}

export interface ChartOptions {
  height?: number;
  bars?: boolean;
  /** Dragging over the chart selects a range: the page zooms to it. */
  onSelect?: (fromMs: number, toMs: number) => void;
  fromMs?: number;
  toMs?: number;
}

/**
 * Bars are stacked: each series is drawn at the running total of the series before it, the
 * tallest first, so every severity's share of a bucket shows.
 */
function stacked(data: SeriesSet): SeriesSet {
  const running = new Array<number>(data.times.length).fill(0);
  const series = data.series.map((s) => ({ label: s.label, values: s.values.map((v, i) => (running[i]! += v ?? 0)) }));
  return { times: data.times, series: series.reverse() };
}

export function timeChart(container: HTMLElement, input: SeriesSet, options: ChartOptions = {}): uPlot {
  const data = options.bars ? stacked(input) : input;
  const width = Math.max(300, container.clientWidth - 24 || 600);
  // A line needs two points: with few, draw the points themselves.
  const points = { show: data.times.length < 30, size: 5 };
  const paths = options.bars ? uPlot.paths.bars!({ size: [0.8, 40] }) : undefined;
  const plot = new uPlot(
    {
      width,
      height: options.height ?? 180,
      scales: { x: { time: true, ...(options.fromMs !== undefined ? { range: () => [options.fromMs! / 1000, options.toMs! / 1000] } : {}) } },
      axes: [{ stroke: '#8e8e9e', grid: { stroke: '#2c3035' } }, { stroke: '#8e8e9e', grid: { stroke: '#2c3035' }, size: 60 }],
      series: [
        {},
        ...data.series.map((s, i) => {
          const color = SEVERITY_COLORS[s.label.toUpperCase()] ?? COLORS[i % COLORS.length]!;
          return { label: s.label || '(none)', stroke: color, fill: options.bars ? color : `${color}22`, width: 1.5, paths, points: options.bars ? { show: false } : points };
        }),
      ],
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: options.onSelect
        ? {
            setSelect: [
              (u: uPlot) => {
                if (u.select.width < 3) return;
                const from = u.posToVal(u.select.left, 'x');
                const to = u.posToVal(u.select.left + u.select.width, 'x');
                options.onSelect!(Math.round(from * 1000), Math.round(to * 1000));
              },
            ],
          }
        : {},
    },
    [data.times, ...data.series.map((s) => s.values)] as uPlot.AlignedData,
    container,
  );
  return plot;
}

/** A small line without axes or legend, for tables of nodes. */
export function sparkline(times: number[], values: Array<number | null>, color = '#73bf69'): HTMLElement {
  const el = document.createElement('span');
  el.className = 'spark';
  if (times.length === 0) {
    el.textContent = '–';
    return el;
  }
  new uPlot(
    {
      width: 160,
      height: 32,
      legend: { show: false },
      cursor: { show: false },
      axes: [{ show: false }, { show: false }],
      scales: { x: { time: false } },
      series: [{}, { stroke: color, fill: `${color}33`, width: 1, points: { show: times.length < 30, size: 4 } }],
    },
    [times, values] as uPlot.AlignedData,
    el,
  );
  return el;
}
