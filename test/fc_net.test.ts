import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Matrix, Rng, FullyConnectedNet, evalNumericalGradient, relError, Activation, Normalization, LossKind, sumOfSquares,
} from '../lib/index.js';
import { saveModel, loadModel, modelFromJSON, modelToJSON } from '../lib/persist/model_file.js';
import { addL2Gradient, addScaledInPlace, checkFinite } from '../lib/entries/kernels.js';

import { problem as makeProblem } from './problems.js';

const N = 6, D = 5, C = 4;
const problem = (loss: LossKind, seed: number) => makeProblem(loss, seed, N, D, C);

describe('FullyConnectedNet gradients', () => {
  let worst = 0;
  for (const depth of [2, 3, 5]) {
    for (const activation of ['relu', 'sigmoid', 'tanh'] as Activation[]) {
      for (const normalization of ['none', 'batchnorm'] as Normalization[]) {
        for (const loss of ['softmax', 'mse'] as LossKind[]) {
          it(`${depth} layers, ${activation}, ${normalization}, ${loss}, reg 0.1: max rel error <= 1e-6`, () => {
            const { X, y, rng } = problem(loss, depth * 100 + activation.length);
            const hiddenDims = Array.from({ length: depth - 1 }, (_, i) => 7 - i);
            const net = new FullyConnectedNet({ inputDim: D, hiddenDims, outputDim: C, activation, normalization, loss, reg: 0.1, seed: 3 });
            // Non-trivial biases and batchnorm parameters, so every parameter is exercised.
            for (const [k, m] of Object.entries(net.params)) {
              if (!k.startsWith('W')) for (let i = 0; i < m.size; i++) m.data[i] += 0.3 * rng.gaussian();
            }
            const { grads } = net.loss(X, y);
            for (const [name, param] of Object.entries(net.params)) {
              // ReLU has kinks, so it needs a small step; deep sigmoid/tanh nets have tiny gradients that
              // the 2-point rounding noise would swamp, and are smooth, so they get the 4-point stencil.
              const numeric = activation === 'relu'
                ? evalNumericalGradient(() => net.loss(X, y).loss, param, 1e-5, 2)
                : evalNumericalGradient(() => net.loss(X, y).loss, param, 1e-4, 4);
              const biasBeforeBatchnorm = normalization === 'batchnorm' && /^b\d+$/.test(name) && name !== `b${depth}`;
              if (biasBeforeBatchnorm) {
                // The batch mean subtracts any bias added before batchnorm: its gradient is 0 by construction,
                // and the numerical one is rounding noise.
                expect(Math.max(...grads[name].data.map(Math.abs)), name).toBeLessThan(1e-12);
                expect(Math.max(...numeric.data.map(Math.abs)), name).toBeLessThan(1e-9);
                continue;
              }
              const err = relError(grads[name], numeric);
              worst = Math.max(worst, err);
              expect(err, name).toBeLessThanOrEqual(1e-6);
            }
          });
        }
      }
    }
  }
  it('(worst relative error over the grid, for the record)', () => {
    console.log(`FullyConnectedNet gradient check: worst relative error ${worst.toExponential(2)}`);
    expect(worst).toBeGreaterThan(0);
  });
});

