/**
 * Checkpoints keep the number type of parameters, optimiser state and best parameters, so a
 * float32 run resumes bit for bit like a float64 one; resume refuses a changed run.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FullyConnectedNet, Solver, type SolverOptions, type DType, type UpdateRuleName } from '../lib/index.js';
import { modelToJSON } from '../lib/persist/model_file.js';
import { resumeSolver, checkpointTo } from '../lib/persist/checkpoint.js';
import { blobs } from './problems.js';

const train = blobs(60, 1), val = blobs(30, 2);
const data = { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y };
const net = (dtype: DType, extra = {}) => new FullyConnectedNet({ inputDim: 10, hiddenDims: [20, 20], outputDim: 3, seed: 5, dtype, ...extra });
const opts = (extra: Partial<SolverOptions> = {}): Partial<SolverOptions> => ({
  updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 16, numEpochs: 6, seed: 11, lrDecay: 0.9, ...extra,
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nnlab-resume-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A checkpoint after 3 of 6 epochs; returns its path. */
function checkpointAfter3(name: string, dtype: DType, extra: Partial<SolverOptions> = {}, netExtra = {}): string {
  const ck = join(dir, `${name}.json`);
  new Solver(net(dtype, netExtra), data, opts({ ...extra, numEpochs: 3, checkpoint: checkpointTo(ck) })).train();
  return ck;
}

describe('float32 resume', () => {
  const rules: UpdateRuleName[] = ['adam', 'sgdMomentum', 'rmsprop', 'sgd'];
  for (const updateRule of rules) {
    it(`${updateRule}: resumed = uninterrupted, bit for bit, in float32 throughout`, () => {
      const extra = { updateRule, optimConfig: { learningRate: updateRule === 'sgd' ? 1e-1 : 1e-2 } };
      const full = new Solver(net('float32', { normalization: 'batchnorm' }), data, opts(extra));
      full.train();
      const ck = checkpointAfter3(`f32-${updateRule}`, 'float32', extra, { normalization: 'batchnorm' });
      const resumed = resumeSolver(ck, data, { numEpochs: 6 });
      for (const [k, c] of Object.entries(resumed.optimConfigs)) {
        for (const state of [c.m, c.v, c.velocity, c.cache]) if (state) expect(state.dtype, `${k} state`).toBe('float32');
      }
      for (const m of Object.values(resumed.bestParams)) expect(m.dtype).toBe('float32');
      resumed.train();
      expect(resumed.lossHistory).toEqual(full.lossHistory);
      expect(resumed.valMetricHistory).toEqual(full.valMetricHistory);
      expect(modelToJSON(resumed.model)).toEqual(modelToJSON(full.model));
      for (const m of Object.values(resumed.model.params)) expect(m.dtype).toBe('float32');
    });
  }

  it('a float32 checkpoint written before dtypes were recorded resumes exactly too', () => {
    const full = new Solver(net('float32'), data, opts());
    full.train();
    const ck = checkpointAfter3('f32-old', 'float32');
    // Strip the dtype of every stored matrix ({rows, cols, data}); the model config keeps its own.
    const stripped = JSON.parse(readFileSync(ck, 'utf8'), function (key, value) {
      if (value && typeof value === 'object' && Array.isArray(value.data)) delete value.dtype;
      return value;
    });
    expect(stripped.model.config.dtype).toBe('float32');
    expect(stripped.model.params.W1.dtype).toBeUndefined();
    writeFileSync(ck, JSON.stringify(stripped));
    const resumed = resumeSolver(ck, data, { numEpochs: 6 });
    resumed.train();
    expect(modelToJSON(resumed.model)).toEqual(modelToJSON(full.model));
  });
});

describe('the checkpoint hook', () => {
  it('a resumed run keeps writing its checkpoint where the run did, unless told otherwise', () => {
    const ck = checkpointAfter3('continued', 'float64');
    resumeSolver(ck, data, { numEpochs: 4 }).train();
    expect(JSON.parse(readFileSync(ck, 'utf8')).epoch).toBe(4);
    resumeSolver(ck, data, { numEpochs: 5, checkpoint: null }).train();
    expect(JSON.parse(readFileSync(ck, 'utf8')).epoch).toBe(4);
  });

  it('a path where the hook belongs (the API before lib/persist) is refused, naming checkpointTo', () => {
    expect(() => new Solver(net('float64'), data, opts({ checkpoint: 'run.json' as never }))).toThrow(/checkpoint must be a function of the solver, e\.g\. checkpointTo\(path\)/);
  });
});

describe('resume refuses a changed run, naming the difference', () => {
  let ck: string;
  beforeAll(() => {
    ck = checkpointAfter3('identity', 'float64');
  });

  it('update rule, optimiser config, batch size, seed', () => {
    expect(() => resumeSolver(ck, data, { updateRule: 'sgd' })).toThrow(/updateRule was "adam" in the run, "sgd" now/);
    expect(() => resumeSolver(ck, data, { optimConfig: { learningRate: 1 } })).toThrow(/optimConfig was \{"learningRate":0\.01\} in the run, \{"learningRate":1\} now/);
    expect(() => resumeSolver(ck, data, { batchSize: 32 })).toThrow(/batchSize was 16 in the run, 32 now/);
    expect(() => resumeSolver(ck, data, { seed: 12 })).toThrow(/seed was 11 in the run, 12 now/);
    // Unchanged values and what may change are fine.
    expect(resumeSolver(ck, data, { seed: 11, batchSize: 16, numEpochs: 9, verbose: false }).epoch).toBe(3);
  });

  it('the data, and its number type', () => {
    const other = { ...data, XTrain: train.X.clone() };
    other.XTrain.data[0] += 1e-9;
    expect(() => resumeSolver(ck, other)).toThrow(/the data differs from the run's \(fingerprint [0-9a-f]{12}…, now [0-9a-f]{12}…\)/);
    expect(() => resumeSolver(ck, { ...data, XTrain: train.X.astype('float32') })).toThrow(/the training data was float64 in the run, float32 now/);
  });

  it('a stored matrix of the wrong shape or number type', () => {
    const j = JSON.parse(readFileSync(ck, 'utf8'));
    j.optimConfigs.W1.m.matrix = { rows: 1, cols: 1, data: [0] };
    const bad = join(dir, 'bad-state.json');
    writeFileSync(bad, JSON.stringify(j));
    expect(() => resumeSolver(bad, data)).toThrow(/m of W1 is 1x1, expected 10x20/);
    const k = JSON.parse(readFileSync(ck, 'utf8'));
    k.bestParams.W2.dtype = 'float32';
    writeFileSync(bad, JSON.stringify(k));
    expect(() => resumeSolver(bad, data)).toThrow(/best W2 is float32, but the model is float64/);
  });
});
