/**
 * Sizes are checked before anything is allocated: an edited model file or checkpoint, a huge
 * `--hidden`, a huge Matrix, an oversized file all fail at once with an error naming the value.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FullyConnectedNet } from '../lib/nn/fc_net.js';
import { Matrix } from '../lib/nn/matrix.js';
import { Solver } from '../lib/nn/solver.js';
import { loadClassifier } from '../lib/data/classifier.js';
import { MAX_JSON_FILE_BYTES, MAX_LAYER_WIDTH } from '../lib/util/limits.js';
import { loadModel, modelFromJSON, modelToJSON } from '../lib/persist/model_file.js';
import { resumeSolver, solverToCheckpoint } from '../lib/persist/checkpoint.js';
import { runNnlab } from './cli-helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nnlab-limits-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `load` (expected to throw `message`) and measures it: seconds and the growth of memory
 * held in array buffers (where every Matrix lives) and of the process as a whole.
 */
function measureFailure(load: () => unknown, message: RegExp): { seconds: number; megabytes: number } {
  const before = process.memoryUsage();
  const t0 = performance.now();
  expect(load).toThrow(message);
  const seconds = (performance.now() - t0) / 1000;
  const after = process.memoryUsage();
  const grown = Math.max(after.arrayBuffers - before.arrayBuffers, after.rss - before.rss, 0);
  return { seconds, megabytes: grown / 2 ** 20 };
}

function smallNet(): FullyConnectedNet {
  return new FullyConnectedNet({ inputDim: 784, hiddenDims: [50, 50], outputDim: 12, seed: 1 });
}

describe('an edited model file fails in under a second and 100 MB', () => {
  it('hiddenDims past the layer width limit: refused before anything is built', () => {
    const path = join(dir, 'wide.json');
    const j = modelToJSON(smallNet());
    j.config.hiddenDims = [300000, 50];
    writeFileSync(path, JSON.stringify(j));
    const r = measureFailure(() => loadModel(path), /hiddenDims\[0\] = 300000 is more than the limit of 16384 units per layer/);
    expect(r.seconds).toBeLessThan(1);
    expect(r.megabytes).toBeLessThan(100);
  });

  it('hiddenDims within the limits but not what the file holds: the stored shapes are checked first', () => {
    // 784-16000-1000-12 would be 28.5 million parameters (228 MB in float64), drawn at random
    // and copied to the kernels' memory, if the network were built before the check.
    const path = join(dir, 'edited.json');
    const j = modelToJSON(smallNet());
    j.config.hiddenDims = [16000, 1000];
    writeFileSync(path, JSON.stringify(j));
    const r = measureFailure(() => loadModel(path), /parameter W1 is 784x50, expected 784x16000/);
    expect(r.seconds).toBeLessThan(1);
    expect(r.megabytes).toBeLessThan(100);
  });

  it('a classifier file and a checkpoint go through the same checks', () => {
    const net = smallNet();
    const X = Matrix.zeros(4, 784), y = [0, 1, 2, 3];
    const solver = new Solver(net, { XTrain: X, yTrain: y, XVal: X, yVal: y }, { numEpochs: 1, batchSize: 4, updateRule: 'adam' });
    solver.train();
    const ck = join(dir, 'ck.json');
    const j = solverToCheckpoint(solver) as { model: { config: { hiddenDims: number[] } } };
    j.model.config.hiddenDims = [16000, 1000];
    writeFileSync(ck, JSON.stringify(j));
    const r = measureFailure(() => resumeSolver(ck, { XTrain: X, yTrain: y, XVal: X, yVal: y }), /parameter W1 is 784x50, expected 784x16000/);
    expect(r.seconds).toBeLessThan(1);
    expect(r.megabytes).toBeLessThan(100);

    const model = join(dir, 'classifier.json');
    writeFileSync(model, JSON.stringify({
      format: 'nnlab.CharacterClassifier', version: 2, classNames: Array(12).fill('x'), classFolders: Array.from({ length: 12 }, (_, k) => String(k + 1)),
      width: 28, height: 28, mean: Array(784).fill(0), training: {}, model: { ...modelToJSON(smallNet()), config: { ...smallNet().config, hiddenDims: [2000000, 50] } },
    }));
    expect(() => loadClassifier(model)).toThrow(/model file .*classifier\.json: FullyConnectedNet: hiddenDims\[0\] = 2000000 is more than the limit/);
  });

  it('a stored matrix whose data does not fill its declared shape, or a value float32 cannot hold, is refused', () => {
    const j = modelToJSON(smallNet());
    j.params.b1 = { rows: 1, cols: 50, data: [1, 2, 3] };
    expect(() => modelFromJSON(j)).toThrow(/parameter b1: has 3 values, expected 1x50 = 50/);
    const k = modelToJSON(new FullyConnectedNet({ inputDim: 3, hiddenDims: [2], outputDim: 2, dtype: 'float32' }));
    k.params.W1.data[0] = 1e300;
    expect(() => modelFromJSON(k)).toThrow(/parameter W1 \(as float32\).*Infinity/);
    const extra = modelToJSON(smallNet());
    extra.params.W9 = { rows: 1, cols: 1, data: [0] };
    expect(() => modelFromJSON(extra)).toThrow(/unexpected parameter\(s\) W9/);
  });

  it('a file larger than the limit is refused before it is read', () => {
    const path = join(dir, 'huge.json');
    writeFileSync(path, '');
    truncateSync(path, MAX_JSON_FILE_BYTES + 1); // sparse: takes no disk
    expect(() => loadModel(path)).toThrow(/huge\.json: is 500 MiB, more than the limit of 500 MiB/);
    expect(() => loadClassifier(path)).toThrow(/model file .*huge\.json: is 500 MiB/);
  });

  it('loading still round-trips a good file exactly', () => {
    const net = smallNet();
    const back = modelFromJSON(JSON.parse(JSON.stringify(modelToJSON(net))));
    expect(modelToJSON(back)).toEqual(modelToJSON(net));
  });
});

