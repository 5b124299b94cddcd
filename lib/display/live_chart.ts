/**
 * A line chart that grows while training runs: one output (newDisplay) redrawn at most every
 * `intervalMs`; `done()` draws the final chart, which is what the saved notebook keeps.
 */
import { newOutput } from './output.js';
import { figureHtml, loadPlotly } from './plotly.js';
import { lineChart, type AxesOptions } from './charts.js';

export interface LiveChart {
  /** Appends a point (x, y) to the named series. */
  add(series: string, x: number, y: number): void;
  done(): void;
}

export function liveLineChart(options: AxesOptions & { intervalMs?: number; colors?: Record<string, string> }): LiveChart {
  loadPlotly(); // the chart's output is replaced on every update, so plotly.js must live elsewhere
  const out = newOutput();
  const series = new Map<string, { x: number[]; y: number[] }>();
  const interval = options.intervalMs ?? 400;
  let last = 0;
  const draw = () => {
    const fig = lineChart([...series].map(([name, s]) => ({ name, x: s.x, y: s.y, color: options.colors?.[name] })), options);
    out.html(figureHtml(fig, { height: options.height }));
  };
  return {
    add(name, x, y) {
      let s = series.get(name);
      if (!s) series.set(name, (s = { x: [], y: [] }));
      s.x.push(x);
      s.y.push(y);
      const now = Date.now();
      if (now - last >= interval) {
        last = now;
        draw();
      }
    },
    done() {
      draw();
    },
  };
}
