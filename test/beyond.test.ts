/**
 * The library parts of "Beyond the report" (issue 13): learning-rate schedules, scale and shear
 * augmentation, early stopping without the 99% gate, ensembles, and test results in run records.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Matrix } from '../lib/nn/matrix.js';
import { Rng } from '../lib/nn/random.js';
import { FullyConnectedNet } from '../lib/nn/fc_net.js';
import { Solver } from '../lib/nn/solver.js';
import { learningRateAt } from '../lib/nn/optim.js';
import { makeAugment, transformImage } from '../lib/data/augment.js';
import { trainClassifier } from '../lib/recipe.js';
import {
  softmaxRows, averageProbabilities, predictionsOf, accuracyOf, ensemblePredict, ensembleAccuracy, classProbabilities,
} from '../lib/data/ensemble.js';
import {
  trainRun, runGrid, RunCache, describeSettings, resolvePoint, fingerprintDataset, loadLabData, getProfile, PROFILES, type TrainSettings,
} from '../lib/experiments/index.js';
import { toyImages } from './toy_images.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const BASE: TrainSettings = { ...PROFILES.quick.baseline, hiddenDims: [8], numEpochs: 3, batchSize: 16, patience: null };

/** The toy problem with a held-out test set (fresh samples of the same three classes). */
function toyWithTest() {
  const data = toyImages(7);
  const other = toyImages(8);
  return { ...data, XTest: other.XVal, yTest: other.yVal };
}

describe('learningRateAt', () => {
  it('constant keeps the base rate', () => {
    expect([0, 5, 9].map((e) => learningRateAt('constant', e, 10, 0.01))).toEqual([0.01, 0.01, 0.01]);
  });

  it('step divides by 10 at half and again at three quarters of the epochs', () => {
    const rates = Array.from({ length: 20 }, (_, e) => learningRateAt('step', e, 20, 1));
    expect(rates.slice(0, 10)).toEqual(Array(10).fill(1));
    expect(rates.slice(10, 15).map((r) => r.toPrecision(6))).toEqual(Array(5).fill('0.100000'));
    expect(rates.slice(15).map((r) => r.toPrecision(6))).toEqual(Array(5).fill('0.0100000'));
    // Small runs: 2 epochs drop once; 1 epoch never.
    expect([learningRateAt('step', 0, 2, 1), learningRateAt('step', 1, 2, 1)].map((r) => r.toPrecision(3))).toEqual(['1.00', '0.100']);
    expect(learningRateAt('step', 0, 1, 1)).toBe(1);
  });

  it('cosine follows base·½(1 + cos(π·epoch/numEpochs))', () => {
    expect(learningRateAt('cosine', 0, 4, 2)).toBe(2);
    expect(learningRateAt('cosine', 1, 4, 2)).toBeCloseTo(1 + Math.SQRT1_2, 12); // ½·2·(1 + cos π/4)
    expect(learningRateAt('cosine', 2, 4, 2)).toBeCloseTo(1, 12);
    expect(learningRateAt('cosine', 3, 4, 2)).toBeCloseTo(1 - Math.SQRT1_2, 12);
  });

  it('rejects an unknown schedule or an epoch outside the run', () => {
    expect(() => learningRateAt('linear' as never, 0, 10, 1)).toThrow(/schedule must be one of constant, step, cosine, got 'linear'/);
    expect(() => learningRateAt('step', 10, 10, 1)).toThrow(/epoch must be an integer in \[0, 9\], got 10/);
    expect(() => learningRateAt('step', 0, 0, 1)).toThrow(/numEpochs must be a positive integer/);
  });
});

