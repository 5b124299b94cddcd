import { describe, expect, it } from 'vitest';
import { FullyConnectedNet } from '../lib/nn/fc_net.js';
import { parameterCount, widthForParameters, mostConfused, mistakesOf } from '../lib/experiments/beyond.js';

describe('equal parameter counts (notebook 05)', () => {
  it('counts parameters as the network does', () => {
    for (const hiddenDims of [[50], [50, 50], [7, 13, 5]]) {
      const net = new FullyConnectedNet({ inputDim: 784, hiddenDims, outputDim: 12 });
      expect(parameterCount(hiddenDims, 784, 12)).toBe(net.parameterCount);
    }
  });

  it('finds the width whose count is nearest the target, for any depth', () => {
    for (const layers of [1, 2, 3, 4, 6]) {
      const target = 200_000;
      const w = widthForParameters(layers, target, 784, 12);
      const count = (width: number) => parameterCount(Array(layers).fill(width), 784, 12);
      // No other width is closer to the target.
      expect(Math.abs(count(w) - target)).toBeLessThanOrEqual(Math.abs(count(w - 1) - target));
      expect(Math.abs(count(w) - target)).toBeLessThanOrEqual(Math.abs(count(w + 1) - target));
    }
  });

  it('refuses a depth or a budget that makes no network', () => {
    expect(() => widthForParameters(0, 1000, 784, 12)).toThrow(/hiddenLayers must be an integer ≥ 1, got 0/);
    expect(() => widthForParameters(2, 5, 784, 12)).toThrow(/5 parameters is too few/);
  });
});

describe('mistakes on the test set', () => {
  const counts = [
    [9, 2, 0],
    [4, 7, 1],
    [0, 2, 8],
  ];

  it('lists the most frequent confusions, largest first, ties by class order', () => {
    expect(mostConfused(counts, 3)).toEqual([
      { truth: 1, predicted: 0, count: 4 },
      { truth: 0, predicted: 1, count: 2 },
      { truth: 2, predicted: 1, count: 2 },
    ]);
    expect(mostConfused([[3, 0], [0, 3]], 5)).toEqual([]);
  });

  it('finds the samples of one mistake', () => {
    const truth = [1, 0, 1, 1, 2, 1];
    const pred = [0, 0, 1, 0, 1, 0];
    expect(mistakesOf(truth, pred, { truth: 1, predicted: 0, count: 3 }, 10)).toEqual([0, 3, 5]);
    expect(mistakesOf(truth, pred, { truth: 1, predicted: 0, count: 3 }, 2)).toEqual([0, 3]);
    expect(() => mistakesOf(truth, [0], { truth: 1, predicted: 0, count: 1 }, 1)).toThrow(/6 labels but 1 predictions/);
  });
});
