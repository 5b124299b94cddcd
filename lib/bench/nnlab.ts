/**
 * nnlab's side of the benchmark: the workload's models built with FullyConnectedNet and
 * trained by Solver.step with Adam, exactly as a user would, timed by the shared protocol.
 */
import { Matrix, type DType } from '../nn/matrix.js';
import { FullyConnectedNet } from '../nn/fc_net.js';
import { Solver } from '../nn/solver.js';
import { Rng } from '../nn/random.js';
import { EvalWorkspace } from '../fast/eval_workspace.js';
import { KernelProfile, PROFILE_CATEGORIES, profileKernels, type ProfileCategory } from '../kernels/index.js';
import { WORKLOAD, type ModelName, type Workload } from './workload.js';
import { benchInferInTurn, benchTrainInTurn, type InferTiming, type TrainTiming } from './protocol.js';

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

/**
 * Times one model at one batch size and number type: training epochs and inference
 * throughput. As numpy_mlp.py --dtype float32 does, the data are converted to the net's
 * number type once, before timing. Inference runs through `evaluation` (a new one by
 * default), which holds the workload in the net's number type where the kernels read it, as
 * NumPy holds X: pass the same one for every model of a run, so that it is copied once.
 */
export function benchModel(data: Workload, name: ModelName, batch: number, dtype: DType = 'float64', evaluation = new EvalWorkspace()): NnlabRecord {
  return benchModelInTurn(data, name, batch, dtype, evaluation, [() => {}])[0];
}

/**
 * benchModel under several settings of nnlab (say: kernel jobs shared between threads or
 * not), one model timed epoch by epoch in turn (see benchTrainInTurn): one record per setting.
 */
export function benchModelInTurn(data: Workload, name: ModelName, batch: number, dtype: DType, evaluation: EvalWorkspace, settings: Array<() => void>): NnlabRecord[] {
  const { y } = data;
  const X = data.X.astype(dtype);
  const n = X.rows;
  const model = buildModel(name, 0, dtype);
  const solver = new Solver(model, { XTrain: X, yTrain: y, XVal: X, yVal: y }, {
    updateRule: 'adam',
    optimConfig: { ...WORKLOAD.adam },
    batchSize: batch,
  });

  // As numpy_mlp.py: a fresh permutation per epoch, minibatches gathered by index (X[idx]
  // there; here by the Solver's engine, where Solver.train gathers them).
  const runBatches = (epoch: number, k: number): number => {
    const perm = new Rng(1000 + epoch).permutation(n);
    let loss = Number.NaN;
    for (let b = 0; b < k; b++) {
      const idx = perm.subarray(b * batch, Math.min((b + 1) * batch, n));
      const yb = new Int32Array(idx.length);
      for (let t = 0; t < idx.length; t++) yb[t] = y[idx[t]];
      loss = solver.step(solver.engine.gather(X, idx, dtype), yb);
    }
    return loss;
  };
  // Scores of every batch of 1024 in test mode, as numpy_mlp.py's model.loss(X[s:s+1024]).
  const runInfer = (limit: number): void => {
    const options = { dtype, batchSize: WORKLOAD.inferenceBatch, upTo: limit, what: 'bench X', keep: true };
    evaluation.forEachBatch(model, data.X, options, () => {});
  };

  const train = benchTrainInTurn(runBatches, batch, settings);
  const infer = benchInferInTurn(runInfer, settings);
  return settings.map((_, i) => ({ system: 'nnlab', model: name, batch, dtype, ...train[i], ...infer[i] }));
}

/** Where one Solver epoch's time went (see lib/kernels/profile.ts), in ms, and the epoch's length. */
export interface EpochProfile {
  epochMs: number;
  ms: Record<ProfileCategory, number>;
  /** ms / epochMs per category, and `other` for the rest (JavaScript between the kernels). */
  share: Record<ProfileCategory | 'other', number>;
  /** What the epoch was: training and validation samples, and the accuracy checks' settings. */
  setup: string;
}

/** Share of the workload held out for validation in the profiled epoch. */
const PROFILE_VAL_FRACTION = 0.2;

/**
 * Profiles one epoch of Solver.train with the settings nnlab's trainer uses (lib/recipe.ts:
 * Adam, training accuracy on a 1000-sample subset and all of the validation set after every
 * epoch), on the workload split 80/20: the second epoch of two, so that the first absorbs
 * compilation and first allocations.
 */
export function profileEpoch(data: Workload, name: ModelName, batch: number, dtype: DType = 'float64'): EpochProfile {
  const n = data.X.rows, nVal = Math.round(n * PROFILE_VAL_FRACTION), nTrain = n - nVal;
  const rows = (first: number, count: number) => new Matrix(count, data.X.cols, data.X.data.subarray(first * data.X.cols, (first + count) * data.X.cols));
  const model = buildModel(name, 0, dtype);
  const profile = new KernelProfile();
  let epochMs = 0;
  const solver = new Solver(model, {
    XTrain: rows(0, nTrain), yTrain: data.y.subarray(0, nTrain), XVal: rows(nTrain, nVal), yVal: data.y.subarray(nTrain),
  }, {
    updateRule: 'adam', optimConfig: { ...WORKLOAD.adam }, batchSize: batch, numEpochs: 2,
    numTrainSamples: 1000, numValSamples: null, seed: 0,
    onEpoch: (info) => {
      if (info.epoch === 1) profileKernels(profile);
      else epochMs = info.seconds * 1000;
    },
  });
  try {
    solver.train();
  } finally {
    profileKernels(null);
  }
  const ms = { ...profile.ms };
  const share = Object.fromEntries(PROFILE_CATEGORIES.map((c) => [c, ms[c] / epochMs])) as EpochProfile['share'];
  share.other = 1 - PROFILE_CATEGORIES.reduce((s, c) => s + share[c], 0);
  return { epochMs, ms, share, setup: `Solver.train epoch on ${nTrain} samples, accuracy on 1000 of them and all ${nVal} validation samples` };
}