describe('the Solver applies the schedule per epoch', () => {
  const data = toyImages(7);
  /** The learning rate of every parameter during each epoch (read at the epoch's first step). */
  function ratesOf(options: { lrSchedule?: 'constant' | 'step' | 'cosine'; lrDecay?: number }): number[] {
    const net = new FullyConnectedNet({ inputDim: 16, hiddenDims: [4], outputDim: 3, seed: 1 });
    const rates: number[] = [];
    const solver: Solver = new Solver(net, data, {
      updateRule: 'adam', optimConfig: { learningRate: 0.01 }, batchSize: 30, numEpochs: 4, seed: 0, ...options,
      onIteration: (it) => {
        if (it.iteration !== 1) return;
        const all = Object.values(solver.optimConfigs).map((c) => c.learningRate);
        expect(new Set(all).size).toBe(1);
        rates.push(all[0]!);
      },
    });
    solver.train();
    return rates;
  }

  it('step, cosine, and lrDecay on top; absent is constant', () => {
    expect(ratesOf({})).toEqual([0.01, 0.01, 0.01, 0.01]);
    expect(ratesOf({ lrSchedule: 'step' }).map((r) => r.toPrecision(4))).toEqual(['0.01000', '0.01000', '0.001000', '0.0001000']);
    expect(ratesOf({ lrSchedule: 'cosine' })).toEqual([0, 1, 2, 3].map((e) => learningRateAt('cosine', e, 4, 0.01)));
    expect(ratesOf({ lrSchedule: 'cosine', lrDecay: 0.5 })).toEqual([0, 1, 2, 3].map((e) => learningRateAt('cosine', e, 4, 0.01) * 0.5 ** e));
  });

  it('constant gives the very same run as no schedule', () => {
    const run = (lrSchedule?: 'constant') => trainClassifier({ ...BASE, lrSchedule }, toyImages(7)).solver.lossHistory;
    expect(run('constant')).toEqual(run());
  });

  it('rejects a schedule by name', () => {
    const net = new FullyConnectedNet({ inputDim: 16, hiddenDims: [4], outputDim: 3, seed: 1 });
    expect(() => new Solver(net, data, { lrSchedule: 'cyclic' as never })).toThrow(/lrSchedule must be one of constant, step, cosine, got 'cyclic'/);
    expect(() => new Solver(net, data, { lrSchedule: 'step' })).toThrow(/lrSchedule 'step' needs optimConfig.learningRate/);
    expect(() => trainClassifier({ ...BASE, lrSchedule: 'linear' as never }, toyImages(7))).toThrow(/settings: lrSchedule/);
  });
});

