/**
 * `nnlab bench` end to end, on one model with a tiny time cap: every system it compares runs
 * (nnlab in both number types, the NumPy reference in both, TensorFlow.js) and the figures
 * land in the table and the JSON. Only the structure is asserted, never a speed.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { DEFAULT_REFERENCE, type BenchResult } from '../lib/bench/index.js';
import { fusedUnavailableReason } from '../lib/kernels/index.js';

/** The NumPy reference lives beside the checkout (../shared/bench); a bare clone has none. */
const haveReference = existsSync(DEFAULT_REFERENCE);
/** The numerics modes the bench runs by default: both where this machine has a fused madd. */
const modes = fusedUnavailableReason() === null ? ['exact', 'fused'] : ['exact'];

describe('nnlab bench', () => {
  it(`runs nnlab (float64, float32), TensorFlow.js and ${haveReference ? 'NumPy (float64, float32)' : 'says the NumPy reference is missing'}, and writes every figure`, () => {
    const json = join(mkdtempSync(join(tmpdir(), 'nnlab-bench-')), 'bench.json');
    const run = spawnSync(process.execPath, ['bin/nnlab.js', 'bench', '--models', 'M1', '--batch', '128', '--json', json], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_CAP_S: '0.05' },
      timeout: 420_000, // 202 s measured beside four report builds on two cores
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\| M1 +\| 128 +\| float64 \|/);
    expect(run.stdout).toMatch(/\| M1 +\| 128 +\| float32 \|/);
    expect(run.stdout).toMatch(/float64 products:[^]*float32 products:/);
    // A verdict per row and the profile of an epoch, from the kernels' timers.
    expect(run.stdout).toMatch(haveReference
      ? /^M1 b128 float64 exact: \d+\.\d\d× NumPy float64 — (faster|slower)/m
      : /^M1 b128 float64 exact: no NumPy figure \(reference not run\)$/m);
    for (const mode of modes) {
      expect(run.stdout).toMatch(new RegExp(`^M1 b128 float32 ${mode}: `, 'm'));
      // The profile table: a row per dtype and mode, with the epoch's milliseconds and its shares.
      expect(run.stdout).toMatch(new RegExp(`\\| M1 +\\| 128 +\\| float32 \\| ${mode} +\\| +[\\d.]+ \\| +[\\d.]+ \\| +[\\d.]+ \\| +[\\d.]+ \\| +[\\d.]+ \\| +-?[\\d.]+ \\|`));
    }
    if (modes.length === 1) expect(run.stdout).toMatch(/numerics of the rows: exact; fused not run: /);

    const r = JSON.parse(readFileSync(json, 'utf8')) as BenchResult;
    expect(r.rows.map((row) => `${row.dtype} ${row.numerics}`)).toEqual(['float64', 'float32'].flatMap((d) => modes.map((m) => `${d} ${m}`)));
    for (const row of r.rows) {
      expect(row.nnlab.epochS).toBeGreaterThan(0);
      // All trained the same network on the same data: the loss is still near ln 12.
      const losses = [row.nnlab.lastLoss, row.tfjs!.lastLoss];
      if (haveReference) {
        // The reference of the same number type, and float64 for the target's ratio.
        expect(row.numpy?.system).toBe(row.dtype === 'float32' ? 'numpy-f32' : 'numpy-f64');
        expect(row.numpyF64?.system).toBe('numpy-f64');
        expect(row.trainRatioF64).toBeCloseTo(row.nnlab.epochS / row.numpyF64!.epoch_s, 10);
        losses.push(row.numpy!.last_loss);
      } else {
        expect(row.numpy).toBeNull();
        expect(row.trainRatioF64).toBeNull();
      }
      for (const loss of losses) expect(Math.abs(loss - Math.log(12))).toBeLessThan(0.3);
      expect(row.tfjsSpeedup).toBeCloseTo(row.tfjs!.epochS / row.nnlab.epochS, 10);
      // The profile: every category timed, the shares of one epoch adding up to 1.
      const { share, ms, epochMs } = row.profile;
      expect(ms.products).toBeGreaterThan(0);
      expect(ms.adam).toBeGreaterThan(0);
      expect(ms.elementwise).toBeGreaterThan(0);
      expect(ms.evaluation).toBeGreaterThan(0);
      expect(share.products).toBeCloseTo(ms.products / epochMs, 10);
      expect(share.products + share.adam + share.elementwise + share.evaluation + share.other).toBeCloseTo(1, 10);
      if (row.inferRatio !== null) expect(row.inferRatio).toBeCloseTo(row.nnlab.inferS / row.numpy!.infer_s, 10);
      // With more than one kernel thread, the row again on one thread, and what the default chose.
      if ((r.env.kernelThreads as number) > 1) {
        expect(row.nnlabOneThread!.epochS).toBeGreaterThan(0);
        expect(row.threadRatio).toBeCloseTo(row.nnlab.epochS / row.nnlabOneThread!.epochS, 10);
        expect(row.threadChoice!.shared + row.threadChoice!.alone).toBeGreaterThan(0);
      } else {
        expect(row.nnlabOneThread).toBeNull();
      }
    }
    // Which machine and which BLAS kernel: the CPU line in the header and the JSON.
    expect(run.stdout).toMatch(/^nnlab bench — .*CPU: .+, \d+ cores, /);
    expect((r.env.cpu as { cores: number }).cores).toBeGreaterThan(0);
    // The numerics mode that ran (the test environment's, exact unless NNLAB_NUMERICS says fused).
    expect(r.env.numerics).toBe(process.env.NNLAB_NUMERICS === 'fused' ? 'fused' : 'exact');
    expect(run.stdout).toMatch(new RegExp(`numerics ${r.env.numerics}\\)`));
    if (haveReference) expect(r.env.blasKernel).toEqual(expect.stringMatching(/kernel|threadpoolctl/));
    expect(r.grid).toBeNull();
    if (!haveReference) expect(r.referenceStatus).toMatch(/^skipped: .*numpy_mlp\.py not found \(use --reference PATH\)/);
    expect(new Set(r.kernels.map((k) => `${k.system} ${k.dtype ?? 'float64'}`)).size).toBeGreaterThanOrEqual(4);
    expect(r.kernels.every((k) => k.gflops > 0)).toBe(true);
    // The products in every mode that ran: `fused` ones under a name of their own.
    const fusedKernels = r.kernels.filter((k) => k.system.includes(' fused '));
    expect(fusedKernels.length > 0).toBe(modes.includes('fused'));
  }, 480_000); // about 30 s alone; more beside the notebook tests
});
