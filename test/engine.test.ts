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
  solver.train();
  return {
    loss: solver.lossHistory, train: solver.trainMetricHistory, val: solver.valMetricHistory,
    params: Object.fromEntries(Object.entries(net.params).map(([k, m]) => [k, Array.from(m.data)])),
    predicted: Array.from(net.predict(val.X, 7)),
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
            expect(run('fast', normalization, dtype, rule)).toEqual(reference);
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
