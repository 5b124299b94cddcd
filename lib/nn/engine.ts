/**
 * The seam between the training loop and the memory it computes in. The Solver (and
 * FullyConnectedNet.predict) run their passes through an Engine: where a minibatch is gathered,
 * what the step's input is, and how a dataset is scored batch by batch.
 *
 * `referenceEngine` below is the plain version, as CS231n's solver.py would write it: a fresh
 * matrix for every minibatch and every batch of scores. The fast engine (lib/fast/engine.ts)
 * implements the same contract with memory kept where the kernels compute; it is the one the
 * Solver uses (chosen in one place, `defaultEngine` there), and test/engine.test.ts checks that
 * both give the same results bit for bit.
 */
import { Matrix, checkFinite, type DType } from './matrix.js';
import { reluBackward, softmaxLoss } from './layers.js';
import { bindHiddenLayerBackward, type HiddenLayerBackwardPass, type HiddenLayerOn, type HiddenLayerParams } from './layer_utils.js';
import type { OptimConfig, UpdateRuleName } from './optim.js';

export type { HiddenLayerBackwardPass, HiddenLayerParamGrads, HiddenLayerParams } from './layer_utils.js';
export type { OptimConfig, UpdateRuleName };

/** What evaluation runs: a model's forward pass in test mode (see FullyConnectedNet.scores). */
export interface Scorer {
  /**
   * Scores for X; `checked`: X needs no scan for non-finite values; `hiddenLayer`: where a
   * hidden block may be computed (the engine's, see Engine.hiddenLayer).
   */
  scores(X: Matrix, options?: { checked?: boolean; hiddenLayer?: HiddenLayerOn }): Matrix;
}

export interface BatchOptions {
  /** The number type the model computes in: the data are converted to it once. */
  dtype: DType;
  /** Rows per forward pass. */
  batchSize: number;
  /** The rows to evaluate, in this order (default: all of them, in order). */
  rows?: ArrayLike<number>;
  /** Without `rows`: only the leading rows 0..upTo−1 of X (default: all). */
  upTo?: number;
  /** Names X in the error for a non-finite value, e.g. 'Solver.evaluate X'. */
  what: string;
  /** X was checked for non-finite values where it entered (the Solver's data): no scan. */
  checked?: boolean;
  /**
   * X does not change while the engine is used (the Solver's data): an engine may keep what it
   * prepared for X (a copy, the fact that it was scanned) for later passes. Default false.
   */
  keep?: boolean;
}

export interface Engine {
  /**
   * A training step's minibatch: the rows of X listed in `rows`, in that order, as a
   * rows.length × X.cols matrix of type `dtype` (valid until the next call). X is the Solver's
   * training data and does not change until release(): an engine may keep a copy of it in
   * `dtype` to gather from.
   */
  gather(X: Matrix, rows: Int32Array, dtype: DType): Matrix;
  /**
   * The softmax loss of a training step's scores and its gradient: layers.ts's softmaxLoss,
   * the same bits, computed where the scores are; or null where the engine has no faster way
   * for these scores, and then layers.ts's softmaxLoss runs (softmaxLossOn below, which the
   * Solver hands to the model's loss).
   */
  softmaxLoss(scores: Matrix, y: ArrayLike<number>): { loss: number; dscores: Matrix } | null;
  /**
   * A hidden block (layer_utils.ts's hiddenLayerForward, and the backward pass bound to what it
   * kept) computed where x is, the same bits; or null where the engine has no faster way for
   * this block, and hiddenLayerForward/Backward run (the Solver hands it to the model's loss).
   */
  hiddenLayer(x: Matrix, p: HiddenLayerParams): [Matrix, HiddenLayerBackwardPass] | null;
  /**
   * Optional: the update of a training step on every parameter for the update rule named
   * `rule`, in place: the same bits in each parameter and the same state in each config as
   * the Solver's loop of optim.ts's rule leaves (for Adam: t incremented; m, v updated). True
   * when done; false, with nothing changed, where the engine has no faster way (any rule but
   * 'adam', a first step, parameters or configs that differ), and then the Solver's loop runs.
   */
  updateAll?(rule: UpdateRuleName, params: Record<string, Matrix>, grads: Record<string, Matrix>, configs: Record<string, OptimConfig>): boolean;
  /** The input of a training step on X for a model with these parameters: X itself, or X where the engine keeps it. */
  stepInput(X: Matrix, params: Record<string, Matrix>): Matrix;
  /**
   * Runs `model` on the rows of X in batches of at most `batchSize`, and after each batch calls
   * visit(scores, first), `first` being the position of the batch's first row among the rows
   * evaluated. Read the scores during the visit: the next batch may overwrite them.
   */
  forEachBatch(model: Scorer, X: Matrix, options: BatchOptions, visit: (scores: Matrix, first: number) => void): void;
  /** Gives back what the engine holds (the Solver calls it when training ends). */
  release(): void;
}

/** Throws unless batchSize and upTo are valid for X (the same message from every engine). */
export function checkBatchOptions(X: Matrix, { batchSize, upTo = X.rows }: BatchOptions): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`forEachBatch: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(upTo) || upTo < 0 || upTo > X.rows) throw new Error(`forEachBatch: upTo must be an integer from 0 to X.rows = ${X.rows}, got ${upTo}`);
}

/** The plain engine: new matrices for everything, nothing kept between calls. */
export function referenceEngine(): Engine {
  return {
    gather: (X, rows, dtype) => X.selectRows(rows, Matrix.zeros(rows.length, X.cols, dtype)),
    softmaxLoss,
    hiddenLayer: () => null,
    stepInput: (X) => X,
    forEachBatch(model, X, options, visit) {
      checkBatchOptions(X, options);
      const { dtype, batchSize, rows, upTo = X.rows } = options;
      if (options.checked !== true) checkFinite(options.what, X);
      const count = rows?.length ?? upTo;
      for (let first = 0; first < count; first += batchSize) {
        const size = Math.min(batchSize, count - first);
        const indices = Int32Array.from({ length: size }, (_, k) => (rows === undefined ? first + k : rows[first + k]));
        const batch = X.selectRows(indices, Matrix.zeros(size, X.cols, dtype));
        visit(model.scores(batch, { checked: true }), first);
      }
    },
    release() {},
  };
}

/** The softmax loss of a training step on `engine`: its own, or layers.ts's where it has none (see Engine.softmaxLoss). */
export function softmaxLossOn(engine: Engine): typeof softmaxLoss {
  return (scores, y) => engine.softmaxLoss(scores, y) ?? softmaxLoss(scores, y);
}

/**
 * The backward pass hiddenLayerForward keeps for a block affine → ReLU (no batchnorm, no
 * dropout): its affine cache {x, w} and z, the ReLU's input. An engine that computed such a
 * block's forward pass falls back to it where its own backward pass cannot run.
 */
export function reluBlockBackward(x: Matrix, w: Matrix, z: Matrix): HiddenLayerBackwardPass {
  return bindHiddenLayerBackward({ affine: { x, w }, batchnorm: null, activationBackward: (dout) => reluBackward(dout, z).dx, dropout: null });
}

/** One pass of `engine` over X, whose memory is given back at once afterwards (predict, class probabilities). */
export function scoreOnce(engine: Engine, model: Scorer, X: Matrix, options: BatchOptions, visit: (scores: Matrix, first: number) => void): void {
  try {
    engine.forEachBatch(model, X, options, visit);
  } finally {
    engine.release();
  }
}
