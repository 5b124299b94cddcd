/**
 * The one training recipe for the report's classification task: settings and data in, a
 * trained network out. The CLI (`nnlab train`), the notebooks' runner and its worker threads
 * all train through trainClassifier, so the same settings and seed give the same weights and
 * history wherever they run.
 *
 * Seeding rule: `settings.seed` goes unchanged to the network and to the Solver; each derives
 * its own streams from it (the network: 'init' and 'dropout'; the Solver: ('epoch', e) for the
 * shuffles, augmentation and accuracy samples). How the data was split is the caller's business.
 */
import { performance } from 'node:perf_hooks';
import { Matrix } from './nn/matrix.js';
import { FullyConnectedNet, type NetConfig } from './nn/fc_net.js';
import { Solver, EpochInfo, IterationInfo, type SolverOptions } from './nn/solver.js';
import { LR_SCHEDULES } from './nn/optim.js';
import { DTYPES, type DType } from './nn/matrix.js';
import { mustBeSeed, mustBeNonEmptyList, mustBeNonNegative, mustBeOneOf, mustBePositive, mustBePositiveInteger } from './util/validate.js';
import { makeAugment, checkElastic, MAX_SCALE, MAX_SHEAR, type ElasticSettings } from './data/augment.js';
import { classProbabilities, predictionsOf, accuracyOf } from './data/ensemble.js';

/**
 * One training run, fully described by plain data (so it can go to a worker thread and into a
 * cache key): the network's options and the Solver's, documented where they are declared
 * (NetConfig in lib/nn/fc_net.ts, SolverOptions in lib/nn/solver.ts), and the recipe's own below.
 */
export type TrainSettings =
  Pick<NetConfig, 'hiddenDims' | 'activation' | 'normalization' | 'dropout' | 'reg' | 'weightInit' | 'loss' | 'seed' | 'dtype'> &
  Pick<SolverOptions, 'updateRule' | 'lrDecay' | 'lrSchedule' | 'lrWarmupEpochs' | 'keep' | 'batchSize' | 'numEpochs'> & {
    /** The update rule's starting learning rate (optimConfig.learningRate). */
    learningRate: number;
    /**
     * Random translation (whole pixels), rotation (degrees) and, optionally, size change (scale:
     * relative, 0.1 = ±10%), horizontal shear (factor, e.g. 0.15) and elastic distortion
     * (alpha and sigma in pixels, e.g. 34 and 4) of every training image,
     * drawn afresh for every minibatch (lib/data/augment.ts); null for none.
     */
    augment: AugmentSettings | null;
    /**
     * Train until converged, as the report did: stop once training accuracy has reached 99% and
     * validation accuracy has not improved for this many epochs (numEpochs is then the cap).
     * null or absent: train every epoch.
     */
    patience?: number | null;
    /**
     * With patience: the training accuracy a run must have reached before it may stop (absent:
     * CONVERGED_TRAIN_ACCURACY, the report's 99%). 0 stops on validation patience alone, for
     * runs (strong augmentation, dropout) whose training accuracy stays below 99%.
     */
    minTrainAccuracy?: number;
  };

/** TrainSettings.augment: the largest random change of each kind (0 or absent = none). */
export interface AugmentSettings {
  shift: number;
  rotate: number;
  scale?: number;
  shear?: number;
  /** Simard et al.'s elastic distortion (lib/data/augment.ts ElasticSettings); absent = none. */
  elastic?: ElasticSettings;
}

/** The training accuracy from which a run counts as converged ("99%+", in the report's words). */
const CONVERGED_TRAIN_ACCURACY = 0.99;

/** The report's baseline ("3 layers, 50 neurons": two hidden layers of 50, ReLU, softmax, Adam): the CLI's defaults. */
export const CHARACTER_BASELINE: TrainSettings = {
  hiddenDims: [50, 50], activation: 'relu', normalization: 'none', dropout: 0, reg: 0, weightInit: 'he', loss: 'softmax',
  updateRule: 'adam', learningRate: 1e-3, lrDecay: 1, batchSize: 32, numEpochs: 20, augment: null, seed: 0, dtype: 'float64',
};

