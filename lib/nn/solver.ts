/**
 * The Solver trains a model with minibatch gradient descent (CS231n's solver.py): it shuffles the
 * training set every epoch, takes one update step per minibatch, evaluates the model on the
 * training and validation data after every epoch (accuracy, or MSE for regression), keeps the
 * best parameters seen and restores them at the end.
 *
 * Every random choice (shuffles, evaluation subsamples, dropout masks, augmentation) comes from
 * an Rng derived from (seed, epoch), so a run is reproducible and can resume from a checkpoint
 * to exactly the result of an uninterrupted run (checkpoint files: lib/persist/checkpoint.ts).
 */
import { Matrix, checkFinite, type DType } from './matrix.js';
import { argmaxRows } from './ops.js';
import type { Params, Targets } from './fc_net.js';
import type { Model } from './model.js';
import { DivergenceError, DIVERGENCE_FACTOR } from './divergence.js';
import { softmaxLossOn, type Engine, type Scorer } from './engine.js';
import { defaultEngine } from '../fast/engine.js';
import { OptimConfig, updateRules, isUpdateRule, UpdateRuleName, learningRateAt, warmupFactor, LR_SCHEDULES, type LrSchedule } from './optim.js';
import { Rng, deriveSeed } from './random.js';
import { powInt } from '../math/elementary.js';

export interface SolverData {
  XTrain: Matrix;
  yTrain: Targets;
  XVal: Matrix;
  yVal: Targets;
}

export interface IterationInfo { epoch: number; iteration: number; iterationsPerEpoch: number; loss: number }
export interface EpochInfo {
  epoch: number;
  numEpochs: number;
  /** Mean training loss over the epoch's minibatches. */
  loss: number;
  /** Solver.evaluate on the training and validation data: accuracy, or MSE for regression. */
  trainMetric: number;
  valMetric: number;
  seconds: number;
}

export type Metric = 'accuracy' | 'mse';

export interface SolverOptions {
  updateRule: UpdateRuleName;
  /** Hyperparameters of the update rule, e.g. {learningRate: 1e-3}; copied for every parameter. */
  optimConfig: OptimConfig;
  /** The learning rate is multiplied by this after every epoch. */
  lrDecay: number;
  /**
   * The learning rate of each epoch (lib/nn/optim.ts learningRateAt), times lrDecay^(epoch−1);
   * absent or 'constant': optimConfig.learningRate with lrDecay only. Other schedules need
   * optimConfig.learningRate.
   */
  lrSchedule?: LrSchedule;
  /**
   * Epochs of linear warm-up (lib/nn/optim.ts warmupFactor): the first epochs' rates are the
   * schedule's times (epoch + 1)/(lrWarmupEpochs + 1). Absent or 0: none. Needs
   * optimConfig.learningRate.
   */
  lrWarmupEpochs?: number;
  /**
   * Which parameters the model has after train(): 'best' (default) those of the best validation
   * metric; 'last' those of the last epoch, for a run of fixed length whose validation set
   * chooses nothing (a final model trained on training and validation data together).
   */
  keep?: 'best' | 'last';
  batchSize: number;
  numEpochs: number;
  /** The training metric is measured on a random subset of this many samples (null: all). */
  numTrainSamples: number | null;
  /** The validation metric is measured on this many samples (null: all). */
  numValSamples: number | null;
  printEvery: number;
  verbose: boolean;
  seed: number;
  /**
   * Called with the solver after every epoch, its state complete: checkpointTo(path) from
   * lib/persist/checkpoint.ts writes a checkpoint to resume from. null for none.
   */
  checkpoint: ((solver: Solver) => void) | null;
  /**
   * Stop once the run has converged: the validation metric has not improved for `patience`
   * epochs and, if given, the training accuracy has reached `minTrainAccuracy` (the report
   * trained "until the loss converged, at 99%+ training accuracy"). null trains every epoch.
   */
  earlyStopping: { patience: number; minTrainAccuracy?: number } | null;
  /**
   * When the epoch's last minibatch would hold a single sample (N mod batchSize = 1): 'keep'
   * (default) steps on it alone; 'merge' adds it to the minibatch before. Batch normalisation
   * needs 'merge': over one sample it normalises every unit to 0 (nnlab train uses it with --batchnorm).
   */
  lastBatchOfOne?: 'keep' | 'merge';
  /** Transforms each training minibatch on the fly (data augmentation). */
  augment?: (X: Matrix, rng: Rng) => Matrix;
  /** 'accuracy' (higher is better) for classification, 'mse' (lower is better) for regression. Default: 'mse' for a target matrix, else 'accuracy'. */
  metric?: Metric;
  onIteration?: (info: IterationInfo) => void;
  onEpoch?: (info: EpochInfo) => void;
}

