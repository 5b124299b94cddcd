/**
 * No evaluation on training data by accident: data synth's default seed is one training never
 * uses by default, and predict warns, naming the count, about images the model was trained on.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SYNTH_SEED, DEFAULT_TRAIN_DATA_SEED } from '../lib/commands/data.js';
import { buildProgram } from '../lib/cli.js';
import { runNnlab } from './cli-helpers.js';

let root: string, model: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nnlab-seen-'));
  model = join(root, 'model.json');
  await runNnlab('train', '--synthetic', '--per-class', '40', '--epochs', '1', '--hidden', '16', '--json', '--save', model);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('data synth and train --synthetic use different default seeds', () => {
  it('the defaults differ, and --help says which', () => {
    expect(DEFAULT_SYNTH_SEED).not.toBe(DEFAULT_TRAIN_DATA_SEED);
    expect(DEFAULT_SYNTH_SEED).not.toBe(0); // the notebooks' data seed
    const synth = buildProgram().commands.find((c) => c.name() === 'data')!.commands.find((c) => c.name() === 'synth')!;
    expect(synth.helpInformation().replace(/\s+/g, ' ')).toMatch(/default 1000: a seed training never uses by default/);
  });

  it('predict on data synth\'s default output finds no training image; on the training seed it warns with the count', async () => {
    const fresh = join(root, 'fresh');
    await runNnlab('data', 'synth', '--out', fresh, '--per-class', '20');
    const clean = await runNnlab('predict', '--model', model, '--data', fresh, '--json');
    expect(JSON.parse(clean.stdout.pop()!).seenInTraining).toBe(0);
    expect(clean.stderr).not.toMatch(/trained on/);

    const same = join(root, 'same');
    await runNnlab('data', 'synth', '--out', same, '--per-class', '20', '--seed', String(DEFAULT_TRAIN_DATA_SEED));
    const r = await runNnlab('predict', '--model', model, '--data', same, '--json');
    const seen = JSON.parse(r.stdout.pop()!).seenInTraining;
    // The first 20 of each class's 40 training-set images; about 80% of them went to training.
    expect(seen).toBeGreaterThan(150);
    expect(seen).toBeLessThan(240);
    expect(r.stderr).toContain(`warning: ${seen} of 240 images are identical to images the model was trained on`);

    const flat = await runNnlab('predict', '--model', model, '--data', join(same, '3'), '--json');
    expect(JSON.parse(flat.stdout.pop()!).seenInTraining).toBeGreaterThan(10);
  });

  it('the classifier file holds one hash per training image', () => {
    const json = JSON.parse(readFileSync(model, 'utf8'));
    expect(json.trainingImageHashes).toHaveLength(384); // 12 × 40 × 0.8
    expect(new Set(json.trainingImageHashes).size).toBe(384);
  });
});
