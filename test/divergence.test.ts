/**
 * Divergence is a clear failure: a non-finite loss, or one past DIVERGENCE_FACTOR times the
 * first, stops training with a DivergenceError naming epoch and iteration; the CLI exits 1.
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { FullyConnectedNet, Solver, DivergenceError, type SolverOptions } from '../lib/index.js';
import { DIVERGENCE_FACTOR } from '../lib/entries/kernels.js';
import { trainRun } from '../lib/experiments/train.js';
import { blobs } from './problems.js';
import { runNnlab } from './cli-helpers.js';

const train = blobs(60, 1), val = blobs(30, 2);
const data = { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y };
const net = () => new FullyConnectedNet({ inputDim: 10, hiddenDims: [20, 20], outputDim: 3, seed: 5 });
const opts = (extra: Partial<SolverOptions> = {}): Partial<SolverOptions> => ({
  updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 16, numEpochs: 6, seed: 11, ...extra,
});

function divergence(run: () => unknown): DivergenceError {
  try {
    run();
  } catch (err) {
    if (err instanceof DivergenceError) return err;
    throw err;
  }
  throw new Error('expected a DivergenceError, training finished');
}

describe('Solver divergence', () => {
  it('a huge but finite loss stops training, naming epoch, iteration, the bound and a smaller learning rate', () => {
    const s = new Solver(net(), data, opts({ optimConfig: { learningRate: 10 } }));
    const err = divergence(() => s.train());
    expect(err.message).toMatch(/the loss became [\d.e+]+ at epoch 1, iteration 2 of 4, more than 1000 times the first loss 4\.50\d \(learning rate 10\); the training diverged: try a smaller learning rate/);
    expect(Number.isFinite(err.loss)).toBe(true);
    expect(err.loss).toBeGreaterThan(DIVERGENCE_FACTOR * s.lossHistory[0]);
    expect([err.epoch, err.iteration, err.iterationsPerEpoch, err.learningRate]).toEqual([1, 2, 4, 10]);
  });

  it('a non-finite loss stops training too, even the very first', () => {
    const s = new Solver(new FullyConnectedNet({ inputDim: 10, hiddenDims: [20, 20], outputDim: 3, seed: 5, weightInit: 1e200 }), data, opts());
    const err = divergence(() => s.train());
    expect(err.message).toMatch(/the loss became (Infinity|NaN) at epoch 1, iteration 1 of 4 \(learning rate 0\.01\); the training diverged/);
  });

  it('a loss that grows but stays under the bound trains on (adam at lr 1 peaks near 190, 42× its first loss)', () => {
    const s = new Solver(net(), data, opts({ optimConfig: { learningRate: 1 } }));
    s.train();
    const peak = Math.max(...s.lossHistory);
    expect(peak).toBeGreaterThan(10 * s.lossHistory[0]);
    expect(peak).toBeLessThan(DIVERGENCE_FACTOR * s.lossHistory[0]);
  });

  // Recorded before the divergence check existed; the last loss's final bit changed once, with
  // numerics version 2 (Adam's β^t from lib/math/elementary.ts instead of Math.pow: the value Node
  // 24 and 26 already gave, correctly rounded).
  it('a normal run is unchanged bit for bit (values recorded before the check existed)', () => {
    const s = new Solver(net(), data, opts());
    s.train();
    expect(s.lossHistory).toHaveLength(24);
    expect([s.lossHistory[0], s.lossHistory[23], s.model.params.W1.data[7]]).toEqual([4.501450504964586, 0.1648281090087627, 0.8901158268480419]);
  });

  it('the experiment runner records a diverged run by the error class, with its message', () => {
    const r = trainRun(
      { hiddenDims: [20, 20], activation: 'relu', normalization: 'none', dropout: 0, loss: 'softmax', reg: 0, weightInit: 'he',
        updateRule: 'adam', learningRate: 10, lrDecay: 1, batchSize: 16, numEpochs: 3, augment: null, seed: 5, dtype: 'float64' },
      { ...data, yTrain: train.y, yVal: val.y, mean: new Float64Array(10), width: 10, height: 1, numClasses: 3 },
    );
    expect(r.diverged).toMatch(/more than 1000 times the first loss .* try a smaller learning rate/);
  });
});

describe('nnlab train on divergence', () => {
  it('throws the DivergenceError out of the command (in-process)', async () => {
    await expect(runNnlab('train', '--synthetic', '--per-class', '10', '--hidden', '20', '--epochs', '2', '--lr', '1000', '--json'))
      .rejects.toThrow(/at epoch 1, iteration \d+ of \d+.*try a smaller learning rate/);
  });

  it('exits 1 with one line on stderr, no stack trace', () => {
    const run = spawnSync(process.execPath, ['bin/nnlab.js', 'train', '--synthetic', '--per-class', '10', '--hidden', '20', '--epochs', '2', '--lr', '1000', '--json'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^nnlab: Solver\.train: the loss became .* at epoch 1, iteration \d+ of 3.*try a smaller learning rate$/);
  });
});
