/**
 * First-order update rules (CS231n's optim.py). Each has the signature
 *
 *   rule(w, dw, config) → [nextW, config]
 *
 * where `config` holds the hyperparameters (defaults filled in on the first call) and any state
 * the rule keeps between steps (velocity, moving averages). Updates are made in place: nextW is w.
 */
import { Matrix, checkShape } from './matrix.js';
import { adamUpdate } from './ops.js';
import { cos, powInt } from '../math/elementary.js';

export interface SgdConfig { learningRate?: number }
export interface SgdMomentumConfig { learningRate?: number; momentum?: number; velocity?: Matrix }
export interface RmspropConfig { learningRate?: number; decayRate?: number; epsilon?: number; cache?: Matrix }
export interface AdamConfig {
  learningRate?: number; beta1?: number; beta2?: number; epsilon?: number;
  /** First and second moment estimates and the step count. */
  m?: Matrix; v?: Matrix; t?: number;
}
export type OptimConfig = SgdConfig & SgdMomentumConfig & RmspropConfig & AdamConfig;
export type UpdateRule = (w: Matrix, dw: Matrix, config: OptimConfig) => [Matrix, OptimConfig];

function stateLike(w: Matrix, state: Matrix | undefined, what: string): Matrix {
  // Matrix.like: zeros of w's type, stored where w's allocator says (see Matrix.allocator).
  if (state === undefined) return Matrix.like(w);
  checkShape(what, state, w.rows, w.cols);
  return state;
}

/** Vanilla stochastic gradient descent: w ← w − lr · dw. Default lr 1e-2. */
export function sgd(w: Matrix, dw: Matrix, config: SgdConfig = {}): [Matrix, SgdConfig] {
  checkShape('sgd dw', dw, w.rows, w.cols);
  const lr = (config.learningRate ??= 1e-2);
  const W = w.data, G = dw.data;
  for (let k = 0; k < W.length; k++) W[k] -= lr * G[k];
  return [w, config];
}

/** SGD with momentum: v ← μ·v − lr·dw; w ← w + v. Defaults lr 1e-2, μ 0.9. */
export function sgdMomentum(w: Matrix, dw: Matrix, config: SgdMomentumConfig = {}): [Matrix, SgdMomentumConfig] {
  checkShape('sgdMomentum dw', dw, w.rows, w.cols);
  const lr = (config.learningRate ??= 1e-2);
  const mu = (config.momentum ??= 0.9);
  const v = (config.velocity = stateLike(w, config.velocity, 'sgdMomentum velocity'));
  const W = w.data, G = dw.data, V = v.data;
  for (let k = 0; k < W.length; k++) {
    V[k] = mu * V[k] - lr * G[k];
    W[k] += V[k];
  }
  return [w, config];
}

/**
 * RMSProp: a moving average of squared gradients scales each step.
 * cache ← ρ·cache + (1 − ρ)·dw²; w ← w − lr · dw / (√cache + ε). Defaults lr 1e-2, ρ 0.99, ε 1e-8.
 */
export function rmsprop(w: Matrix, dw: Matrix, config: RmspropConfig = {}): [Matrix, RmspropConfig] {
  checkShape('rmsprop dw', dw, w.rows, w.cols);
  const lr = (config.learningRate ??= 1e-2);
  const rho = (config.decayRate ??= 0.99);
  const eps = (config.epsilon ??= 1e-8);
  const c = (config.cache = stateLike(w, config.cache, 'rmsprop cache'));
  const W = w.data, G = dw.data, C = c.data;
  for (let k = 0; k < W.length; k++) {
    C[k] = rho * C[k] + (1 - rho) * G[k] * G[k];
    W[k] -= (lr * G[k]) / (Math.sqrt(C[k]) + eps);
  }
  return [w, config];
}

/**
 * Adam (Kingma & Ba, 2015): moving averages of the gradient (m) and its square (v), with bias
 * correction for their zero start.
 *   t ← t + 1; m ← β1·m + (1 − β1)·dw; v ← β2·v + (1 − β2)·dw²
 *   w ← w − lr · m̂ / (√v̂ + ε), m̂ = m / (1 − β1ᵗ), v̂ = v / (1 − β2ᵗ)
 * Defaults lr 1e-3, β1 0.9, β2 0.999, ε 1e-8.
 */