const DEFAULT_OPTIONS: SolverOptions = {
  updateRule: 'sgd', optimConfig: {}, lrDecay: 1, batchSize: 100, numEpochs: 10,
  numTrainSamples: 1000, numValSamples: null, printEvery: 10, verbose: false, seed: 0, checkpoint: null, earlyStopping: null,
};
/** The options without a default: with DEFAULT_OPTIONS, every key of SolverOptions (the type checks it). */
const OPTIONAL = { lastBatchOfOne: true, augment: true, metric: true, lrSchedule: true, lrWarmupEpochs: true, keep: true, onIteration: true, onEpoch: true } satisfies Record<Exclude<keyof SolverOptions, keyof typeof DEFAULT_OPTIONS>, true>;
const OPTION_KEYS = [...Object.keys(DEFAULT_OPTIONS), ...Object.keys(OPTIONAL)];

export interface TrainResult {
  bestValMetric: number;
  bestEpoch: number;
  lossHistory: number[];
  trainMetricHistory: number[];
  valMetricHistory: number[];
  epochSeconds: number[];
  metric: Metric;
}

function checkPositiveInt(what: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`Solver: ${what} must be a positive integer, got ${JSON.stringify(v)}`);
}

function validateOptions(options: Partial<SolverOptions>): SolverOptions {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) throw new Error(`Solver: unknown option '${key}', expected one of ${OPTION_KEYS.join(', ')}`);
  }
  const o: SolverOptions = { ...DEFAULT_OPTIONS, ...options, optimConfig: { ...(options.optimConfig ?? {}) } };
  if (!isUpdateRule(o.updateRule)) throw new Error(`Solver: unknown updateRule '${o.updateRule}', expected one of ${Object.keys(updateRules).join(', ')}`);
  checkPositiveInt('batchSize', o.batchSize);
  checkPositiveInt('numEpochs', o.numEpochs);
  checkPositiveInt('printEvery', o.printEvery);
  if (o.numTrainSamples !== null) checkPositiveInt('numTrainSamples', o.numTrainSamples);
  if (o.numValSamples !== null) checkPositiveInt('numValSamples', o.numValSamples);
  if (!(o.lrDecay > 0 && Number.isFinite(o.lrDecay))) throw new Error(`Solver: lrDecay must be a positive number, got ${o.lrDecay}`);
  if (o.lrSchedule !== undefined && !LR_SCHEDULES.includes(o.lrSchedule)) throw new Error(`Solver: lrSchedule must be one of ${LR_SCHEDULES.join(', ')}, got '${o.lrSchedule}'`);
  if (o.lrWarmupEpochs !== undefined && !(Number.isInteger(o.lrWarmupEpochs) && o.lrWarmupEpochs >= 0)) throw new Error(`Solver: lrWarmupEpochs must be an integer ≥ 0, got ${o.lrWarmupEpochs}`);
  if (o.lrWarmupEpochs && o.optimConfig.learningRate === undefined) throw new Error('Solver: lrWarmupEpochs needs optimConfig.learningRate (the rate it warms up to)');
  if (o.keep !== undefined && o.keep !== 'best' && o.keep !== 'last') throw new Error(`Solver: keep must be 'best' or 'last', got '${o.keep}'`);
  if (o.lrSchedule !== undefined && o.lrSchedule !== 'constant' && o.optimConfig.learningRate === undefined) {
    throw new Error(`Solver: lrSchedule '${o.lrSchedule}' needs optimConfig.learningRate (the rate it starts from)`);
  }
  // A misspelt key ({ learningrate: 5 }) would otherwise be ignored and the default used.
  const known: readonly string[] = updateRules[o.updateRule].hyperparameters;
  for (const key of Object.keys(o.optimConfig)) {
    if (!known.includes(key)) throw new Error(`Solver: optimConfig has unknown key '${key}' for ${o.updateRule}, expected some of ${known.join(', ')}`);
  }
  const lr = o.optimConfig.learningRate;
  if (lr !== undefined && !(lr > 0 && Number.isFinite(lr))) throw new Error(`Solver: optimConfig.learningRate must be a positive number, got ${lr}`);
  if (!Number.isInteger(o.seed)) throw new Error(`Solver: seed must be an integer, got ${o.seed}`);
  if (o.metric !== undefined && o.metric !== 'accuracy' && o.metric !== 'mse') throw new Error(`Solver: metric must be 'accuracy' or 'mse', got '${o.metric}'`);
  if (o.checkpoint !== null && typeof o.checkpoint !== 'function') {
    throw new Error(`Solver: checkpoint must be a function of the solver, e.g. checkpointTo(path) from lib/persist/checkpoint.ts, got ${JSON.stringify(o.checkpoint)}`);
  }
  if (o.earlyStopping !== null) {
    checkPositiveInt('earlyStopping.patience', o.earlyStopping.patience);
    const min = o.earlyStopping.minTrainAccuracy;
    if (min !== undefined && !(min >= 0 && min <= 1)) throw new Error(`Solver: earlyStopping.minTrainAccuracy must be between 0 and 1, got ${min}`);
  }
  return o;
}

