/**
 * One training recipe: `nnlab train --seed S … --save` and the notebooks' runner (trainRun, what
 * the worker threads run too) train through trainClassifier with one seeding rule, so the same
 * settings, data and seed give the same parameters, bit for bit, and the same history.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCharacterFolder } from '../lib/data/loader.js';
import { splitDataset } from '../lib/data/split.js';
import { loadClassifier } from '../lib/data/classifier.js';
import { CHARACTER_BASELINE, type TrainSettings } from '../lib/recipe.js';
import { trainRun } from '../lib/experiments/train.js';
import { deriveSeed } from '../lib/nn/random.js';
import { modelToJSON } from '../lib/persist/model_file.js';
import type { FullyConnectedNet } from '../lib/nn/fc_net.js';
import { runNnlab, runNnlabJson } from './cli-helpers.js';

let root: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nnlab-recipe-'));
  await runNnlab('data', 'synth', '--out', join(root, 'chars'), '--per-class', '30', '--seed', '4');
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** The CLI's data for `--data DIR --seed S` (default --val-fraction 0.2), as the notebooks' runner takes it. */
function runnerData(seed: number) {
  const folder = loadCharacterFolder(join(root, 'chars'));
  const split = splitDataset(folder, { valFraction: 0.2, seed: deriveSeed(seed, 'split') });
  return { ...split, width: folder.width, height: folder.height, numClasses: split.classNames.length };
}

describe('nnlab train and the notebooks\' runner', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    it(`give the same parameters and validation results for the same settings and seed (${dtype}, batchnorm, dropout, augmentation)`, async () => {
      const seed = 3;
      const model = join(root, `model-${dtype}.json`);
      const cli = await runNnlabJson(
        'train', '--data', join(root, 'chars'), '--seed', String(seed), '--hidden', '16,12', '--batchnorm', '--dropout', '0.1',
        '--lr', '0.003', '--batch-size', '16', '--epochs', '3', '--augment', 'shift=1,rotate=5', '--dtype', dtype, '--save', model, '--json',
      );
      const settings: TrainSettings = {
        ...CHARACTER_BASELINE, hiddenDims: [16, 12], normalization: 'batchnorm', dropout: 0.1, learningRate: 0.003,
        batchSize: 16, numEpochs: 3, augment: { shift: 1, rotate: 5 }, seed, dtype,
      };
      let net: FullyConnectedNet | undefined;
      const record = trainRun(settings, runnerData(seed), undefined, (n) => { net = n; });

      const saved = modelToJSON(loadClassifier(model).net);
      const trained = modelToJSON(net!);
      expect(Object.keys(saved.params)).toEqual(['W1', 'b1', 'gamma1', 'beta1', 'W2', 'b2', 'gamma2', 'beta2', 'W3', 'b3']);
      expect(saved.config).toEqual(trained.config);
      expect(saved.params).toEqual(trained.params);
      expect(saved.batchnorm).toEqual(trained.batchnorm);
      expect([cli.bestValAcc, cli.bestEpoch, cli.finalValAcc]).toEqual([record.bestValAcc, record.bestEpoch, record.finalValAcc]);
    });
  }
});