describe('scale and shear augmentation', () => {
  const W = 9, H = 7;
  const image = Float64Array.from({ length: W * H }, (_, k) => ((k * 7) % 11) / 10);

  it('scale 1 and shear 0 give bit-identical images to a plain rotation', () => {
    for (const degrees of [0, 7.3, -12]) {
      const plain = transformImage(image, W, H, 1, -2, degrees, new Float64Array(W * H));
      const explicit = transformImage(image, W, H, 1, -2, degrees, new Float64Array(W * H), 1, 0);
      expect(Array.from(explicit)).toEqual(Array.from(plain));
    }
  });

  it('scales and shears about the centre', () => {
    const n = 5, dot = (x: number, y: number) => { const a = new Float64Array(n * n); a[y * n + x] = 1; return a; };
    // Twice the size: the ink one pixel right of the centre (2, 2) moves to two pixels right.
    expect(transformImage(dot(3, 2), n, n, 0, 0, 0, new Float64Array(n * n), 2, 0)[2 * n + 4]).toBe(1);
    // Shear 1: a pixel one row below the centre moves one pixel right; the centre row stays.
    expect(transformImage(dot(2, 3), n, n, 0, 0, 0, new Float64Array(n * n), 1, 1)[3 * n + 3]).toBe(1);
    expect(transformImage(dot(3, 2), n, n, 0, 0, 0, new Float64Array(n * n), 1, 1)[2 * n + 3]).toBe(1);
  });

  it('absent or 0 scale/shear: the same augmented batch and the same random stream as before', () => {
    const mean = new Float64Array(W * H).fill(0.1);
    const X = new Matrix(3, W * H, Float64Array.from({ length: 3 * W * H }, (_, k) => (k % 5) / 5));
    const plain = makeAugment({ shift: 1, rotate: 10, mean, width: W, height: H });
    const zeros = makeAugment({ shift: 1, rotate: 10, scale: 0, shear: 0, mean, width: W, height: H });
    const r1 = new Rng(4), r2 = new Rng(4);
    expect(Array.from(zeros(X, r2).data)).toEqual(Array.from(plain(X, r1).data));
    expect(r2.uniform()).toBe(r1.uniform());
    const scaled = makeAugment({ shift: 1, rotate: 10, scale: 0.2, shear: 0.2, mean, width: W, height: H });
    expect(Array.from(scaled(X, new Rng(4)).data)).not.toEqual(Array.from(plain(X, new Rng(4)).data));
  });

  it('rejects scale and shear out of range, by name', () => {
    const o = { shift: 1, rotate: 10, mean: new Float64Array(W * H), width: W, height: H };
    expect(() => makeAugment({ ...o, scale: -0.1 })).toThrow(/scale must be a relative change in \[0, 0.5\].*got -0.1/);
    expect(() => makeAugment({ ...o, scale: 0.9 })).toThrow(/scale/);
    expect(() => makeAugment({ ...o, shear: 2 })).toThrow(/shear must be a shear factor in \[0, 1\].*got 2/);
    expect(() => trainClassifier({ ...BASE, augment: { shift: 1, rotate: 0, scale: NaN } }, toyImages(7))).toThrow(/settings: augment.scale/);
  });
});

describe('early stopping without the 99% gate (minTrainAccuracy)', () => {
  it('passes the threshold to the Solver: 0.99 by default, 0 = validation patience alone', () => {
    const gateOf = (s: Partial<TrainSettings>) => trainClassifier({ ...BASE, numEpochs: 1, ...s }, toyImages(7)).solver.options.earlyStopping;
    expect(gateOf({ patience: 2 })).toEqual({ patience: 2, minTrainAccuracy: 0.99 });
    expect(gateOf({ patience: 2, minTrainAccuracy: 0 })).toEqual({ patience: 2, minTrainAccuracy: 0 });
    expect(gateOf({ patience: null, minTrainAccuracy: 0 })).toBeNull();
    expect(() => gateOf({ patience: 2, minTrainAccuracy: 1.5 })).toThrow(/settings: minTrainAccuracy must be between 0 and 1, got 1.5/);
  });

  it('stops on validation alone although training accuracy stays below the gate', () => {
    // Labels that are noise: training accuracy cannot reach 99%, validation stalls early.
    const data = toyImages(7);
    const rng = new Rng(1);
    const noisy = { ...data, yTrain: data.yTrain.map(() => rng.int(0, 2)) };
    const settings = { ...BASE, numEpochs: 40, patience: 1 };
    const gated = trainClassifier(settings, noisy).solver;
    const ungated = trainClassifier({ ...settings, minTrainAccuracy: 0 }, noisy).solver;
    expect(Math.max(...gated.trainMetricHistory)).toBeLessThan(0.99);
    expect(gated.epoch).toBe(40);
    expect(ungated.epoch).toBeLessThan(40);
    expect(ungated.epoch - ungated.bestEpoch).toBe(1);
  });
});

describe('settings of the new options', () => {
  it('are grid settings, and describeSettings names them', () => {
    const { settings, label } = resolvePoint(BASE, { lrSchedule: 'cosine', augment: { shift: 2, rotate: 10, scale: 0.1, shear: 0.15 }, minTrainAccuracy: 0 });
    expect(settings.lrSchedule).toBe('cosine');
    expect(label).toBe('augment ±2px ±10° ±10% size shear 0.15, cosine lr, stop on validation alone');
    expect(describeSettings({ ...BASE, lrSchedule: 'constant' }, BASE)).toBe('baseline');
    expect(describeSettings({ ...BASE, augment: { shift: 1, rotate: 5 } }, BASE)).toBe('augment ±1px ±5°');
  });
});

