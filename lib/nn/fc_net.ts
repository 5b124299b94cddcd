/**
 * A fully connected network of any depth (CS231n's fc_net.py):
 *
 *   {affine → [batchnorm] → activation → [dropout]} × (L − 1) → affine → softmax or MSE loss
 *
 * Parameters live in a plain named map: W1, b1, gamma1, beta1, …, WL, bL. `scores(X)` (or
 * `loss(X)`) gives the scores (test mode); `loss(X, y)` gives the loss and the gradient of every
 * parameter.
 */
import { Matrix, checkFinite, type DType } from './matrix.js';
import { addL2Gradient, argmaxRows } from './ops.js';
import { affineForward, affineBackward, softmaxLoss, mseLoss, BatchnormParam, checkLabels, type AffineCache } from './layers.js';
import { Activation, checkActivation, hiddenLayerForward, bindHiddenLayerBackward, HiddenLayerBackwardPass, HiddenLayerOn, HiddenLayerParamGrads } from './layer_utils.js';
import { Rng, deriveSeed } from './random.js';
import { MAX_LAYER_WIDTH, MAX_PARAMETERS } from '../util/limits.js';
import { scoreOnce } from './engine.js';
import { defaultEngine } from '../fast/engine.js';

export type Normalization = 'none' | 'batchnorm';
export type LossKind = 'softmax' | 'mse';
export type WeightInit = 'he' | 'xavier' | number;
/** Class labels (softmax) or an N×outputDim target matrix (MSE). */
export type Targets = ArrayLike<number> | Matrix;
export type Params = Record<string, Matrix>;

export interface NetConfig {
  inputDim: number;
  hiddenDims: number[];
  outputDim: number;
  activation: Activation;
  normalization: Normalization;
  /** Probability of dropping a hidden unit during training; 0 turns dropout off. */
  dropout: number;
  loss: LossKind;
  /** L2 strength: the loss gains 0.5 · reg · ΣW² over the weight matrices (not biases, not gamma/beta). */
  reg: number;
  /** 'he': N(0, 2/fanIn); 'xavier': N(0, 2/(fanIn + fanOut)); a number: N(0, number²). */
  weightInit: WeightInit;
  seed: number;
  /**
   * The number type of parameters and computation. 'float64' (the default) for gradient checks
   * and exact reproduction; 'float32' trains about twice as fast with the WebAssembly kernels
   * (inputs are converted on the way in; one step's loss agrees with float64 to about 1e-8
   * relative, and over a run the rounding differences accumulate).
   */
  dtype: DType;
}

const DEFAULT_NET_CONFIG: Omit<NetConfig, 'inputDim' | 'hiddenDims' | 'outputDim'> = {
  activation: 'relu', normalization: 'none', dropout: 0, loss: 'softmax', reg: 0, weightInit: 'he', seed: 0, dtype: 'float64',
};

/** Every key of NetConfig (the type checks that none is missing): the options validateConfig accepts. */
const CONFIG_KEYS = {
  inputDim: true, hiddenDims: true, outputDim: true, activation: true, normalization: true, dropout: true,
  loss: true, reg: true, weightInit: true, seed: true, dtype: true,
} satisfies Record<keyof NetConfig, true>;

export type NetOptions = Pick<NetConfig, 'inputDim' | 'hiddenDims' | 'outputDim'> & Partial<NetConfig>;

export interface LossResult { loss: number; grads: Params }

/** What a training loop may pass to `loss` besides the data and the Rng (the Solver does). */
export interface StepOptions {
  /**
   * X (and MSE targets) were checked for non-finite values where they entered (the Solver
   * checks its data once): skip the scan, which costs as much as a small layer.
   */
  checked?: boolean;
  /**
   * The softmax loss to compute with: layers.ts's softmaxLoss by default. The Solver passes its
   * engine's (lib/nn/engine.ts), which gives the same bits, on the fast engine in one kernel call.
   */
  softmaxLoss?: typeof softmaxLoss;
  /**
   * Where a hidden block may be computed instead of by hiddenLayerForward/Backward (the same
   * bits): the Solver passes its engine's (Engine.hiddenLayer), on the fast engine one kernel
   * call each way for a small affine → ReLU block.
   */
  hiddenLayer?: HiddenLayerOn;
}

