/**
 * `nnlab bench --grid`: the whole job, side by side. The lab report's grid of experiments
 * (grid.json beside this file, a copy of ../shared/bench/grid.json: 39 configurations × 3
 * seeds, 20 epochs over the first 5,952 rows of the workload's data, accuracy on the next 1,488
 * rows and on all training rows after every epoch) trained by nnlab in N worker threads of one
 * kernel thread each, then by each reference of ../shared/bench/grid_reference.py that can run
 * (NumPy; PyTorch CPU when some Python imports torch) in N processes of one BLAS thread each, on
 * the same cores. Wall times are compared: ratio = nnlab wall time / reference wall time.
 *
 * As grid_reference.py does, the wall time starts before the pool of workers starts (their
 * start-up and imports count) and after one untimed warm-up run in this process; each run's
 * own time starts after its data and network are made.
 */
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import type { DType } from '../nn/matrix.js';
import { numericsMode, type Numerics } from '../kernels/index.js';
import { mustBeOneOf, mustBePositiveInteger } from '../util/validate.js';
import { describeBlas, findPython, PROJECT_ROOT, referenceEnv, type BlasLibrary } from './reference.js';
import { GRID_ACTIVATIONS, runGridJob, type GridConfig, type GridJob, type GridJobResult } from './grid_job.js';

/** The project's copy of the report's grid (shipped with the package). */
export const GRID_FILE = join(PROJECT_ROOT, 'lib', 'bench', 'grid.json');
/** The shared original it is a copy of, beside a checkout. */
export const SHARED_GRID_FILE = resolve(PROJECT_ROOT, '../shared/bench/grid.json');
/** The references' timer of the same grid, beside a checkout. */
export const DEFAULT_GRID_REFERENCE = resolve(PROJECT_ROOT, '../shared/bench/grid_reference.py');

export type { GridConfig } from './grid_job.js';

export interface GridSpec {
  n_train: number;
  n_val: number;
  epochs: number;
  seeds: number;
  configs: GridConfig[];
}

/** Reads and checks a grid file (the project's copy by default); errors name the file and the field. */
export function loadGrid(file = GRID_FILE): GridSpec {
  let spec: GridSpec;
  try {
    spec = JSON.parse(readFileSync(file, 'utf8')) as GridSpec;
  } catch (err) {
    throw new Error(`grid file ${file}: ${(err as Error).message}`);
  }
  const where = (field: string) => `grid file ${file}: ${field}`;
  for (const k of ['n_train', 'n_val', 'epochs', 'seeds'] as const) mustBePositiveInteger(where(k), spec[k]);
  if (!Array.isArray(spec.configs) || spec.configs.length === 0) throw new Error(`${where('configs')} must be a non-empty list`);
  spec.configs.forEach((c, i) => {
    const at = (f: string) => where(`configs[${i}].${f}`);
    if (typeof c.name !== 'string' || c.name === '') throw new Error(`${at('name')} must be a non-empty string`);
    if (!Array.isArray(c.hidden) || c.hidden.length === 0) throw new Error(`${at('hidden')} must be a non-empty list of widths`);
    c.hidden.forEach((w, j) => mustBePositiveInteger(at(`hidden[${j}]`), w));
    mustBeOneOf(at('act'), c.act, GRID_ACTIVATIONS);
    if (typeof c.batchnorm !== 'boolean') throw new Error(`${at('batchnorm')} must be true or false`);
    if (!(typeof c.lr === 'number' && c.lr > 0)) throw new Error(`${at('lr')} must be a positive number`);
    if (!(typeof c.reg === 'number' && c.reg >= 0)) throw new Error(`${at('reg')} must be a number ≥ 0`);
    mustBePositiveInteger(at('batch'), c.batch);
  });
  return spec;
}

/** A configuration's kind: the report's section it belongs to, the first word of its name ("table1", "depth-width", "lr", …). */
export function configKind(name: string): string {
  return name.split(' ')[0];
}

export interface GridOptions {
  dtype: DType;
  /** Worker threads for nnlab, processes for the references (default: one per core). */
  workers: number;
  /** Only the first `limit` configurations (a quick run); null: all. */
  limit: number | null;
  /** Seeds per configuration and epochs per run (default: the grid's). */
  seeds?: number;
  epochs?: number;
  /** grid_reference.py, or null for nnlab alone. */
  reference: string | null;
  /** The reference engines to run when they can (default both). */
  engines?: Array<'numpy' | 'torch'>;
  log: (line: string) => void;
}

/** One configuration's mean run time over its seeds. */
export interface ConfigTime { name: string; mean_run_s: number }

export interface GridReference {
  engine: 'numpy' | 'torch';
  version: string;
  python: string;
  /** The BLAS kernel the reference ran on (threadpoolctl), when it says. */
  blas: BlasLibrary[] | null;
  wall_s: number;
  sum_run_s: number;
  /** nnlab wall time / this reference's wall time (below 1: nnlab faster). */
  ratio: number;
  per_config: ConfigTime[];
}

