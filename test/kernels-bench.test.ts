/**
 * The benchmark's data and bookkeeping (not its timings: speed is printed by `nnlab bench`,
 * never asserted). The workload must reproduce the published check values exactly, or the
 * comparison with the NumPy reference would not be like for like.
 */
import { describe, expect, it } from 'vitest';
import { checkWorkload, hash32, makeWorkload, WORKLOAD, WORKLOAD_CHECK } from '../lib/bench/workload.js';
import { benchTrain, benchTrainInTurn } from '../lib/bench/protocol.js';
import { buildModel } from '../lib/bench/nnlab.js';
import { formatBench, verdict, type BenchResult, type BenchRow } from '../lib/bench/index.js';

describe('bench workload', () => {
  it('hash32 is lowbias32 on uint32 (wrapping multiplication)', () => {
    // Reference values from workload.py (NumPy uint32 arithmetic).
    expect(hash32(0)).toBe(0);
    expect(hash32(1)).toBe(1753845952);
    expect(hash32(0xffffffff)).toBe(1734902346);
    // Inputs past 2^32 wrap like the uint32 counter of the specification.
    expect(hash32(2 ** 32 + 1)).toBe(hash32(1));
  });

  it('reproduces the published check values: X[0,0], y[0..7], sum(X)', () => {
    const { X, y, check } = makeWorkload();
    expect(X.rows).toBe(7440);
    expect(X.cols).toBe(784);
    expect(X.get(0, 0)).toBe(WORKLOAD_CHECK.x00);
    expect(Array.from(y.subarray(0, 8))).toEqual([3, 0, 9, 2, 2, 2, 1, 8]);
    expect(check.xSum).toBeCloseTo(2915896.186004, 6);
    expect(check.yHist.reduce((s, v) => s + v, 0)).toBe(7440);
    // The class histogram printed by the NumPy reference for the same data.
    expect(check.yHist).toEqual([599, 621, 627, 635, 616, 586, 593, 643, 631, 620, 629, 640]);
    expect(checkWorkload(check)).toEqual([]);
  });

  it('checkWorkload reports a mismatch', () => {
    const { check } = makeWorkload();
    expect(checkWorkload({ ...check, x00: 0.5 })).toHaveLength(1);
    expect(checkWorkload({ ...check, yFirst: [0, 0, 0, 0, 0, 0, 0, 0], xSum: 1 })).toHaveLength(2);
  });

  it('builds the four models with the specified layer sizes and batchnorm', () => {
    expect(buildModel('M1').config.hiddenDims).toEqual([50, 50]);
    const m3 = buildModel('M3');
    expect(m3.numLayers).toBe(16);
    expect(m3.params.W16.shape).toEqual([100, 12]);
    expect(buildModel('M4').params.gamma2.shape).toEqual([1, 100]);
    expect(buildModel('M2').params.gamma1).toBeUndefined();
    expect(buildModel('M2').config.reg).toBe(WORKLOAD.reg);
  });
});

