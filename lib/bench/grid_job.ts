/**
 * One run of the report's grid (lib/bench/grid.ts), as grid_reference.py's numpy_run: He
 * initialisation, Adam, `epochs` shuffled epochs over the first nTrain rows of the workload's
 * data, and after every epoch the accuracy on the nVal rows after them and on all training rows.
 * Timed from the start of training (data and network made before).
 */
import { performance } from 'node:perf_hooks';
import { Matrix, type DType } from '../nn/matrix.js';
import { FullyConnectedNet } from '../nn/fc_net.js';
import { Solver } from '../nn/solver.js';
import { DivergenceError } from '../nn/divergence.js';
import { makeWorkload, WORKLOAD } from './workload.js';

/** The activations a grid configuration may name (grid_reference.py has these three). */
export const GRID_ACTIVATIONS = ['relu', 'sigmoid', 'tanh'] as const;

/** One configuration of the grid, as grid.json spells it (checked by loadGrid in grid.ts). */
export interface GridConfig {
  name: string;
  hidden: number[];
  act: (typeof GRID_ACTIVATIONS)[number];
  batchnorm: boolean;
  lr: number;
  reg: number;
  batch: number;
}

export interface GridJob {
  config: GridConfig;
  seed: number;
  dtype: DType;
  epochs: number;
  nTrain: number;
  nVal: number;
}

export interface GridJobResult {
  seconds: number;
  /** The loss diverged and the Solver stopped the run early (as the report's runs stop). */
  diverged: boolean;
}

/** The workload in each number type, made once per thread. */
const made = new Map<DType, { X: Matrix; y: Int32Array }>();
function workload(dtype: DType): { X: Matrix; y: Int32Array } {
  let w = made.get(dtype);
  if (!w) {
    const data = makeWorkload();
    w = { X: data.X.astype(dtype), y: data.y };
    made.set(dtype, w);
  }
  return w;
}

export function runGridJob(job: GridJob): GridJobResult {
  const { config: c, seed, dtype, nTrain, nVal } = job;
  const { X, y } = workload(dtype);
  if (nTrain + nVal > X.rows) throw new Error(`grid: n_train + n_val = ${nTrain + nVal} is more than the workload's ${X.rows} rows`);
  const rows = (first: number, count: number) => new Matrix(count, X.cols, X.data.subarray(first * X.cols, (first + count) * X.cols));
  const net = new FullyConnectedNet({
    inputDim: WORKLOAD.inputDim, hiddenDims: c.hidden, outputDim: WORKLOAD.numClasses, activation: c.act,
    normalization: c.batchnorm ? 'batchnorm' : 'none', loss: 'softmax', reg: c.reg, weightInit: 'he', seed, dtype,
  });
  const solver = new Solver(net, {
    XTrain: rows(0, nTrain), yTrain: y.subarray(0, nTrain), XVal: rows(nTrain, nVal), yVal: y.subarray(nTrain, nTrain + nVal),
  }, {
    updateRule: 'adam', optimConfig: { learningRate: c.lr, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, batchSize: c.batch,
    numEpochs: job.epochs, numTrainSamples: null, numValSamples: null, seed, verbose: false,
  });
  const t0 = performance.now();
  let diverged = false;
  try {
    solver.train();
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    diverged = true;
  }
  return { seconds: (performance.now() - t0) / 1000, diverged };
}