/** What `scores` may be passed besides X: `checked` and `hiddenLayer` as in StepOptions. */
export type ScoreOptions = Pick<StepOptions, 'checked' | 'hiddenLayer'>;

/** A layer width: a positive integer up to MAX_LAYER_WIDTH. */
function layerWidth(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`FullyConnectedNet: ${what} must be a positive integer, got ${JSON.stringify(v)}`);
  if (v > MAX_LAYER_WIDTH) throw new Error(`FullyConnectedNet: ${what} = ${v} is more than the limit of ${MAX_LAYER_WIDTH} units per layer`);
  return v;
}

/** Name and shape of every parameter of a network with this config, in the order they are created. */
export function parameterShapes(config: Pick<NetConfig, 'inputDim' | 'hiddenDims' | 'outputDim' | 'normalization'>): [string, number, number][] {
  const dims = [config.inputDim, ...config.hiddenDims, config.outputDim];
  const L = dims.length - 1;
  const shapes: [string, number, number][] = [];
  for (let i = 1; i <= L; i++) {
    shapes.push([`W${i}`, dims[i - 1], dims[i]], [`b${i}`, 1, dims[i]]);
    if (config.normalization === 'batchnorm' && i < L) shapes.push([`gamma${i}`, 1, dims[i]], [`beta${i}`, 1, dims[i]]);
  }
  return shapes;
}

/**
 * Checks a network's options without allocating anything: the configuration the network
 * would have. Throws naming the first bad option (or the size, past MAX_PARAMETERS).
 */
export function validateConfig(options: NetOptions): NetConfig {
  const known = Object.keys(CONFIG_KEYS);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new Error(`FullyConnectedNet: unknown option '${key}', expected one of ${known.join(', ')}`);
  }
  const c: NetConfig = { ...DEFAULT_NET_CONFIG, ...options, hiddenDims: [...(options.hiddenDims ?? [])] };
  layerWidth('inputDim', c.inputDim);
  layerWidth('outputDim', c.outputDim);
  if (!Array.isArray(options.hiddenDims)) throw new Error(`FullyConnectedNet: hiddenDims must be an array of positive integers, got ${JSON.stringify(options.hiddenDims)}`);
  if (c.hiddenDims.length > MAX_LAYER_WIDTH) throw new Error(`FullyConnectedNet: ${c.hiddenDims.length} hidden layers is more than the limit of ${MAX_LAYER_WIDTH}`);
  c.hiddenDims.forEach((h, i) => layerWidth(`hiddenDims[${i}]`, h));
  const count = parameterShapes(c).reduce((s, [, rows, cols]) => s + rows * cols, 0);
  if (count > MAX_PARAMETERS) {
    throw new Error(`FullyConnectedNet: ${c.inputDim}-${c.hiddenDims.join('-')}-${c.outputDim} has ${count} parameters, more than the limit of ${MAX_PARAMETERS}`);
  }
  checkActivation('FullyConnectedNet', c.activation);
  if (c.normalization !== 'none' && c.normalization !== 'batchnorm') throw new Error(`FullyConnectedNet: normalization must be 'none' or 'batchnorm', got '${c.normalization}'`);
  if (c.loss !== 'softmax' && c.loss !== 'mse') throw new Error(`FullyConnectedNet: loss must be 'softmax' or 'mse', got '${c.loss}'`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new Error(`FullyConnectedNet: dropout must be in [0, 1), got ${c.dropout}`);
  if (!(c.reg >= 0 && Number.isFinite(c.reg))) throw new Error(`FullyConnectedNet: reg must be a finite number >= 0, got ${c.reg}`);
  if (!(c.weightInit === 'he' || c.weightInit === 'xavier' || (typeof c.weightInit === 'number' && c.weightInit > 0))) {
    throw new Error(`FullyConnectedNet: weightInit must be 'he', 'xavier' or a positive std, got ${JSON.stringify(c.weightInit)}`);
  }
  if (!Number.isInteger(c.seed)) throw new Error(`FullyConnectedNet: seed must be an integer, got ${c.seed}`);
  if (c.dtype !== 'float64' && c.dtype !== 'float32') throw new Error(`FullyConnectedNet: dtype must be 'float64' or 'float32', got ${JSON.stringify(c.dtype)}`);
  return c;
}