describe('FullyConnectedNet', () => {
  it('adds 0.5·reg·ΣW² to the loss, on weights only', () => {
    const { X, y } = problem('softmax', 1);
    const a = new FullyConnectedNet({ inputDim: D, hiddenDims: [8], outputDim: C, reg: 0, seed: 1 });
    const b = new FullyConnectedNet({ inputDim: D, hiddenDims: [8], outputDim: C, reg: 0.5, seed: 1 });
    let sq = 0;
    for (const k of ['W1', 'W2']) for (const v of a.params[k].data) sq += v * v;
    expect(b.loss(X, y).loss - a.loss(X, y).loss).toBeCloseTo(0.5 * 0.5 * sq, 10);
  });

  it('checkFinite finds NaN and ±Infinity anywhere, naming the first one, and passes finite extremes', () => {
    for (const cols of [1, 3, 4, 5, 9]) {
      const m = new Matrix(3, cols);
      m.data.set([Number.MAX_VALUE, -Number.MAX_VALUE, -0, Number.MIN_VALUE].slice(0, m.size));
      expect(() => checkFinite('m', m)).not.toThrow();
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of [0, m.size - 1, Math.floor(m.size / 2)]) {
          const b = m.clone();
          b.data[at] = bad;
          if (at < m.size - 1) b.data[m.size - 1] = NaN; // a later one, not the one named
          const i = Math.floor(at / cols);
          expect(() => checkFinite('m', b)).toThrow(`m: expected finite values, found ${bad} at (${i}, ${at - i * cols})`);
        }
      }
    }
  });

  it('addL2Gradient gives addScaledInPlace bit for bit, and ΣW² as four running sums by index mod 4', () => {
    const rng = new Rng(5);
    for (const cols of [1, 2, 3, 4, 5, 7, 100]) {
      const w = rng.gaussianMatrix(3, cols), dw = rng.gaussianMatrix(3, cols);
      const expected = addScaledInPlace(dw.clone(), w, 0.3);
      const s = [0, 0, 0, 0];
      w.data.forEach((x, k) => { s[k % 4] += x * x; });
      const sum = addL2Gradient(dw, w, 0.3);
      expect(sum).toBe(((s[0] + s[1]) + s[2]) + s[3]);
      expect(Math.abs(sum - sumOfSquares(w))).toBeLessThanOrEqual(1e-15 * sumOfSquares(w));
      expect(dw.data).toEqual(expected.data);
    }
  });

  it('initialises by seed: same seed same weights, He std ≈ sqrt(2/fanIn)', () => {
    const a = new FullyConnectedNet({ inputDim: 400, hiddenDims: [300], outputDim: 10, seed: 7 });
    const b = new FullyConnectedNet({ inputDim: 400, hiddenDims: [300], outputDim: 10, seed: 7 });
    const c = new FullyConnectedNet({ inputDim: 400, hiddenDims: [300], outputDim: 10, seed: 8 });
    expect(a.params.W1.data).toEqual(b.params.W1.data);
    expect(a.params.W1.data).not.toEqual(c.params.W1.data);
    const w = a.params.W1.data;
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 400), 3);
  });

  it('toJSON/fromJSON and save/load round-trip exactly, batchnorm running statistics included', () => {
    const { X, y } = problem('softmax', 2);
    const net = new FullyConnectedNet({ inputDim: D, hiddenDims: [6, 5], outputDim: C, normalization: 'batchnorm', dropout: 0.2, seed: 4 });
    net.loss(X, y); // moves the running statistics away from 0 and 1
    const path = join(mkdtempSync(join(tmpdir(), 'nnlab-')), 'model.json');
    saveModel(net, path);
    const back = loadModel(path);
    expect(modelToJSON(back)).toEqual(modelToJSON(net));
    expect(back.bnParams[0].runningMean!.data).toEqual(net.bnParams[0].runningMean!.data);
    expect(back.loss(X).data).toEqual(net.loss(X).data);
    expect(modelFromJSON(JSON.parse(JSON.stringify(modelToJSON(net)))).loss(X).data).toEqual(net.loss(X).data);
  });

  it('rejects bad inputs and corrupt model files with errors naming what is wrong', () => {
    const net = new FullyConnectedNet({ inputDim: D, hiddenDims: [6], outputDim: C });
    expect(() => net.loss(new Matrix(2, D + 1))).toThrow(/X has 6 columns, expected inputDim = 5/);
    const bad = new Matrix(2, D); bad.data[3] = NaN;
    expect(() => net.loss(bad)).toThrow(/expected finite values, found NaN at \(0, 3\)/);
    expect(() => net.loss(new Matrix(2, D), [0, 9])).toThrow(/label at index 1 is 9/);
    expect(() => new FullyConnectedNet({ inputDim: D, hiddenDims: [6], outputDim: C, activation: 'swish' as Activation })).toThrow(/unknown activation 'swish'/);
    expect(() => new FullyConnectedNet({ inputDim: D, hiddenDims: [0], outputDim: C })).toThrow(/hiddenDims\[0\] must be a positive integer, got 0/);
    expect(() => new FullyConnectedNet({ inputDim: D, hiddenDims: [6], outputDim: C, lr: 1 } as never)).toThrow(/unknown option 'lr'/);

    const dir = mkdtempSync(join(tmpdir(), 'nnlab-'));
    const truncated = join(dir, 'truncated.json');
    writeFileSync(truncated, JSON.stringify(modelToJSON(net)).slice(0, 100));
    expect(() => loadModel(truncated)).toThrow(/truncated\.json is not valid JSON/);
    const wrongShape = join(dir, 'wrong.json');
    const j = modelToJSON(net);
    j.params.W1 = { rows: 1, cols: 1, data: [0] };
    writeFileSync(wrongShape, JSON.stringify(j));
    expect(() => loadModel(wrongShape)).toThrow(/parameter W1 is 1x1, expected 5x6/);
    expect(() => loadModel(join(dir, 'missing.json'))).toThrow(/cannot read model file .*missing\.json/);
  });

  it('a failed save leaves the previous file intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnlab-'));
    const path = join(dir, 'model.json');
    const net = new FullyConnectedNet({ inputDim: D, hiddenDims: [6], outputDim: C });
    saveModel(net, path);
    const before = readFileSync(path, 'utf8');
    net.params.W1.data[0] = Infinity; // JSON cannot hold it: matrixToJSON writes null, which load rejects
    const bigger = new FullyConnectedNet({ inputDim: D, hiddenDims: [6], outputDim: C, seed: 99 });
    // Saving into a path whose parent is a file fails before anything is renamed over the target.
    expect(() => saveModel(bigger, join(path, 'nested.json'))).toThrow(/could not write|ENOTDIR|EEXIST/);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});