export interface GridKindTime {
  kind: string;
  configs: number;
  /** Sum over the kind's configurations of the mean run time, nnlab and each reference by engine. */
  nnlab_s: number;
  references: Record<string, number>;
}

export interface GridResult {
  nnlab_wall_s: number;
  dtype: DType;
  /** How nnlab's products rounded (the process's mode, which its worker threads inherit). */
  numerics: Numerics;
  workers: number;
  configs: number;
  seeds: number;
  epochs: number;
  runs: number;
  /** Runs that stopped early because their loss diverged (nnlab's Solver stops them, as in the report). */
  diverged: number;
  nnlab_sum_run_s: number;
  per_config: ConfigTime[];
  per_kind: GridKindTime[];
  references: GridReference[];
  /** What happened to each reference engine: ran, or why not. */
  referenceStatus: Record<string, string>;
}

/** The compiled job runner for the worker threads: beside this file in dist/, or dist/bench when running from lib/ (tests). */
function gridWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(here, '..', 'grid_worker.js');
  const built = join(PROJECT_ROOT, 'dist', 'bench', 'grid_worker.js');
  if (!existsSync(built)) throw new Error(`the grid worker is not built (${built}): run \`npm run build\``);
  return built;
}

/** The jobs of a grid: every configuration (up to limit) × seed, in grid order. */
export function gridJobs(spec: GridSpec, options: Pick<GridOptions, 'dtype' | 'limit' | 'seeds' | 'epochs'>): GridJob[] {
  const configs = options.limit ? spec.configs.slice(0, options.limit) : spec.configs;
  const seeds = options.seeds ?? spec.seeds, epochs = options.epochs ?? spec.epochs;
  return configs.flatMap((config) => Array.from({ length: seeds }, (_, seed) => ({
    config, seed, dtype: options.dtype, epochs, nTrain: spec.n_train, nVal: spec.n_val,
  })));
}

/** Runs the grid in nnlab, then in each reference that can run; returns every figure. */
export async function runGridBench(options: GridOptions): Promise<GridResult> {
  const spec = loadGrid();
  checkGridOptions(options);
  const jobs = gridJobs(spec, options);
  const seeds = options.seeds ?? spec.seeds, epochs = options.epochs ?? spec.epochs;
  const configs = [...new Set(jobs.map((j) => j.config))];
  const { log } = options;
  log(`[grid-nnlab] ${jobs.length} runs (${configs.length} configurations × ${seeds} seeds, ${epochs} epochs, ${options.dtype}), ${options.workers} worker thread(s) × 1 kernel thread`);
  runGridJob({ ...jobs[0], epochs: 1 }); // warm-up in this thread, untimed, as grid_reference.py
  const t0 = performance.now();
  const results = await runInWorkers(jobs, options.workers, log);
  const wall = (performance.now() - t0) / 1000;
  const perConfig = meanPerConfig(configs.map((c) => c.name), jobs.map((j, i) => [j.config.name, results[i].seconds]));
  log(`[grid-nnlab] wall ${wall.toFixed(2)} s`);

  const references: GridReference[] = [];
  const referenceStatus: Record<string, string> = {};
  for (const engine of ['numpy', 'torch'] as const) {
    if (options.engines && !options.engines.includes(engine)) {
      referenceStatus[engine] = 'not asked for (--grid-engines)';
      continue;
    }
    const ref = runGridReference(engine, options, configs.length, seeds, epochs, wall);
    if ('problem' in ref) {
      referenceStatus[engine] = ref.problem;
      log(`[grid-${engine}] ${ref.problem}`);
    } else {
      referenceStatus[engine] = `${ref.version} with ${ref.python}${engine === 'numpy' ? `, ${describeBlas(ref.blas)}` : ''}`;
      references.push(ref);
    }
  }
  return {
    nnlab_wall_s: wall,
    numerics: numericsMode(),
    dtype: options.dtype,
    workers: options.workers,
    configs: configs.length, seeds, epochs, runs: jobs.length,
    diverged: results.filter((r) => r.diverged).length,
    nnlab_sum_run_s: results.reduce((s, r) => s + r.seconds, 0),
    per_config: perConfig,
    per_kind: perKind(configs.map((c) => c.name), perConfig, references),
    references,
    referenceStatus,
  };
}

function checkGridOptions(o: GridOptions): void {
  mustBeOneOf('grid: dtype', o.dtype, ['float32', 'float64'] as const);
  mustBePositiveInteger('grid: workers', o.workers);
  if (o.limit !== null) mustBePositiveInteger('grid: limit', o.limit);
  if (o.seeds !== undefined) mustBePositiveInteger('grid: seeds', o.seeds);
  if (o.epochs !== undefined) mustBePositiveInteger('grid: epochs', o.epochs);
}

