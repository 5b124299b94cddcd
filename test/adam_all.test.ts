/**
 * Adam over all of a model's parameters in one WebAssembly call (lib/fast/adam_all.ts,
 * assembly/adam.ts's adamAll): bit for bit the weights, moments and configs that optim.ts's
 * adam leaves when called once per parameter, over several steps, on nets of several depths,
 * in both number types, on one thread and shared; and where it cannot give that, it declines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Matrix, type Allocator, type DType } from '../lib/nn/matrix.js';
import { adam, type AdamConfig } from '../lib/nn/optim.js';
import { Rng } from '../lib/nn/random.js';
import { adamAll } from '../lib/fast/adam_all.js';
import { kernels, kernelBackend, setKernelBackend, wasmAvailable } from '../lib/kernels/index.js';
import { forceThreadSharing, kernelThreads } from '../lib/kernels/wasm.js';

/** Resident storage, as the fast engine gives parameters (and so their moments): see StepWorkspace. */
const resident: Allocator = { take: (f32, n) => (f32 ? kernels.alloc32(n) : kernels.alloc(n)) };

/**
 * The parameter shapes of a net with these layer widths (W then b per layer). Odd element
 * counts throughout (7×13 = 91, 1×13, …): ragged SIMD tails in both types.
 */
function shapesOf(widths: number[]): [string, number, number][] {
  return widths.slice(1).flatMap((out, i): [string, number, number][] => [[`W${i + 1}`, widths[i], out], [`b${i + 1}`, 1, out]]);
}

const NETS: number[][] = [
  [7, 3],
  [7, 13, 5, 3],
  [9, ...Array<number>(16).fill(11), 3], // 17 layers, 34 parameters
  [131, 127, 12], // W1 has 16,637 elements: large enough to be shared between threads
];

type Params = Record<string, Matrix>;

/** Fresh random gradients for every parameter, in dtype, as the fast engine's step arena would hold (resident). */
function gradients(rng: Rng, params: Params, dtype: DType, where: Allocator | null): Params {
  return Object.fromEntries(Object.entries(params).map(([k, w]) => {
    const g = where ? new Matrix(w.rows, w.cols, where.take(dtype === 'float32', w.rows * w.cols), where) : Matrix.zeros(w.rows, w.cols, dtype);
    g.data.set(rng.gaussianMatrix(w.rows, w.cols, 0.3).astype(dtype).data);
    return [k, g];
  }));
}

/** Copies of params in ordinary memory (or resident, with `where`). */
function copies(params: Params, where: Allocator | null): Params {
  return Object.fromEntries(Object.entries(params).map(([k, w]) => {
    const c = where ? new Matrix(w.rows, w.cols, where.take(w.dtype === 'float32', w.rows * w.cols), where) : Matrix.zeros(w.rows, w.cols, w.dtype);
    c.data.set(w.data);
    return [k, c];
  }));
}

const bits = (m: Matrix | undefined) => (m === undefined ? undefined : { dtype: m.dtype, values: Array.from(m.data) });
const state = (params: Params, configs: Record<string, AdamConfig>) => Object.fromEntries(Object.keys(params).map((k) => [k, {
  w: bits(params[k]), ...configs[k], m: bits(configs[k].m), v: bits(configs[k].v),
}]));

/**
 * `steps` Adam steps on a net of these widths: the reference (optim.ts's adam per parameter, in
 * ordinary memory) and the fused one (first step per parameter, as the Solver does when m and
 * v do not exist yet; then adamAll), on the same gradients. Returns both states and how many
 * fused steps ran.
 */
function race(widths: number[], dtype: DType, steps: number, seed: number) {
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

describe.runIf(wasmAvailable())('Adam over all parameters in one call', () => {
  const initial = kernelBackend();
  afterEach(() => {
    setKernelBackend(initial);
    forceThreadSharing(null);
  });

  for (const dtype of ['float64', 'float32'] as DType[]) {
    it(`${dtype}: equals optim.ts's adam per parameter bit for bit (weights, m, v, configs), nets of 1, 3, 17 layers`, () => {
      setKernelBackend('wasm');
      for (const [i, widths] of NETS.slice(0, 3).entries()) {
        const { plain, fused, fusedSteps } = race(widths, dtype, 6, 10 + i);
        expect(fusedSteps, `widths ${widths}`).toBe(5); // every step after the first
        expect(fused, `widths ${widths}`).toEqual(plain);
        expect(plain.W1.t).toBe(6);
      }
    });

    it(`${dtype}: the same bits on one thread and with large parameters shared (${kernelThreads} kernel threads here)`, () => {
      setKernelBackend('wasm');
      for (const shared of [false, true]) {
        forceThreadSharing(shared);
        const { plain, fused, fusedSteps } = race(NETS[3], dtype, 4, 30);
        expect(fusedSteps).toBe(3);
        expect(fused, `shared ${shared}`).toEqual(plain);
      }
    });
  }

  it('declines, changing nothing, where it cannot give adam\'s result', () => {
    setKernelBackend('wasm');
    const make = () => {
      const rng = new Rng(5);
      const params = copies({ W: rng.gaussianMatrix(5, 3), b: rng.gaussianMatrix(1, 3) }, resident);
      const grads = gradients(rng, params, 'float64', resident);
      const configs: Record<string, AdamConfig> = {};
      for (const k of Object.keys(params)) adam(params[k], grads[k], (configs[k] = {})); // the first step, plain
      return { params, grads, configs };
    };
    const cases: [string, (c: ReturnType<typeof make>) => void][] = [
      ['a first step (no m, v yet)', (c) => { delete c.configs.b.m; }],
      ['different step counts', (c) => { c.configs.b.t = 7; }],
      ['different learning rates', (c) => { c.configs.W.learningRate = 0.5; }],
      ['a gradient of another shape', (c) => { c.grads.b = new Matrix(3, 1, c.grads.b.data); }],
      ['a gradient in ordinary memory', (c) => { c.grads.W = copies({ W: c.grads.W }, null).W; }],
      ['a moment in ordinary memory (e.g. restored from a checkpoint)', (c) => { c.configs.W.v = copies({ v: c.configs.W.v! }, null).v; }],
      ['a float32 gradient among float64', (c) => { c.grads.W = copies({ W: c.grads.W.astype('float32') }, resident).W; }],
    ];
    for (const [what, spoil] of cases) {
      const c = make();
      spoil(c);
      const before = JSON.stringify(state(c.params, c.configs));
      expect(adamAll(c.params, c.grads, c.configs), what).toBe(false);
      expect(JSON.stringify(state(c.params, c.configs)), what).toBe(before);
    }
    const c = make();
    expect(adamAll(c.params, c.grads, c.configs)).toBe(true); // unspoiled: runs
    setKernelBackend('js'); // no kernel for it there
    expect(adamAll(c.params, c.grads, c.configs)).toBe(false);
  });
});
