/**
 * Layers as forward/backward pairs, in the style of CS231n's layers.py.
 *
 * `xForward(...)` returns `[out, cache]`; `xBackward(dout, cache)` returns the gradients of the
 * loss with respect to every input of the forward pass. Shapes use N for the batch size,
 * D for input features and M for output features. The products, ReLU, sigmoid, tanh and the
 * batchnorm passes are operations of lib/nn/ops.ts (backed by kernels); the elementwise loops of
 * leaky ReLU, dropout and the losses are written out here, with the math of each layer.
 */
import { Matrix, checkShape } from './matrix.js';
import {
  matmul, matmulNT, matmulTN, addRowVector, colSums, relu, reluBackward as reluBackwardOp,
  sigmoid, sigmoidBackward as sigmoidBackwardOp, tanh, tanhBackward as tanhBackwardOp,
  columnMoments, normalizeColumns, columnDot, batchnormInputGrad,
} from './ops.js';
import { Rng } from './random.js';
import { exp, log } from '../math/elementary.js';

// ---------------------------------------------------------------------------------------------
// Affine: out = x·W + b
// ---------------------------------------------------------------------------------------------

export interface AffineCache { x: Matrix; w: Matrix }

/** x: N×D, w: D×M, b: 1×M → out: N×M. */
export function affineForward(x: Matrix, w: Matrix, b: Matrix): [Matrix, AffineCache] {
  if (x.cols !== w.rows) throw new Error(`affineForward: x is ${x.rows}x${x.cols} but w is ${w.rows}x${w.cols} (x.cols must equal w.rows)`);
  checkShape('affineForward b', b, 1, w.cols);
  const out = matmul(x, w);
  addRowVector(out, b, out); // in place: saves allocating a second N×M matrix
  return [out, { x, w }];
}

/** dout: N×M → dx: N×D, dw: D×M, db: 1×M. */
export function affineBackward(dout: Matrix, cache: AffineCache): { dx: Matrix; dw: Matrix; db: Matrix } {
  return { dx: matmulNT(dout, cache.w), ...affineBackwardParams(dout, cache) }; // dx = dout·Wᵀ
}

/**
 * Only the parameter gradients dw, db. For a network's first layer dx would be the gradient
 * with respect to the input data, which training never uses, and dout·Wᵀ is the largest
 * product of the backward pass (N×M·M×D with D = 784 inputs).
 */
export function affineBackwardParams(dout: Matrix, cache: AffineCache): { dw: Matrix; db: Matrix } {
  const { x, w } = cache;
  checkShape('affineBackward dout', dout, x.rows, w.cols);
  return {
    dw: matmulTN(x, dout), // xᵀ·dout
    db: colSums(dout),
  };
}

// ---------------------------------------------------------------------------------------------
// Activations. Each caches what its derivative needs: the input for ReLU, the output for
// sigmoid and tanh (σ' = σ(1−σ), tanh' = 1−tanh²).
// ---------------------------------------------------------------------------------------------

/** out = max(0, x), any shape. (The loop is a kernel: relu in lib/nn/ops.ts.) */
export function reluForward(x: Matrix): [Matrix, Matrix] {
  return [relu(x), x];
}

/** dx = dout where x > 0, else 0. */
export function reluBackward(dout: Matrix, x: Matrix): { dx: Matrix } {
  checkShape('reluBackward dout', dout, x.rows, x.cols);
  return { dx: reluBackwardOp(x, dout) };
}

export interface LeakyReluCache { x: Matrix; alpha: number }

/** out = x for x > 0, alpha·x otherwise (alpha defaults to 0.01). */
export function leakyReluForward(x: Matrix, alpha = 0.01): [Matrix, LeakyReluCache] {
  const out = Matrix.like(x);
  const X = x.data, O = out.data;
  for (let k = 0; k < X.length; k++) O[k] = X[k] > 0 ? X[k] : alpha * X[k];
  return [out, { x, alpha }];
}

export function leakyReluBackward(dout: Matrix, cache: LeakyReluCache): { dx: Matrix } {
  const { x, alpha } = cache;
  checkShape('leakyReluBackward dout', dout, x.rows, x.cols);
  const dx = Matrix.like(x);
  const X = x.data, D = dout.data, G = dx.data;
  for (let k = 0; k < X.length; k++) G[k] = X[k] > 0 ? D[k] : alpha * D[k];
  return { dx };
}

/**
 * out = 1 / (1 + e^(−x)), written to stay finite for large |x| (lib/math/elementary.ts).
 * (The loop is a kernel: sigmoid in lib/nn/ops.ts.)
 */
export function sigmoidForward(x: Matrix): [Matrix, Matrix] {
  const out = sigmoid(x);
  return [out, out];
}

