/** A small SVG line chart for the live widgets (plotly.js is not loaded into a worker's page logic, and a chart redrawn 300 times wants no library). */
import { log } from '../math/elementary.js';
import { svg } from './dom.js';

const LN10 = log(10);

export interface Line { name: string; x: ArrayLike<number>; y: ArrayLike<number>; color: string; dash?: boolean }

export interface ChartOptions { width: number; height: number; title: string; logY?: boolean; xRange?: [number, number]; yRange?: [number, number] }

function extent(values: number[]): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!(lo <= hi)) return [0, 1];
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}

/** Redraws `target` (an <svg>) with the lines. */
export function drawLines(target: SVGSVGElement, lines: Line[], o: ChartOptions): void {
  const m = { l: 48, r: 8, t: 34, b: 22 };
  const ty = (v: number) => (o.logY ? log(v) / LN10 : v);
  const xs = lines.flatMap((l) => Array.from(l.x));
  const ys = lines.flatMap((l) => Array.from(l.y, ty));
  const [x0, x1] = o.xRange ?? extent(xs);
  const [y0, y1] = o.yRange ? [ty(o.yRange[0]), ty(o.yRange[1])] : extent(ys);
  const px = (v: number) => m.l + (v - x0) / (x1 - x0) * (o.width - m.l - m.r - 12);
  const py = (v: number) => o.height - m.b - (ty(v) - y0) / (y1 - y0) * (o.height - m.t - m.b);
  target.replaceChildren();
  target.setAttribute('viewBox', `0 0 ${o.width} ${o.height}`);
  target.setAttribute('width', String(o.width));
  target.setAttribute('height', String(o.height));
  target.append(svg('rect', { x: m.l, y: m.t, width: o.width - m.l - m.r, height: o.height - m.t - m.b, fill: '#fff', stroke: '#d0d7de' }));
  target.append(svg('text', { x: m.l, y: 14, 'font-size': 12, 'font-weight': 600 }, o.title));
  const fmt = (v: number) => (o.logY ? `1e${Math.round(v)}` : Math.abs(v) >= 100 || v === 0 ? v.toFixed(0) : v.toPrecision(2));
  for (const v of [y0, y1]) target.append(svg('text', { x: m.l - 4, y: o.height - m.b - (v - y0) / (y1 - y0) * (o.height - m.t - m.b) + 4, 'font-size': 10, 'text-anchor': 'end', fill: '#57606a' }, fmt(v)));
  for (const v of [x0, x1]) target.append(svg('text', { x: px(v), y: o.height - 6, 'font-size': 10, 'text-anchor': 'middle', fill: '#57606a' }, Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2)));
  lines.forEach((l, i) => {
    const points: string[] = [];
    for (let k = 0; k < l.x.length; k++) if (Number.isFinite(ty(l.y[k]))) points.push(`${px(l.x[k]).toFixed(1)},${py(l.y[k]).toFixed(1)}`);
    target.append(svg('polyline', { points: points.join(' '), fill: 'none', stroke: l.color, 'stroke-width': 2, ...(l.dash ? { 'stroke-dasharray': '5 3' } : {}) }));
  });
  // The legend in the header, one entry after another.
  let lx = m.l;
  for (const l of lines) {
    target.append(svg('text', { x: lx, y: 28, 'font-size': 10, fill: l.color }, `— ${l.name}`));
    lx += 14 + 5.6 * l.name.length;
  }
}
