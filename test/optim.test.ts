import { describe, it, expect } from 'vitest';
import { Matrix, sgd, sgdMomentum, rmsprop, adam, OptimConfig } from '../lib/index.js';

// Two steps of each rule on w = [1, -2], dw = [0.5, 0.25] (the same gradient both steps),
// with the values worked out by hand from the update equations.
const w0 = () => Matrix.rowVector([1, -2]);
const dw = Matrix.rowVector([0.5, 0.25]);

function twoSteps(rule: (w: Matrix, dw: Matrix, c: OptimConfig) => [Matrix, OptimConfig], config: OptimConfig) {
  let [w, c] = rule(w0(), dw, config);
  const first = Array.from(w.data);
  [w, c] = rule(w, dw, c);
  return { first, second: Array.from(w.data), config: c };
}

describe('update rules, two steps by hand', () => {
  it('sgd: w − lr·dw', () => {
    const r = twoSteps(sgd, { learningRate: 0.1 });
    expect(r.first).toEqual([1 - 0.05, -2 - 0.025]);
    expect(r.second[0]).toBeCloseTo(0.9, 15);
    expect(r.second[1]).toBeCloseTo(-2.05, 15);
  });

  it('sgd default learning rate is 1e-2', () => {
    expect(twoSteps(sgd, {}).config.learningRate).toBe(1e-2);
  });

  it('sgdMomentum: v = μv − lr·dw, w += v', () => {
    // step 1: v = [-0.05, -0.025]; w = [0.95, -2.025]
    // step 2: v = 0.9·v − 0.1·dw = [-0.095, -0.0475]; w = [0.855, -2.0725]
    const r = twoSteps(sgdMomentum, { learningRate: 0.1, momentum: 0.9 });
    expect(r.first[0]).toBeCloseTo(0.95, 15);
    expect(r.second[0]).toBeCloseTo(0.855, 15);
    expect(r.second[1]).toBeCloseTo(-2.0725, 15);
    expect(Array.from(r.config.velocity!.data).map((v) => +v.toFixed(12))).toEqual([-0.095, -0.0475]);
  });

  it('rmsprop: cache = ρ·cache + (1−ρ)·dw², w −= lr·dw/(√cache + ε)', () => {
    // step 1: cache = 0.01·[0.25, 0.0625] = [0.0025, 0.000625]; √ = [0.05, 0.025]; w −= 0.01·[10, 10]
    // step 2: cache = 0.99·c + 0.01·dw² = [0.0049750, 0.00124375]
    const r = twoSteps(rmsprop, { learningRate: 0.01, decayRate: 0.99, epsilon: 0 });
    expect(r.first[0]).toBeCloseTo(1 - 0.1, 14);
    expect(r.first[1]).toBeCloseTo(-2 - 0.1, 14);
    expect(r.second[0]).toBeCloseTo(0.9 - 0.01 * 0.5 / Math.sqrt(0.004975), 14);
    expect(r.second[1]).toBeCloseTo(-2.1 - 0.01 * 0.25 / Math.sqrt(0.00124375), 14);
  });

  it('adam: bias-corrected moments; with a constant gradient each step moves lr·sign(dw)', () => {
    // With a constant gradient m̂ = dw and v̂ = dw² exactly at every t, so each step is lr·dw/(|dw| + ε).
    const r = twoSteps(adam, { learningRate: 0.1 });
    const step = (g: number) => 0.1 * g / (Math.abs(g) + 1e-8);
    expect(r.first[0]).toBeCloseTo(1 - step(0.5), 14);
    expect(r.second[0]).toBeCloseTo(1 - 2 * step(0.5), 14);
    expect(r.second[1]).toBeCloseTo(-2 - 2 * step(0.25), 14);
    expect(r.config.t).toBe(2);
    // m after two steps: 0.9·(0.1·0.5) + 0.1·0.5 = 0.095
    expect(r.config.m!.data[0]).toBeCloseTo(0.095, 15);
  });

  it('adam with a changing gradient matches the equations', () => {
    const w = Matrix.rowVector([1]);
    const c: OptimConfig = {};
    adam(w, Matrix.rowVector([1]), c);
    adam(w, Matrix.rowVector([-2]), c);
    const m = 0.9 * 0.1 * 1 + 0.1 * -2, v = 0.999 * 0.001 * 1 + 0.001 * 4;
    const expected = 1 - 1e-3 * 1 / (1 + 1e-8) - 1e-3 * (m / (1 - 0.81)) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
    expect(w.data[0]).toBeCloseTo(expected, 14);
    expect([c.learningRate, c.beta1, c.beta2, c.epsilon]).toEqual([1e-3, 0.9, 0.999, 1e-8]);
  });

  it('rejects a gradient of the wrong shape', () => {
    expect(() => adam(w0(), Matrix.rowVector([1, 2, 3]), {})).toThrow(/adam dw: expected shape 1x2, got 1x3/);
  });
});
