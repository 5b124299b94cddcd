/**
 * Adam over all of a model's parameters in one WebAssembly call (lib/fast/adam_all.ts,
 * assembly/adam.ts's adamAll): bit for bit the weights, moments and configs that optim.ts's
 * adam leaves when called once per parameter, over several steps, on nets of several depths,
 * in both number types, on one thread and shared; and where it cannot give that, it declines.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Matrix, type DType } from '../lib/nn/matrix.js';
import { adam, type AdamConfig } from '../lib/nn/optim.js';
import { Rng } from '../lib/nn/random.js';
import { adamAll } from '../lib/fast/adam_all.js';
import { kernelBackend, setKernelBackend } from '../lib/kernels/index.js';
import { forceThreadSharing, kernelThreads } from '../lib/kernels/wasm.js';
import { NETS, copies, gradients, stepBothWays, resident, state } from './adam_all_steps.js';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('Adam over all parameters in one call', () => {
  const initial = kernelBackend();
  afterEach(() => {
    setKernelBackend(initial);
    forceThreadSharing(null);
  });

  for (const dtype of ['float64', 'float32'] as DType[]) {
    it(`${dtype}: equals optim.ts's adam per parameter bit for bit (weights, m, v, configs), nets of 1, 3, 17 layers`, () => {
      setKernelBackend('wasm');
      for (const [i, widths] of NETS.slice(0, 3).entries()) {
        const { plain, fused, fusedSteps } = stepBothWays(widths, dtype, 6, 10 + i);
        expect(fusedSteps, `widths ${widths}`).toBe(5); // every step after the first
        expect(fused, `widths ${widths}`).toEqual(plain);
        expect(plain.W1.t).toBe(6);
      }
    });

    it(`${dtype}: the same bits on one thread and with large parameters shared (${kernelThreads} kernel threads here)`, () => {
      setKernelBackend('wasm');
      for (const shared of [false, true]) {
        forceThreadSharing(shared);
        const { plain, fused, fusedSteps } = stepBothWays(NETS[3], dtype, 4, 30);
        expect(fusedSteps).toBe(3);
        expect(fused, `shared ${shared}`).toEqual(plain);
      }
    });
  }

  it('a process with one kernel thread (NNLAB_THREADS=1: every parameter in the one call) gives the same bits', () => {
    setKernelBackend('wasm');
    const here = (['float64', 'float32'] as DType[]).map((dtype) => stepBothWays(NETS[3], dtype, 4, 30).plain);
    const code = `import { stepBothWays, NETS } from './test/adam_all_steps.ts';
      import { kernelThreads } from './lib/kernels/wasm.ts';
      import { setKernelBackend } from './lib/kernels/index.ts';
      setKernelBackend('wasm');
      const runs = ['float64', 'float32'].map((dtype) => stepBothWays(NETS[3], dtype, 4, 30));
      process.stdout.write(JSON.stringify({ threads: kernelThreads, steps: runs.map((r) => r.fusedSteps), fused: runs.map((r) => r.fused) }));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NNLAB_THREADS: '1', NNLAB_KERNELS: 'wasm' },
    });
    expect(child.status, child.stderr).toBe(0);
    const there = JSON.parse(child.stdout) as { threads: number; steps: number[]; fused: unknown[] };
    expect(there.threads).toBe(1);
    expect(there.steps).toEqual([3, 3]);
    expect(there.fused).toEqual(JSON.parse(JSON.stringify(here)));
  }, 60_000);

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
