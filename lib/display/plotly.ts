/**
 * Plotly charts as `text/html` outputs that work offline: in JupyterLab (trusted outputs run
 * their scripts) and in nbconvert's HTML export. plotly.js is inlined once per notebook (per
 * kernel session), the first time a chart is shown or when `loadPlotly()` is called; later
 * charts wait for `window.Plotly`.
 *
 * Pages exported by nbconvert's classic templates load require.js, whose global AMD `define`
 * makes UMD bundles register an anonymous module instead of setting `window.Plotly` (and raise
 * "Mismatched anonymous define()"). The inlined bundle therefore runs with `define` (and any
 * CommonJS `module`/`exports`) hidden, restored right after.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { output, type Output } from './output.js';
import { currentCaptionMark, markedTitle } from './mark.js';
import { numberedAttribute, numberFor } from './numbering.js';
import { escapeHtml } from '../util/html.js';

/** A Plotly figure: traces, layout and config, as plotly.js takes them. */
export interface Figure {
  data: Array<Record<string, unknown>>;
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

let bundleCache: string | undefined;
let injected = false;
let plotCounter = 0;

/** The plotly.js-dist-min bundle source, escaped for inlining in a <script> element. */
function plotlyBundleSource(): string {
  if (bundleCache === undefined) {
    const req = createRequire(import.meta.url);
    const file = req.resolve('plotly.js-dist-min');
    bundleCache = readFileSync(file, 'utf8').replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  }
  return bundleCache;
}

/** The <script> that defines `window.Plotly`, with require.js's `define` and CommonJS globals hidden. */
export function plotlyLoaderHtml(): string {
  return (
    '<div class="nnlab-plotly-loader" style="display:none" data-nnlab="plotly-loader"></div>' +
    '<script type="text/javascript">(function(){' +
    'if (window.Plotly && window.Plotly.newPlot) return;' +
    'var w = window, saved = {define: w.define, module: w.module, exports: w.exports};' +
    'w.define = undefined; w.module = undefined; w.exports = undefined;' +
    'try {\n' +
    plotlyBundleSource() +
    '\n} finally { w.define = saved.define; w.module = saved.module; w.exports = saved.exports; }' +
    '})();</script>'
  );
}

/** JSON for embedding in a script: no "</script>" or "<!--" can end the element early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value ?? null)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const DEFAULT_LAYOUT: Record<string, unknown> = {
  margin: { l: 60, r: 20, t: 50, b: 55 },
  hovermode: 'closest',
  font: { family: 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif' },
};

/**
 * The HTML of one chart: a div and a script that draws it once plotly.js is there (it waits up
 * to 20 s, then says how to load it). `includePlotly` prepends the bundle.
 */
export function figureHtml(figure: Figure, options: { includePlotly?: boolean; height?: number } = {}): string {
  const id = `nnlab-plot-${Date.now().toString(36)}-${(plotCounter++).toString(36)}`;
  const layout: Record<string, unknown> = { ...DEFAULT_LAYOUT, height: options.height ?? 420, ...(figure.layout ?? {}) };
  if (currentCaptionMark()) {
    const title = layout.title as { text?: string } | string | undefined;
    const text = typeof title === 'string' ? title : title?.text ?? '';
    layout.title = { ...(typeof title === 'object' ? title : {}), text: markedTitle(text) };
    layout.margin = { ...(layout.margin as object), t: 80 };
  }
  const config = { responsive: true, displaylogo: false, ...(figure.config ?? {}) };
  const draw =
    '<script type="text/javascript">(function(){' +
    `var id=${scriptJson(id)}, data=${scriptJson(figure.data)}, layout=${scriptJson(layout)}, config=${scriptJson(config)};` +
    'var tries=0;function draw(){var el=document.getElementById(id);' +
    'if(!el){if(++tries<400)setTimeout(draw,50);return;}' +
    'if(window.Plotly&&window.Plotly.newPlot){window.Plotly.newPlot(el,data,layout,config);return;}' +
    'if(++tries<400){setTimeout(draw,50);return;}' +
    'el.textContent="plotly.js is not loaded: run the notebook from its first cell (lab.start) or call loadPlotly().";}' +
    'draw();})();</script>';
  const div = `<div id="${id}" class="nnlab-plot" style="width:100%;min-height:${layout.height as number}px"></div>`;
  return (options.includePlotly ? plotlyLoaderHtml() : '') + div + draw;
}

/** Sends the plotly.js bundle to the notebook now (once per kernel session unless `force`). */
export function loadPlotly(options: { force?: boolean; out?: Output } = {}): void {
  if (injected && !options.force) return;
  (options.out ?? output()).html(plotlyLoaderHtml());
  injected = true;
}

export interface ShowOptions {
  height?: number;
  out?: Output;
  /** The id prose refers to it by (numbering.ts `ref`). */
  id?: string;
  /** Number the figure (default: when it has a title). */
  numbered?: boolean;
  /**
   * Under which settings its numbers were made ("3 seeds per setting; at most 20 epochs; data: …",
   * gridSettingsText for a grid's chart): a line under the chart, and part of the caption the
   * index and results.json list, as a table's caption carries its own.
   */
  settings?: string;
}

/**
 * Shows a Plotly figure as one text/html output (inlining plotly.js first if this session has not
 * yet); a titled one is numbered ("Figure 2.", ./numbering.ts), its title its caption.
 */
export function show(figure: Figure, options: ShowOptions = {}): void {
  const includePlotly = !injected;
  const title = figure.layout?.title as { text?: string } | string | undefined;
  const titleText = (typeof title === 'string' ? title : title?.text ?? '').replace(/<[^>]*>/g, '');
  const caption = options.settings ? `${titleText} (${options.settings})` : titleText;
  const number = (options.numbered ?? titleText !== '') ? numberFor('figure', caption, options.id) : null;
  const shown = number ? { ...figure, layout: { ...figure.layout, title: { ...(typeof title === 'object' ? title : {}), text: `<b>${number.label}.</b> ${typeof title === 'string' ? title : title?.text ?? ''}` } } } : figure;
  const settingsLine = options.settings ? `<div class="nnlab-figure-settings" style="font-size:12px;color:#555;margin:2px 0 8px 0">${escapeHtml(options.settings)}</div>` : '';
  const html = figureHtml(shown, { includePlotly, height: options.height }) + settingsLine;
  (options.out ?? output()).html(number ? `<div class="nnlab-figure"${numberedAttribute(number)}>${html}</div>` : html);
  injected = true;
}

/** Forgets that plotly.js was sent (tests; a notebook whose outputs were cleared). */
export function resetPlotly(): void {
  injected = false;
}