/** dx = dout · σ(x)(1 − σ(x)); the cache is the forward output σ(x). (Kernel: sigmoidBackward.) */
export function sigmoidBackward(dout: Matrix, out: Matrix): { dx: Matrix } {
  checkShape('sigmoidBackward dout', dout, out.rows, out.cols);
  return { dx: sigmoidBackwardOp(out, dout) };
}

/** out = tanh(x). (The loop is a kernel: tanh in lib/nn/ops.ts.) */
export function tanhForward(x: Matrix): [Matrix, Matrix] {
  const out = tanh(x);
  return [out, out];
}

/** dx = dout · (1 − tanh²(x)); the cache is the forward output tanh(x). (Kernel: tanhBackward.) */
export function tanhBackward(dout: Matrix, out: Matrix): { dx: Matrix } {
  checkShape('tanhBackward dout', dout, out.rows, out.cols);
  return { dx: tanhBackwardOp(out, dout) };
}

// ---------------------------------------------------------------------------------------------
// Batch normalisation (Ioffe & Szegedy, 2015)
// ---------------------------------------------------------------------------------------------

export interface BatchnormParam {
  /** 'train' normalises with the batch statistics and updates the running ones; 'test' uses the running ones. */
  mode: 'train' | 'test';
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
  /** Weight of the old running statistic in each update. Default 0.9. */
  momentum?: number;
  /** 1×D running mean and variance; created (0 and 1) on the first forward pass. */
  runningMean?: Matrix;
  runningVar?: Matrix;
}

export interface BatchnormCache { xhat: Matrix; gamma: Matrix; invStd: Matrix; mode: 'train' | 'test' }

/**
 * x: N×D, gamma, beta: 1×D → out: N×D, out = gamma · (x − μ) / √(σ² + eps) + beta.
 * In train mode μ, σ² are the batch's per-feature mean and (biased) variance, and the running
 * statistics move towards them: running = momentum · running + (1 − momentum) · batch.
 */
export function batchnormForward(x: Matrix, gamma: Matrix, beta: Matrix, bnParam: BatchnormParam): [Matrix, BatchnormCache] {
  const n = x.rows, d = x.cols;
  checkShape('batchnormForward gamma', gamma, 1, d);
  checkShape('batchnormForward beta', beta, 1, d);
  const eps = bnParam.eps ?? 1e-5;
  const momentum = bnParam.momentum ?? 0.9;
  // Matrix.zeros, not Matrix.like: the running statistics outlive this batch, and Matrix.like
  // gives x's results the lifetime of x's allocator (see Matrix.allocator).
  if (bnParam.runningMean === undefined) bnParam.runningMean = Matrix.zeros(1, d, x.dtype);
  if (bnParam.runningVar === undefined) bnParam.runningVar = Matrix.filled(1, d, 1, x.dtype);
  const runMean = bnParam.runningMean.data, runVar = bnParam.runningVar.data;

  let mean: Float64Array, variance: Float64Array; // μ and σ² per feature
  if (bnParam.mode === 'train') {
    if (n < 1) throw new Error('batchnormForward: train mode needs at least one sample');
    ({ mean, variance } = columnMoments(x));
    for (let j = 0; j < d; j++) {
      runMean[j] = momentum * runMean[j] + (1 - momentum) * mean[j];
      runVar[j] = momentum * runVar[j] + (1 - momentum) * variance[j];
    }
  } else if (bnParam.mode === 'test') {
    mean = Float64Array.from(runMean);
    variance = Float64Array.from(runVar);
  } else {
    throw new Error(`batchnormForward: bnParam.mode must be 'train' or 'test', got '${String(bnParam.mode)}'`);
  }

  const invStd = Matrix.like(x, 1, d);
  const S = invStd.data;
  for (let j = 0; j < d; j++) S[j] = 1 / Math.sqrt(variance[j] + eps);
  // x̂ = (x − μ)·invStd, then out = gamma·x̂ + beta, in one pass over the batch.
  const { xhat, out } = normalizeColumns(x, mean, invStd, gamma, beta);
  return [out, { xhat, gamma, invStd, mode: bnParam.mode }];
}

/**
 * dout: N×D → dx: N×D, dgamma, dbeta: 1×D. In train mode the closed form of the gradient
 * through the batch statistics:
 *   dx = (1/N) · invStd · (N·dx̂ − Σ dx̂ − x̂ · Σ(dx̂ ⊙ x̂)),  with dx̂ = dout · gamma.
 * In test mode the statistics are constants, so dx = dout · gamma · invStd.
 */
