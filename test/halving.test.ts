/**
 * Successive halving (lib/experiments/halving.ts): the plan's rungs and its scaling with the
 * budget, the sampled configurations, and the search's promotions, run with a grid runner that
 * trains nothing (each run's accuracy is a function of its settings).
 */
import { describe, it, expect } from 'vitest';
import {
  SEARCH_SPACE, COST_MODEL, HALVING_RUNGS, planHalving, rungSizes, rungLengths, sampleConfigurations, successiveHalving, promote, epochSeconds,
  type GridRunner, type HalvingPlan, type Trial,
} from '../lib/experiments/halving.js';
import { parameterCount } from '../lib/experiments/beyond.js';
import { stableStringify, type GridPoint, type TrainSettings } from '../lib/experiments/settings.js';
import { PROFILES, budgetFromEnv } from '../lib/experiments/profile.js';
import type { GridResult, RunResult } from '../lib/experiments/runner.js';

const context = { inputDim: 784, numClasses: 12 };
const base: TrainSettings = { ...PROFILES.full.baseline, patience: null };

describe('rungs', () => {
  it('keep the best third (at least one) and triple the length up to the last rung', () => {
    expect(rungSizes(66, 4, 3)).toEqual([66, 22, 7, 2]);
    expect(rungSizes(5, 3, 3)).toEqual([5, 1, 1]);
    expect(rungLengths(100, 4, 3)).toEqual([4, 11, 33, 100]);
    expect(rungLengths(6, 2, 3)).toEqual([2, 6]);
    expect(rungLengths(100, 1, 3)).toEqual([100]);
  });
});

describe('planHalving', () => {
  const plan = (budgetSeconds: number, workers = 2) => planHalving({ budgetSeconds, workers, secondsPerEpoch: 0.6, maxEpochs: 100, minEpochs: 3 });
  const runs = (p: HalvingPlan) => p.rungs.reduce((a, r) => a + r.configurations, 0);

  it('fits the budget on the workers, ends at the longest length that leaves three rungs, with at least two finalists', () => {
    for (const [budget, last] of [[120, 50], [240, 100], [960, 100]]) {
      const p = plan(budget);
      expect(p.estimatedSeconds).toBeLessThanOrEqual(budget * 2);
      expect(p.rungs.length).toBeGreaterThanOrEqual(HALVING_RUNGS);
      expect(p.rungs[p.rungs.length - 1].epochs).toBe(last);
      // At 120 s the smallest three-rung search of 100 epochs (18 × 11, 6 × 33, 2 × 100) would take 596 epochs × 0.6 s.
      if (last < 100) expect((18 * 11 + 6 * 33 + 2 * 100) * 0.6).toBeGreaterThan(budget * 2);
      expect(p.rungs[p.rungs.length - 1].configurations).toBeGreaterThanOrEqual(2);
      p.rungs.slice(1).forEach((r, i) => expect(r.configurations).toBe(Math.max(1, Math.floor(p.rungs[i].configurations / 3))));
      // One more configuration in the first rung would not fit.
      const cost = (sizes: number[]) => sizes.reduce((a, n, i) => a + n * p.rungs[i].epochs, 0) * 0.6;
      expect(cost(rungSizes(p.rungs[0].configurations + 1, p.rungs.length, 3))).toBeGreaterThan(budget * 2);
    }
  });

  it('buys more configurations and no fewer rungs with 4× the budget, and the same plan from twice the workers as from twice the budget', () => {
    const small = plan(240), large = plan(960);
    expect(runs(large)).toBeGreaterThan(2 * runs(small));
    expect(large.rungs.length).toBeGreaterThanOrEqual(small.rungs.length);
    expect(large.rungs.length).toBe(4);
    expect(plan(240, 4).rungs).toEqual(plan(480, 2).rungs);
  });

  it('shortens the last rung when the budget cannot pay for two runs of the full length', () => {
    const p = plan(50); // 100 s on two workers: two runs of 100 epochs would take 120
    expect(p.rungs[p.rungs.length - 1].epochs).toBeLessThan(100);
    expect(p.estimatedSeconds).toBeLessThanOrEqual(100);
  });

  it('falls back to fewer rungs only when no three-rung search fits at any length', () => {
    // 60 s on 2 workers = 200 epochs of 0.6 s: three rungs need 18 × 6 + 6 × 17 + 2 × 50 = 310 epochs
    // at 50, and at 25 a third rung would start below minEpochs (25 / 9 < 3).
    const p = plan(60);
    expect(p.rungs.length).toBeLessThan(HALVING_RUNGS);
    expect(p.estimatedSeconds).toBeLessThanOrEqual(120);
    // Where maxEpochs leaves no room for three rungs (6 epochs from 2: rungs of 2 and 6), two are enough.
    expect(planHalving({ budgetSeconds: 4, workers: 2, secondsPerEpoch: 0.05, maxEpochs: 6, minEpochs: 2 }).rungs.map((r) => r.epochs)).toEqual([2, 6]);
  });

  it('says what budget is needed when it is too small, and checks its arguments', () => {
    expect(() => plan(1)).toThrow(/budget of 1 s on 2 worker\(s\) is too small.*at least 2 s \(--budget\)/);
    expect(() => plan(0)).toThrow(/budgetSeconds must be a positive number/);
    expect(() => plan(100, 0)).toThrow(/workers must be a positive integer/);
    expect(() => planHalving({ budgetSeconds: 10, workers: 1, secondsPerEpoch: 1, maxEpochs: 2, minEpochs: 3 })).toThrow(/minEpochs ≤ maxEpochs/);
  });
});