/** The jobs on a pool of worker threads, each with one kernel thread (NNLAB_THREADS=1), longest first as they come in grid order. */
async function runInWorkers(jobs: GridJob[], workers: number, log: (line: string) => void): Promise<GridJobResult[]> {
  const pool = new Piscina({
    filename: pathToFileURL(gridWorkerFile()).href, minThreads: workers, maxThreads: workers, idleTimeout: 1000,
    env: { ...process.env, NNLAB_THREADS: '1' },
  });
  let done = 0;
  try {
    return await Promise.all(jobs.map(async (job) => {
      const r = (await pool.run(job)) as GridJobResult;
      log(`[grid-nnlab] run ${++done}/${jobs.length} ${job.config.name} seed ${job.seed}: ${r.seconds.toFixed(2)}s${r.diverged ? ' (diverged: stopped early)' : ''}`);
      return r;
    }));
  } finally {
    await pool.destroy();
  }
}

/** Mean run time per configuration name, in the given order. */
function meanPerConfig(names: string[], times: Array<[string, number]>): ConfigTime[] {
  return names.map((name) => {
    const mine = times.filter(([n]) => n === name).map(([, s]) => s);
    return { name, mean_run_s: mine.reduce((a, b) => a + b, 0) / mine.length };
  });
}

/** Per kind of configuration: the sum of mean run times, nnlab's and each reference's. */
function perKind(names: string[], nnlab: ConfigTime[], references: GridReference[]): GridKindTime[] {
  const kinds = [...new Set(names.map(configKind))];
  const sum = (list: ConfigTime[], kind: string) => list.filter((c) => configKind(c.name) === kind).reduce((s, c) => s + c.mean_run_s, 0);
  return kinds.map((kind) => ({
    kind,
    configs: names.filter((n) => configKind(n) === kind).length,
    nnlab_s: sum(nnlab, kind),
    references: Object.fromEntries(references.map((r) => [r.engine, sum(r.per_config, kind)])),
  }));
}

/** A Python that imports what the engine needs: the project's .venv first, then python3 and /usr/bin/python3 (Debian's python3-torch). */
function pythonFor(engine: 'numpy' | 'torch'): string | null {
  const venv = findPython().python;
  const candidates = [...new Set([venv, 'python3', '/usr/bin/python3'])];
  const modules = engine === 'torch' ? 'numpy, torch' : 'numpy';
  return candidates.find((py) => spawnSync(py, ['-c', `import ${modules}`], { stdio: 'ignore', env: referenceEnv() }).status === 0) ?? null;
}

/** One reference engine on the same grid slice, or why it did not run. */
function runGridReference(
  engine: 'numpy' | 'torch', o: GridOptions, configs: number, seeds: number, epochs: number, nnlabWall: number,
): GridReference | { problem: string } {
  if (o.reference === null) return { problem: 'disabled (--no-reference)' };
  const script = resolve(o.reference);
  if (!existsSync(script)) return { problem: `skipped: ${script} not found (use --grid-reference PATH)` };
  const python = pythonFor(engine);
  if (python === null) return { problem: `skipped: no Python here imports ${engine === 'torch' ? 'torch (Debian: apt-get install python3-torch)' : 'numpy'}` };
  const args = [script, '--engine', engine, '--dtype', o.dtype, '--procs', String(o.workers), '--seeds', String(seeds), '--epochs', String(epochs), '--limit', String(configs)];
  o.log(`[grid-${engine}] ${python} ${args.join(' ')} (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset)`);
  const r = spawnSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: referenceEnv(), maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status !== 0) throw new Error(`${script} --engine ${engine} failed: ${r.error?.message ?? `exit status ${r.status}`}`);
  const lines = r.stdout.trim().split('\n');
  let out: { engine: string; version: string; blas: BlasLibrary[] | null; wall_s: number; sum_run_s: number; runs: number; per_config: ConfigTime[] };
  try {
    out = JSON.parse(lines[lines.length - 1]);
  } catch {
    throw new Error(`${script} --engine ${engine}: the last line of stdout is not JSON: ${lines[lines.length - 1]?.slice(0, 200)}`);
  }
  if (out.runs !== configs * seeds) throw new Error(`${script} --engine ${engine} ran ${out.runs} runs, nnlab ${configs * seeds}: not the same grid`);
  return {
    engine, version: out.version, python, blas: out.blas, wall_s: out.wall_s, sum_run_s: out.sum_run_s,
    ratio: nnlabWall / out.wall_s, per_config: out.per_config,
  };
}

/** Default workers: one per core, as grid_reference.py's --procs. */
export function defaultGridWorkers(): number {
  return Math.max(1, cpus().length);
}
