/**
 * Arguments are checked before work starts, with errors that name them; environment-variable
 * errors, a closed stdout and an unknown flag end with a line or two, never a stack trace.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawn, spawnSync } from 'node:child_process';
import { FullyConnectedNet, Matrix, Solver } from '../lib/index.js';
import { synthesizeCharacters } from '../lib/entries/data.js';
import { saveClassifier } from '../lib/data/classifier.js';
import { parseAugment } from '../lib/commands/train.js';
import { threadCountFromEnv, workersFromEnv } from '../lib/util/limits.js';
import { saveModel } from '../lib/persist/model_file.js';
import { saveCheckpoint } from '../lib/persist/checkpoint.js';
import { blobs } from './problems.js';
import { runNnlab } from './cli-helpers.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nnlab-args-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const train = blobs(30, 1);
const data = { XTrain: train.X, yTrain: train.y, XVal: train.X, yVal: train.y };
const net = () => new FullyConnectedNet({ inputDim: 10, hiddenDims: [8], outputDim: 3, seed: 1 });

/** Runs bin/nnlab.js (the built CLI) with `env` added. */
function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['bin/nnlab.js', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('nnlab train: options checked before the data is made', () => {
  it('--save to a path that cannot be written fails at once, before training', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const t0 = performance.now();
    await expect(runNnlab('train', '--synthetic', '--save', join(file, 'model.json'))).rejects.toThrow(/--save .*a-file[/\\]model\.json: .*a-file is a file, not a folder/);
    await expect(runNnlab('train', '--synthetic', '--save', root)).rejects.toThrow(/--save .*: is a folder, expected a file name/);
    await expect(runNnlab('train', '--synthetic', '--save', '')).rejects.toThrow(/--save: expected a file name, got an empty path/);
    expect(performance.now() - t0).toBeLessThan(1000); // 7,440 images were not generated, let alone trained on
    // A new folder on the way is fine: writeFileAtomic creates it.
    await runNnlab('train', '--synthetic', '--per-class', '5', '--epochs', '1', '--hidden', '8', '--json', '--save', join(root, 'new', 'deeper', 'model.json'));
    expect(existsSync(join(root, 'new', 'deeper', 'model.json'))).toBe(true);
  });

  it('--augment: shift below half the image, rotation within 45 degrees', () => {
    expect(parseAugment('shift=13,rotate=45')).toEqual({ shift: 13, rotate: 45 });
    expect(() => parseAugment('shift=1000')).toThrow(/--augment shift: 1000 is more than the limit of 13/);
    expect(() => parseAugment('shift=14')).toThrow(/--augment shift: 14 is more than the limit of 13/);
    expect(() => parseAugment('rotate=46')).toThrow(/--augment rotate: 46 is more than the limit of 45/);
  });

  it('--difficulty within its documented range 0..3, in train, data synth and the library', async () => {
    await expect(runNnlab('train', '--synthetic', '--difficulty', '1e9')).rejects.toThrow(/--difficulty: 1000000000 is more than the limit of 3/);
    await expect(runNnlab('data', 'synth', '--out', join(root, 'd'), '--difficulty', '3.5')).rejects.toThrow(/--difficulty: 3\.5 is more than the limit of 3/);
    expect(() => synthesizeCharacters({ perClass: 1, seed: 1, difficulty: 4 })).toThrow(/difficulty must be a number from 0 to 3, got 4/);
    expect(synthesizeCharacters({ perClass: 1, seed: 1, difficulty: 3 }).X.rows).toBe(12);
  });

  it('bench --models must name models', async () => {
    await expect(runNnlab('bench', '--models', '')).rejects.toThrow(/--models: expected comma-separated models .* got ''/);
    await expect(runNnlab('bench', '--models', 'M1,,M2')).rejects.toThrow(/--models: expected comma-separated models/);
  });
});

