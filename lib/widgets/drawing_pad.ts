/**
 * The drawing pad (browser): draw a character, see the report's network's 12 class
 * probabilities as bars. Everything between the pen and the bars is the library's code,
 * compiled into this page's script (scripts/build-widgets.mjs):
 *
 *   canvas pixels → luminance (data/bmp.ts) → ink, dark ink on white (data/preprocess.ts)
 *     → minus the training mean (data/preprocess.ts classifierInput, as `nnlab predict`)
 *     → FullyConnectedNet forward pass → softmax (data/ensemble.ts classProbabilities)
 *
 * The canvas is the network's own width×height grid, shown ten times larger; the pen fills
 * whole cells (black), a square of 1, 2 or 3 cells, so what is drawn is exactly what is scored.
 */
import { Matrix } from '../nn/matrix.js';
import { luminance } from '../data/bmp.js';
import { classifierInput, inkFromLuminance } from '../data/preprocess.js';
import { classProbabilities } from '../data/ensemble.js';
import { unpackNet } from '../persist/packed_net.js';
import { unpackFloats } from '../util/packed_floats.js';
import type { DrawingPadSpec } from './specs.js';
import { el, FONT, mountAll } from './dom.js';

const SCALE = 10;

function mountDrawingPad(root: HTMLElement, spec: DrawingPadSpec): void {
  const net = unpackNet(spec.net);
  const mean = Float64Array.from(unpackFloats(spec.mean));
  const { width, height, classNames } = spec;

  const canvas = el('canvas', {
    width: String(width), height: String(height), class: 'nnlab-pad-canvas',
    style: `width:${width * SCALE}px;height:${height * SCALE}px;image-rendering:pixelated;border:1px solid #8c959f;cursor:crosshair;touch-action:none;background:#fff`,
  });
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const pen = el('select', { class: 'nnlab-pad-pen' },
    ...[1, 2, 3].map((n) => el('option', n === 2 ? { value: String(n), selected: '' } : { value: String(n) }, `pen ${n} px`)));
  const clear = el('button', { type: 'button', class: 'nnlab-pad-clear' }, 'clear');
  const bars = el('div', { class: 'nnlab-pad-bars', style: 'display:grid;grid-template-columns:auto 220px 4em;gap:2px 8px;align-items:center' });
  const rows = classNames.map((name, k) => {
    const fill = el('div', { style: 'height:14px;width:0;background:#1f77b4' });
    const value = el('span', { style: 'text-align:right;font-variant-numeric:tabular-nums' }, '–');
    const label = el('span', { style: 'font-size:18px' }, name);
    bars.append(label, el('div', { style: 'background:#eaeef2', 'data-class': String(k) }, fill), value);
    return { fill, value, label };
  });
  const status = el('div', { class: 'nnlab-pad-status', style: 'color:#57606a;margin-top:6px' }, 'Draw a character in the box.');
  root.append(el('div', { style: `${FONT};display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap` },
    el('div', {}, canvas, el('div', { style: 'margin-top:6px;display:flex;gap:8px' }, pen, clear)),
    el('div', {}, bars, status)),
  el('div', { style: `${FONT};color:#57606a;margin-top:6px` }, spec.caption));

  const blank = () => { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, width, height); };

  /** Scores what the canvas shows and redraws the bars. */
  const score = () => {
    const { data } = ctx.getImageData(0, 0, width, height);
    const rgb = new Uint8Array(width * height * 3);
    for (let k = 0; k < width * height; k++) rgb.set(data.subarray(4 * k, 4 * k + 3), 3 * k);
    const ink = inkFromLuminance(luminance({ width, height, rgb }), 'dark-ink').pixels;
    const inked = ink.some((v) => v > 0);
    const p = classProbabilities(net, classifierInput(new Matrix(1, ink.length, ink), mean), classNames.length);
    let top = 0;
    for (let k = 1; k < p.length; k++) if (p[k] > p[top]) top = k;
    // An empty pad is no character: its scores (the network on the negated mean image) are not shown.
    rows.forEach((r, k) => {
      r.fill.style.width = inked ? `${(100 * p[k]).toFixed(1)}%` : '0';
      r.fill.style.background = k === top ? '#d62728' : '#1f77b4';
      r.value.textContent = inked ? `${(100 * p[k]).toFixed(1)}%` : '–';
      r.label.style.fontWeight = inked && k === top ? '700' : '400';
    });
    root.dataset.top = inked ? String(top) : '';
    root.dataset.probabilities = inked ? JSON.stringify(Array.from(p)) : '';
    status.textContent = inked ? `The network reads ${classNames[top]} (${(100 * p[top]).toFixed(1)}%).` : 'Draw a character in the box.';
  };

  let last: [number, number] | null = null;
  const cellAt = (e: PointerEvent): [number, number] => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * width / r.width, (e.clientY - r.top) * height / r.height];
  };
  /** Fills the pen's square of cells at every point along the segment from `last` to (x, y). */
  const stroke = (x: number, y: number) => {
    const size = Number(pen.value);
    const [x0, y0] = last ?? [x, y];
    const steps = Math.max(1, Math.ceil(4 * Math.sqrt((x - x0) * (x - x0) + (y - y0) * (y - y0))));
    ctx.fillStyle = '#000';
    for (let s = 0; s <= steps; s++) {
      const px = x0 + (x - x0) * s / steps, py = y0 + (y - y0) * s / steps;
      ctx.fillRect(Math.floor(px - (size - 1) / 2), Math.floor(py - (size - 1) / 2), size, size);
    }
    last = [x, y];
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = null;
    stroke(...cellAt(e));
    score();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (last === null || (e.buttons & 1) === 0) return;
    stroke(...cellAt(e));
    score();
  });
  const end = () => { last = null; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clear.addEventListener('click', () => { blank(); score(); });
  blank();
  score();
}

mountAll('drawing-pad', mountDrawingPad);
