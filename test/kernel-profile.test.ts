/**
 * The opt-in profile of the kernels (lib/kernels/profile.ts): off, the kernels are the backend's
 * own functions (nothing timed); on, every call lands in its category, evaluation passes count
 * as evaluation only, and the results do not change.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FullyConnectedNet, Solver } from '../lib/index.js';
import { EvalWorkspace } from '../lib/fast/eval_workspace.js';
import { KernelProfile, kernelProfile, kernels, profileKernels, setKernelBackend, kernelBackend } from '../lib/kernels/index.js';
import { problem } from './problems.js';

const initial = kernelBackend();
afterEach(() => { profileKernels(null); setKernelBackend(initial); });

function setup() {
  const { X, y } = problem('softmax', 3, 40, 6, 3);
  const net = new FullyConnectedNet({ inputDim: 6, hiddenDims: [8], outputDim: 3, normalization: 'batchnorm', seed: 1 });
  const solver = new Solver(net, { XTrain: X, yTrain: y, XVal: X, yVal: y }, { updateRule: 'adam', batchSize: 10 });
  return { X, y, net, solver };
}

describe('kernel profile', () => {
  it('is off by default and then leaves the kernels untouched', () => {
    expect(kernelProfile()).toBeNull();
    const own = kernels;
    profileKernels(new KernelProfile());
    expect(kernels).not.toBe(own);
    profileKernels(null);
    expect(kernels).toBe(own);
    // Switching backends keeps a profile on (and off stays off).
    const p = new KernelProfile();
    profileKernels(p);
    setKernelBackend('js');
    expect(kernelProfile()).toBe(p);
    expect(kernels.inPlace(new Float64Array(1))).toBe(true);
  });

  it('times products, Adam and elementwise passes of a step, and an evaluation pass as evaluation only, without changing a result', () => {
    const plain = setup();
    const lossPlain = plain.solver.step(plain.X, plain.y);
    const accPlain = plain.solver.evaluate(plain.X, plain.y);

    const { X, y, net, solver } = setup();
    const p = new KernelProfile();
    profileKernels(p);
    const loss = solver.step(X, y);
    expect(loss).toBe(lossPlain);
    // Forward and backward products of 2 layers (the first layer's dx is skipped): 2 + 3.
    expect(p.calls.products).toBe(5);
    expect(p.calls.adam).toBe(Object.keys(net.params).length);
    expect(p.calls.elementwise).toBeGreaterThan(5);
    expect(p.ms.products).toBeGreaterThan(0);
    const before = { ...p.calls };
    expect(solver.evaluate(X, y)).toBe(accPlain);
    new EvalWorkspace().forEachBatch(net, X, { dtype: 'float64', batchSize: 16, what: 'X' }, () => {});
    expect(p.calls).toEqual({ ...before, evaluation: 2 });
    expect(p.ms.evaluation).toBeGreaterThan(0);
  });
});