export function adam(w: Matrix, dw: Matrix, config: AdamConfig = {}): [Matrix, AdamConfig] {
  checkShape('adam dw', dw, w.rows, w.cols);
  const lr = (config.learningRate ??= 1e-3);
  const b1 = (config.beta1 ??= 0.9);
  const b2 = (config.beta2 ??= 0.999);
  const eps = (config.epsilon ??= 1e-8);
  const m = (config.m = stateLike(w, config.m, 'adam m'));
  const v = (config.v = stateLike(w, config.v, 'adam v'));
  const t = (config.t = (config.t ?? 0) + 1);
  const c1 = 1 - powInt(b1, t), c2 = 1 - powInt(b2, t);
  // The elementwise loop, for k over every element of w (its divisions and square root dominate
  // a training step, so it runs as a kernel: adamJs in lib/kernels/js.ts, or assembly/adam.ts
  // two elements at a time, with identical results):
  //   m[k] = b1 * m[k] + (1 - b1) * dw[k];
  //   v[k] = b2 * v[k] + (1 - b2) * dw[k] * dw[k];
  //   w[k] -= (lr * (m[k] / c1)) / (Math.sqrt(v[k] / c2) + eps);
  adamUpdate(w, dw, m, v, { learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, c1, c2 });
  return [w, config];
}

/**
 * The update rules by name (the Solver's `updateRule`), each with the hyperparameters it reads
 * from its config; the rest of a config is the rule's state.
 */
export const updateRules = {
  sgd: { update: sgd, hyperparameters: ['learningRate'] },
  sgdMomentum: { update: sgdMomentum, hyperparameters: ['learningRate', 'momentum'] },
  rmsprop: { update: rmsprop, hyperparameters: ['learningRate', 'decayRate', 'epsilon'] },
  adam: { update: adam, hyperparameters: ['learningRate', 'beta1', 'beta2', 'epsilon'] },
} satisfies Record<string, { update: UpdateRule; hyperparameters: readonly (keyof OptimConfig)[] }>;
export type UpdateRuleName = keyof typeof updateRules;

/** Whether `name` is the name of an update rule. */
export function isUpdateRule(name: string): name is UpdateRuleName {
  return Object.hasOwn(updateRules, name);
}

/** How the learning rate changes over the epochs of a run (on top of any per-epoch lrDecay). */
export type LrSchedule = 'constant' | 'step' | 'cosine';
export const LR_SCHEDULES: readonly LrSchedule[] = ['constant', 'step', 'cosine'];

/**
 * The factor of a linear warm-up over the first `warmupEpochs` epochs at epoch `epoch` (0-based):
 * (epoch + 1)/(warmupEpochs + 1) during the warm-up, 1 after it (0 warm-up epochs: always 1). It
 * multiplies the schedule's rate, so a warm-up starts every schedule gently, whatever comes after.
 */
export function warmupFactor(epoch: number, warmupEpochs: number): number {
  if (!Number.isInteger(warmupEpochs) || warmupEpochs < 0) throw new Error(`warmupFactor: warmupEpochs must be an integer ≥ 0, got ${warmupEpochs}`);
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`warmupFactor: epoch must be an integer ≥ 0, got ${epoch}`);
  return epoch < warmupEpochs ? (epoch + 1) / (warmupEpochs + 1) : 1;
}

/**
 * The learning rate of epoch `epoch` (0-based: 0 … numEpochs−1) of a run of `numEpochs`
 * epochs starting from `base`:
 *
 *   constant: base, every epoch;
 *   step:     base, then base·0.1 from epoch ⌈numEpochs/2⌉ on, base·0.01 from ⌈3·numEpochs/4⌉ on
 *             (e.g. 20 epochs: 0–9 at base, 10–14 at base/10, 15–19 at base/100);
 *   cosine:   base·½(1 + cos(π·epoch/numEpochs)), from base at epoch 0 smoothly down towards 0
 *             (the last epoch still trains, at base·½(1 − cos(π/numEpochs))).
 *
 * The schedule follows the planned numEpochs: a run that stops early has simply not reached
 * the smaller rates.
 */
export function learningRateAt(schedule: LrSchedule, epoch: number, numEpochs: number, base: number): number {
  if (!LR_SCHEDULES.includes(schedule)) throw new Error(`learningRateAt: schedule must be one of ${LR_SCHEDULES.join(', ')}, got '${schedule}'`);
  if (!Number.isInteger(numEpochs) || numEpochs < 1) throw new Error(`learningRateAt: numEpochs must be a positive integer, got ${numEpochs}`);
  if (!Number.isInteger(epoch) || epoch < 0 || epoch >= numEpochs) throw new Error(`learningRateAt: epoch must be an integer in [0, ${numEpochs - 1}], got ${epoch}`);
  if (schedule === 'step') {
    const drops = (epoch >= Math.ceil(numEpochs / 2) ? 1 : 0) + (epoch >= Math.ceil((3 * numEpochs) / 4) ? 1 : 0);
    return base * powInt(0.1, drops);
  }
  if (schedule === 'cosine') return base * 0.5 * (1 + cos((Math.PI * epoch) / numEpochs));
  return base;
}