function rowsOf(y: Targets): number {
  return y instanceof Matrix ? y.rows : y.length;
}

function selectTargets(y: Targets, idx: ArrayLike<number>): Targets {
  if (y instanceof Matrix) return y.selectRows(idx);
  const out = new Int32Array(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = y[idx[k]];
  return out;
}

export class Solver {
  readonly model: Model;
  readonly data: SolverData;
  readonly options: SolverOptions;
  readonly metric: Metric;
  /** One optimiser config (hyperparameters and state) per parameter. */
  optimConfigs: Record<string, OptimConfig> = {};
  /** Epochs completed so far (a resumed solver starts from its checkpoint's). */
  epoch = 0;
  lossHistory: number[] = [];
  trainMetricHistory: number[] = [];
  valMetricHistory: number[] = [];
  epochSeconds: number[] = [];
  bestValMetric: number;
  bestEpoch = 0;
  bestParams: Params = {};
  /** The batchnorm running statistics that go with bestParams. */
  bestBatchnorm: { runningMean?: Matrix; runningVar?: Matrix }[] = [];

  /**
   * Where the minibatches are gathered and the passes computed (lib/nn/engine.ts): the default
   * engine, or referenceEngine() set before train() for the plain version, with the same results.
   */
  engine: Engine = defaultEngine();

  constructor(model: Model, data: SolverData, options: Partial<SolverOptions> = {}) {
    this.model = model;
    this.options = validateOptions(options);
    this.metric = this.options.metric ?? (data.yTrain instanceof Matrix ? 'mse' : 'accuracy');
    this.data = data;
    this.validateData();
    this.bestValMetric = this.metric === 'accuracy' ? -Infinity : Infinity;
    for (const k of Object.keys(model.params)) this.optimConfigs[k] = { ...this.options.optimConfig };
  }

  /** @deprecated Use bestValMetric (it is an MSE for regression); kept for one version, for code written from the README of 0.1. */
  get bestValAcc(): number { return this.bestValMetric; }

  private validateData(): void {
    const { XTrain, yTrain, XVal, yVal } = this.data;
    const d = this.model.config?.inputDim;
    for (const [name, X] of [['XTrain', XTrain], ['XVal', XVal]] as const) {
      if (!(X instanceof Matrix)) throw new Error(`Solver: data.${name} must be a Matrix`);
      if (d !== undefined && X.cols !== d) throw new Error(`Solver: data.${name} has ${X.cols} columns, expected the model's inputDim = ${d}`);
      if (X.rows < 1) throw new Error(`Solver: data.${name} is empty`);
      checkFinite(`Solver: data.${name}`, X);
    }
    this.model.checkTargets?.('Solver: data.yTrain', yTrain, XTrain.rows);
    this.model.checkTargets?.('Solver: data.yVal', yVal, XVal.rows);
  }

  /**
   * One gradient step on the minibatch (X, y); returns the loss before the step. X and y are
   * checked first (NaN in X would turn the weights to NaN behind a finite loss; no rows, a NaN
   * loss).
   */
  step(X: Matrix, y: Targets, rng?: Rng): number {
    if (!(X instanceof Matrix) || X.rows < 1) throw new Error(`Solver.step: X must be a Matrix with at least one row, got ${X instanceof Matrix ? '0 rows' : typeof X}`);
    const d = this.model.config?.inputDim ?? this.data.XTrain.cols;
    if (X.cols !== d) throw new Error(`Solver.step: X has ${X.cols} columns, expected the model's inputDim = ${d}`);
    checkFinite('Solver.step: X', X);
    this.model.checkTargets?.('Solver.step: y', y, X.rows);
    return this.stepChecked(X, y, rng);
  }

  /**
   * step() on a minibatch of the solver's data (checked for non-finite values in the
   * constructor, so not scanned again: the scan costs as much as a small layer).
   */
  private stepChecked(X: Matrix, y: Targets, rng?: Rng): number {
    const input = this.engine.stepInput(X, this.model.params);
    const { loss, grads } = this.model.loss(input, y, rng, { checked: true, softmaxLoss: softmaxLossOn(this.engine), hiddenLayer: (x, p) => this.engine.hiddenLayer(x, p) });
    if (this.engine.updateAll?.(this.options.updateRule, this.model.params, grads, this.optimConfigs) === true) return loss;
    const rule = updateRules[this.options.updateRule].update;
    for (const [k, w] of Object.entries(this.model.params)) {
      const [nextW, nextConfig] = rule(w, grads[k], this.optimConfigs[k]);
      this.model.params[k] = nextW;
      this.optimConfigs[k] = nextConfig;
    }
    return loss;
  }

  /** The number type the model computes in (that of its parameters). */
  private get dtype(): DType {
    return Object.values(this.model.params)[0]?.dtype ?? 'float64';
  }

  /**
   * The solver's metric of the model on (X, y): accuracy, or MSE for regression (see `metric`),
   * on at most `numSamples` samples drawn with `rng` (all of them when numSamples is null or
   * ≥ N), in batches.
   */
  evaluate(X: Matrix, y: Targets, numSamples: number | null = null, rng?: Rng, batchSize = 1024): number {
    const n = X.rows;
    let idx: Int32Array = new Int32Array(n).map((_, i) => i);
    let subset = false;
    if (numSamples !== null && numSamples < n) {
      if (!rng) throw new Error('Solver.evaluate: subsampling needs an rng');
      idx = rng.permutation(n).subarray(0, numSamples);
      subset = true;
    }
    const model = this.model;
    const scorer: Scorer = model.scores ? (model as Scorer) : { scores: (x) => model.loss(x) };
    // The solver's own data were scanned by its constructor and stay as they are: kept between epochs.
    const own = X === this.data.XTrain || X === this.data.XVal;
    const options = { dtype: this.dtype, batchSize, rows: subset ? idx : undefined, what: 'Solver.evaluate X', checked: own, keep: own };
    let total = 0;
    this.engine.forEachBatch(scorer, X, options, (scores, first) => {
      const yb = selectTargets(y, idx.subarray(first, first + scores.rows));
      if (this.metric === 'accuracy') {
        const pred = argmaxRows(scores);
        const labels = yb as Int32Array;
        for (let k = 0; k < pred.length; k++) if (pred[k] === labels[k]) total++;
      } else {
        const T = (yb as Matrix).data, S = scores.data;
        for (let k = 0; k < S.length; k++) { const d = S[k] - T[k]; total += (d * d) / scores.cols; }
      }
    });
    return total / idx.length;
  }

  /** @deprecated Use evaluate (it returns the MSE for regression); kept for one version. */
  checkAccuracy(X: Matrix, y: Targets, numSamples: number | null = null, rng?: Rng, batchSize = 1024): number {
    return this.evaluate(X, y, numSamples, rng, batchSize);
  }

  private isBetter(value: number): boolean {
    return this.metric === 'accuracy' ? value > this.bestValMetric : value < this.bestValMetric;
  }

  /** Runs the remaining epochs, then restores the best parameters seen (unless options.keep is 'last'). */
  train(): TrainResult {
    const o = this.options;
    const { XTrain, yTrain, XVal, yVal } = this.data;
    const n = XTrain.rows;
    const merge = o.lastBatchOfOne === 'merge' && n > 1 && n % o.batchSize === 1;
    const iterationsPerEpoch = Math.ceil(n / o.batchSize) - (merge ? 1 : 0);
    const totalIterations = iterationsPerEpoch * o.numEpochs;

    for (let epoch = this.epoch + 1; epoch <= o.numEpochs; epoch++) {
      const rng = new Rng(deriveSeed(o.seed, 'epoch', epoch));
      const t0 = performance.now();
      this.applyLrSchedule(epoch);
      const order = rng.permutation(n);
      let lossSum = 0;
      for (let it = 0; it < iterationsPerEpoch; it++) {
        const last = it === iterationsPerEpoch - 1;
        const idx = order.subarray(it * o.batchSize, last ? n : (it + 1) * o.batchSize);
        // Gathered by the engine, in the model's number type (see Engine.gather).
        let Xb = this.engine.gather(XTrain, idx, this.dtype);
        if (o.augment) {
          Xb = o.augment(Xb, rng);
          checkFinite('Solver.train: the augmented minibatch', Xb); // new values, not checked yet
        }
        const loss = this.stepChecked(Xb, selectTargets(yTrain, idx), rng);
        this.checkDivergence(loss, epoch, it + 1, iterationsPerEpoch);
        this.lossHistory.push(loss);
        lossSum += loss;
        const globalIt = (epoch - 1) * iterationsPerEpoch + it + 1;
        if (o.verbose && globalIt % o.printEvery === 0) console.log(`(Iteration ${globalIt} / ${totalIterations}) loss: ${loss.toFixed(6)}`);
        o.onIteration?.({ epoch, iteration: it + 1, iterationsPerEpoch, loss });
      }
      for (const config of Object.values(this.optimConfigs)) {
        if (config.learningRate !== undefined) config.learningRate *= o.lrDecay;
      }

      const trainMetric = this.evaluate(XTrain, yTrain, o.numTrainSamples, rng);
      const valMetric = this.evaluate(XVal, yVal, o.numValSamples, rng);
      const seconds = (performance.now() - t0) / 1000;
      this.trainMetricHistory.push(trainMetric);
      this.valMetricHistory.push(valMetric);
      this.epochSeconds.push(seconds);
      this.epoch = epoch;
      if (this.isBetter(valMetric)) {
        this.bestValMetric = valMetric;
        this.bestEpoch = epoch;
        this.bestParams = Object.fromEntries(Object.entries(this.model.params).map(([k, m]) => [k, m.clone()]));
        this.bestBatchnorm = (this.model.bnParams ?? []).map((bn) => ({ runningMean: bn.runningMean?.clone(), runningVar: bn.runningVar?.clone() }));
      }
      const label = this.metric === 'accuracy' ? 'acc' : 'mse';
      if (o.verbose) console.log(`(Epoch ${epoch} / ${o.numEpochs}) train ${label}: ${trainMetric.toFixed(6)}; val ${label}: ${valMetric.toFixed(6)}`);
      o.onEpoch?.({ epoch, numEpochs: o.numEpochs, loss: lossSum / iterationsPerEpoch, trainMetric, valMetric, seconds });
      o.checkpoint?.(this);
      if (this.converged(trainMetric)) break;
    }

    if (o.keep !== 'last') this.restoreBest();
    this.engine.release(); // evaluation's memory, back now rather than whenever collected
    return {
      bestValMetric: this.bestValMetric, bestEpoch: this.bestEpoch, metric: this.metric,
      lossHistory: this.lossHistory, trainMetricHistory: this.trainMetricHistory,
      valMetricHistory: this.valMetricHistory, epochSeconds: this.epochSeconds,
    };
  }

  /**
   * Sets the learning rate of `epoch` (1-based) for a scheduled run; a constant schedule keeps
   * the rate that lrDecay updates after every epoch. A pure function of the epoch, so a run
   * resumed from a checkpoint gets the same rates.
   */
  private applyLrSchedule(epoch: number): void {
    const o = this.options;
    const warmup = o.lrWarmupEpochs ?? 0;
    if ((o.lrSchedule === undefined || o.lrSchedule === 'constant') && warmup === 0) return;
    const lr = learningRateAt(o.lrSchedule ?? 'constant', epoch - 1, o.numEpochs, o.optimConfig.learningRate!) *
      warmupFactor(epoch - 1, warmup) * powInt(o.lrDecay, epoch - 1);
    for (const config of Object.values(this.optimConfigs)) config.learningRate = lr;
  }

  /** Whether early stopping says the run has converged (see SolverOptions.earlyStopping). */
  private converged(trainMetric: number): boolean {
    const rule = this.options.earlyStopping;
    if (rule === null || this.epoch - this.bestEpoch < rule.patience) return false;
    return rule.minTrainAccuracy === undefined || (this.metric === 'accuracy' && trainMetric >= rule.minTrainAccuracy);
  }

  /** Throws a DivergenceError if `loss` is not finite or past DIVERGENCE_FACTOR × the first loss. */
  private checkDivergence(loss: number, epoch: number, iteration: number, iterationsPerEpoch: number): void {
    const first = this.lossHistory.length > 0 ? this.lossHistory[0] : loss;
    const bound = DIVERGENCE_FACTOR * Math.max(first, 1);
    if (Number.isFinite(loss) && loss <= bound) return;
    const why = Number.isFinite(loss) ? `, more than ${DIVERGENCE_FACTOR} times the first loss ${first.toPrecision(4)}` : '';
    const learningRate = this.optimConfigs[Object.keys(this.optimConfigs)[0]]?.learningRate;
    throw new DivergenceError(loss, epoch, iteration, iterationsPerEpoch, learningRate, why);
  }

  private restoreBest(): void {
    if (this.bestEpoch === 0) return;
    for (const [k, m] of Object.entries(this.bestParams)) this.model.params[k] = m.clone();
    this.bestBatchnorm.forEach((bn, i) => {
      const param = this.model.bnParams![i];
      param.runningMean = bn.runningMean?.clone();
      param.runningVar = bn.runningVar?.clone();
    });
  }
}