/** Split, mean-centred images with their labels, and what augmentation needs to know of them. */
export interface TrainData {
  XTrain: Matrix;
  yTrain: Int32Array;
  XVal: Matrix;
  yVal: Int32Array;
  /**
   * A held-out test set (N_test × D) and its labels, or absent (0 rows counts as absent).
   * Training never looks at it: trainRun scores the chosen model on it once, at the end.
   */
  XTest?: Matrix;
  yTest?: Int32Array;
  /** The training mean image (already subtracted): augmentation fills with it. */
  mean: Float64Array;
  width: number;
  height: number;
  numClasses: number;
}

export interface TrainHooks {
  /** Called once the network and the Solver are built, before the first step. */
  onStart?: (net: FullyConnectedNet, solver: Solver) => void;
  onIteration?: (info: IterationInfo) => void;
  onEpoch?: (info: EpochInfo) => void;
}

export interface TrainedClassifier {
  /** The network with the parameters of its best epoch (by validation accuracy, or MSE). */
  net: FullyConnectedNet;
  solver: Solver;
  seconds: number;
}

const LOSS_KINDS: readonly TrainSettings['loss'][] = ['softmax', 'mse'];

/** Checks settings before any work, each error naming the setting. */
export function validateSettings(s: TrainSettings): void {
  mustBeNonEmptyList('settings: hiddenDims', s.hiddenDims, 'hidden layer size');
  s.hiddenDims.forEach((d, i) => mustBePositiveInteger(`settings: hiddenDims[${i}]`, d));
  mustBePositiveInteger('settings: batchSize', s.batchSize);
  mustBePositiveInteger('settings: numEpochs', s.numEpochs);
  mustBePositive('settings: learningRate', s.learningRate);
  mustBeNonNegative('settings: reg', s.reg);
  mustBeSeed('settings: seed', s.seed);
  mustBeOneOf('settings: dtype', s.dtype, DTYPES);
  mustBeOneOf('settings: loss', s.loss, LOSS_KINDS);
  if (s.patience !== undefined && s.patience !== null) mustBePositiveInteger('settings: patience', s.patience);
  if (s.lrSchedule !== undefined) mustBeOneOf('settings: lrSchedule', s.lrSchedule, LR_SCHEDULES);
  if (s.lrWarmupEpochs !== undefined && !(Number.isInteger(s.lrWarmupEpochs) && s.lrWarmupEpochs >= 0)) throw new Error(`settings: lrWarmupEpochs must be an integer ≥ 0, got ${s.lrWarmupEpochs}`);
  if (s.keep !== undefined) mustBeOneOf('settings: keep', s.keep, ['best', 'last'] as const);
  if (s.keep === 'last' && s.patience) throw new Error('settings: keep \'last\' trains a fixed number of epochs; it cannot stop early on validation (patience)');
  if (s.minTrainAccuracy !== undefined && !(s.minTrainAccuracy >= 0 && s.minTrainAccuracy <= 1)) {
    throw new Error(`settings: minTrainAccuracy must be between 0 and 1, got ${s.minTrainAccuracy}`);
  }
  if (s.normalization === 'batchnorm' && s.batchSize === 1) {
    throw new Error('settings: batchSize 1 with batchnorm: batch normalisation over a single image sets every unit to 0 (its own mean), so nothing is learned; use a batch of 2 or more');
  }
  if (s.augment) {
    const { scale, shear } = s.augment;
    if (scale !== undefined && !(scale >= 0 && scale <= MAX_SCALE)) throw new Error(`settings: augment.scale must be in [0, ${MAX_SCALE}] (0.1 = ±10%), got ${scale}`);
    if (shear !== undefined && !(shear >= 0 && shear <= MAX_SHEAR)) throw new Error(`settings: augment.shear must be in [0, ${MAX_SHEAR}], got ${shear}`);
    if (s.augment.elastic !== undefined) checkElastic('settings: augment.elastic', s.augment.elastic);
  }
}

function oneHot(y: Int32Array, k: number): Matrix {
  const m = new Matrix(y.length, k);
  for (let i = 0; i < y.length; i++) m.data[i * k + y[i]] = 1;
  return m;
}

