import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as dfd from 'danfojs-node';
import {
  figureHtml,
  formatValue,
  liveProgress,
  plotlyLoaderHtml,
  progressHtml,
  resetPlotly,
  setOutputSink,
  show,
  showTable,
  tableHtml,
  inKernel,
} from '../lib/display/index.js';

type Sent = { mime: string; content: string; id?: string };
let sent: Sent[] = [];

beforeEach(() => {
  sent = [];
  setOutputSink((mime, content, id) => sent.push({ mime, content, id }));
  resetPlotly();
});
afterEach(() => setOutputSink(null));

describe('show (Plotly)', () => {
  it('inlines plotly.js once, with the require.js define hidden while it runs', () => {
    show({ data: [{ x: [1, 2], y: [3, 4], type: 'scatter' }] });
    show({ data: [{ z: [[1, 2]], type: 'heatmap' }] });
    expect(sent).toHaveLength(2);
    expect(sent.every((s) => s.mime === 'text/html')).toBe(true);
    const [first, second] = sent.map((s) => s.content);
    expect(first).toContain('data-nnlab="plotly-loader"');
    expect(first.length).toBeGreaterThan(1_000_000); // the bundle is inlined, not fetched
    expect(first).toContain('w.define = undefined');
    expect(first).toContain('w.define = saved.define');
    expect(second).not.toContain('plotly-loader');
    expect(second).toContain('class="nnlab-plot"');
    expect(first).not.toMatch(/<script[^>]+src=/); // nothing from a CDN
  });

  it('escapes the bundle and the figure JSON so no </script> ends the element early', () => {
    const loader = plotlyLoaderHtml();
    const scripts = loader.match(/<\/script>/gi) ?? [];
    expect(scripts).toHaveLength(1);
    const html = figureHtml({ data: [{ x: [1], y: [1], name: '</script><b>x' }], layout: { title: { text: 'a <b>' } } });
    expect(html.match(/<\/script>/gi)).toHaveLength(1);
    expect(html).toContain('\\u003c/script\\u003e');
  });

  it('gives every chart its own element id', () => {
    const ids = [0, 1, 2].map(() => /id="([^"]+)"/.exec(figureHtml({ data: [] }))![1]);
    expect(new Set(ids).size).toBe(3);
  });

  it('is not in a kernel under vitest', () => {
    setOutputSink(null);
    expect(inKernel()).toBe(false);
  });
});

describe('showTable', () => {
  it('renders a danfo DataFrame with % formatting and the best cell highlighted', () => {
    const df = new dfd.DataFrame({ setting: ['lr=1e-2', 'lr=3e-3', 'lr=1e-1'], valAcc: [0.901, 0.915, 0.705], seconds: [12.3, 11.1, 9.04] });
    showTable(df, { format: { valAcc: 'pct', seconds: 'sec' }, highlight: { valAcc: 'max', seconds: 'min' }, caption: 'Learning rate' });
    expect(sent).toHaveLength(1);
    const html = sent[0].content;
    expect(html).toMatch(/<caption><span class="nnlab-number">Table \d+\.<\/span> Learning rate<\/caption>/); // numbered (lib/display/numbering.ts)
    expect(html).toContain('<td class="nnlab-best">91.5%</td>');
    expect(html).toContain('<td>90.1%</td>');
    expect(html).toContain('<td class="nnlab-best">9.04 s</td>');
    expect(html).toContain('<td class="nnlab-text">lr=3e-3</td>');
  });

  it('shows mean ± std and hides the std column', () => {
    const html = tableHtml(
      [
        { cfg: 'a', acc: 0.9, accStd: 0.012 },
        { cfg: 'b', acc: 0.95, accStd: 0.003 },
      ],
      { format: { acc: 'pct' }, std: { acc: 'accStd' } },
    );
    expect(html).toContain('95.0% ± 0.3');
    expect(html).not.toContain('<th>accStd</th>');
  });

  it('highlights one best cell across a grid of columns, and escapes text', () => {
    const html = tableHtml(
      [
        { depth: 2, '10': 0.81, '50': 0.9 },
        { depth: 4, '10': 0.83, '50': 0.92 },
      ],
      { format: { '10': 'pct', '50': 'pct' }, highlightAcross: { columns: ['10', '50'], best: 'max' }, labels: { depth: 'depth <layers>' } },
    );
    expect(html.match(/nnlab-best/g)!.length).toBe(2); // one in the stylesheet, one cell
    expect(html).toContain('<td class="nnlab-best">92.0%</td>');
    expect(html).toContain('depth &lt;layers&gt;');
  });

  it('formats values', () => {
    expect(formatValue(0.9123, 'pct')).toBe('91.2%');
    expect(formatValue(12345.4, 'int')).toBe('12,345');
    expect(formatValue(0.003, 'sci')).toBe('3.0e-3');
    expect(formatValue(Number.NaN)).toBe('–');
    expect(formatValue(1 / 3)).toBe('0.3333');
    expect(formatValue('x')).toBe('x');
    expect(formatValue(2.5, (v) => `<${v}>`)).toBe('<2.5>');
  });
});

describe('liveProgress', () => {
  it('updates one output, throttled, and always sends the final state', () => {
    const p = liveProgress('training', { intervalMs: 10_000 });
    p.update([{ label: 'run 1', fraction: 0.1 }]);
    p.update([{ label: 'run 1', fraction: 0.2 }]); // throttled away
    p.done([{ label: 'run 1', fraction: 1, detail: 'val 91.0%' }]);
    expect(sent).toHaveLength(2);
    expect(sent[0].id).toBeDefined();
    expect(sent[1].id).toBe(sent[0].id);
    expect(sent[1].content).toContain('val 91.0%');
    expect(sent[1].content).toContain('width:100.0%');
  });

  it('escapes labels', () => {
    expect(progressHtml('t', [{ label: '<x>', fraction: 0.5, state: 'running' }])).toContain('&lt;x&gt;');
  });
});
