/**
 * The live sine fit (browser): a "train" button refits the report's 3-layer, 50-unit network
 * with the library's own fitSine (lib/tasks/sine.ts: FullyConnectedNet, Solver, Adam) in a Web
 * Worker, and draws the loss and the fit after every epoch.
 *
 * The worker runs this same script: from file:// Chromium refuses a Worker whose script is a
 * file: URL, so the page makes a Blob URL from the text of the inline <script> that holds it.
 * With the same options, the page's fit is the notebook's fit bit for bit (same seed, same
 * deterministic math, TypeScript kernels equal to the WebAssembly ones).
 */
import { fitSine, sineGrid } from '../tasks/sine.js';
import { sin } from '../math/elementary.js';
import type { SineTrainerSpec } from './specs.js';
import { el, FONT, mountAll, svg } from './dom.js';
import { drawLines } from './chart.js';

type FromWorker =
  | { kind: 'epoch'; epoch: number; loss: number; valMse: number; gridPred: Float64Array }
  | { kind: 'done'; meanError: number; meanAbsError: number; maxAbsError: number; seconds: number }
  | { kind: 'error'; message: string };

/** The text of this script, while it runs as an inline <script> (null in a worker). */
const source = typeof document !== 'undefined' ? document.currentScript?.textContent ?? null : null;

function runInWorker(): void {
  const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);
  self.onmessage = (e: MessageEvent<SineTrainerSpec>) => {
    try {
      const fit = fitSine({
        ...e.data,
        onGridPrediction: (info, gridPred) => post({ kind: 'epoch', epoch: info.epoch, loss: info.loss, valMse: info.valMetric, gridPred }),
      });
      post({ kind: 'done', meanError: fit.meanError, meanAbsError: fit.meanAbsError, maxAbsError: fit.maxAbsError, seconds: fit.seconds });
    } catch (err) {
      post({ kind: 'error', message: (err as Error).message });
    }
  };
}

function mountSineTrainer(root: HTMLElement, spec: SineTrainerSpec): void {
  const button = el('button', { type: 'button', class: 'nnlab-sine-train' }, 'train');
  const status = el('span', { class: 'nnlab-sine-status', style: 'color:#57606a' }, `${spec.epochs} epochs of Adam on ${spec.numTrain} samples, in this page.`);
  const lossChart = svg('svg', { class: 'nnlab-sine-loss' });
  const fitChart = svg('svg', { class: 'nnlab-sine-fit' });
  root.append(el('div', { style: FONT },
    el('div', { style: 'display:flex;gap:12px;align-items:center' }, button, status),
    el('div', { style: 'display:flex;gap:12px;flex-wrap:wrap;margin-top:8px' }, lossChart, fitChart),
    el('div', { style: 'color:#57606a;margin-top:4px' }, spec.caption)));

  const gridX = sineGrid();
  const truth = Array.from(gridX, sin);
  const half = Math.PI / 2;
  const drawFit = (pred: ArrayLike<number> | null, epoch: number) => drawLines(fitChart, [
    { name: 'sin(x)', x: gridX, y: truth, color: 'blue' },
    ...(pred ? [{ name: `network, epoch ${epoch}`, x: gridX, y: pred, color: 'red', dash: true }] : []),
  ], { width: 360, height: 240, title: 'The fit', xRange: [-half, half], yRange: [-1.3, 1.3] });
  const drawLoss = (epochs: number[], losses: number[], valMse: number[]) => drawLines(lossChart, [
    { name: 'training loss (epoch mean)', x: epochs, y: losses, color: '#1f77b4' },
    { name: 'validation MSE', x: epochs, y: valMse, color: '#ff7f0e' },
  ], { width: 360, height: 240, title: 'MSE loss (log scale)', logY: true, xRange: [1, Math.max(2, spec.epochs)] });
  drawFit(null, 0);
  drawLoss([], [], []);

  let worker: Worker | null = null;
  button.addEventListener('click', () => {
    if (source === null) { status.textContent = 'This page cannot start a worker (the script is not inline).'; return; }
    worker?.terminate();
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    worker = new Worker(url);
    URL.revokeObjectURL(url);
    const epochs: number[] = [], losses: number[] = [], valMse: number[] = [];
    root.dataset.state = 'training';
    root.dataset.losses = '[]';
    button.textContent = 'train again';
    const { caption: _caption, ...options } = spec;
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.kind === 'epoch') {
        epochs.push(m.epoch);
        losses.push(m.loss);
        valMse.push(m.valMse);
        root.dataset.losses = JSON.stringify(losses);
        status.textContent = `epoch ${m.epoch} of ${spec.epochs}: loss ${m.loss.toExponential(2)}`;
        drawLoss(epochs, losses, valMse);
        drawFit(m.gridPred, m.epoch);
      } else if (m.kind === 'done') {
        root.dataset.state = 'done';
        root.dataset.meanAbsError = String(m.meanAbsError);
        status.textContent = `Done in ${m.seconds.toFixed(1)} s: mean |error| on the test grid ${m.meanAbsError.toExponential(2)}, signed mean ${m.meanError.toExponential(2)}.`;
        worker?.terminate();
      } else {
        root.dataset.state = 'error';
        status.textContent = `Training failed: ${m.message}`;
      }
    };
    worker.onerror = (e) => { root.dataset.state = 'error'; status.textContent = `The worker failed: ${e.message}`; };
    worker.postMessage(options);
  });
}

if (typeof document === 'undefined') runInWorker();
else mountAll('sine-trainer', mountSineTrainer);
