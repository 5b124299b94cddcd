/**
 * Small builders of Plotly figures for the notebooks (line charts of curves, heatmaps, bars),
 * with axis titles, units and hover values, and a grid of small images (data URIs, no Plotly).
 */
import { encodeGrayBmp } from '../data/bmp.js';
import type { Figure } from './plotly.js';

export interface Series {
  name: string;
  y: ArrayLike<number>;
  /** Default 1..n. */
  x?: ArrayLike<number>;
  color?: string;
  dash?: 'solid' | 'dash' | 'dot';
  /** 'lines' (default), 'markers' or 'lines+markers'. */
  mode?: string;
  width?: number;
}

export interface AxesOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Show y as % (values are fractions). */
  yPercent?: boolean;
  logX?: boolean;
  logY?: boolean;
  height?: number;
  /** Extra layout keys. */
  layout?: Record<string, unknown>;
}

const num = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isFinite(v) ? v : null));

function axes(o: AxesOptions): Record<string, unknown> {
  return {
    title: { text: o.title },
    xaxis: { title: { text: o.xTitle }, type: o.logX ? 'log' : undefined, zeroline: false },
    yaxis: { title: { text: o.yTitle }, type: o.logY ? 'log' : undefined, tickformat: o.yPercent ? '.0%' : undefined, zeroline: false },
    legend: { orientation: 'h', y: -0.2 },
    height: o.height,
    ...(o.layout ?? {}),
  };
}

/** Several curves on shared axes. Hover shows the value (as % with yPercent). */
export function lineChart(series: Series[], o: AxesOptions): Figure {
  return {
    data: series.map((s) => ({
      type: 'scatter',
      mode: s.mode ?? 'lines',
      name: s.name,
      x: s.x ? num(s.x) : Array.from({ length: s.y.length }, (_, i) => i + 1),
      y: num(s.y),
      line: { color: s.color, dash: s.dash, width: s.width ?? 2 },
      hovertemplate: `${s.name}<br>${o.xTitle}: %{x}<br>${o.yTitle}: %{y${o.yPercent ? ':.1%' : ':.4g'}}<extra></extra>`,
    })),
    layout: axes(o),
  };
}

/** Grouped bars: one trace per series over categorical x. */
export function barChart(categories: string[], series: Array<{ name: string; y: ArrayLike<number>; error?: ArrayLike<number>; color?: string }>, o: AxesOptions): Figure {
  return {
    data: series.map((s) => ({
      type: 'bar',
      name: s.name,
      x: categories,
      y: num(s.y),
      marker: { color: s.color },
      error_y: s.error ? { type: 'data', array: num(s.error), visible: true } : undefined,
      hovertemplate: `${s.name}<br>%{x}: %{y${o.yPercent ? ':.1%' : ':.4g'}}<extra></extra>`,
    })),
    layout: { ...axes(o), barmode: 'group', xaxis: { title: { text: o.xTitle }, type: 'category' } },
  };
}

export interface HeatmapOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Colour-bar title. */
  zTitle: string;
  zPercent?: boolean;
  /** Print the values in the cells. */
  annotate?: boolean;
  colorscale?: string;
  /** Flip the colour scale (e.g. 'Blues' with dark = high). */
  reverseScale?: boolean;
  height?: number;
  reverseY?: boolean;
}

/** A heatmap of z[row][col] with row labels y and column labels x (both categorical). */
export function heatmap(z: number[][], x: Array<string | number>, y: Array<string | number>, o: HeatmapOptions): Figure {
  const fmt = (v: number) => (!Number.isFinite(v) ? '' : o.zPercent ? `${(v * 100).toFixed(1)}%` : String(Number(v.toPrecision(3))));
  const text = z.map((row) => row.map(fmt));
  return {
    data: [{
      type: 'heatmap',
      z: z.map((row) => num(row)),
      x: x.map(String),
      y: y.map(String),
      text,
      texttemplate: o.annotate === false ? undefined : '%{text}',
      colorscale: o.colorscale ?? 'Viridis',
      reversescale: o.reverseScale || undefined,
      colorbar: { title: { text: o.zTitle }, tickformat: o.zPercent ? '.0%' : undefined },
      hovertemplate: `${o.yTitle}: %{y}<br>${o.xTitle}: %{x}<br>${o.zTitle}: %{text}<extra></extra>`,
    }],
    layout: {
      title: { text: o.title },
      xaxis: { title: { text: o.xTitle }, type: 'category' },
      yaxis: { title: { text: o.yTitle }, type: 'category', autorange: o.reverseY ? 'reversed' : undefined },
      height: o.height,
    },
  };
}

/** Images (values in [0,1], ink = 1) as a grid of small pictures with captions, as HTML. */
export function imageGridHtml(images: ArrayLike<number>[], width: number, height: number, options: { captions?: string[]; columns?: number; scale?: number; title?: string } = {}): string {
  const scale = options.scale ?? 3;
  const cols = options.columns ?? 8;
  const cells = images.map((img, i) => {
    const gray = new Uint8Array(width * height);
    for (let k = 0; k < gray.length; k++) gray[k] = 255 - Math.round(255 * Math.max(0, Math.min(1, img[k])));
    const b64 = Buffer.from(encodeGrayBmp({ width, height, gray }, { bitsPerPixel: 8 })).toString('base64');
    const cap = options.captions?.[i] ?? '';
    return (
      `<figure style="margin:2px;text-align:center;font-size:11px">` +
      `<img alt="${cap.replace(/"/g, '&quot;')}" src="data:image/bmp;base64,${b64}" width="${width * scale}" height="${height * scale}" style="image-rendering:pixelated;border:1px solid #d0d7de">` +
      `<figcaption>${cap.replace(/</g, '&lt;')}</figcaption></figure>`
    );
  });
  const title = options.title ? `<div style="font-weight:600;margin-bottom:4px">${options.title.replace(/</g, '&lt;')}</div>` : '';
  return `<div class="nnlab-images">${title}<div style="display:grid;grid-template-columns:repeat(${cols}, max-content);gap:2px">${cells.join('')}</div></div>`;
}

