/**
 * The optional float32 path: a network built with dtype 'float32' keeps its parameters,
 * activations, gradients and optimiser state in float32 and must compute the same function as
 * the float64 network up to float32 rounding. The independent reference is the float64 net
 * itself (whose gradients are checked numerically in fc_net.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Matrix, FullyConnectedNet, Solver, matmul, type LossKind, type Normalization, type Activation,
} from '../lib/index.js';
import { kernelBackend, setKernelBackend, type KernelBackend } from '../lib/kernels/index.js';
import { saveModel, loadModel, modelFromJSON, modelToJSON } from '../lib/persist/model_file.js';

import { blobs, problem as makeProblem } from './problems.js';

const N = 16, D = 12, C = 5;
const problem = (loss: LossKind, seed: number) => makeProblem(loss, seed, N, D, C);

/** The largest |a − b| over all entries, relative to the largest |b|. */
function maxRelDiff(a: Matrix, b: Matrix): number {
  let diff = 0, scale = 0;
  for (let k = 0; k < a.size; k++) {
    diff = Math.max(diff, Math.abs(a.data[k] - b.data[k]));
    scale = Math.max(scale, Math.abs(b.data[k]));
  }
  return diff / scale;
}

describe('Matrix number types', () => {
  it('zeros, like and astype keep or convert the type; results follow their operands', () => {
    const a = Matrix.zeros(2, 3, 'float32');
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(a.dtype).toBe('float32');
    expect(Matrix.like(a, 4, 1).data).toBeInstanceOf(Float32Array);
    const b = Matrix.from([[1 / 3, 2], [3, 4], [5, 6]]);
    expect(b.dtype).toBe('float64');
    expect(b.astype('float64')).toBe(b); // no copy when nothing changes
    const b32 = b.astype('float32');
    expect(b32.get(0, 0)).toBe(Math.fround(1 / 3));
    const c = matmul(a, b32);
    expect(c.dtype).toBe('float32');
    expect(b32.selectRows([2, 0]).dtype).toBe('float32');
  });

  it('products refuse to mix float32 and float64, naming both', () => {
    const a = Matrix.zeros(2, 3, 'float32'), b = Matrix.zeros(3, 2);
    expect(() => matmul(a, b)).toThrow(/matmul: A is float32 but B is float64/);
    expect(() => matmul(b.astype('float32').astype('float64'), a.astype('float64'), Matrix.zeros(3, 3, 'float32'))).toThrow(/out is float32/);
    expect(() => Matrix.zeros(2, 2, 'float16' as never)).toThrow(/dtype must be 'float64' or 'float32', got 'float16'/);
  });
});