describe('bench protocol', () => {
  it('runs probes, a warm-up and 3 timed full epochs when an epoch fits the cap', () => {
    const calls: [number, number][] = [];
    const r = benchTrain((epoch, k) => { calls.push([epoch, k]); return 1.5; }, 128);
    const nb = Math.ceil(7440 / 128);
    expect(calls).toEqual([[-2, 8], [-1, 8], [0, nb], [1, nb], [2, nb], [3, nb]]);
    expect(r.extrapolated).toBe(false);
    expect(r.totalBatches).toBe(nb);
    expect(r.lastLoss).toBe(1.5);
    expect(r.epochSRuns).toHaveLength(3);
  });

  it('times several settings in turn: one probe, a warm-up epoch each, then each timed epoch under every setting', () => {
    const calls: string[] = [];
    let setting = '';
    const runs = { A: [0.4, 0.1, 0.3], B: [0.2, 0.5, 0.1] }; // each setting's timed epochs, in ms per batch
    const busy = (ms: number) => { const t = performance.now(); while (performance.now() - t < ms) { /* spin */ } };
    const timed = { A: 0, B: 0 };
    const [a, b] = benchTrainInTurn((epoch, k) => {
      calls.push(`${setting}${epoch}`);
      const s = setting as 'A' | 'B';
      if (epoch > 0) busy(k * runs[s][timed[s]++]);
      return s === 'A' ? 1 : 2;
    }, 128, [() => { setting = 'A'; }, () => { setting = 'B'; }]);
    expect(calls).toEqual(['A-2', 'A-1', 'A0', 'B0', 'A1', 'B1', 'A2', 'B2', 'A3', 'B3']);
    expect([a.lastLoss, b.lastLoss]).toEqual([1, 2]);
    // Each setting's timings are its own epochs' (4× and 5× apart), and its median at least its middle one.
    expect(a.epochSRuns[0]).toBeGreaterThan(a.epochSRuns[1]);
    expect(b.epochSRuns[1]).toBeGreaterThan(b.epochSRuns[2]);
    const nb = Math.ceil(7440 / 128);
    expect(a.epochS).toBeGreaterThanOrEqual(0.3e-3 * nb);
    expect(b.epochS).toBeGreaterThanOrEqual(0.2e-3 * nb);
  });

  it('measures part of an epoch and extrapolates when a full one would exceed the cap', () => {
    const old = process.env.BENCH_CAP_S;
    process.env.BENCH_CAP_S = '0.002';
    try {
      const calls: number[] = [];
      const busy = (ms: number) => { const t = performance.now(); while (performance.now() - t < ms) { /* spin */ } };
      const r = benchTrain((_e, k) => { calls.push(k); busy(k * 0.5); return 0; }, 32);
      expect(r.extrapolated).toBe(true);
      expect(r.measuredBatches).toBe(8); // the minimum: 0.002 s holds only 4 batches of 0.5 ms
      expect(calls).toEqual([8, 8, 8, 8, 8, 8]);
      // 8 batches of 32 timed, scaled to the 7440 samples of an epoch (233 batches).
      expect(r.epochS).toBeGreaterThan(0.5e-3 * 232);
      expect(r.totalBatches).toBe(233);
    } finally {
      if (old === undefined) delete process.env.BENCH_CAP_S;
      else process.env.BENCH_CAP_S = old;
    }
  });

  it('formats the table with ratios nnlab/NumPy, like for like and to float64, and a kernel table per dtype', () => {
    const rec = { epochS: 0.1, samplesPerS: 74400, epochSRuns: [], extrapolated: false, measuredBatches: 1, totalBatches: 1, lastLoss: 2, inferS: 0.01, inferSamplesPerS: 744000, inferExtrapolated: false, inferMeasuredSamples: 7440 };
    const np = (system: string, epoch_s: number, extrapolated: boolean) =>
      ({ system, model: 'M2', batch: 32, epoch_s, samples_per_s: 7440 / epoch_s, infer_s: 0.02, infer_samples_per_s: 372000, extrapolated, last_loss: 2 });
    const f64 = np('numpy-f64', 0.2, true), f32 = np('numpy-f32', 0.125, false);
    const profile = {
      epochMs: 200, ms: { products: 120, adam: 20, elementwise: 10, evaluation: 16 },
      share: { products: 0.6, adam: 0.1, elementwise: 0.05, evaluation: 0.08, other: 0.17 }, setup: 'a test epoch',
    };
    const result: BenchResult = {
      system: 'nnlab', env: { node: 'v20', kernels: 'wasm', kernelThreads: 2, cpus: 2, cpuModel: 'x', cpu: { cores: 2, avx512: false, ceiling: { float32: 40, float64: 20, fmaUnits: 2, derivation: 'a test derivation' } } },
      dataCheck: makeWorkload().check,
      referenceStatus: 'test', tfjsStatus: 'test', numericsStatus: 'exact and fused',
      rows: [
        { model: 'M2', batch: 32, dtype: 'float64', numerics: 'exact', nnlab: { system: 'nnlab', model: 'M2', batch: 32, dtype: 'float64', ...rec },
          numpy: f64, numpyF64: f64, trainRatio: 0.5, trainRatioF64: 0.5, inferRatio: 0.5, tfjs: null, tfjsSpeedup: null, profile,
          nnlabOneThread: { system: 'nnlab', model: 'M2', batch: 32, dtype: 'float64', ...rec, epochS: 0.08 }, threadRatio: 1.25, inferThreadRatio: 1, threadChoice: { shared: 3, alone: 1 } },
        { model: 'M2', batch: 32, dtype: 'float32', numerics: 'fused', nnlab: { system: 'nnlab', model: 'M2', batch: 32, dtype: 'float32', ...rec },
          numpy: f32, numpyF64: f64, trainRatio: 1.25, trainRatioF64: 0.5, inferRatio: 0.5,
          tfjs: { system: 'tfjs-wasm', model: 'M2', batch: 32, ...rec, epochS: 0.9 }, tfjsSpeedup: 9, profile,
          nnlabOneThread: null, threadRatio: null, inferThreadRatio: null, threadChoice: null },
      ],
      kernels: [
        { system: 'nnlab-wasm', dtype: 'float64', shape: [32, 784, 100], form: 'forward', gflops: 17.25, seconds: 1 },
        { system: 'nnlab-wasm', dtype: 'float32', shape: [32, 784, 100], form: 'forward', gflops: 40.04, seconds: 1 },
      ],
      reference: [],
      grid: null,
    };
    const text = formatBench(result);
    expect(text).toMatch(/numerics of the rows: exact and fused;/);
    // The default against one thread, where a row has both, and what the default chose.
    expect(text).toMatch(/\| M2 +\| 32 +\| float64 \| exact +\| +0\.100 \| +0\.080 \| +1\.25 \| +744,000 \| +744,000 \| +1\.00 \| +2 threads on 75% of large jobs \|/);
    expect(text).not.toMatch(/\| M2 +\| 32 +\| float32 \| fused +\| +0\.100 \| +– /);
    // The 128-bit FMA ceiling beside the products, and each figure's share of it.
    expect(text).toContain('Ceiling of 128-bit SIMD with FMA on this CPU, float32: 40.0 GFLOP/s per core, 80.0 on its 2 cores (a test derivation).');
    expect(text).toMatch(/\| 32×784×100 +\| forward +\| +40\.0 \| +100 \|/);
    expect(text).toMatch(/\| M2 +\| 32 +\| float64 \| exact +\| +0\.100 \| +0\.200\* \| +0\.50 \| +0\.200\* \| +0\.50 \| +– \| +– \|/);
    expect(text).toMatch(/\| M2 +\| 32 +\| float32 \| fused +\| +0\.100 \| +0\.125 \| +1\.25 \| +0\.200\* \| +0\.50 \| +0\.900 \| +9\.0× \|/);
    // One verdict per row, and the profile table with every category's share.
    expect(text).toContain('M2 b32 float64 exact: 0.50× NumPy float64 — faster; inference 0.50× — faster\n');
    expect(text).toContain('M2 b32 float32 fused: 1.25× NumPy float32 — slower (products 60% of the epoch, the rest outside them 32%); inference 0.50× — faster\n');
    expect(text).toMatch(/\| model \| batch \| dtype +\| numerics \| epoch ms \| products % \| adam % \| elementwise % \| evaluation % \| other % \|/);
    expect(text).toMatch(/\| M2 +\| 32 +\| float64 \| exact +\| +200\.0 \| +60\.0 \| +10\.0 \| +5\.0 \| +8\.0 \| +17\.0 \|/);
    expect(text).toContain('a test epoch');
    expect(text).toMatch(/float64 products:\n\n[^]*\| 32×784×100 +\| forward +\| +17\.3 \|[^]*float32 products:\n\n[^]*\| 32×784×100 +\| forward +\| +40\.0 \|/);
  });
});

describe('bench verdict', () => {
  const row = (trainRatio: number | null, inferRatio: number | null) => ({
    model: 'M3', batch: 128, dtype: 'float32', numerics: 'exact', trainRatio, inferRatio,
    profile: { share: { products: 0.7, adam: 0.05, elementwise: 0.05, evaluation: 0.1, other: 0.1 } },
  }) as unknown as BenchRow;

  it('says faster at or below 1.00, slower above it with the products\' share, and includes inference', () => {
    expect(verdict(row(0.91, 0.8))).toBe('M3 b128 float32 exact: 0.91× NumPy float32 — faster; inference 0.80× — faster');
    expect(verdict(row(1, 1.3))).toBe('M3 b128 float32 exact: 1.00× NumPy float32 — faster; inference 1.30× — slower');
    expect(verdict(row(1.06, null))).toBe('M3 b128 float32 exact: 1.06× NumPy float32 — slower (products 70% of the epoch, the rest outside them 20%)');
    expect(verdict(row(null, null))).toBe('M3 b128 float32 exact: no NumPy figure (reference not run)');
  });
});