export class FullyConnectedNet {
  readonly config: NetConfig;
  /** Number of affine layers (hidden layers + the output layer). */
  readonly numLayers: number;
  params: Params = {};
  /** One per hidden layer when normalising: mode and running statistics. */
  readonly bnParams: BatchnormParam[] = [];
  /** Draws the dropout masks when no Rng is passed to `loss`. */
  private dropoutRng: Rng;

  /**
   * A network with freshly drawn weights. `params` gives parameters already checked against the
   * config instead, so no random ones of the declared size are drawn first: the hook through
   * which a saved model is loaded (lib/persist/model_file.ts keeps files out of this class).
   */
  constructor(options: NetOptions, params?: Params) {
    this.config = validateConfig(options);
    const { hiddenDims, weightInit, normalization, seed } = this.config;
    this.numLayers = hiddenDims.length + 1;
    this.dropoutRng = new Rng(deriveSeed(seed, 'dropout'));
    for (let i = 1; i < this.numLayers; i++) if (normalization === 'batchnorm') this.bnParams.push({ mode: 'train' });
    if (params !== undefined) {
      for (const [k] of parameterShapes(this.config)) this.params[k] = params[k].clone().astype(this.config.dtype);
      return;
    }
    const rng = new Rng(deriveSeed(seed, 'init'));
    for (const [k, fanIn, fanOut] of parameterShapes(this.config)) {
      const std = weightInit === 'he' ? Math.sqrt(2 / fanIn)
        : weightInit === 'xavier' ? Math.sqrt(2 / (fanIn + fanOut))
          : weightInit;
      this.params[k] = k.startsWith('W') ? rng.gaussianMatrix(fanIn, fanOut, std)
        : k.startsWith('gamma') ? Matrix.filled(1, fanOut, 1)
          : new Matrix(1, fanOut);
    }
    // The initial values are drawn in float64 whatever the dtype, so a float32 net starts from
    // the float64 net's values rounded.
    for (const k of Object.keys(this.params)) this.params[k] = this.params[k].astype(this.config.dtype);
  }

  /**
   * Scores for X (N×inputDim) in test mode: the forward pass alone (running batchnorm
   * statistics, no dropout, no backward pass). `checked`: X was checked for non-finite values
   * where it entered (see StepOptions).
   */
  scores(X: Matrix, options: ScoreOptions = {}): Matrix {
    return this.forward('FullyConnectedNet.scores', X, 'test', options).scores;
  }

  /** Scores for X (N×inputDim) in test mode: the same as scores(X). */
  loss(X: Matrix): Matrix;
  /**
   * Loss and gradients for X (N×inputDim) and its targets, in train mode. `rng` draws the
   * dropout masks; `step.checked` skips the scan of X for non-finite values (see StepOptions).
   */
  loss(X: Matrix, y: Targets, rng?: Rng, step?: StepOptions): LossResult;
  loss(X: Matrix, y?: Targets, rng?: Rng, step: StepOptions = {}): Matrix | LossResult {
    const { checked = false } = step;
    const { outputDim, loss: lossKind, reg } = this.config;
    if (y === undefined) return this.forward('FullyConnectedNet.loss', X, 'test', step).scores;
    const { scores, backward, lastCache } = this.forward('FullyConnectedNet.loss', X, 'train', step, rng);
    const p = this.params;
    const L = this.numLayers;

    let dataLoss: number, dscores: Matrix;
    if (lossKind === 'softmax') {
      if (y instanceof Matrix) throw new Error('FullyConnectedNet.loss: softmax loss needs class labels for y, got a Matrix');
      ({ loss: dataLoss, dscores } = (step.softmaxLoss ?? softmaxLoss)(scores, y));
    } else {
      if (!(y instanceof Matrix)) throw new Error(`FullyConnectedNet.loss: mse loss needs y as an N×${outputDim} Matrix of targets`);
      if (!checked) checkFinite('FullyConnectedNet.loss y', y);
      ({ loss: dataLoss, dpred: dscores } = mseLoss(scores, y));
    }

    const grads: Params = {};
    const last = affineBackward(dscores, lastCache);
    grads[`W${L}`] = last.dw;
    grads[`b${L}`] = last.db;
    let dh = last.dx;
    for (let i = L - 1; i >= 1; i--) {
      let g: HiddenLayerParamGrads;
      if (i > 1) {
        const withDx = backward[i - 1].withInputGrad(dh);
        dh = withDx.dx;
        g = withDx;
      } else {
        // The first layer's dx would be the gradient with respect to X: never used, so not computed.
        g = backward[0].paramsOnly(dh);
      }
      grads[`W${i}`] = g.dw;
      grads[`b${i}`] = g.db;
      if (g.dgamma) grads[`gamma${i}`] = g.dgamma;
      if (g.dbeta) grads[`beta${i}`] = g.dbeta;
    }

    let regLoss = 0;
    for (let i = 1; i <= L; i++) regLoss += 0.5 * reg * addL2Gradient(grads[`W${i}`], p[`W${i}`], reg);
    return { loss: dataLoss + regLoss, grads };
  }