describe('FullyConnectedNet with dtype float32', () => {
  const grid: [Activation, Normalization, LossKind][] = [
    ['relu', 'none', 'softmax'], ['tanh', 'batchnorm', 'softmax'], ['sigmoid', 'none', 'mse'], ['relu', 'batchnorm', 'mse'],
  ];
  for (const [activation, normalization, loss] of grid) {
    it(`${activation}, ${normalization}, ${loss}: loss and gradients match float64 up to float32 rounding`, () => {
      const { X, y } = problem(loss, 3);
      const make = (dtype: 'float64' | 'float32') => new FullyConnectedNet({
        inputDim: D, hiddenDims: [20, 10], outputDim: C, activation, normalization, loss, reg: 0.05, seed: 7, dtype,
      });
      const n64 = make('float64'), n32 = make('float32');
      for (const [k, m] of Object.entries(n32.params)) {
        expect(m.data, k).toBeInstanceOf(Float32Array);
        // The same initial values, rounded.
        expect(Array.from(m.data)).toEqual(Array.from(n64.params[k].data, Math.fround));
      }
      const r64 = n64.loss(X, y), r32 = n32.loss(X, y); // X is float64: the net converts it
      expect(Math.abs(r32.loss - r64.loss) / Math.abs(r64.loss)).toBeLessThan(1e-5);
      for (const [k, g] of Object.entries(r64.grads)) {
        expect(r32.grads[k].dtype, k).toBe('float32');
        if (normalization === 'batchnorm' && /^b[12]$/.test(k)) {
          // A bias before batchnorm has a zero gradient (the batch mean cancels it): float32
          // leaves only rounding noise, far below the other gradients' scale.
          expect(Math.max(...Array.from(r32.grads[k].data, Math.abs)), k).toBeLessThan(1e-6);
        } else {
          expect(maxRelDiff(r32.grads[k], g), k).toBeLessThan(1e-4);
        }
      }
      const s32 = n32.loss(X);
      expect(s32.dtype).toBe('float32');
      expect(maxRelDiff(s32, n64.loss(X))).toBeLessThan(1e-5);
    });
  }

  it('rejects an unknown dtype, naming the option', () => {
    expect(() => new FullyConnectedNet({ inputDim: 2, hiddenDims: [], outputDim: 2, dtype: 'int8' as never }))
      .toThrow(/FullyConnectedNet: dtype must be 'float64' or 'float32', got "int8"/);
  });

  it('saves and loads as float32, exactly; a file without dtype loads as float64', () => {
    const net = new FullyConnectedNet({ inputDim: D, hiddenDims: [8], outputDim: C, normalization: 'batchnorm', seed: 1, dtype: 'float32' });
    const { X, y } = problem('softmax', 4);
    net.loss(X, y); // moves the batchnorm running statistics
    const path = join(mkdtempSync(join(tmpdir(), 'nnlab-f32-')), 'net.json');
    saveModel(net, path);
    const back = loadModel(path);
    expect(back.config.dtype).toBe('float32');
    for (const [k, m] of Object.entries(net.params)) {
      expect(back.params[k].data).toBeInstanceOf(Float32Array);
      expect(Array.from(back.params[k].data)).toEqual(Array.from(m.data));
    }
    expect(Array.from(back.loss(X).data)).toEqual(Array.from(net.loss(X).data));

    const json = modelToJSON(net) as unknown as { config: Record<string, unknown> };
    delete json.config.dtype; // a model saved before float32 existed
    expect(modelFromJSON(json).params.W1.dtype).toBe('float64');
  });
});

describe('training in float32', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  const all = blobs(135, 1);
  const tr = { X: all.X.selectRows(Array.from({ length: 90 }, (_, i) => i)), y: all.y.subarray(0, 90) };
  const va = { X: all.X.selectRows(Array.from({ length: 45 }, (_, i) => 90 + i)), y: all.y.subarray(90) };
  const run = (dtype: 'float64' | 'float32') => {
    const model = new FullyConnectedNet({ inputDim: 10, hiddenDims: [32, 32], outputDim: 3, reg: 1e-3, seed: 5, dtype });
    const solver = new Solver(model, { XTrain: tr.X, yTrain: tr.y, XVal: va.X, yVal: va.y }, {
      updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 16, numEpochs: 5, seed: 3,
    });
    solver.train();
    return { model, solver };
  };

  it('follows the float64 run closely and learns as well', () => {
    const a = run('float64'), b = run('float32');
    expect(b.model.params.W1.dtype).toBe('float32');
    // Same minibatches, same start: the losses drift apart only by float32 rounding.
    for (let t = 0; t < a.solver.lossHistory.length; t++) {
      expect(Math.abs(b.solver.lossHistory[t] - a.solver.lossHistory[t]), `iteration ${t}`).toBeLessThan(1e-3 * (1 + a.solver.lossHistory[t]));
    }
    expect(b.solver.bestValMetric).toBeGreaterThan(0.9);
    expect(Math.abs(b.solver.bestValMetric - a.solver.bestValMetric)).toBeLessThanOrEqual(2 / 45);
  });

  it('gives the same losses and weights, bit for bit, with either kernel backend', () => {
    const losses = (backend: KernelBackend) => {
      setKernelBackend(backend);
      const { model, solver } = run('float32');
      return { losses: solver.lossHistory, w: Array.from(model.params.W2.data) };
    };
    const js = losses('js'), wasm = losses('wasm');
    expect(wasm.losses).toEqual(js.losses);
    expect(wasm.w).toEqual(js.w);
  });
});
