/**
 * The fast engine's update step for the rule 'adam' (Engine.updateAll): lib/nn/optim.ts's adam
 * on every parameter of a model in one kernel call (assembly/adam.ts's adamAll), instead of one
 * call per parameter with the JavaScript of adam and its kernel glue around each.
 *
 * It runs only where it gives what the Solver's loop would, bit for bit, config by config:
 * every config already holds adam's state from an earlier step (defaults filled, m and v of its
 * parameter's shape, a step count t) and the same hyperparameters and t as the others. The first
 * step, which creates m and v, is the plain loop's. Then, as adam: t ← t + 1 in every config,
 * c1 = 1 − β1ᵗ, c2 = 1 − β2ᵗ computed once (the same expression as adam's, so the same values),
 * and the kernel updates w, m, v. test/adam_all.test.ts checks it against adam.
 */
import type { Matrix } from '../nn/matrix.js';
import type { OptimConfig as AdamConfig } from '../nn/engine.js';
import { kernels, type AdamOperands } from '../kernels/index.js';
import { powInt } from '../math/elementary.js';

/** What every config must agree on (besides having m and v). */
const SHARED = ['learningRate', 'beta1', 'beta2', 'epsilon', 't'] as const;

/**
 * optim.ts's adam on each parameter k of `params` with gradient grads[k] and state configs[k],
 * in one kernel call; false, with nothing changed, where that cannot give the same result.
 */
export function adamAll(params: Record<string, Matrix>, grads: Record<string, Matrix>, configs: Record<string, AdamConfig>): boolean {
  const run = kernels.adamAll;
  const keys = Object.keys(params);
  if (run === null || keys.length === 0) return false;
  const first = configs[keys[0]];
  if (first === undefined || SHARED.some((h) => typeof first[h] !== 'number')) return false;
  const operands: AdamOperands[] = [];
  for (const k of keys) {
    const w = params[k], dw = grads[k], config = configs[k];
    if (dw === undefined || config === undefined || SHARED.some((h) => config[h] !== first[h])) return false;
    const { m, v } = config;
    // Shapes as adam checks them (it throws, naming the mismatch, when the plain loop runs).
    if (m === undefined || v === undefined || [dw, m, v].some((x) => x.rows !== w.rows || x.cols !== w.cols)) return false;
    operands.push({ w: w.data, g: dw.data, m: m.data, v: v.data });
  }
  const t = first.t! + 1;
  const b1 = first.beta1!, b2 = first.beta2!;
  const c1 = 1 - powInt(b1, t), c2 = 1 - powInt(b2, t);
  if (!run(operands, first.learningRate!, b1, b2, first.epsilon!, c1, c2)) return false;
  for (const k of keys) configs[k].t = t;
  return true;
}
