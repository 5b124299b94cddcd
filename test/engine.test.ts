/**
 * The seam (lib/nn/engine.ts): the Solver and predict give the same results, bit for bit, on the
 * plain reference engine and on the fast one (lib/fast/engine.ts), on both kernel backends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FullyConnectedNet, Matrix, Solver, type DType, type Normalization } from '../lib/index.js';
import { referenceEngine } from '../lib/nn/engine.js';
import { FastEngine } from '../lib/fast/engine.js';
import { kernelBackend, setKernelBackend, wasmAvailable, type KernelBackend } from '../lib/kernels/index.js';
import { blobs } from './problems.js';

const train = blobs(70, 1), val = blobs(40, 2);
const data = { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y };
const backends: KernelBackend[] = wasmAvailable() ? ['js', 'wasm'] : ['js'];

function run(engine: 'reference' | 'fast', normalization: Normalization, dtype: DType, updateRule: 'adam' | 'rmsprop') {
  const net = new FullyConnectedNet({ inputDim: 10, hiddenDims: [12, 9], outputDim: 3, normalization, dropout: 0.2, reg: 0.01, seed: 4, dtype });
  const solver = new Solver(net, data, { updateRule, optimConfig: { learningRate: 1e-2 }, batchSize: 16, numEpochs: 3, numTrainSamples: 50, seed: 9 });
  solver.engine = engine === 'reference' ? referenceEngine() : new FastEngine();
  // Counts the steps whose update the engine made in one call (Engine.updateAll).
  const updateAll = solver.engine.updateAll?.bind(solver.engine);
  let updatedAll = 0;
  if (updateAll) solver.engine.updateAll = (...args) => (updateAll(...args) ? (updatedAll++, true) : false);
  solver.train();
  const array = (m: unknown) => (m instanceof Matrix ? { dtype: m.dtype, values: Array.from(m.data) } : m);
  return {
    loss: solver.lossHistory, train: solver.trainMetricHistory, val: solver.valMetricHistory,
    params: Object.fromEntries(Object.entries(net.params).map(([k, m]) => [k, Array.from(m.data)])),
    // The optimiser state, as checkpoints save it: every config's hyperparameters, t, moments.
    optimConfigs: Object.fromEntries(Object.entries(solver.optimConfigs).map(([k, c]) => [k, Object.fromEntries(Object.entries(c).map(([h, x]) => [h, array(x)]))])),
    predicted: Array.from(net.predict(val.X, 7)),
    updatedAll,
  };
}

describe('the engine seam', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  for (const backend of backends) {
    it(`${backend}: training on the fast engine equals the reference engine bit for bit`, () => {
      setKernelBackend(backend);
      for (const normalization of ['none', 'batchnorm'] as Normalization[]) {
        for (const dtype of ['float64', 'float32'] as DType[]) {
          for (const rule of ['adam', 'rmsprop'] as const) {
            const reference = run('reference', normalization, dtype, rule);
            const fast = run('fast', normalization, dtype, rule);
            expect({ ...fast, updatedAll: 0 }).toEqual(reference);
            // Adam's update in one call on every step but the first (which creates m and v),
            // where the WebAssembly kernels run: 3 epochs of 5 steps (70 rows, batches of 16).
            expect(fast.updatedAll).toBe(rule === 'adam' && backend === 'wasm' ? 14 : 0);
          }
        }
      }
    });
  }

  it('the reference engine scores listed rows and leading rows, and checks its arguments', () => {
    const net = new FullyConnectedNet({ inputDim: 10, hiddenDims: [5], outputDim: 3, seed: 1 });
    const seen: [number, number][] = [];
    referenceEngine().forEachBatch(net, val.X, { dtype: 'float64', batchSize: 3, rows: [4, 0, 7, 1], what: 'X' }, (scores, first) => {
      seen.push([first, scores.rows]);
      expect(Array.from(scores.data)).toEqual(Array.from(net.scores(val.X.selectRows([[4, 0, 7], [1]][first / 3])).data));
    });
    expect(seen).toEqual([[0, 3], [3, 1]]);
    const bad = val.X.clone();
    bad.set(2, 1, NaN);
    expect(() => referenceEngine().forEachBatch(net, bad, { dtype: 'float64', batchSize: 3, what: 'Solver.evaluate X' }, () => {}))
      .toThrow('Solver.evaluate X: expected finite values, found NaN at (2, 1)');
    expect(() => referenceEngine().forEachBatch(net, val.X, { dtype: 'float64', batchSize: 0, what: 'X' }, () => {})).toThrow('batchSize must be a positive integer');
    expect(referenceEngine().gather(val.X, Int32Array.of(3, 0), 'float32')).toEqual(val.X.selectRows([3, 0], Matrix.zeros(2, val.X.cols, 'float32')));
  });
});
