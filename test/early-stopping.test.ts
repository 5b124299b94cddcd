/**
 * Training until converged, as the report did: the Solver stops once the validation metric has
 * not improved for `patience` epochs and the training accuracy has reached its threshold.
 */
import { describe, expect, it } from 'vitest';
import { FullyConnectedNet, Solver } from '../lib/index.js';
import { blobs } from './problems.js';

const all = blobs(300, 4);
const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const data = {
  XTrain: all.X.selectRows(rows(0, 240)), yTrain: all.y.slice(0, 240),
  XVal: all.X.selectRows(rows(240, 300)), yVal: all.y.slice(240, 300),
};
const net = () => new FullyConnectedNet({ inputDim: 10, hiddenDims: [16], outputDim: 3, seed: 2 });
const base = { updateRule: 'adam' as const, optimConfig: { learningRate: 1e-2 }, batchSize: 20, numEpochs: 30, seed: 1 };

describe('early stopping', () => {
  it('stops `patience` epochs after the best one once training accuracy has reached the threshold', () => {
    const s = new Solver(net(), data, { ...base, earlyStopping: { patience: 2, minTrainAccuracy: 0.9 } });
    s.train();
    expect(s.epoch).toBeLessThan(30); // this problem converges within a few epochs
    expect(s.epoch - s.bestEpoch).toBe(2);
    expect(s.trainMetricHistory[s.epoch - 1]).toBeGreaterThanOrEqual(0.9);
    expect(s.valMetricHistory).toHaveLength(s.epoch);
  });

  it('trains on while the training accuracy is below the threshold, and every epoch without the option', () => {
    const never = new Solver(net(), data, { ...base, numEpochs: 8, earlyStopping: { patience: 1, minTrainAccuracy: 1 } });
    never.train();
    const withoutRule = new Solver(net(), data, { ...base, numEpochs: 8 });
    withoutRule.train();
    expect(withoutRule.epoch).toBe(8);
    // Perfect training accuracy is the only way to stop here; else all 8 epochs run.
    if (never.trainMetricHistory.every((a) => a < 1)) expect(never.epoch).toBe(8);
    // Up to where a run stops, early stopping changes nothing: the same losses.
    expect(never.lossHistory).toEqual(withoutRule.lossHistory.slice(0, never.lossHistory.length));
  });

  it('rejects a bad rule by name', () => {
    expect(() => new Solver(net(), data, { ...base, earlyStopping: { patience: 0 } })).toThrow(/earlyStopping.patience/);
    expect(() => new Solver(net(), data, { ...base, earlyStopping: { patience: 2, minTrainAccuracy: 1.5 } })).toThrow(/minTrainAccuracy/);
  });
});
