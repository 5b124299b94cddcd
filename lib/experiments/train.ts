/**
 * Trains one configuration and records what the notebooks plot and tabulate. Runs in a worker
 * thread (worker.ts) or in the calling thread; every random choice comes from `settings.seed`,
 * so the result does not depend on where it ran.
 */
import { performance } from 'node:perf_hooks';
import { Matrix } from '../matrix.js';
import { FullyConnectedNet } from '../fc_net.js';
import { Solver, DivergenceError } from '../solver.js';
import { makeAugment } from '../augment.js';
import type { TrainSettings } from './settings.js';

export interface TrainData {
  XTrain: Matrix;
  yTrain: Int32Array;
  XVal: Matrix;
  yVal: Int32Array;
  mean: Float64Array;
  width: number;
  height: number;
  numClasses: number;
}

export interface RunRecord {
  /** Best validation accuracy over the epochs (the report's "最高验证准确率"). */
  bestValAcc: number;
  bestEpoch: number;
  /** Training accuracy at the best epoch and at the end. */
  trainAccAtBest: number;
  finalTrainAcc: number;
  finalValAcc: number;
  /** Mean training loss of the last epoch. */
  finalLoss: number;
  /** Loss of every iteration (minibatch). */
  lossHistory: number[];
  /** Per epoch: mean training loss, training and validation accuracy, seconds. */
  epochLoss: number[];
  trainAccHistory: number[];
  valAccHistory: number[];
  epochSeconds: number[];
  /** Predicted class of every validation image by the best model (confusion matrices). */
  valPredictions: number[];
  paramCount: number;
  /** Wall time of the whole run. */
  seconds: number;
  /** Set when the run stopped early because the loss stopped being finite. */
  diverged: string | null;
}

export interface Progress {
  epoch: number;
  numEpochs: number;
  iteration: number;
  iterationsPerEpoch: number;
  loss: number;
  valAcc?: number;
}

function oneHot(y: Int32Array, k: number): Matrix {
  const m = new Matrix(y.length, k);
  for (let i = 0; i < y.length; i++) m.data[i * k + y[i]] = 1;
  return m;
}

function accuracy(net: FullyConnectedNet, X: Matrix, y: Int32Array): { acc: number; pred: Int32Array } {
  const pred = net.predict(X);
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return { acc: ok / Math.max(1, y.length), pred };
}

/** Trains one configuration on `data`. `onProgress` is called after every iteration. */
export function trainRun(settings: TrainSettings, data: TrainData, onProgress?: (p: Progress) => void): RunRecord {
  const t0 = performance.now();
  const s = settings;
  const net = new FullyConnectedNet({
    inputDim: data.XTrain.cols, hiddenDims: s.hiddenDims, outputDim: data.numClasses,
    activation: s.activation, normalization: s.normalization, dropout: s.dropout,
    loss: s.loss, reg: s.reg, weightInit: s.weightInit, seed: s.seed, dtype: s.dtype,
  });
  const mse = s.loss === 'mse';
  const epochLoss: number[] = [], trainAcc: number[] = [], valAcc: number[] = [];
  let best = { acc: -1, epoch: 0, trainAcc: 0, pred: new Int32Array(0) };

  const solver = new Solver(
    net,
    { XTrain: data.XTrain, yTrain: mse ? oneHot(data.yTrain, data.numClasses) : data.yTrain, XVal: data.XVal, yVal: mse ? oneHot(data.yVal, data.numClasses) : data.yVal },
    {
      updateRule: s.updateRule,
      optimConfig: { learningRate: s.learningRate },
      lrDecay: s.lrDecay,
      batchSize: s.batchSize,
      numEpochs: s.numEpochs,
      numTrainSamples: 1000,
      numValSamples: Math.min(200, data.XVal.rows), // the Solver's own check; ours below uses all of it
      seed: s.seed,
      augment: s.augment ? makeAugment({ ...s.augment, mean: data.mean, width: data.width, height: data.height }) : undefined,
      onIteration: (it) => {

        onProgress?.({ epoch: it.epoch, numEpochs: s.numEpochs, iteration: it.iteration, iterationsPerEpoch: it.iterationsPerEpoch, loss: it.loss });
      },
      onEpoch: (e) => {
        // Accuracy by the argmax of the scores, whatever the loss (the Solver's own metric for an
        // MSE model is the MSE). Validation on all of it; training on the Solver's 1000-sample check.
        const v = accuracy(net, data.XVal, data.yVal);
        const tr = mse ? accuracy(net, data.XTrain.selectRows(Array.from({ length: Math.min(1000, data.XTrain.rows) }, (_, i) => i)), data.yTrain.subarray(0, Math.min(1000, data.XTrain.rows))).acc : e.trainAcc;
        epochLoss.push(e.loss);
        trainAcc.push(tr);
        valAcc.push(v.acc);
        if (v.acc > best.acc) best = { acc: v.acc, epoch: e.epoch, trainAcc: tr, pred: v.pred };
        onProgress?.({ epoch: e.epoch, numEpochs: s.numEpochs, iteration: 0, iterationsPerEpoch: 0, loss: e.loss, valAcc: v.acc });
      },
    },
  );
  let diverged: string | null = null;
  try {
    solver.train();
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    diverged = err.message;
  }

  return {
    bestValAcc: Math.max(0, best.acc),
    bestEpoch: best.epoch,
    trainAccAtBest: best.trainAcc,
    finalTrainAcc: trainAcc[trainAcc.length - 1] ?? NaN,
    finalValAcc: valAcc[valAcc.length - 1] ?? NaN,
    finalLoss: epochLoss[epochLoss.length - 1] ?? NaN,
    lossHistory: solver.lossHistory,
    epochLoss,
    trainAccHistory: trainAcc,
    valAccHistory: valAcc,
    epochSeconds: solver.epochSeconds,
    valPredictions: Array.from(best.pred),
    paramCount: net.parameterCount,
    seconds: (performance.now() - t0) / 1000,
    diverged,
  };
}
