import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../lib/cli.js';
import { decodeBmp } from '../lib/data/bmp.js';
import { loadCharacterFolder } from '../lib/data/loader.js';
import { synthesizeCharacters } from '../lib/data/synth.js';
import { loadClassifier } from '../lib/data/classifier.js';
import { parseAugment } from '../lib/commands/train.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nnlab-cli-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Runs `nnlab ...args` in-process and returns what it printed to stdout. */
async function nnlab(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => { lines.push(parts.join(' ')); });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await buildProgram().parseAsync(['node', 'nnlab', ...args]);
  } finally {
    log.mockRestore();
    stderr.mockRestore();
  }
  return lines;
}

describe('nnlab data synth', () => {
  it('writes 1-bit BMPs in the course layout that read back as the in-memory dataset', async () => {
    const out = join(root, 'synth');
    await nnlab('data', 'synth', '--out', out, '--per-class', '3', '--seed', '5');
    expect(readdirSync(out).filter((n) => !n.startsWith('.')).sort((a, b) => Number(a) - Number(b)))
      .toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
    expect(readdirSync(join(out, '12')).sort()).toEqual(['1.bmp', '2.bmp', '3.bmp']);
    const bmp = decodeBmp(readFileSync(join(out, '1', '1.bmp')));
    expect([bmp.width, bmp.height, bmp.bitsPerPixel]).toEqual([28, 28, 1]);

    const fromDisk = loadCharacterFolder(out);
    const inMemory = synthesizeCharacters({ perClass: 3, seed: 5 });
    expect(Array.from(fromDisk.y)).toEqual(Array.from(inMemory.y));
    expect(Array.from(fromDisk.X.data)).toEqual(Array.from(inMemory.X.data));
    expect(fromDisk.polarity.lightInk).toBe(0); // black ink on white, like the course files
  });

  it('refuses a non-empty folder unless --force, and leaves no temporary folders behind', async () => {
    // --force replaces only a folder data synth wrote (test/safe-files.test.ts has the rest).
    const out = join(root, 'occupied');
    await nnlab('data', 'synth', '--out', out, '--per-class', '1');
    writeFileSync(join(out, 'keep.txt'), 'precious');
    await expect(nnlab('data', 'synth', '--out', out, '--per-class', '1')).rejects.toThrow(/--out .*occupied is not empty; use --force/);
    expect(readdirSync(out)).toContain('keep.txt');
    await nnlab('data', 'synth', '--out', out, '--per-class', '2', '--force');
    expect(readdirSync(out)).not.toContain('keep.txt');
    expect(readdirSync(join(out, '1'))).toHaveLength(2);
    expect(readdirSync(root).filter((n) => n.includes('.tmp-') || n.includes('.old-'))).toEqual([]);
  });

  it('names a bad option value', async () => {
    await expect(nnlab('data', 'synth', '--out', join(root, 'bad'), '--per-class', 'many')).rejects.toThrow(/--per-class: expected an integer >= 1, got 'many'/);
    await expect(nnlab('data', 'synth', '--out', join(root, 'bad'), '--difficulty', '-2')).rejects.toThrow(/--difficulty: expected a number >= 0/);
  });
});

