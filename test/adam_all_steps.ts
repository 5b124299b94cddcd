/**
 * Adam steps on a net's parameters, optim.ts's adam per parameter against lib/fast/adam_all.ts's
 * one call (for test/adam_all.test.ts, and its child process on one thread).
 */
import { Matrix, type Allocator, type DType } from '../lib/nn/matrix.js';
import { adam, type AdamConfig } from '../lib/nn/optim.js';
import { Rng } from '../lib/nn/random.js';
import { adamAll } from '../lib/fast/adam_all.js';
import { kernels } from '../lib/kernels/index.js';

/** Resident storage, as the fast engine gives parameters (and so their moments): see StepWorkspace. */
export const resident: Allocator = { take: (f32, n) => (f32 ? kernels.alloc32(n) : kernels.alloc(n)) };

/**
 * The parameter shapes of a net with these layer widths (W then b per layer). Odd element
 * counts throughout (7×13 = 91, 1×13, …): ragged SIMD tails in both types.
 */
function shapesOf(widths: number[]): [string, number, number][] {
  return widths.slice(1).flatMap((out, i): [string, number, number][] => [[`W${i + 1}`, widths[i], out], [`b${i + 1}`, 1, out]]);
}

export const NETS: number[][] = [
  [7, 3],
  [7, 13, 5, 3],
  [9, ...Array<number>(16).fill(11), 3], // 17 layers, 34 parameters
  [131, 127, 12], // W1 has 16,637 elements: large enough to be shared between threads
];

export type Params = Record<string, Matrix>;

/** Fresh random gradients for every parameter, in dtype, as the fast engine's step arena would hold (resident). */
export function gradients(rng: Rng, params: Params, dtype: DType, where: Allocator | null): Params {
  return Object.fromEntries(Object.entries(params).map(([k, w]) => {
    const g = where ? new Matrix(w.rows, w.cols, where.take(dtype === 'float32', w.rows * w.cols), where) : Matrix.zeros(w.rows, w.cols, dtype);
    g.data.set(rng.gaussianMatrix(w.rows, w.cols, 0.3).astype(dtype).data);
    return [k, g];
  }));
}

/** Copies of params in ordinary memory (or resident, with `where`). */
export function copies(params: Params, where: Allocator | null): Params {
  return Object.fromEntries(Object.entries(params).map(([k, w]) => {
    const c = where ? new Matrix(w.rows, w.cols, where.take(w.dtype === 'float32', w.rows * w.cols), where) : Matrix.zeros(w.rows, w.cols, w.dtype);
    c.data.set(w.data);
    return [k, c];
  }));
}

const bits = (m: Matrix | undefined) => (m === undefined ? undefined : { dtype: m.dtype, values: Array.from(m.data) });
export const state = (params: Params, configs: Record<string, AdamConfig>) => Object.fromEntries(Object.keys(params).map((k) => [k, {
  w: bits(params[k]), ...configs[k], m: bits(configs[k].m), v: bits(configs[k].v),
}]));

/**
 * `steps` Adam steps on a net of these widths: the reference (optim.ts's adam per parameter, in
 * ordinary memory) and the fused one (first step per parameter, as the Solver does when m and
 * v do not exist yet; then adamAll), on the same gradients. Returns both states and how many
 * fused steps ran.
 */
export function stepBothWays(widths: number[], dtype: DType, steps: number, seed: number) {
  const rng = new Rng(seed);
  const init: Params = Object.fromEntries(shapesOf(widths).map(([k, r, c]) => [k, rng.gaussianMatrix(r, c, 0.5).astype(dtype)]));
  const plain = copies(init, null), fused = copies(init, resident);
  const hyper = { learningRate: 3e-2, beta1: 0.8, beta2: 0.95 };
  const plainConfigs: Record<string, AdamConfig> = {}, fusedConfigs: Record<string, AdamConfig> = {};
  for (const k of Object.keys(init)) {
    plainConfigs[k] = { ...hyper };
    fusedConfigs[k] = { ...hyper };
  }
  let fusedSteps = 0;
  for (let s = 0; s < steps; s++) {
    const g = gradients(rng, init, dtype, resident);
    const gPlain = copies(g, null);
    for (const k of Object.keys(plain)) adam(plain[k], gPlain[k], plainConfigs[k]);
    if (adamAll(fused, g, fusedConfigs)) fusedSteps++;
    else for (const k of Object.keys(fused)) adam(fused[k], g[k], fusedConfigs[k]);
  }
  return { plain: state(plain, plainConfigs), fused: state(fused, fusedConfigs), fusedSteps };
}