describe('ensembles', () => {
  it('softmax of each row, without overflow', () => {
    const p = softmaxRows(new Matrix(2, 2, Float64Array.from([0, Math.log(3), 1000, 1000])));
    expect(Array.from(p).map((v) => v.toFixed(12))).toEqual(['0.250000000000', '0.750000000000', '0.500000000000', '0.500000000000']);
  });

  it('averages the members\' probabilities and takes the argmax (hand-computed)', () => {
    const y = [0, 1, 1];
    const m1 = [0.9, 0.1, 0.3, 0.7, 0.6, 0.4]; // predicts 0, 1, 0: 2/3
    const m2 = [0.4, 0.6, 0.45, 0.55, 0.2, 0.8]; // predicts 1, 1, 1: 2/3
    // mean: [0.65, 0.35], [0.375, 0.625], [0.4, 0.6] → 0, 1, 1: all right
    expect(Array.from(averageProbabilities([m1, m2])).map((v) => +v.toFixed(12))).toEqual([0.65, 0.35, 0.375, 0.625, 0.4, 0.6]);
    expect(accuracyOf(predictionsOf(m1, 2), y)).toBeCloseTo(2 / 3, 12);
    expect(accuracyOf(predictionsOf(m2, 2), y)).toBeCloseTo(2 / 3, 12);
    const e = ensemblePredict([m1, m2], y);
    expect(Array.from(e.predictions)).toEqual([0, 1, 1]);
    expect(e.accuracy).toBe(1);
    expect(ensembleAccuracy([{ testProbabilities: m1 }, { testProbabilities: m2 }], y, 'test')).toBe(1);
    expect(ensembleAccuracy([{ valProbabilities: m1 }], y, 'val')).toBeCloseTo(2 / 3, 12);
  });

  it('refuses members of different sizes, and records without probabilities, by name', () => {
    expect(() => averageProbabilities([[0.5, 0.5], [1, 0, 0, 1]])).toThrow(/member 1 has 4 probabilities, member 0 has 2/);
    expect(() => averageProbabilities([])).toThrow(/at least one member/);
    expect(() => ensembleAccuracy([{ testProbabilities: [1, 0] }, { testProbabilities: null }], [0], 'test')).toThrow(/record 1 has no testProbabilities/);
  });

  it('classProbabilities are the softmax of the network\'s scores, in batches', () => {
    const net = new FullyConnectedNet({ inputDim: 16, hiddenDims: [4], outputDim: 3, seed: 1 });
    const X = toyImages(7).XVal;
    const p = classProbabilities(net, X, 3, 7); // batches of 7 rows, 30 rows
    expect(Array.from(p)).toEqual(Array.from(softmaxRows(net.loss(X))));
    expect(Array.from(predictionsOf(p, 3))).toEqual(Array.from(net.predict(X)));
  });
});

