/**
 * `nnlab train` beyond the report: --test-fraction (test accuracy at the epoch chosen on
 * validation), --ensemble K, --lr-schedule, and --augment scale/shear; every new argument checked
 * before any work.
 */
import { describe, expect, it } from 'vitest';
import { runNnlab, runNnlabJson } from './cli-helpers.js';
import { synthesizeCharacters, DEFAULT_DIFFICULTY } from '../lib/data/synth.js';
import { splitDataset } from '../lib/data/split.js';
import { trainClassifier, CHARACTER_BASELINE } from '../lib/recipe.js';
import { classProbabilities, ensemblePredict, predictionsOf, accuracyOf } from '../lib/data/ensemble.js';
import { deriveSeed } from '../lib/nn/random.js';
import { DEFAULT_TRAIN_DATA_SEED } from '../lib/commands/data.js';

const SMALL = ['train', '--synthetic', '--per-class', '10', '--hidden', '8', '--epochs', '2', '--json'];

/** The CLI's split and settings for SMALL, rebuilt here to check its numbers independently. */
function smallRun(testFraction: number) {
  const images = synthesizeCharacters({ perClass: 10, seed: DEFAULT_TRAIN_DATA_SEED, difficulty: DEFAULT_DIFFICULTY });
  const dataset = splitDataset(images, { valFraction: 0.2, testFraction, seed: deriveSeed(0, 'split') });
  const data = { ...dataset, width: 28, height: 28, numClasses: 12 };
  const train = (seed: number) => trainClassifier({ ...CHARACTER_BASELINE, hiddenDims: [8], numEpochs: 2, seed }, data).net;
  return { dataset, train };
}

describe('nnlab train --test-fraction', () => {
  it('holds out a disjoint test set and reports the accuracy on it of the network validation chose', async () => {
    const out = await runNnlabJson(...SMALL, '--test-fraction', '0.2');
    expect([out.trainSize, out.valSize, out.testSize]).toEqual([72, 24, 24]);
    expect(out.testAcc).toBeGreaterThanOrEqual(0);
    expect(out.testAcc).toBeLessThanOrEqual(1);
    expect(out.ensemble).toBeNull();
    const { dataset, train } = smallRun(0.2);
    const sides = [dataset.trainIndices, dataset.valIndices, dataset.testIndices].map((a) => new Set(a));
    expect(sides.map((s) => s.size)).toEqual([72, 24, 24]);
    expect(new Set([...sides[0], ...sides[1], ...sides[2]]).size).toBe(120); // no image on two sides
    // The same number from the library: the best-validation network scored on the test set.
    const net = train(0);
    expect(out.testAcc).toBe(accuracyOf(net.predict(dataset.XTest), dataset.yTest));
  });

  it('without it: no test set, testAcc null, and the split of before', async () => {
    const out = await runNnlabJson(...SMALL);
    expect([out.trainSize, out.valSize, out.testSize, out.testAcc]).toEqual([96, 24, 0, null]);
    const withTest = await runNnlabJson(...SMALL, '--test-fraction', '0');
    expect(withTest.bestValAcc).toBe(out.bestValAcc);
  });

  it('says the test accuracy in its human output', async () => {
    const { stdout } = await runNnlab(...SMALL.filter((a) => a !== '--json'), '--test-fraction', '0.2');
    expect(stdout.join('\n')).toContain('72 training / 24 validation / 24 test images');
    expect(stdout.find((l) => l.startsWith('test accuracy:'))).toMatch(/^test accuracy: +\d+\.\d% \(at epoch [12], chosen on validation\)$/);
  });
});

