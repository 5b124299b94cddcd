import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toyImages } from './toy_images.js';
import { afterAll, describe, expect, it } from 'vitest';
import { Matrix } from '../lib/nn/matrix.js';
import { Rng } from '../lib/nn/random.js';
import {
  grid, layers, resolvePoint, stableStringify, runKey, RunCache, runGrid, defaultWorkers, stat, libraryVersion,
  getProfile, PROFILES, fingerprintDataset, describeSettings, type RunnerData, type TrainSettings,
} from '../lib/experiments/index.js';
import { setOutputSink } from '../lib/display/index.js';
import { encodeGrayBmp } from '../lib/data/bmp.js';
import { loadLabData } from '../lib/experiments/index.js';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'nnlab-exp-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const toyData = () => toyImages(7);

const BASE: TrainSettings = { ...PROFILES.quick.baseline, hiddenDims: [8], numEpochs: 3, batchSize: 16 };

describe('grid points and settings', () => {
  it('grid() takes every combination; layers() is the report\'s depth convention', () => {
    expect(grid({ depth: [2, 3], width: [10, 50] })).toEqual([
      { depth: 2, width: 10 }, { depth: 2, width: 50 }, { depth: 3, width: 10 }, { depth: 3, width: 50 },
    ]);
    expect(layers(3, 50)).toEqual([50, 50]);
    expect(layers(2, 10)).toEqual([10]);
    expect(() => layers(1, 10)).toThrow(/depth/);
  });

  it('splits a point into settings and table columns, and names it', () => {
    const r = resolvePoint(BASE, { depth: 3, learningRate: 3e-3, hiddenDims: [5, 5] });
    expect(r.settings.learningRate).toBe(3e-3);
    expect(r.settings.hiddenDims).toEqual([5, 5]);
    expect(r.columns).toEqual({ depth: 3 });
    expect(r.label).toBe('3 layers × 5, lr=3e-3');
    expect(resolvePoint(BASE, { label: 'mine' }).label).toBe('mine');
    expect(describeSettings(BASE, BASE)).toBe('baseline');
    expect(() => resolvePoint(BASE, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => resolvePoint(BASE, { extra: { a: 1 } })).toThrow(/column 'extra'/);
  });

  it('stableStringify ignores key order', () => {
    expect(stableStringify({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(stableStringify({ a: [1, { c: 3, d: 2 }], b: 1 }));
  });
});

describe('profiles', () => {
  it('quick is one seed, full is three', () => {
    expect(getProfile('quick').seeds).toEqual([0]);
    expect(getProfile('full').seeds).toEqual([0, 1, 2]);
    expect(getProfile('full').perClass).toBe(620);
    expect(() => getProfile('medium')).toThrow(/quick' or 'full/);
  });
});

describe('cache', () => {
  it('keys by settings, data fingerprint and library version', () => {
    const k = runKey(BASE, 'data1', 'v1');
    expect(runKey({ ...BASE }, 'data1', 'v1')).toBe(k);
    expect(runKey({ ...BASE, learningRate: 2e-3 }, 'data1', 'v1')).not.toBe(k);
    expect(runKey(BASE, 'data2', 'v1')).not.toBe(k);
    expect(runKey(BASE, 'data1', 'v2')).not.toBe(k);
    expect(libraryVersion()).toMatch(/^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
  });

  it('stores and reads records; a corrupt file is a miss', async () => {
    const cache = new RunCache(tempDir());
    const key = runKey(BASE, 'fp');
    expect(cache.get(key)).toBeNull();
    const { runs: [run] } = await runGrid([{}], toyData(), BASE, { workers: 0, cache: false, progress: false });
    const { label: _l, seed: _s, settings: _t, columns: _c, key: _k, cached: _x, ...record } = run;
    expect(cache.set(key, BASE, 'fp', record)).toBe(true);
    expect(cache.get(key)).toEqual(record);
    writeFileSync(path.join(cache.dir, `${key}.json`), '{"format":1,"key":"ab');
    expect(cache.get(key)).toBeNull();
    cache.clear();
    expect(cache.get(key)).toBeNull();
  });
});

describe('runGrid', () => {
  const data = toyData();
  const points = [{ learningRate: 1e-2 }, { learningRate: 3e-2, variant: 'fast' }, { hiddenDims: [4, 4] }];

  it('gives identical results with 0, 1 or 2 workers', async () => {
    const runs = await Promise.all([0, 1, 2].map((workers) => runGrid(points, data, BASE, { workers, cache: false, progress: false })));
    const strip = (r: (typeof runs)[number]) => r.runs.map(({ seconds, epochSeconds, ...rest }) => (void seconds, void epochSeconds, rest));
    expect(strip(runs[1])).toEqual(strip(runs[0]));
    expect(strip(runs[2])).toEqual(strip(runs[0]));
    expect(runs[0].runs[0].lossHistory).toHaveLength(3 * Math.ceil(90 / 16));
    expect(runs[0].groups[1].bestValAcc.mean).toBeGreaterThan(0.6);
  }, 120_000);

  it('takes its default worker count from NNLAB_WORKERS (nnlab report --workers), else one per core', () => {
    expect(defaultWorkers({ NNLAB_WORKERS: '1' })).toBe(1);
    expect(() => defaultWorkers({ NNLAB_WORKERS: String(availableParallelism() + 1) })).toThrow(/NNLAB_WORKERS.*limit/);
    expect(defaultWorkers({ NNLAB_WORKERS: '0' })).toBe(0);
    expect(defaultWorkers({})).toBeGreaterThanOrEqual(1);
    expect(() => defaultWorkers({ NNLAB_WORKERS: 'two' })).toThrow(/NNLAB_WORKERS must be a whole number of worker threads .* got 'two'/);
    expect(() => defaultWorkers({ NNLAB_WORKERS: '-1' })).toThrow(/NNLAB_WORKERS/);
  });

  it('returns a DataFrame with mean ± std over seeds and the point\'s columns', async () => {
    const r = await runGrid(points, data, BASE, { workers: 0, seeds: [0, 1, 2], cache: false, progress: false });
    expect(r.runs).toHaveLength(9);
    expect(r.table.shape[0]).toBe(3);
    expect(r.table.columns).toEqual(expect.arrayContaining(['setting', 'variant', 'params', 'valAcc', 'valAccStd', 'trainAcc', 'seconds', 'seeds']));
    const g = r.groups[0];
    const accs = g.runs.map((x) => x.bestValAcc);
    expect(g.bestValAcc.mean).toBeCloseTo(accs.reduce((a, b) => a + b) / 3, 12);
    expect(new Set(g.runs.map((x) => x.seed))).toEqual(new Set([0, 1, 2]));
    expect(g.paramCount).toBe(16 * 8 + 8 + 8 * 3 + 3);
  });

  it('reads a rerun from the cache, and retrains with force', async () => {
    const cache = new RunCache(tempDir());
    const first = await runGrid(points, data, BASE, { workers: 0, cache, progress: false });
    expect(first.trained).toBe(3);
    expect(readdirSync(cache.dir)).toHaveLength(3);
    const second = await runGrid(points, data, BASE, { workers: 0, cache, progress: false });
    expect(second.trained).toBe(0);
    expect(second.cached).toBe(3);
    expect(second.runs.every((r) => r.cached)).toBe(true);
    expect(second.runs.map((r) => r.bestValAcc)).toEqual(first.runs.map((r) => r.bestValAcc));
    const forced = await runGrid(points, data, BASE, { workers: 0, cache, force: true, progress: false });
    expect(forced.trained).toBe(3);
    const otherData = { ...data, fingerprint: 'different' };
    expect((await runGrid(points.slice(0, 1), otherData, BASE, { workers: 0, cache, progress: false })).trained).toBe(1);
  });

  it('trains a configuration that appears twice only once', async () => {
    const r = await runGrid([{ label: 'a' }, { label: 'b' }], data, BASE, { workers: 0, cache: false, progress: false });
    expect(r.trained).toBe(1);
    expect(r.runs[1].bestValAcc).toBe(r.runs[0].bestValAcc);
    expect(r.runs[1].label).toBe('b');
  });

  it('records a diverging run instead of failing the grid', async () => {
    const r = await runGrid([{ learningRate: 1e300, updateRule: 'sgd' }], data, BASE, { workers: 0, cache: false, progress: false });
    expect(r.runs[0].diverged).toMatch(/loss became/);
  });

  it('shows live progress in one updating output', async () => {
    const sent: Array<{ id?: string; content: string }> = [];
    setOutputSink((_mime, content, id) => sent.push({ id, content }));
    try {
      await runGrid(points, data, BASE, { workers: 0, cache: false, title: 'toy grid' });
    } finally {
      setOutputSink(null);
    }
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent.map((s) => s.id)).size).toBe(1);
    expect(sent[sent.length - 1].content).toContain('3/3 runs finished');
  });

  it('mean and std', () => {
    expect(stat([1, 2, 3])).toEqual({ mean: 2, std: 1 });
    expect(stat([0.5]).std).toBeNaN();
    expect(stat([]).mean).toBeNaN();
  });
});

describe('lab data', () => {
  it('uses the built-in synthetic characters by default, and says so', () => {
    const d = loadLabData({ ...getProfile('quick'), perClass: 5 }, { dir: null });
    expect(d.source).toBe('synthetic');
    expect(d.description).toMatch(/^built-in synthetic characters \(generator 2\): 5 per class × 12 characters/);
    expect(d.spec?.generator).toBe(2);
    expect(d.XTrain.rows + d.XVal.rows).toBe(60);
    expect(d.fingerprint).toBe(loadLabData({ ...getProfile('quick'), perClass: 5 }, { dir: null }).fingerprint);
  });

  it('switches to a course-layout folder (NNLAB_DATA), capped per class by the profile', () => {
    const dir = tempDir();
    const rng = new Rng(3);
    for (let c = 1; c <= 3; c++) {
      mkdirSync(path.join(dir, String(c)));
      for (let i = 1; i <= 12; i++) {
        const gray = new Uint8Array(28 * 28).map(() => (rng.uniform() < 0.15 ? 0 : 255)); // dark ink on white paper
        writeFileSync(path.join(dir, String(c), `${i}.bmp`), encodeGrayBmp({ width: 28, height: 28, gray }));
      }
    }
    const d = loadLabData({ ...getProfile('quick'), maxPerClass: 10 }, { dir });
    expect(d.source).toBe('course');
    expect(d.classNames).toEqual(['博', '学', '笃']);
    expect(d.XTrain.rows + d.XVal.rows).toBe(30);
    expect(d.description).toContain(`course dataset from ${dir}`);
    expect(d.description).toContain('at most 10 per class');
  });
});
