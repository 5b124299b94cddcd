import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modelToJSON } from '../lib/persist/model_file.js';
import { resumeSolver, checkpointTo } from '../lib/persist/checkpoint.js';
import { Matrix, Rng, FullyConnectedNet, Solver, SolverOptions } from '../lib/index.js';
import { fitSine, sineGrid } from '../lib/entries/data.js';
import { blobs } from './problems.js';

const train = blobs(60, 1), val = blobs(30, 2);
const data = { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y };
const net = (extra = {}) => new FullyConnectedNet({ inputDim: 10, hiddenDims: [20, 20], outputDim: 3, seed: 5, ...extra });
const opts = (extra: Partial<SolverOptions> = {}): Partial<SolverOptions> => ({
  updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 16, numEpochs: 6, seed: 11, ...extra,
});

describe('Solver', () => {
  it('overfits 50 samples to 100% training accuracy', () => {
    const small = blobs(50, 3);
    const model = new FullyConnectedNet({ inputDim: 10, hiddenDims: [100, 100], outputDim: 3, seed: 1 });
    // Random labels: only memorisation gets them all right.
    const rng = new Rng(4);
    const y = Int32Array.from(small.y, () => rng.int(0, 2));
    const solver = new Solver(model, { XTrain: small.X, yTrain: y, XVal: small.X, yVal: y }, {
      updateRule: 'adam', optimConfig: { learningRate: 1e-3 }, batchSize: 25, numEpochs: 150, seed: 1,
    });
    solver.train();
    expect(solver.evaluate(small.X, y)).toBe(1);
    expect(solver.lossHistory.length).toBe(150 * 2);
  });

  it('the same seed gives bit-identical histories and weights', () => {
    const runs = [0, 1].map(() => {
      const model = net({ normalization: 'batchnorm', dropout: 0.1 });
      const s = new Solver(model, data, opts());
      s.train();
      return { loss: s.lossHistory, train: s.trainMetricHistory, val: s.valMetricHistory, w: Array.from(model.params.W1.data) };
    });
    expect(runs[0].loss).toEqual(runs[1].loss);
    expect(runs[0].train).toEqual(runs[1].train);
    expect(runs[0].val).toEqual(runs[1].val);
    expect(runs[0].w).toEqual(runs[1].w);
    const other = new Solver(net({ normalization: 'batchnorm', dropout: 0.1 }), data, opts({ seed: 12 }));
    other.train();
    expect(other.lossHistory).not.toEqual(runs[0].loss);
  });

  it('shuffles each epoch without replacement: every sample is seen exactly once per epoch', () => {
    const seen: number[] = [];
    const model = net();
    const s = new Solver(model, data, opts({
      numEpochs: 2, batchSize: 7,
      augment: (X) => { for (let i = 0; i < X.rows; i++) seen.push(X.get(i, 0)); return X; },
    }));
    s.train();
    const firstEpoch = seen.slice(0, 60).sort((a, b) => a - b);
    expect(firstEpoch).toEqual(Array.from(train.X.data.filter((_, k) => k % 10 === 0)).sort((a, b) => a - b));
    expect(seen.slice(60)).not.toEqual(seen.slice(0, 60));
    expect(s.lossHistory.length).toBe(2 * Math.ceil(60 / 7));
  });

  it('keeps the best validation parameters and restores them at the end', () => {
    const model = net();
    const s = new Solver(model, data, opts({ numEpochs: 8 }));
    s.train();
    expect(s.bestValMetric).toBe(Math.max(...s.valMetricHistory));
    expect(s.evaluate(val.X, val.y)).toBe(s.bestValMetric);
    expect(s.epochSeconds).toHaveLength(8);
  });

  it('a resumed checkpoint gives the same result as an uninterrupted run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnlab-'));
    const full = new Solver(net({ normalization: 'batchnorm' }), data, opts({ numEpochs: 6, lrDecay: 0.9 }));
    full.train();

    const ck = join(dir, 'ck.json');
    const first = new Solver(net({ normalization: 'batchnorm' }), data, opts({ numEpochs: 3, lrDecay: 0.9, checkpoint: checkpointTo(ck) }));
    first.train();
    expect(existsSync(ck)).toBe(true);
    const resumed = resumeSolver(ck, data, { numEpochs: 6 });
    expect(resumed.epoch).toBe(3);
    resumed.train();
    expect(resumed.lossHistory).toEqual(full.lossHistory);
    expect(resumed.valMetricHistory).toEqual(full.valMetricHistory);
    expect(modelToJSON(resumed.model)).toEqual(modelToJSON(full.model));
  });

  it('stops on a diverging loss, saying where and with which learning rate', () => {
    const s = new Solver(net({ weightInit: 1e3 }), data, opts({ updateRule: 'sgd', optimConfig: { learningRate: 1e6 } }));
    // Caught as a finite loss past 1000× the first (test/divergence.test.ts) before it reaches NaN.
    expect(() => s.train()).toThrow(/loss became [^ ]+ at epoch \d+, iteration \d+ of 4(, more than 1000 times the first loss [^ ]+)? \(learning rate 1000000\)/);
  });

  it('rejects unknown options and bad data, naming them', () => {
    expect(() => new Solver(net(), data, { learningRate: 1 } as never)).toThrow(/unknown option 'learningRate'/);
    expect(() => new Solver(net(), data, opts({ batchSize: 0 }))).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => new Solver(net(), data, opts({ updateRule: 'nesterov' as never }))).toThrow(/unknown updateRule 'nesterov'/);
    expect(() => new Solver(net(), { ...data, yTrain: train.y.slice(1) }, opts())).toThrow(/data\.yTrain: expected 60 labels/);
    expect(() => new Solver(net(), { ...data, XVal: new Matrix(3, 4) }, opts())).toThrow(/data\.XVal has 4 columns, expected the model's inputDim = 10/);
    const withNaN = train.X.clone(); withNaN.data[15] = NaN;
    expect(() => new Solver(net(), { ...data, XTrain: withNaN }, opts())).toThrow(/data\.XTrain: expected finite values, found NaN at \(1, 5\)/);
  });

  it('uses validation MSE as the metric for regression', () => {
    const rng = new Rng(3);
    const X = rng.uniformMatrix(100, 1, -1, 1), y = new Matrix(100, 1, X.data.map((x) => 2 * x));
    const model = new FullyConnectedNet({ inputDim: 1, hiddenDims: [10], outputDim: 1, loss: 'mse', seed: 1 });
    const s = new Solver(model, { XTrain: X, yTrain: y, XVal: X, yVal: y }, opts({ numEpochs: 30 }));
    s.train();
    expect(s.metric).toBe('mse');
    expect(s.bestValMetric).toBe(Math.min(...s.valMetricHistory));
    expect(s.bestValMetric).toBeLessThan(s.valMetricHistory[0]);
  });
});

describe('the sine fitting task', () => {
  it('the test grid has step 0.01 strictly inside (-π/2, π/2)', () => {
    const g = sineGrid();
    expect(g.length).toBe(314);
    expect(g[0]).toBeGreaterThan(-Math.PI / 2);
    expect(g[g.length - 1]).toBeLessThan(Math.PI / 2);
    expect(g[1] - g[0]).toBeCloseTo(0.01, 12);
  });

  it('fitSine with the report\'s network (3 layers, 50 neurons) reaches mean |error| <= 1e-3', () => {
    const r = fitSine();
    expect(r.net.config.hiddenDims).toEqual([50, 50]);
    expect(r.meanAbsError).toBeLessThanOrEqual(1e-3);
    expect(Math.abs(r.meanError)).toBeLessThanOrEqual(r.meanAbsError);
    expect(r.maxAbsError).toBeGreaterThanOrEqual(r.meanAbsError);
  }, 120_000);
});
