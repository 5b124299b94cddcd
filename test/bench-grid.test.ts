/**
 * `nnlab bench --grid`: the report's grid (lib/bench/grid.json, a copy of ../shared/bench/grid.json)
 * and its side-by-side run. Only the structure of the figures is asserted, never a speed.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configKind, DEFAULT_GRID_REFERENCE, GRID_FILE, gridJobs, loadGrid, SHARED_GRID_FILE } from '../lib/bench/grid.js';
import type { BenchResult } from '../lib/bench/index.js';

const haveShared = existsSync(SHARED_GRID_FILE);
const haveReference = existsSync(DEFAULT_GRID_REFERENCE);

describe('the report grid', () => {
  it.skipIf(!haveShared)(`is the same as ../shared/bench/grid.json${haveShared ? '' : ' (skipped: no ../shared beside this checkout)'}`, () => {
    expect(JSON.parse(readFileSync(GRID_FILE, 'utf8'))).toEqual(JSON.parse(readFileSync(SHARED_GRID_FILE, 'utf8')));
  });

  it('has 39 configurations × 3 seeds, 20 epochs, 5,952 training and 1,488 validation rows', () => {
    const spec = loadGrid();
    expect([spec.configs.length, spec.seeds, spec.epochs, spec.n_train, spec.n_val]).toEqual([39, 3, 20, 5952, 1488]);
    expect(gridJobs(spec, { dtype: 'float32', limit: null })).toHaveLength(117);
    const quick = gridJobs(spec, { dtype: 'float32', limit: 2, seeds: 1, epochs: 1 });
    expect(quick.map((j) => [j.config.name, j.seed, j.epochs])).toEqual([[spec.configs[0].name, 0, 1], [spec.configs[1].name, 0, 1]]);
    expect([...new Set(spec.configs.map((c) => configKind(c.name)))]).toEqual(['table1', 'depth-width', 'lr', 'reg', 'batch', 'activation', '8-layer']);
  });

  it('refuses a grid file with a bad field, naming the file and the field', () => {
    const spec = JSON.parse(readFileSync(GRID_FILE, 'utf8'));
    spec.configs[3].act = 'swish';
    const file = join(mkdtempSync(join(tmpdir(), 'nnlab-grid-')), 'grid.json');
    writeFileSync(file, JSON.stringify(spec));
    expect(() => loadGrid(file)).toThrow(new RegExp(`grid file ${file.replace(/[\\/.]/g, '\\$&')}: configs\\[3\\]\\.act`));
  });

  it(`runs a slice of it in nnlab${haveReference ? ' and the references' : ''}, and writes the figures`, () => {
    const json = join(mkdtempSync(join(tmpdir(), 'nnlab-grid-')), 'bench.json');
    const run = spawnSync(process.execPath, ['bin/nnlab.js', 'bench', '--grid-only', '--grid-limit', '2', '--grid-seeds', '1', '--grid-epochs', '1', '--grid-workers', '2', '--json', json], {
      encoding: 'utf8', timeout: 300_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/The report's grid: 2 runs \(2 configurations × 1 seeds, 1 epochs, float32\) on 2 worker/);
    expect(run.stdout).toMatch(/\| nnlab +\| nnlab .*, float32, exact +\| +\d+\.\d \|/);
    const r = JSON.parse(readFileSync(json, 'utf8')) as BenchResult;
    expect(r.rows).toEqual([]);
    const g = r.grid!;
    expect(g).toMatchObject({ dtype: 'float32', numerics: 'exact', workers: 2, configs: 2, seeds: 1, epochs: 1, runs: 2 });
    // Measured, not written in: every run lies within the wall time, which covers them all.
    expect(g.per_config).toHaveLength(2);
    for (const c of g.per_config) expect(c.mean_run_s).toBeGreaterThan(0);
    expect(g.nnlab_wall_s).toBeGreaterThanOrEqual(Math.max(...g.per_config.map((c) => c.mean_run_s)));
    expect(g.nnlab_sum_run_s).toBeCloseTo(g.per_config.reduce((s, c) => s + c.mean_run_s, 0), 10);
    expect(g.per_kind).toEqual([{ kind: 'table1', configs: 2, nnlab_s: g.nnlab_sum_run_s, references: Object.fromEntries(g.references.map((x) => [x.engine, expect.any(Number)])) }]);
    if (!haveReference) {
      expect(g.references).toEqual([]);
      expect(g.referenceStatus.numpy).toMatch(/^skipped: .*grid_reference\.py not found/);
      return;
    }
    // A machine without a Python that imports NumPy (setup makes one in .venv) says so; CI must have one.
    if (!process.env.CI && /^skipped: no Python here imports numpy/.test(g.referenceStatus.numpy)) {
      expect(g.references).toEqual([]);
      return;
    }
    expect(g.references.map((x) => x.engine), g.referenceStatus.numpy).toContain('numpy');
    for (const ref of g.references) {
      expect(ref.wall_s).toBeGreaterThan(0);
      expect(ref.ratio).toBeCloseTo(g.nnlab_wall_s / ref.wall_s, 10);
      expect(ref.per_config.map((c) => c.name)).toEqual(g.per_config.map((c) => c.name));
      expect(g.per_kind[0].references[ref.engine]).toBeCloseTo(ref.per_config.reduce((s, c) => s + c.mean_run_s, 0), 10);
    }
    // The NumPy side says which BLAS kernel ran (threadpoolctl, installed by setup).
    expect(g.references.find((x) => x.engine === 'numpy')!.blas?.[0]?.architecture).toEqual(expect.any(String));
  }, 320_000);
});