describe('budgetFromEnv', () => {
  it('reads NNLAB_BUDGET, else the profile\'s, and names the variable on a bad value', () => {
    expect(budgetFromEnv({}, 240)).toBe(240);
    expect(budgetFromEnv({ NNLAB_BUDGET: ' 960 ' }, 240)).toBe(960);
    expect(() => budgetFromEnv({ NNLAB_BUDGET: 'ten' }, 240)).toThrow(/NNLAB_BUDGET must be a positive number of seconds.*'ten'/);
    expect(() => budgetFromEnv({ NNLAB_BUDGET: '0' }, 240)).toThrow(/NNLAB_BUDGET/);
  });
});

describe('sampleConfigurations', () => {
  it('draws the same configurations from the same seed and others from another', () => {
    const a = sampleConfigurations(SEARCH_SPACE, 30, 7, base, context);
    const b = sampleConfigurations(SEARCH_SPACE, 30, 7, base, context);
    const c = sampleConfigurations(SEARCH_SPACE, 30, 8, base, context);
    expect(a.map((x) => stableStringify(x.settings))).toEqual(b.map((x) => stableStringify(x.settings)));
    expect(a.map((x) => stableStringify(x.settings))).not.toEqual(c.map((x) => stableStringify(x.settings)));
  });

  it('draws distinct configurations, every value from its axis, networks near their parameter budget', () => {
    const configs = sampleConfigurations(SEARCH_SPACE, 200, 1, base, context);
    expect(new Set(configs.map((x) => stableStringify(x.settings))).size).toBe(200);
    for (const { settings: s } of configs) {
      const params = parameterCount(s.hiddenDims, 784, 12);
      expect([100_000, 250_000, 500_000].some((p) => Math.abs(params - p) / p < 0.02)).toBe(true);
      expect(new Set(s.hiddenDims).size).toBe(1);
      expect([0, 0.1, 0.2, 0.3]).toContain(s.dropout);
      expect([32, 64, 128]).toContain(s.batchSize);
      expect(['constant', 'step', 'cosine']).toContain(s.lrSchedule);
      // An augmentation is kept only when it does something: a shift, a rotation or an elastic field.
      if (s.augment) expect(s.augment.shift + s.augment.rotate + (s.augment.elastic?.alpha ?? 0)).toBeGreaterThan(0);
      if (s.augment?.elastic) expect(s.augment.elastic).toEqual({ alpha: 34, sigma: 4 });
      expect(s.lrWarmupEpochs === undefined || s.lrWarmupEpochs === 3).toBe(true);
    }
    // Elastic distortion is sampled, also on its own (no shift, no rotation): it is not dropped as "no augmentation".
    expect(configs.some((x) => x.settings.augment?.elastic && x.settings.augment.shift === 0 && x.settings.augment.rotate === 0)).toBe(true);
    // Each axis takes every one of its values somewhere in 200 draws.
    for (const axis of SEARCH_SPACE.filter((a) => a.name !== 'network')) expect(new Set(configs.map((c) => c.values[axis.name])).size).toBe(axis.choices.length);
    expect(new Set(configs.map((c) => c.settings.hiddenDims.join('/'))).size).toBe(9); // 3 budgets × 3 depths
  });

  it('stops at the size of a small space', () => {
    const tiny = [SEARCH_SPACE.find((a) => a.name === 'batch')!];
    expect(sampleConfigurations(tiny, 10, 0, base, context)).toHaveLength(3);
  });

  it('costs more per epoch for a bigger network', () => {
    const small = { ...base, hiddenDims: [100] }, big = { ...base, hiddenDims: [600] };
    expect(epochSeconds(big, 5000, context)).toBeGreaterThan(epochSeconds(small, 5000, context));
  });

  it('prices the elastic distortion per image, whatever the batch size, and not at alpha 0', () => {
    const shifted = { ...base, hiddenDims: [300], augment: { shift: 2, rotate: 10 } };
    for (const batchSize of [32, 128]) {
      const plain = epochSeconds({ ...shifted, batchSize }, 5000, context);
      expect(epochSeconds({ ...shifted, batchSize, augment: { ...shifted.augment, elastic: { alpha: 34, sigma: 4 } } }, 5000, context) - plain)
        .toBeCloseTo(5000 * COST_MODEL.secondsPerElasticImage, 9);
      expect(epochSeconds({ ...shifted, batchSize, augment: { ...shifted.augment, elastic: { alpha: 0, sigma: 4 } } }, 5000, context)).toBe(plain);
    }
  });
});

