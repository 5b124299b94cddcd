/**
 * nnlab's side of the benchmark: the workload's models built with FullyConnectedNet and
 * trained by Solver.step with Adam, exactly as a user would, timed by the shared protocol.
 */
import { Matrix, type DType } from '../matrix.js';
import { FullyConnectedNet } from '../fc_net.js';
import { Solver } from '../solver.js';
import { Rng } from '../random.js';
import { WORKLOAD, type ModelName, type Workload } from './workload.js';
import { benchInfer, benchTrain, type InferTiming, type TrainTiming } from './protocol.js';

export interface NnlabRecord extends TrainTiming, InferTiming {
  system: 'nnlab';
  model: ModelName;
  batch: number;
  dtype: DType;
}

/** The workload's network: ReLU hidden layers, softmax loss, L2 1e-3, He initialisation. */
export function buildModel(name: ModelName, seed = 0, dtype: DType = 'float64'): FullyConnectedNet {
  const spec = WORKLOAD.models[name];
  return new FullyConnectedNet({
    inputDim: WORKLOAD.inputDim,
    hiddenDims: spec.hidden,
    outputDim: WORKLOAD.numClasses,
    activation: 'relu',
    normalization: spec.batchnorm ? 'batchnorm' : 'none',
    loss: 'softmax',
    reg: WORKLOAD.reg,
    weightInit: 'he',
    seed,
    dtype,
  });
}

/** Rows first..first+count-1 of X as a view (no copy), like a NumPy slice. */
function rowsView(X: Matrix, first: number, count: number): Matrix {
  return new Matrix(count, X.cols, X.data.subarray(first * X.cols, (first + count) * X.cols));
}

/**
 * Times one model at one batch size and number type: training epochs and inference
 * throughput. As numpy_mlp.py --dtype float32 does, the data are converted to the net's
 * number type once, before timing.
 */
export function benchModel(data: Workload, name: ModelName, batch: number, dtype: DType = 'float64'): NnlabRecord {
  const { y } = data;
  const X = data.X.astype(dtype);
  const n = X.rows;
  const model = buildModel(name, 0, dtype);
  const solver = new Solver(model, { XTrain: X, yTrain: y, XVal: X, yVal: y }, {
    updateRule: 'adam',
    optimConfig: { ...WORKLOAD.adam },
    batchSize: batch,
  });

  // As numpy_mlp.py: a fresh permutation per epoch, minibatches gathered by index.
  const runBatches = (epoch: number, k: number): number => {
    const perm = new Rng(1000 + epoch).permutation(n);
    let loss = Number.NaN;
    for (let b = 0; b < k; b++) {
      const idx = perm.subarray(b * batch, Math.min((b + 1) * batch, n));
      const yb = new Int32Array(idx.length);
      for (let t = 0; t < idx.length; t++) yb[t] = y[idx[t]];
      loss = solver.step(X.selectRows(idx), yb);
    }
    return loss;
  };
  const runInfer = (limit: number): void => {
    const ib = WORKLOAD.inferenceBatch;
    for (let s = 0; s < limit; s += ib) model.loss(rowsView(X, s, Math.min(ib, limit - s)));
  };

  const train = benchTrain(runBatches, batch);
  const infer = benchInfer(runInfer);
  return { system: 'nnlab', model: name, batch, dtype, ...train, ...infer };
}
