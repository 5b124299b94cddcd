/**
 * The report's fitting task: learn sin(x) on (−π/2, π/2) with a small network and MSE loss,
 * then measure the error on a grid of step 0.01 (the report gives its signed mean, −0.00019).
 */
import { Matrix } from '../nn/matrix.js';
import { FullyConnectedNet, WeightInit } from '../nn/fc_net.js';
import { Solver, EpochInfo } from '../nn/solver.js';
import { Activation } from '../nn/layer_utils.js';
import { Rng, deriveSeed } from '../nn/random.js';
import { UpdateRuleName } from '../nn/optim.js';
import { sin } from '../math/elementary.js';

export interface SineOptions {
  /** Hidden layer sizes; the report's "3 layers, 50 neurons" is [50, 50]. */
  hiddenDims: number[];
  activation: Activation;
  /** Initial weight scale; see FullyConnectedNet. */
  weightInit: WeightInit;
  numTrain: number;
  numVal: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  lrDecay: number;
  updateRule: UpdateRuleName;
  seed: number;
  onEpoch?: (info: EpochInfo) => void;
  /** Epochs after which to record the network's predictions on the test grid (for a slider). */
  snapshotEpochs?: number[];
  /** Called after every epoch with the network's predictions on the test grid (a live chart: lib/widgets/sine_trainer.ts). */
  onGridPrediction?: (info: EpochInfo, gridPred: Float64Array) => void;
}

export const SINE_DEFAULTS: SineOptions = {
  // Tuned on this task (see README): a tanh net started with N(0, 0.5²) weights bends to the
  // sine faster than with Xavier's smaller ones, and the decaying step settles the last digits.
  hiddenDims: [50, 50], activation: 'tanh', weightInit: 0.5, numTrain: 1000, numVal: 200,
  epochs: 300, batchSize: 20, learningRate: 1e-2, lrDecay: 0.98, updateRule: 'adam', seed: 0,
};

export interface SineResult {
  net: FullyConnectedNet;
  solver: Solver;
  /** The test grid x = −π/2 + 0.01·k inside (−π/2, π/2), and the network's predictions there. */
  gridX: Float64Array;
  gridPred: Float64Array;
  /** mean(pred − sin x) on the grid: signed, as the report gives it. */
  meanError: number;
  meanAbsError: number;
  maxAbsError: number;
  seconds: number;
  /** Predictions on the grid after each of `snapshotEpochs` (training weights at that epoch). */
  snapshots: Array<{ epoch: number; pred: Float64Array }>;
}

/** n points drawn uniformly from (−π/2, π/2) with their sines, as N×1 matrices. */
export function sineSamples(n: number, rng: Rng): { X: Matrix; y: Matrix } {
  const X = new Matrix(n, 1), y = new Matrix(n, 1);
  for (let i = 0; i < n; i++) {
    const x = rng.uniformIn(-Math.PI / 2, Math.PI / 2);
    X.data[i] = x;
    y.data[i] = sin(x);
  }
  return { X, y };
}

/** The report's test inputs: step 0.01 strictly inside the open interval (−π/2, π/2). */
export function sineGrid(step = 0.01): Float64Array {
  const xs: number[] = [];
  for (let k = 1; -Math.PI / 2 + k * step < Math.PI / 2; k++) xs.push(-Math.PI / 2 + k * step);
  return Float64Array.from(xs);
}

/** Errors of predictions against sin on the grid. */
export function sineErrors(gridX: Float64Array, pred: Float64Array): { meanError: number; meanAbsError: number; maxAbsError: number } {
  let sum = 0, sumAbs = 0, maxAbs = 0;
  for (let k = 0; k < gridX.length; k++) {
    const e = pred[k] - sin(gridX[k]);
    sum += e;
    sumAbs += Math.abs(e);
    maxAbs = Math.max(maxAbs, Math.abs(e));
  }
  return { meanError: sum / gridX.length, meanAbsError: sumAbs / gridX.length, maxAbsError: maxAbs };
}

/** Trains the fitting network and measures it on the grid. */
export function fitSine(options: Partial<SineOptions> = {}): SineResult {
  const o: SineOptions = { ...SINE_DEFAULTS, ...options };
  const t0 = performance.now();
  const train = sineSamples(o.numTrain, new Rng(deriveSeed(o.seed, 'sine-train')));
  const val = sineSamples(o.numVal, new Rng(deriveSeed(o.seed, 'sine-val')));
  const net = new FullyConnectedNet({
    inputDim: 1, hiddenDims: o.hiddenDims, outputDim: 1, activation: o.activation,
    loss: 'mse', weightInit: o.weightInit, seed: o.seed,
  });
  const gridX = sineGrid();
  const predictGrid = () => Float64Array.from(net.loss(new Matrix(gridX.length, 1, gridX.slice())).data);
  const snapshotAt = new Set(o.snapshotEpochs ?? []);
  const snapshots: SineResult['snapshots'] = [];
  const solver = new Solver(net, { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y }, {
    updateRule: o.updateRule, optimConfig: { learningRate: o.learningRate }, lrDecay: o.lrDecay,
    batchSize: o.batchSize, numEpochs: o.epochs, numTrainSamples: null, seed: o.seed,
    onEpoch: (info) => {
      if (snapshotAt.has(info.epoch)) snapshots.push({ epoch: info.epoch, pred: predictGrid() });
      if (o.onGridPrediction) o.onGridPrediction(info, predictGrid());
      o.onEpoch?.(info);
    },
  });
  solver.train();

  const gridPred = predictGrid();
  return { net, solver, gridX, gridPred, ...sineErrors(gridX, gridPred), seconds: (performance.now() - t0) / 1000, snapshots };
}