describe('run records with a test set', () => {
  it('score the chosen model on the test set, and keep probabilities for ensembles', () => {
    const data = toyWithTest();
    let chosen!: FullyConnectedNet;
    const r = trainRun({ ...BASE, learningRate: 1e-2 }, data, undefined, (net) => { chosen = net; });
    const expected = accuracyOf(chosen.predict(data.XTest), data.yTest);
    expect(r.testAcc).toBe(expected);
    expect(r.testAcc).toBeGreaterThan(0.6); // a learnable problem: the test set is scored, not blank
    expect(r.testProbabilities).toHaveLength(30 * 3);
    expect(r.valProbabilities).toHaveLength(30 * 3);
    // The validation probabilities' argmax is the record's validation prediction, and its accuracy the best validation accuracy.
    expect(Array.from(predictionsOf(r.valProbabilities!, 3))).toEqual(r.valPredictions);
    expect(ensembleAccuracy([r], data.yVal, 'val')).toBe(r.bestValAcc);
    expect(ensembleAccuracy([r], data.yTest, 'test')).toBe(r.testAcc);
  });

  it('have testAcc and testProbabilities null without a test set (absent or 0 rows)', () => {
    const data = toyImages(7);
    for (const d of [data, { ...data, XTest: new Matrix(0, 16), yTest: new Int32Array(0) }]) {
      const r = trainRun({ ...BASE, numEpochs: 1 }, d);
      expect(r.testAcc).toBeNull();
      expect(r.testProbabilities).toBeNull();
      expect(r.valProbabilities).toHaveLength(90);
    }
  });

  it('come back the same from worker threads, and group statistics include test accuracy', async () => {
    const data = { ...toyWithTest(), fingerprint: 'toy-with-test' };
    const inThread = await runGrid([{}], data, BASE, { workers: 0, seeds: [0, 1], cache: false, progress: false });
    const inWorker = await runGrid([{}], data, BASE, { workers: 1, seeds: [0, 1], cache: false, progress: false });
    expect(inWorker.runs.map((r) => [r.testAcc, r.testProbabilities])).toEqual(inThread.runs.map((r) => [r.testAcc, r.testProbabilities]));
    const accs = inThread.runs.map((r) => r.testAcc!);
    expect(inThread.groups[0].testAcc!.mean).toBeCloseTo((accs[0] + accs[1]) / 2, 12);
    expect(inThread.table.columns).toEqual(expect.arrayContaining(['testAcc', 'testAccStd']));
    const noTest = await runGrid([{}], toyImages(7), BASE, { workers: 0, cache: false, progress: false });
    expect(noTest.groups[0].testAcc).toBeNull();
    expect(noTest.table.columns).not.toContain('testAcc');
  }, 120_000);

  it('a cached record from before test results reads as having none', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nnlab-beyond-'));
    dirs.push(dir);
    const cache = new RunCache(dir);
    const data = toyImages(7);
    await runGrid([{}], data, BASE, { workers: 0, cache, progress: false });
    const [file] = readdirSync(cache.dir);
    const stored = JSON.parse(readFileSync(path.join(cache.dir, file), 'utf8'));
    for (const k of ['testAcc', 'valProbabilities', 'testProbabilities']) delete stored.record[k];
    writeFileSync(path.join(cache.dir, file), JSON.stringify(stored));
    const again = await runGrid([{}], data, BASE, { workers: 0, cache, progress: false });
    expect(again.cached).toBe(1);
    expect([again.runs[0].testAcc, again.runs[0].valProbabilities, again.runs[0].testProbabilities]).toEqual([null, null, null]);
    expect(again.groups[0].testAcc).toBeNull();
  });
});

describe('lab data with a test set', () => {
  const profile = { ...getProfile('quick'), perClass: 10 };
  it('loadLabData passes testFraction through, and the fingerprint covers the test part', () => {
    const two = loadLabData(profile, { dir: null });
    const three = loadLabData(profile, { dir: null, testFraction: 0.2 });
    expect(three.XTest.rows).toBe(24); // 2 per class × 12
    expect(three.XVal.rows).toBe(two.XVal.rows);
    expect(three.description).toMatch(/ \/ 24 test \(held out\)$/);
    expect(three.fingerprint).not.toBe(two.fingerprint);
    expect(loadLabData(profile, { dir: null, testFraction: 0 }).fingerprint).toBe(two.fingerprint);
    // Changing only the test part changes the fingerprint.
    const yTest = three.yTest.slice();
    yTest[0] = (yTest[0] + 1) % 12;
    expect(fingerprintDataset({ ...three, yTest })).not.toBe(three.fingerprint);
  });
});