describe('the library refuses what it used to accept silently', () => {
  it('an optimiser config with a misspelt or foreign key', () => {
    expect(() => new Solver(net(), data, { updateRule: 'adam', optimConfig: { learningrate: 5 } as never })).toThrow(/optimConfig has unknown key 'learningrate' for adam, expected some of learningRate, beta1, beta2, epsilon/);
    expect(() => new Solver(net(), data, { updateRule: 'sgd', optimConfig: { momentum: 0.9 } })).toThrow(/unknown key 'momentum' for sgd/);
    expect(new Solver(net(), data, { updateRule: 'sgdMomentum', optimConfig: { learningRate: 0.1, momentum: 0.5 } }).options.optimConfig.momentum).toBe(0.5);
  });

  it('Solver.step with NaN in X, with no rows, or with labels that do not fit', () => {
    const s = new Solver(net(), data, { updateRule: 'sgd' });
    const X = train.X.selectRows([0, 1, 2]);
    X.data[4] = NaN;
    expect(() => s.step(X, [0, 1, 2])).toThrow(/Solver\.step: X: expected finite values, found NaN at \(0, 4\)/);
    expect(Number.isFinite(s.model.params.W1.data[0])).toBe(true);
    expect(() => s.step(new Matrix(0, 10), [])).toThrow(/Solver\.step: X must be a Matrix with at least one row, got 0 rows/);
    expect(() => s.step(train.X.selectRows([0]), [7])).toThrow(/Solver\.step: y/);
    expect(Number.isFinite(s.step(train.X.selectRows([0, 1]), [0, 1]))).toBe(true);
    expect(() => net().loss(new Matrix(0, 10), [])).toThrow(/X has no rows; a loss needs at least one sample/);
  });

  it('save refuses NaN or infinite weights, naming the parameter, and writes nothing', () => {
    const n = net();
    n.params.b1.data[2] = NaN;
    const path = join(root, 'nan.json');
    expect(() => saveModel(n, path)).toThrow(/saveModel .*nan\.json: parameter b1: expected finite values, found NaN at \(0, 2\)/);
    expect(() => saveClassifier(path, { net: n, mean: new Float64Array(10), classNames: ['a', 'b', 'c'], classFolders: ['1', '2', '3'], width: 10, height: 1, training: {} }))
      .toThrow(/saveClassifier .*: parameter b1/);
    const s = new Solver(n, data, { updateRule: 'sgd' });
    expect(() => saveCheckpoint(s, path)).toThrow(/saveCheckpoint .*: parameter b1/);
    expect(existsSync(path)).toBe(false);
  });
});

describe('environment variables and the command line end in one line', () => {
  const cores = availableParallelism();

  it('NNLAB_THREADS and NNLAB_WORKERS: a whole number up to the number of cores', () => {
    expect(threadCountFromEnv('NNLAB_THREADS', 1, 'threads', {})).toBeUndefined();
    expect(threadCountFromEnv('NNLAB_THREADS', 1, 'threads', { NNLAB_THREADS: String(cores) })).toBe(cores);
    expect(() => threadCountFromEnv('NNLAB_THREADS', 1, 'threads', { NNLAB_THREADS: String(cores + 1) })).toThrow(new RegExp(`NNLAB_THREADS=${cores + 1} is more than the limit of ${cores}, the number of cores`));
    expect(() => threadCountFromEnv('NNLAB_THREADS', 1, 'threads', { NNLAB_THREADS: '0' })).toThrow(/NNLAB_THREADS must be a whole number of threads from 1 to/);
    expect(() => threadCountFromEnv('NNLAB_THREADS', 1, 'threads', { NNLAB_THREADS: '1.5' })).toThrow(/got '1\.5'/);
    expect(workersFromEnv({ NNLAB_WORKERS: '0' })).toBe(0);
    expect(() => workersFromEnv({ NNLAB_WORKERS: '500' })).toThrow(/NNLAB_WORKERS=500 is more than the limit of/);
    expect(() => workersFromEnv({ NNLAB_WORKERS: 'two' })).toThrow(/NNLAB_WORKERS must be a whole number of worker threads .* got 'two'/);
  });

  it('a bad NNLAB_THREADS or NNLAB_KERNELS: exit 1 and one line, no stack trace', () => {
    for (const [env, message] of [
      [{ NNLAB_THREADS: '500' }, /^nnlab: NNLAB_THREADS=500 is more than the limit of \d+, the number of cores of this machine$/],
      [{ NNLAB_THREADS: 'many' }, /^nnlab: NNLAB_THREADS must be a whole number of threads/],
      [{ NNLAB_KERNELS: 'gpu' }, /^nnlab: NNLAB_KERNELS must be 'js' or 'wasm', got 'gpu'$/],
    ] as const) {
      const run = cli(['sin', '--epochs', '1'], env);
      expect(run.status, JSON.stringify(env)).toBe(1);
      expect(run.stderr.trim().split('\n'), JSON.stringify(env)).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(message);
    }
  });

  it('an unknown flag: one line and a hint, not the whole help', () => {
    const run = cli(['train', '--synthetic', '--epoch', '2']);
    expect(run.status).toBe(1);
    // commander's suggestion, when it has one, sits between the error and the hint.
    expect(run.stderr.trim().split('\n')).toEqual(["error: unknown option '--epoch'", '(Did you mean --epochs?)', '(add --help to see the options)']);
    expect(cli(['train', '--colour']).stderr.trim().split('\n')).toEqual(["error: unknown option '--colour'", '(add --help to see the options)']);
  });

  it('a closed stdout (nnlab train | head -1): exit 1 and one line about EPIPE', async () => {
    const child = spawn(process.execPath, ['bin/nnlab.js', 'train', '--synthetic', '--per-class', '10', '--hidden', '8', '--epochs', '500'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy(); // what head does after its first line
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual(['nnlab: the output was closed before nnlab finished writing (EPIPE); stopping']);
  });
});