/** One panel of a heatmap pair: its values z[row][col], column labels x and row labels y. */
export interface HeatmapPanel {
  title: string;
  z: number[][];
  x: Array<string | number>;
  y: Array<string | number>;
}

/** The smallest and largest finite values of some grids. */
function finiteRange(grids: number[][][]): [number, number] {
  const all = grids.flat(2).filter(Number.isFinite);
  return all.length ? [Math.min(...all), Math.max(...all)] : [0, 1];
}

/**
 * Two heatmaps side by side on one colour scale (ours beside the report's): one colour means one
 * value in both panels, and one colour bar serves them.
 */
export function heatmapPair(panels: [HeatmapPanel, HeatmapPanel], o: HeatmapOptions): Figure {
  const [cmin, cmax] = finiteRange(panels.map((p) => p.z));
  const single = panels.map((p) => heatmap(p.z, p.x, p.y, o).data[0]);
  const data = single.map((trace, i) => {
    const { colorscale: _c, reversescale: _r, colorbar: _b, ...rest } = trace;
    void _c; void _r; void _b;
    return { ...rest, coloraxis: 'coloraxis', xaxis: i ? 'x2' : 'x', yaxis: i ? 'y2' : 'y' };
  });
  const axis = (title: string, domain: [number, number], anchor: string) => ({ title: { text: title }, type: 'category', domain, anchor });
  const yAxis = (anchor: string) => ({ ...axis(o.yTitle, [0, 1], anchor), autorange: o.reverseY ? 'reversed' : undefined });
  return {
    data,
    layout: {
      title: { text: o.title },
      height: o.height,
      xaxis: axis(o.xTitle, [0, 0.42], 'y'),
      xaxis2: axis(o.xTitle, [0.5, 0.92], 'y2'),
      yaxis: yAxis('x'),
      yaxis2: yAxis('x2'),
      coloraxis: {
        cmin, cmax,
        colorscale: o.colorscale ?? 'Viridis',
        reversescale: o.reverseScale || undefined,
        colorbar: { title: { text: o.zTitle }, tickformat: o.zPercent ? '.0%' : undefined },
      },
      annotations: panels.map((p, i) => ({
        text: `<b>${p.title}</b>`, showarrow: false, xref: 'paper', yref: 'paper', x: i ? 0.71 : 0.21, y: 1.0, yanchor: 'bottom', xanchor: 'center',
      })),
    },
  };
}

/** One choice of an interactive chart: its label on the slider or menu, and its curves. */
export interface Choice {
  label: string;
  series: Series[];
}

/**
 * A line chart whose curves are chosen with a slider or a drop-down menu (Plotly's own controls:
 * all the data is in the page, so it works in the exported HTML, offline). The axes keep one
 * range for every choice, so that moving the slider compares like with like.
 */
export function choiceChart(choices: Choice[], o: AxesOptions & { control?: 'slider' | 'dropdown'; prefix?: string; active?: number }): Figure {
  if (choices.length === 0) throw new Error('choiceChart: no choices');
  const active = o.active ?? 0;
  const traces = choices.flatMap((c, i) => lineChart(c.series, o).data.map((t) => ({ ...t, visible: i === active })));
  const owner = choices.flatMap((c, i) => c.series.map(() => i));
  const visible = (i: number) => owner.map((k) => k === i);
  const range = (values: number[], log?: boolean) => {
    const v = values.filter((x) => Number.isFinite(x) && (!log || x > 0));
    if (v.length === 0) return undefined;
    const [lo, hi] = log ? [Math.log10(Math.min(...v)), Math.log10(Math.max(...v))] : [Math.min(...v), Math.max(...v)];
    const pad = (hi - lo) * 0.05 || 0.05;
    return [lo - pad, hi + pad];
  };
  const ys = choices.flatMap((c) => c.series.flatMap((s) => Array.from(s.y)));
  const xs = choices.flatMap((c) => c.series.flatMap((s) => (s.x ? Array.from(s.x) : Array.from({ length: s.y.length }, (_, k) => k + 1))));
  const base = axes(o);
  const layout: Record<string, unknown> = {
    ...base,
    xaxis: { ...(base.xaxis as object), range: range(xs, o.logX) },
    yaxis: { ...(base.yaxis as object), range: range(ys, o.logY) },
    margin: { b: 120 },
  };
  const steps = choices.map((c, i) => ({ label: c.label, method: 'restyle', args: [{ visible: visible(i) }] }));
  if ((o.control ?? 'slider') === 'slider') {
    layout.sliders = [{ active, steps, currentvalue: { prefix: o.prefix ?? '' }, pad: { t: 50 } }];
  } else {
    layout.updatemenus = [{ type: 'dropdown', active, buttons: steps, x: 0, xanchor: 'left', y: 1.12, yanchor: 'bottom' }];
  }
  return { data: traces, layout };
}
