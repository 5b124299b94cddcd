/**
 * The backprop graph (browser), drawn as micrograd's draw_dot draws its graph: one box per
 * tensor of 04's small network (affine → batchnorm → ReLU → affine → softmax loss), with its
 * shape, a heatmap of its value and of its gradient, and the relative error of the gradient's
 * numerical check. A slider picks the training step; the tensors are the ones the notebook
 * computed (lib/experiments/backprop_steps.ts), serialised into the page.
 */
import type { BackpropGraphSpec, GraphNode, TensorView } from './specs.js';
import { el, FONT, mountAll, svg } from './dom.js';

/** Where each node sits: column (left to right, forward order) and row (0 above the chain, 1 the chain, 2 below). */
const PLACE: Record<string, [number, number]> = {
  x: [0, 1], W1: [1, 0], b1: [1, 2], a1: [1, 1], gamma: [2, 0], beta: [2, 2], z1: [2, 1],
  h1: [3, 1], W2: [4, 0], b2: [4, 2], scores: [4, 1], y: [5, 0], loss: [5, 1],
};
const BOX_W = 150, BOX_H = 128, GAP_X = 34, GAP_Y = 26;

/** A diverging colour for v in [−1, 1]: blue (negative) – white – red (positive). */
function colour(v: number): string {
  const t = Math.max(-1, Math.min(1, v));
  const c = (a: number) => Math.round(255 - (255 - a) * Math.abs(t));
  return t >= 0 ? `rgb(${c(214)},${c(39)},${c(40)})` : `rgb(${c(31)},${c(119)},${c(180)})`;
}

const maxAbs = (v: number[]) => v.reduce((m, a) => Math.max(m, Math.abs(a)), 0);

/** A heatmap of rows×cols values at (x, y), within w×h, scaled by the largest magnitude. */
function heatmap(values: number[], rows: number, cols: number, x: number, y: number, w: number, h: number, cls: string): SVGGElement {
  const cell = Math.max(2, Math.min(9, Math.floor(w / cols), Math.floor(h / rows)));
  const scale = maxAbs(values) || 1;
  const g = svg('g', { class: cls });
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = values[i * cols + j];
      g.append(svg('rect', { x: x + j * cell, y: y + i * cell, width: cell, height: cell, fill: colour(v / scale), stroke: '#d0d7de', 'stroke-width': 0.3 },
        svg('title', {}, v.toPrecision(4))));
    }
  }
  return g;
}

const fmt = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 0.01 && Math.abs(v) < 1000 ? v.toPrecision(3) : v.toExponential(1));

function nodeBox(node: GraphNode, t: TensorView, x: number, y: number): SVGGElement {
  const g = svg('g', { class: 'nnlab-bp-node', 'data-node': node.id, transform: `translate(${x},${y})` });
  const leaf = node.inputs.length === 0;
  g.append(svg('rect', { width: BOX_W, height: BOX_H, rx: 6, fill: leaf ? '#f6f8fa' : '#fff8e6', stroke: leaf ? '#8c959f' : '#bf8700' }));
  g.append(svg('text', { x: 6, y: 14, 'font-size': 11, 'font-weight': 600 }, node.label));
  g.append(svg('text', { x: 6, y: 27, 'font-size': 10, fill: '#57606a', class: 'nnlab-bp-shape' }, `${node.op} · ${t.rows}×${t.cols}`));
  if (node.id === 'y') {
    g.append(svg('text', { x: 6, y: 50, 'font-size': 12 }, `[${t.value.join(', ')}]`));
    g.append(svg('text', { x: 6, y: 68, 'font-size': 10, fill: '#57606a' }, 'labels: no gradient'));
    return g;
  }
  if (node.id === 'loss') {
    g.append(svg('text', { x: 6, y: 54, 'font-size': 16, class: 'nnlab-bp-loss' }, t.value[0].toFixed(6)));
    g.append(svg('text', { x: 6, y: 74, 'font-size': 10, fill: '#57606a' }, '∂loss/∂loss = 1'));
    return g;
  }
  g.append(svg('text', { x: 6, y: 40, 'font-size': 10, fill: '#57606a' }, 'value'));
  g.append(heatmap(t.value, t.rows, t.cols, 6, 44, 64, 54, 'nnlab-bp-value'));
  g.append(svg('text', { x: 6, y: 112, 'font-size': 9, fill: '#57606a' }, `max |v| ${fmt(maxAbs(t.value))}`));
  if (t.grad) {
    g.append(svg('text', { x: 78, y: 40, 'font-size': 10, fill: '#57606a' }, 'gradient'));
    g.append(heatmap(t.grad, t.rows, t.cols, 78, 44, 64, 54, 'nnlab-bp-grad'));
    g.append(svg('text', { x: 78, y: 112, 'font-size': 9, fill: '#57606a', class: 'nnlab-bp-grad-max' }, `max |g| ${fmt(maxAbs(t.grad))}`));
  }
  if (t.relError !== null) {
    const ok = t.relError < 1e-6;
    g.append(svg('text', { x: 6, y: 124, 'font-size': 10, fill: ok ? '#1a7f37' : '#cf222e', class: 'nnlab-bp-relerr' }, `check: rel. error ${t.relError.toExponential(1)}`));
  }
  return g;
}