/** Trains a classifier; throws a DivergenceError (lib/nn/solver.ts) if the loss diverges. */
export function trainClassifier(settings: TrainSettings, data: TrainData, hooks: TrainHooks = {}): TrainedClassifier {
  const s = settings;
  validateSettings(s);
  if (data.numClasses < 2) throw new Error(`trainClassifier: ${data.numClasses} class(es): a classifier needs at least 2 classes to tell apart`);
  const net = new FullyConnectedNet({
    inputDim: data.XTrain.cols, hiddenDims: s.hiddenDims, outputDim: data.numClasses,
    activation: s.activation, normalization: s.normalization, dropout: s.dropout,
    loss: s.loss, reg: s.reg, weightInit: s.weightInit, seed: s.seed, dtype: s.dtype,
  });
  const mse = s.loss === 'mse';
  const solver = new Solver(
    net,
    { XTrain: data.XTrain, yTrain: mse ? oneHot(data.yTrain, data.numClasses) : data.yTrain, XVal: data.XVal, yVal: mse ? oneHot(data.yVal, data.numClasses) : data.yVal },
    {
      updateRule: s.updateRule,
      optimConfig: { learningRate: s.learningRate },
      lrDecay: s.lrDecay,
      lrSchedule: s.lrSchedule,
      ...(s.lrWarmupEpochs ? { lrWarmupEpochs: s.lrWarmupEpochs } : {}),
      ...(s.keep ? { keep: s.keep } : {}),
      batchSize: s.batchSize,
      // A last minibatch of one image would be normalised to 0: merged into the one before.
      lastBatchOfOne: s.normalization === 'batchnorm' ? 'merge' : 'keep',
      numEpochs: s.numEpochs,
      // Training accuracy on a 1000-image sample (an estimate for the curves); validation on all
      // of it, since it picks the best epoch's parameters.
      numTrainSamples: 1000,
      numValSamples: null,
      seed: s.seed,
      augment: s.augment ? makeAugment({ ...s.augment, mean: data.mean, width: data.width, height: data.height }) : undefined,
      earlyStopping: s.patience ? { patience: s.patience, minTrainAccuracy: s.minTrainAccuracy ?? CONVERGED_TRAIN_ACCURACY } : null,
      onIteration: hooks.onIteration,
      onEpoch: hooks.onEpoch,
    },
  );
  hooks.onStart?.(net, solver);
  const t0 = performance.now();
  solver.train();
  return { net, solver, seconds: (performance.now() - t0) / 1000 };
}

/** Accuracy of `net` on (X, y) by the argmax of its scores (whatever its loss), and the predictions. */
export function classifierAccuracy(net: FullyConnectedNet, X: Matrix, y: Int32Array): { acc: number; pred: Int32Array } {
  const pred = net.predict(X);
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return { acc: ok / Math.max(1, y.length), pred };
}

/** What the trained (best-validation) model scores on the held-out sets: see scoreChosenModel. */
export interface ChosenModelScores {
  /** Accuracy on the test set; null without one (absent or 0 rows). */
  testAcc: number | null;
  /** Softmax outputs, flat row-major N×classes, on validation and on test (null without one). */
  valProbabilities: Float64Array;
  testProbabilities: Float64Array | null;
}

/**
 * Scores the model training chose (the Solver restored its best validation epoch) on validation
 * and, once, on the test set, which chose nothing: for `nnlab train --test-fraction/--ensemble`
 * and the notebooks' run records.
 */
export function scoreChosenModel(net: FullyConnectedNet, data: TrainData): ChosenModelScores {
  const valProbabilities = classProbabilities(net, data.XVal, data.numClasses);
  if (!data.XTest || !data.yTest || data.XTest.rows === 0) return { testAcc: null, valProbabilities, testProbabilities: null };
  const testProbabilities = classProbabilities(net, data.XTest, data.numClasses);
  return { testAcc: accuracyOf(predictionsOf(testProbabilities, data.numClasses), data.yTest), valProbabilities, testProbabilities };
}