describe('the same limits guard the Matrix constructor, the network and --hidden', () => {
  it('Matrix: an error naming the size, before allocating', () => {
    expect(() => new Matrix(1_000_000, 1_000_000)).toThrow(/Matrix: 1000000x1000000 = 1000000000000 values is more than the limit of 134217728/);
    expect(() => Matrix.zeros(200_000, 784, 'float32')).toThrow(/Matrix: 200000x784 = 156800000 values is more than the limit/);
    expect(() => new Matrix(-1, 2)).toThrow(/Matrix: rows must be a non-negative integer, got -1/);
  });

  it('FullyConnectedNet: width and parameter count', () => {
    expect(() => new FullyConnectedNet({ inputDim: 784, hiddenDims: [1_000_000], outputDim: 12 })).toThrow(/hiddenDims\[0\] = 1000000 is more than the limit of 16384/);
    expect(() => new FullyConnectedNet({ inputDim: 784, hiddenDims: [16000, 16000], outputDim: 12 })).toThrow(/784-16000-16000-12 has 268\d+ parameters, more than the limit of 67108864/);
  });

  it('nnlab train --hidden: checked before any data is made', async () => {
    const t0 = performance.now();
    await expect(runNnlab('train', '--synthetic', '--hidden', '1000000')).rejects.toThrow(new RegExp(`--hidden: 1000000 is more than the limit of ${MAX_LAYER_WIDTH}`));
    await expect(runNnlab('train', '--synthetic', '--hidden', '16000,16000')).rejects.toThrow(/--hidden: FullyConnectedNet: 784-16000-16000-12 has \d+ parameters, more than the limit/);
    await expect(runNnlab('train', '--synthetic', '--hidden', '10,,10')).rejects.toThrow(/--hidden: expected comma-separated positive integers, got '10,,10'/);
    await expect(runNnlab('sin', '--hidden', '50,')).rejects.toThrow(/--hidden: expected comma-separated positive integers, got '50,'/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