  /**
   * The forward pass: every hidden block, then the output layer's scores, with what the
   * backward pass needs (each block's backward pass bound to its cache, the output layer's
   * cache). `what` names the caller in errors; `step.hiddenLayer` may compute a block instead
   * of hiddenLayerForward (see StepOptions).
   */
  private forward(what: string, X: Matrix, mode: 'train' | 'test', step: ScoreOptions, rng?: Rng): { scores: Matrix; backward: HiddenLayerBackwardPass[]; lastCache: AffineCache } {
    const { checked = false, hiddenLayer } = step;
    const { inputDim, dropout, activation } = this.config;
    if (X.cols !== inputDim) throw new Error(`${what}: X has ${X.cols} columns, expected inputDim = ${inputDim}`);
    if (mode === 'train' && X.rows === 0) throw new Error(`${what}: X has no rows; a loss needs at least one sample`);
    if (!checked) checkFinite(`${what} X`, X);
    X = X.astype(this.config.dtype); // a no-op when X already holds the net's number type
    const p = this.params;
    const L = this.numLayers;
    let h = X;
    const backward: HiddenLayerBackwardPass[] = [];
    for (let i = 1; i < L; i++) {
      const bn = this.bnParams[i - 1];
      if (bn) bn.mode = mode;
      const block = {
        w: p[`W${i}`], b: p[`b${i}`], activation,
        batchnorm: bn ? { gamma: p[`gamma${i}`], beta: p[`beta${i}`], param: bn } : undefined,
        dropout: dropout > 0 ? { p: dropout, mode, rng: rng ?? this.dropoutRng } : undefined,
      };
      const elsewhere = hiddenLayer?.(h, block) ?? null;
      if (elsewhere !== null) {
        h = elsewhere[0];
        backward.push(elsewhere[1]);
      } else {
        const [out, cache] = hiddenLayerForward(h, block);
        h = out;
        backward.push(bindHiddenLayerBackward(cache));
      }
    }
    const [scores, lastCache] = affineForward(h, p[`W${L}`], p[`b${L}`]);
    return { scores, backward, lastCache };
  }

  /** Predicted class of each row of X (argmax of the scores), computed in batches. */
  predict(X: Matrix, batchSize = 1024): Int32Array {
    const out = new Int32Array(X.rows);
    const options = { dtype: this.config.dtype, batchSize, what: 'FullyConnectedNet.predict X' };
    scoreOnce(defaultEngine(), this, X, options, (scores, first) => out.set(argmaxRows(scores), first));
    return out;
  }

  /** Number of trainable values. */
  get parameterCount(): number {
    return Object.values(this.params).reduce((s, m) => s + m.size, 0);
  }

  /** Validates targets against this net's output (labels in range or an N×outputDim matrix). */
  checkTargets(what: string, y: Targets, n: number): void {
    if (this.config.loss === 'softmax') {
      if (y instanceof Matrix) throw new Error(`${what}: softmax loss needs class labels, got a Matrix`);
      checkLabels(what, y, n, this.config.outputDim);
    } else {
      if (!(y instanceof Matrix) || y.rows !== n || y.cols !== this.config.outputDim) {
        const got = y instanceof Matrix ? `${y.rows}x${y.cols}` : `${y.length} labels`;
        throw new Error(`${what}: mse loss needs an ${n}x${this.config.outputDim} target Matrix, got ${got}`);
      }
      checkFinite(what, y);
    }
  }
}