describe('nnlab train and predict', () => {
  it('trains on a folder, prints one JSON line, saves a classifier that predict can use', async () => {
    const data = join(root, 'train-data');
    await nnlab('data', 'synth', '--out', data, '--per-class', '10');
    const model = join(root, 'model.json');
    const lines = await nnlab('train', '--data', data, '--epochs', '2', '--hidden', '20', '--json', '--save', model);
    const summary = JSON.parse(lines[lines.length - 1]);
    expect(summary).toMatchObject({ epochs: 2, trainSize: 96, valSize: 24, duplicates: 0, classes: 12 });
    for (const key of ['bestValAcc', 'finalTrainAcc', 'seconds']) expect(typeof summary[key]).toBe('number');
    expect(summary.bestValAcc).toBeGreaterThanOrEqual(0);
    expect(summary.bestValAcc).toBeLessThanOrEqual(1);

    const classifier = loadClassifier(model);
    expect(classifier.classNames).toHaveLength(12);
    expect(classifier.mean).toHaveLength(784);

    const report = JSON.parse((await nnlab('predict', '--model', model, '--data', data, '--json')).pop()!);
    expect(report.total).toBe(120);
    expect(report.confusion.flat().reduce((s: number, v: number) => s + v, 0)).toBe(120);
    expect(report.correct).toBe(report.confusion.reduce((s: number, row: number[], t: number) => s + row[t], 0));

    const flat = join(root, 'flat');
    mkdirSync(flat);
    copyFileSync(join(data, '4', '1.bmp'), join(flat, 'one.bmp'));
    copyFileSync(join(data, '7', '2.bmp'), join(flat, 'two.bmp'));
    const { predictions } = JSON.parse((await nnlab('predict', '--model', model, '--data', flat, '--json')).pop()!);
    expect(predictions.map((p: { file: string }) => p.file)).toEqual([join(flat, 'one.bmp'), join(flat, 'two.bmp')]);
    expect(classifier.classNames).toContain(predictions[0].class);
  });

  it('gives the same result for --synthetic as for the same data written by data synth, and is seeded', async () => {
    const data = join(root, 'same-data');
    await nnlab('data', 'synth', '--out', data, '--per-class', '8', '--seed', '3');
    const args = ['--epochs', '2', '--hidden', '16', '--json', '--augment', 'shift=1,rotate=5'];
    const fromDisk = JSON.parse((await nnlab('train', '--data', data, ...args)).pop()!);
    const inMemory = JSON.parse((await nnlab('train', '--synthetic', '--per-class', '8', '--data-seed', '3', ...args)).pop()!);
    const again = JSON.parse((await nnlab('train', '--synthetic', '--per-class', '8', '--data-seed', '3', ...args)).pop()!);
    for (const key of ['bestValAcc', 'finalTrainAcc', 'trainSize', 'valSize']) {
      expect(inMemory[key]).toBe(fromDisk[key]);
      expect(again[key]).toBe(inMemory[key]);
    }
  });

  it('explains what is missing or wrong', async () => {
    await expect(nnlab('train', '--json')).rejects.toThrow(/no data: give --data DIR .* or --synthetic/);
    await expect(nnlab('train', '--synthetic', '--data', root)).rejects.toThrow(/either --data DIR or --synthetic, not both/);
    await expect(nnlab('train', '--synthetic', '--per-class', '2', '--val-fraction', '1.5')).rejects.toThrow(/--val-fraction: expected a number between 0 and 1/);
    await expect(nnlab('train', '--data', join(root, 'nowhere'))).rejects.toThrow(/nowhere does not exist/);
    await expect(nnlab('train', '--synthetic', '--lr', '0')).rejects.toThrow(/--lr: expected a number > 0, got '0'/);
    await expect(nnlab('train', '--synthetic', '--dropout', '1')).rejects.toThrow(/--dropout: expected a probability below 1/);
    await expect(nnlab('train', '--synthetic', '--hidden', '50,x')).rejects.toThrow(/--hidden: expected an integer >= 1, got 'x'/);
    const bare = join(root, 'bare.json');
    writeFileSync(bare, JSON.stringify({ format: 'nnlab.FullyConnectedNet' }));
    await expect(nnlab('predict', '--model', bare, '--data', root)).rejects.toThrow(/bare network without the training mean image/);
    await expect(nnlab('predict', '--model', join(root, 'missing.json'), '--data', root)).rejects.toThrow(/model file .*missing\.json does not exist/);
  });

  it('parses --augment', () => {
    expect(parseAugment('shift=2,rotate=10')).toEqual({ shift: 2, rotate: 10 });
    expect(parseAugment('rotate=7.5')).toEqual({ shift: 0, rotate: 7.5 });
    expect(() => parseAugment('shift=2,zoom=3')).toThrow(/--augment: expected shift=PIXELS,rotate=DEGREES/);
    expect(() => parseAugment('shift=1.5')).toThrow(/--augment shift: expected an integer >= 0/);
  });
});
