/**
 * The live widgets as notebook outputs: one text/html output each, holding the widget's data
 * (JSON) and its script (nnlab's own code compiled for the browser by
 * scripts/build-widgets.mjs into dist/widgets/, inlined here). Self-contained, so the exported
 * page works from file:// with no request, and JupyterLab runs it in a trusted notebook.
 *
 *   drawingPad(net, data)      draw a character, see the network's class probabilities
 *   sineTrainer(settings)      refit sin(x) in a Web Worker, loss and fit drawn as it goes
 *   backpropGraph(x, y, p)     the graph of 04's small network, a slider over training steps
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FullyConnectedNet } from '../nn/fc_net.js';
import type { Matrix } from '../nn/matrix.js';
import { packNet } from '../persist/packed_net.js';
import { packFloats } from '../util/packed_floats.js';
import { escapeHtml } from '../util/html.js';
import { SINE_DEFAULTS, type SineOptions } from '../tasks/sine.js';
import { backpropSteps, type BackpropStepsOptions, type SandwichParams } from '../experiments/backprop_steps.js';
import type { BackpropGraphSpec, DrawingPadSpec, SineTrainerSpec } from '../widgets/specs.js';
import { output, type Output } from './output.js';

export type WidgetName = 'drawing-pad' | 'sine-trainer' | 'backprop-graph';

/** dist/widgets/ of this package: two levels up from this file, whether it runs from lib/display/ (TypeScript) or dist/display/. */
const WIDGET_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'widgets');

const scripts = new Map<WidgetName, string>();

/** The compiled script of a widget, escaped for an inline <script>. */
export function widgetScript(name: WidgetName): string {
  let text = scripts.get(name);
  if (text === undefined) {
    const file = path.join(WIDGET_DIR, `${name}.js`);
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` (it compiles the page widgets with esbuild)`);
    text = readFileSync(file, 'utf8').replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
    scripts.set(name, text);
  }
  return text;
}

/** JSON for a <script type="application/json">: nothing in it can end the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** The HTML of one widget: its root element with its data, then its script. */
export function widgetHtml(name: WidgetName, spec: unknown, title: string): string {
  return `<div class="nnlab-widget" data-nnlab-widget="${name}" style="margin:8px 0">` +
    `<div style="font:600 14px system-ui,sans-serif;margin-bottom:6px">${escapeHtml(title)}</div>` +
    `<script type="application/json">${scriptJson(spec)}</script>` +
    `<noscript>This widget needs JavaScript.</noscript></div>` +
    `<script type="text/javascript">${widgetScript(name)}</script>`;
}

/** What the drawing pad needs of the data: the mean image the network's inputs were centred by, the class names, the image size. */
export interface PadData { mean: Float64Array; classNames: string[]; width: number; height: number }

export function drawingPadHtml(net: FullyConnectedNet, data: PadData, caption = ''): string {
  if (net.config.inputDim !== data.width * data.height) throw new Error(`drawingPad: the network takes ${net.config.inputDim} inputs, the images are ${data.width}x${data.height}`);
  if (net.config.outputDim !== data.classNames.length) throw new Error(`drawingPad: the network has ${net.config.outputDim} outputs for ${data.classNames.length} class names`);
  if (net.config.loss !== 'softmax') throw new Error('drawingPad: the network must be a classifier (softmax loss)');
  const spec: DrawingPadSpec = { net: packNet(net), mean: packFloats(data.mean), classNames: data.classNames, width: data.width, height: data.height, caption };
  return widgetHtml('drawing-pad', spec, 'Draw a character: the network\'s class probabilities');
}

/** Shows the drawing pad for a trained classifier and the data it was trained on. */
export function drawingPad(net: FullyConnectedNet, data: PadData, options: { caption?: string; out?: Output } = {}): void {
  (options.out ?? output()).html(drawingPadHtml(net, data, options.caption));
}

export function sineTrainerHtml(settings: Partial<SineOptions> = {}): string {
  const { onEpoch: _e, onGridPrediction: _g, snapshotEpochs: _s, ...o } = { ...SINE_DEFAULTS, ...settings };
  const spec: SineTrainerSpec = {
    ...o, hiddenDims: [...o.hiddenDims],
    caption: `${o.hiddenDims.length + 1} layers (hidden ${o.hiddenDims.join(' and ')}, ${o.activation}), ${o.updateRule} with learning rate ${o.learningRate} ` +
      `decaying ×${o.lrDecay} per epoch, batches of ${o.batchSize}, seed ${o.seed}: the settings of the fit above, so the page's fit is the same fit, computed again.`,
  };
  return widgetHtml('sine-trainer', spec, 'Train the fitting network here, in a Web Worker');
}

/** Shows the "train" button that refits sin(x) in the page with these settings (default: SINE_DEFAULTS). */
export function sineTrainer(settings: Partial<SineOptions> = {}, options: { out?: Output } = {}): void {
  (options.out ?? output()).html(sineTrainerHtml(settings));
}

export function backpropGraphHtml(spec: BackpropGraphSpec): string {
  return widgetHtml('backprop-graph', spec, 'The graph the gradient flows through, step by step');
}

/** Records `steps` training steps of the small network (lib/experiments/backprop_steps.ts) and shows them as a graph with a slider. */
export function backpropGraph(x: Matrix, y: Int32Array, params: SandwichParams, options: BackpropStepsOptions & { out?: Output } = {}): BackpropGraphSpec {
  const spec = backpropSteps(x, y, params, options);
  (options.out ?? output()).html(backpropGraphHtml(spec));
  return spec;
}