/**
 * A grid runner that trains nothing: a run's validation accuracy grows with its epochs and
 * depends on its settings through a hash; its test accuracy ranks the other way round, so a
 * search that read it would choose differently.
 */
function fakeRunner(calls: GridPoint[][]): GridRunner {
  const score = (p: GridPoint) => {
    const key = stableStringify({ ...p, numEpochs: 0, label: '' });
    let h = 0;
    for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
    return (h % 1000) / 1000;
  };
  return async (points) => {
    calls.push(points);
    const runs = points.map((p) => {
      const quality = score(p), epochs = p.numEpochs as number;
      const val = 0.5 + 0.3 * quality + 0.1 * (1 - 1 / epochs);
      return { bestValAcc: val, testAcc: 1 - val, diverged: null, valAccHistory: [val], settings: p, seed: 0 } as unknown as RunResult;
    });
    return { runs, groups: [], trained: runs.length, cached: 0, seconds: 0 } as unknown as GridResult;
  };
}

describe('successiveHalving', () => {
  const plan: HalvingPlan = { rungs: [{ epochs: 4, configurations: 27 }, { epochs: 11, configurations: 9 }, { epochs: 33, configurations: 3 }], eta: 3, budgetSeconds: 1, workers: 1, estimatedSeconds: 1 };
  const search = async (seed: number) => {
    const calls: GridPoint[][] = [];
    const result = await successiveHalving(fakeRunner(calls), plan, { space: SEARCH_SPACE, seed, runSeed: 0, base, context });
    return { calls, result };
  };

  it('trains each rung\'s configurations at its length and promotes the best third on validation', async () => {
    const { calls, result } = await search(3);
    expect(calls.map((c) => c.length)).toEqual([27, 9, 3]);
    expect(calls.map((c) => c.map((p) => p.numEpochs))).toEqual([Array(27).fill(4), Array(9).fill(11), Array(3).fill(33)]);
    for (let r = 0; r < 2; r++) {
      const rung = result.trials.filter((t) => t.rung === r);
      const promoted = rung.filter((t) => t.promoted);
      expect(promoted).toHaveLength(plan.rungs[r + 1].configurations);
      const worstPromoted = Math.min(...promoted.map((t) => t.valAcc));
      expect(rung.filter((t) => !t.promoted).every((t) => t.valAcc <= worstPromoted)).toBe(true);
      // The next rung trains exactly the promoted configurations.
      expect(result.trials.filter((t) => t.rung === r + 1).map((t) => t.configuration.id).sort((a, b) => a - b))
        .toEqual(promoted.map((t) => t.configuration.id).sort((a, b) => a - b));
    }
    const last = result.trials.filter((t) => t.rung === 2);
    expect(result.winner).toBe(last.reduce((a, b) => (b.valAcc > a.valAcc ? b : a)).configuration);
    // The test accuracy (which ranks the other way) played no part.
    expect(result.winner).not.toBe(last.reduce((a, b) => ((b.run.testAcc ?? 0) > (a.run.testAcc ?? 0) ? b : a)).configuration);
    expect(result.winnerTrials.map((t) => t.epochs)).toEqual([4, 11, 33]);
    expect(result.chosenEpochs).toBe(33);
  });

  it('gives the same search from the same seed', async () => {
    const a = await search(3), b = await search(3), c = await search(4);
    const ids = (r: typeof a) => r.result.trials.map((t) => `${t.rung}:${t.configuration.id}:${t.promoted}`);
    expect(ids(a)).toEqual(ids(b));
    expect(stableStringify(a.result.winner.settings)).toBe(stableStringify(b.result.winner.settings));
    expect(a.calls).toEqual(b.calls);
    expect(a.calls[0]).not.toEqual(c.calls[0]);
  });

  it('promotes by validation, ties by configuration number, a diverged run last', () => {
    const trial = (id: number, valAcc: number) => ({ configuration: { id }, valAcc } as unknown as Trial);
    const kept = promote([trial(3, 0.9), trial(1, -Infinity), trial(2, 0.9), trial(4, 0.95)], 3);
    expect(kept.map((t) => t.configuration.id)).toEqual([4, 2, 3]);
  });
});