function mountBackpropGraph(root: HTMLElement, spec: BackpropGraphSpec): void {
  const cols = 1 + Math.max(...Object.values(PLACE).map(([c]) => c));
  const width = cols * BOX_W + (cols - 1) * GAP_X + 20, height = 3 * BOX_H + 2 * GAP_Y + 20;
  const at = (id: string) => { const [c, r] = PLACE[id]; return [10 + c * (BOX_W + GAP_X), 10 + r * (BOX_H + GAP_Y)]; };
  const picture = svg('svg', { class: 'nnlab-bp-graph', viewBox: `0 0 ${width} ${height}`, style: `width:100%;max-width:${width}px;height:auto` });
  const slider = el('input', { type: 'range', min: '0', max: String(spec.steps.length - 1), value: '0', step: '1', class: 'nnlab-bp-step', style: 'width:260px' });
  const label = el('span', { class: 'nnlab-bp-step-label' });
  root.append(el('div', { style: FONT },
    el('div', { style: 'display:flex;gap:12px;align-items:center' }, el('span', {}, 'training step'), slider, label),
    picture,
    el('div', { style: 'color:#57606a' }, spec.caption,
      ' Arrows: the forward pass; the gradient flows against them. Colours: blue negative, red positive, each heatmap scaled to its own largest magnitude (hover a cell for its value).')));

  const draw = (index: number) => {
    const step = spec.steps[index];
    picture.replaceChildren(svg('defs', {}, svg('marker', { id: 'nnlab-bp-arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#57606a' }))));
    for (const node of spec.nodes) {
      const [x1, y1] = at(node.id);
      for (const input of node.inputs) {
        const [x0, y0] = at(input);
        const sameRow = y0 === y1;
        const from = sameRow ? [x0 + BOX_W, y0 + BOX_H / 2] : [x0 + BOX_W / 2, y0 < y1 ? y0 + BOX_H : y0];
        const to = sameRow ? [x1, y1 + BOX_H / 2] : [x1 + BOX_W / 2 - (x0 === x1 ? 0 : 20), y0 < y1 ? y1 : y1 + BOX_H];
        picture.append(svg('line', { x1: from[0], y1: from[1], x2: to[0], y2: to[1], stroke: '#57606a', 'stroke-width': 1.2, 'marker-end': 'url(#nnlab-bp-arrow)' }));
      }
    }
    for (const node of spec.nodes) {
      const [x, y] = at(node.id);
      picture.append(nodeBox(node, step.tensors[node.id], x, y));
    }
    label.textContent = `step ${step.step} of ${spec.steps.length}: loss ${step.loss.toFixed(6)}`;
    root.dataset.step = String(step.step);
  };
  slider.addEventListener('input', () => draw(Number(slider.value)));
  draw(0);
}

mountAll('backprop-graph', mountBackpropGraph);