export function batchnormBackward(dout: Matrix, cache: BatchnormCache): { dx: Matrix; dgamma: Matrix; dbeta: Matrix } {
  const { xhat, gamma, invStd, mode } = cache;
  const n = xhat.rows, d = xhat.cols;
  checkShape('batchnormBackward dout', dout, n, d);
  const dbeta = colSums(dout); // Σ_i dout
  const dgamma = columnDot(dout, xhat); // Σ_i dout ⊙ x̂
  const G = gamma.data, S = invStd.data, DG = dgamma.data, DB = dbeta.data;

  if (mode === 'test') {
    const dx = Matrix.like(xhat), D = dout.data, DX = dx.data;
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) DX[i * d + j] = D[i * d + j] * G[j] * S[j];
    return { dx, dgamma, dbeta };
  }
  // Σ dx̂ = gamma · dbeta and Σ dx̂ ⊙ x̂ = gamma · dgamma, so no extra pass is needed: the
  // per-feature factors (in float64 whatever the dtype), then one pass over the batch.
  const sumDxhat = new Float64Array(d), sumDxhatXhat = new Float64Array(d), k = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    sumDxhat[j] = G[j] * DB[j];
    sumDxhatXhat[j] = G[j] * DG[j];
    k[j] = S[j] / n;
  }
  return { dx: batchnormInputGrad(dout, xhat, gamma, k, sumDxhat, sumDxhatXhat), dgamma, dbeta };
}

// ---------------------------------------------------------------------------------------------
// Inverted dropout: drop with probability p at training time and scale the survivors by
// 1/(1−p), so that test time needs no rescaling.
// ---------------------------------------------------------------------------------------------

export interface DropoutParam {
  /** Probability of dropping a unit, in [0, 1). */
  p: number;
  mode: 'train' | 'test';
  /** The source of the random mask (seeded by the caller). */
  rng?: Rng;
}

export interface DropoutCache { mask: Matrix | null }

/** x: any shape → out: same shape. */
export function dropoutForward(x: Matrix, param: DropoutParam): [Matrix, DropoutCache] {
  const { p, mode } = param;
  if (!(p >= 0 && p < 1)) throw new Error(`dropoutForward: p must be in [0, 1), got ${p}`);
  if (mode === 'test' || p === 0) return [x, { mask: null }];
  if (param.rng === undefined) throw new Error('dropoutForward: train mode needs param.rng (a seeded Rng)');
  const mask = Matrix.like(x);
  const keep = 1 / (1 - p);
  for (let k = 0; k < mask.data.length; k++) mask.data[k] = param.rng.uniform() >= p ? keep : 0;
  const out = Matrix.like(x);
  for (let k = 0; k < out.data.length; k++) out.data[k] = x.data[k] * mask.data[k];
  return [out, { mask }];
}

export function dropoutBackward(dout: Matrix, cache: DropoutCache): { dx: Matrix } {
  const { mask } = cache;
  if (mask === null) return { dx: dout };
  checkShape('dropoutBackward dout', dout, mask.rows, mask.cols);
  const dx = Matrix.like(dout);
  for (let k = 0; k < dx.data.length; k++) dx.data[k] = dout.data[k] * mask.data[k];
  return { dx };
}

// ---------------------------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------------------------

/** Throws unless y holds `n` integer labels in [0, numClasses). */
export function checkLabels(what: string, y: ArrayLike<number>, n: number, numClasses: number): void {
  if (y.length !== n) throw new Error(`${what}: expected ${n} labels (one per row), got ${y.length}`);
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new Error(`${what}: label at index ${i} is ${c}, expected an integer in [0, ${numClasses - 1}]`);
    }
  }
}

/**
 * Softmax cross-entropy, averaged over the batch. scores: N×C, y: N labels in [0, C).
 * Subtracting each row's maximum before exponentiating keeps it finite (softmax is
 * shift-invariant). dscores = (softmax(scores) − onehot(y)) / N.
 */
export function softmaxLoss(scores: Matrix, y: ArrayLike<number>): { loss: number; dscores: Matrix } {
  const n = scores.rows, c = scores.cols;
  checkLabels('softmaxLoss y', y, n, c);
  const S = scores.data;
  const dscores = Matrix.like(scores);
  const G = dscores.data;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const r = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) if (S[r + j] > max) max = S[r + j];
    let sumExp = 0;
    for (let j = 0; j < c; j++) sumExp += exp(S[r + j] - max);
    const logSumExp = log(sumExp);
    loss -= S[r + y[i]] - max - logSumExp;
    for (let j = 0; j < c; j++) G[r + j] = exp(S[r + j] - max - logSumExp) / n;
    G[r + y[i]] -= 1 / n;
  }
  return { loss: loss / n, dscores };
}

/**
 * Mean squared error over all N×M entries: loss = Σ (pred − target)² / (N·M),
 * dpred = 2 (pred − target) / (N·M).
 */
export function mseLoss(pred: Matrix, target: Matrix): { loss: number; dpred: Matrix } {
  checkShape('mseLoss target', target, pred.rows, pred.cols);
  const count = pred.size;
  const dpred = Matrix.like(pred);
  const P = pred.data, T = target.data, G = dpred.data;
  let loss = 0;
  for (let k = 0; k < count; k++) {
    const e = P[k] - T[k];
    loss += e * e;
    G[k] = (2 * e) / count;
  }
  return { loss: loss / count, dpred };
}