describe('nnlab train --ensemble', () => {
  it('trains K seeds on one split and scores the average of their softmax outputs', async () => {
    const out = await runNnlabJson(...SMALL, '--test-fraction', '0.2', '--ensemble', '2');
    expect(out.ensemble.k).toBe(2);
    expect(out.ensemble.members.map((m: { seed: number }) => m.seed)).toEqual([0, 1]);
    expect(out.ensemble.members[0]).toEqual({ seed: 0, bestValAcc: out.bestValAcc, bestEpoch: out.bestEpoch, testAcc: out.testAcc });
    const { dataset, train } = smallRun(0.2);
    const nets = [train(0), train(1)];
    const val = ensemblePredict(nets.map((n) => classProbabilities(n, dataset.XVal, 12)), dataset.yVal).accuracy;
    const test = ensemblePredict(nets.map((n) => classProbabilities(n, dataset.XTest, 12)), dataset.yTest).accuracy;
    expect([out.ensemble.valAcc, out.ensemble.testAcc]).toEqual([val, test]);
    expect(out.ensemble.members[1].testAcc).toBe(accuracyOf(predictionsOf(classProbabilities(nets[1], dataset.XTest, 12), 12), dataset.yTest));
  });

  it('without a test set: the ensemble\'s testAcc is null', async () => {
    const out = await runNnlabJson(...SMALL, '--ensemble', '2');
    expect(out.ensemble.testAcc).toBeNull();
    expect(out.ensemble.valAcc).toBeGreaterThanOrEqual(0);
    expect(out.ensemble.members.map((m: { testAcc: null }) => m.testAcc)).toEqual([null, null]);
  });
});

describe('nnlab train --lr-schedule and --augment scale/shear', () => {
  it('are training settings, shown in --json', async () => {
    const out = await runNnlabJson(...SMALL, '--lr-schedule', 'step', '--augment', 'shift=1,rotate=5,scale=0.1,shear=0.15');
    expect(out.options.lrSchedule).toBe('step');
    expect(out.options.augment).toEqual({ shift: 1, rotate: 5, scale: 0.1, shear: 0.15 });
    const plain = await runNnlabJson(...SMALL);
    expect(plain.options.lrSchedule).toBeUndefined();
    expect(out.bestValAcc === plain.bestValAcc && out.finalTrainAcc === plain.finalTrainAcc).toBe(false); // they changed the run
  });
});

describe('nnlab train: the new arguments are checked before any work, by name', () => {
  const refused: [string[], RegExp][] = [
    [['--test-fraction', '0.9', '--val-fraction', '0.2'], /--test-fraction: 0.9 with --val-fraction 0.2 leaves 0% of the images to train on; --val-fraction \+ --test-fraction must be at most 0.9/],
    [['--test-fraction', '0.75'], /--test-fraction: 0.75 with --val-fraction 0.2 leaves 5% of the images/],
    [['--test-fraction', 'half'], /--test-fraction: expected a number >= 0, got 'half'/],
    [['--test-fraction', '-0.1'], /--test-fraction: expected a number >= 0, got '-0.1'/],
    [['--test-fraction', '1'], /--test-fraction: expected a number from 0 \(no test set\) to below 1, got '1'/],
    [['--ensemble', '0'], /--ensemble: expected an integer >= 1, got '0'/],
    [['--ensemble', 'two'], /--ensemble: expected an integer >= 1, got 'two'/],
    [['--ensemble', '21'], /--ensemble: 21 is more than the limit of 20/],
    [['--ensemble', '2', '--save', 'model.json'], /--save: an ensemble of 2 networks cannot be saved as one classifier/],
    [['--lr-schedule', 'linear'], /--lr-schedule: expected one of constant, step, cosine, got 'linear'/],
    [['--augment', 'scale=0.6'], /--augment scale: 0.6 is more than the limit of 0.5/],
    [['--augment', 'shear=-1'], /--augment shear: expected a number >= 0, got '-1'/],
    [['--augment', 'zoom=2'], /--augment: expected shift=PIXELS,rotate=DEGREES,scale=FRACTION,shear=FACTOR/],
  ];
  it.each(refused)('refuses %j', async (args, message) => {
    // --data names a folder that does not exist: an argument checked late would fail on it instead.
    await expect(runNnlab('train', '--data', '/nonexistent/nnlab-data', ...args)).rejects.toThrow(message);
  });
});
