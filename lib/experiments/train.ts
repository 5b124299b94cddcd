/**
 * Trains one configuration and records what the notebooks plot and tabulate: hooks around the
 * one training recipe (lib/recipe.ts trainClassifier), which the CLI uses too. Runs in a
 * worker thread (worker.ts) or in the calling thread; every random choice comes from
 * `settings.seed`, so the result does not depend on where it ran.
 */
import { performance } from 'node:perf_hooks';
import { FullyConnectedNet } from '../nn/fc_net.js';
import { Solver } from '../nn/solver.js';
import { DivergenceError } from '../nn/divergence.js';
import { trainClassifier, classifierAccuracy, scoreChosenModel, type TrainData, type TrainSettings } from '../recipe.js';
import { roundedProbabilities } from '../data/ensemble.js';

export type { TrainData } from '../recipe.js';

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
  /**
   * Accuracy on the held-out test set of the model the Solver kept (its best validation
   * epoch): the test set chooses nothing. null without a test set, or if the run diverged.
   */
  testAcc: number | null;
  /**
   * Softmax outputs of that model, flat row-major N×classes, rounded to 6 decimals, on the
   * validation and test sets: lib/data/ensemble.ts scores ensembles of runs from them
   * (ensembleAccuracy). null if the run diverged (test: or had no test set).
   */
  valProbabilities: number[] | null;
  testProbabilities: number[] | null;
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
  let best: { acc: number; epoch: number; trainAcc: number; pred: Int32Array | null } = { acc: -1, epoch: 0, trainAcc: 0, pred: null };
  let net!: FullyConnectedNet, solver!: Solver;

  let diverged: string | null = null;
  try {
    trainClassifier(s, data, {
      onStart: (n, sv) => { net = n; solver = sv; },
      onIteration: (it) => {
        onProgress?.({ epoch: it.epoch, numEpochs: s.numEpochs, iteration: it.iteration, iterationsPerEpoch: it.iterationsPerEpoch, loss: it.loss });
      },
      onEpoch: (e) => {
        // Accuracy by the argmax of the scores, whatever the loss. With softmax it is the Solver's
        // own check (validation on all of it, training on a 1000-image sample); an MSE model's own
        // metric is the MSE, so its accuracies are measured here.
        const first1000 = Math.min(1000, data.XTrain.rows);
        const own = mse ? classifierAccuracy(net, data.XVal, data.yVal) : null;
        const va = own ? own.acc : e.valMetric;
        const tr = mse ? classifierAccuracy(net, data.XTrain.selectRows(Array.from({ length: first1000 }, (_, i) => i)), data.yTrain.subarray(0, first1000)).acc : e.trainMetric;
        epochLoss.push(e.loss);
        trainAcc.push(tr);
        valAcc.push(va);
        if (va > best.acc) best = { acc: va, epoch: e.epoch, trainAcc: tr, pred: own?.pred ?? null };
        onProgress?.({ epoch: e.epoch, numEpochs: s.numEpochs, iteration: 0, iterationsPerEpoch: 0, loss: e.loss, valAcc: va });
      },
    });
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    diverged = err.message;
  }
  if (diverged === null) onTrained?.(net);
  // The predictions of the best epoch's model. With softmax the Solver has restored that model
  // (it keeps the parameters of its best validation accuracy, the same numbers as ours), so one
  // pass at the end replaces a pass every epoch; an MSE model kept its own from its best epoch.
  const valPredictions = best.pred ?? (diverged === null ? classifierAccuracy(net, data.XVal, data.yVal).pred : new Int32Array(0));
  const scored = diverged === null ? scoredForRecord(net, data) : { testAcc: null, valProbabilities: null, testProbabilities: null };

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
    valPredictions: Array.from(valPredictions),
    ...scored,
    paramCount: net.parameterCount,
    seconds: (performance.now() - t0) / 1000,
    diverged,
  };
}

/** scoreChosenModel's figures as a record keeps them: probabilities rounded (roundedProbabilities), the accuracy from the unrounded ones. */
function scoredForRecord(net: FullyConnectedNet, data: TrainData): Pick<RunRecord, 'testAcc' | 'valProbabilities' | 'testProbabilities'> {
  const s = scoreChosenModel(net, data);
  return {
    testAcc: s.testAcc,
    valProbabilities: roundedProbabilities(s.valProbabilities),
    testProbabilities: s.testProbabilities && roundedProbabilities(s.testProbabilities),
  };
}
