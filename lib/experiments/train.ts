/**
 * Trains one configuration and records what the notebooks plot and tabulate: hooks around the
 * one training recipe (lib/data/train.ts trainClassifier), which the CLI uses too. Runs in a
 * worker thread (worker.ts) or in the calling thread; every random choice comes from
 * `settings.seed`, so the result does not depend on where it ran.
 */
import { performance } from 'node:perf_hooks';
import { FullyConnectedNet } from '../fc_net.js';
import { Solver, DivergenceError } from '../solver.js';
import { trainClassifier, classifierAccuracy, type TrainData, type TrainSettings } from '../data/train.js';

export type { TrainData } from '../data/train.js';

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

/**
 * Trains one configuration on `data`. `onProgress` is called after every iteration;
 * `onTrained` receives the network with its best epoch's parameters (the record keeps none).
 */
export function trainRun(settings: TrainSettings, data: TrainData, onProgress?: (p: Progress) => void, onTrained?: (net: FullyConnectedNet) => void): RunRecord {
  const t0 = performance.now();
  const s = settings;
  const mse = s.loss === 'mse';
  const epochLoss: number[] = [], trainAcc: number[] = [], valAcc: number[] = [];
  let best = { acc: -1, epoch: 0, trainAcc: 0, pred: new Int32Array(0) };
  let net!: FullyConnectedNet, solver!: Solver;

  let diverged: string | null = null;
  try {
    trainClassifier(s, data, {
      onStart: (n, sv) => { net = n; solver = sv; },
      onIteration: (it) => {
        onProgress?.({ epoch: it.epoch, numEpochs: s.numEpochs, iteration: it.iteration, iterationsPerEpoch: it.iterationsPerEpoch, loss: it.loss });
      },
      onEpoch: (e) => {
        // Accuracy by the argmax of the scores, whatever the loss (the Solver's own metric for an
        // MSE model is the MSE). Validation on all of it; training on the Solver's 1000-sample check.
        const v = classifierAccuracy(net, data.XVal, data.yVal);
        const first1000 = Math.min(1000, data.XTrain.rows);
        const tr = mse ? classifierAccuracy(net, data.XTrain.selectRows(Array.from({ length: first1000 }, (_, i) => i)), data.yTrain.subarray(0, first1000)).acc : e.trainAcc;
        epochLoss.push(e.loss);
        trainAcc.push(tr);
        valAcc.push(v.acc);
        if (v.acc > best.acc) best = { acc: v.acc, epoch: e.epoch, trainAcc: tr, pred: v.pred };
        onProgress?.({ epoch: e.epoch, numEpochs: s.numEpochs, iteration: 0, iterationsPerEpoch: 0, loss: e.loss, valAcc: v.acc });
      },
    });
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    diverged = err.message;
  }
  if (diverged === null) onTrained?.(net);

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
