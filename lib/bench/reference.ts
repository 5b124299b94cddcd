/**
 * Running the NumPy reference (../shared/bench/numpy_mlp.py, the report's original float64
 * stack) side by side: finding a Python with NumPy, running the script for one model at a
 * time, and reading the JSON object it prints as its last line of stdout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KernelRecord } from './gflops.js';

/** The project root: this file is lib/bench/reference.ts or dist/bench/reference.js. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Where the reference lives beside a checkout of this project. */
export const DEFAULT_REFERENCE = resolve(PROJECT_ROOT, '../shared/bench/numpy_mlp.py');

export interface ReferenceRecord {
  system: string;
  model: string;
  batch: number;
  epoch_s: number;
  samples_per_s: number;
  infer_s: number;
  infer_samples_per_s: number;
  extrapolated: boolean;
  last_loss: number;
  [key: string]: unknown;
}

export interface ReferenceResult {
  system: string;
  version: string;
  env: Record<string, unknown>;
  data_check: { x_sum: number; x00: number; y_first: number[]; y_hist: number[] };
  records: ReferenceRecord[];
}

/** One BLAS library NumPy loaded, as threadpoolctl describes it. */
export interface BlasLibrary {
  internal_api: string | null;
  version: string | null;
  /** The kernel OpenBLAS chose, e.g. "Haswell", "SkylakeX", "Zen". */
  architecture: string | null;
  num_threads: number | null;
}

export interface PythonInfo {
  python: string;
  numpy: string | null;
  /** The BLAS libraries NumPy runs on (threadpoolctl), or null when threadpoolctl is not installed. */
  blas: BlasLibrary[] | null;
  /** Why NumPy cannot be used, when it cannot. */
  problem: string | null;
}

/**
 * The variables that pin OpenBLAS to an older kernel (OPENBLAS_CORETYPE=Haswell on machines whose
 * CPU has a newer one) or a wrong cache size: the reference runs without both, so that OpenBLAS
 * picks its kernel by the CPU, as on a user's machine. Only the reference's child processes lose
 * them; nnlab's own environment, the tests' and CI's keep them.
 */
export const PINNING_VARIABLES = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

/** The environment of a reference child process: ours, without PINNING_VARIABLES, plus `extra`. */
export function referenceEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of PINNING_VARIABLES) delete env[name];
  return env;
}

/** What the probe prints: NumPy's version and threadpoolctl's view of its BLAS, in the reference's environment. */
const PROBE = `
import json, numpy
try:
    from threadpoolctl import threadpool_info
    blas = [{k: d.get(k) for k in ("internal_api", "version", "architecture", "num_threads")} for d in threadpool_info()]
except ImportError:
    blas = None
print(json.dumps({"numpy": numpy.__version__, "blas": blas}))
`;

/** The project's .venv (where CI installs NumPy) if present, else python3 from the PATH. */
export function findPython(): PythonInfo {
  const venv = join(PROJECT_ROOT, '.venv', 'bin', 'python');
  const python = existsSync(venv) ? venv : 'python3';
  const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', env: referenceEnv() });
  if (r.error) return { python, numpy: null, blas: null, problem: `${python} not found (${r.error.message})` };
  if (r.status !== 0) return { python, numpy: null, blas: null, problem: `${python} has no NumPy (pip install numpy)` };
  const probe = lastJsonLine(r.stdout, `${python} (NumPy probe)`) as { numpy: string; blas: BlasLibrary[] | null };
  return { python, numpy: probe.numpy, blas: probe.blas, problem: null };
}

/** The BLAS kernel in one phrase, e.g. "OpenBLAS 0.3.27, SkylakeX kernel". */
export function describeBlas(blas: BlasLibrary[] | null): string {
  if (blas === null) return 'BLAS kernel unknown (threadpoolctl not installed: node scripts/setup.mjs adds it)';
  const libs = blas.filter((b) => b.internal_api !== 'openmp');
  if (libs.length === 0) return 'no BLAS library loaded';
  return libs.map((b) => `${b.internal_api === 'openblas' ? 'OpenBLAS' : b.internal_api ?? '?'} ${b.version ?? ''}, ${b.architecture ?? '?'} kernel`.replace(' ,', ',')).join('; ');
}

/** The last non-empty line of a program's stdout, parsed as JSON. */
function lastJsonLine(stdout: string, what: string): unknown {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) throw new Error(`${what} printed nothing on stdout`);
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    throw new Error(`${what}: the last line of stdout is not JSON: ${lines[lines.length - 1].slice(0, 200)}`);
  }
}

let benchOut: string | null = null;

/**
 * Runs numpy_mlp.py for the given models (both batch sizes each); its progress goes to our
 * stderr. Its own result file goes to a fresh temporary folder (BENCH_OUT).
 */
export function runReference(python: string, script: string, models: string[], dtype: 'float64' | 'float32' = 'float64'): ReferenceResult {
  benchOut ??= mkdtempSync(join(tmpdir(), 'nnlab-bench-'));
  const r = spawnSync(python, [script, '--models', models.join(','), '--dtype', dtype], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: referenceEnv({ BENCH_OUT: benchOut }),
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`cannot run ${python} ${script}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${script} exited with status ${r.status}`);
  return lastJsonLine(r.stdout, script) as ReferenceResult;
}

/** Runs a Python program that prints kernel records as its last line. */
export function runPythonKernels(python: string, program: string): KernelRecord[] {
  const r = spawnSync(python, ['-c', program], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: referenceEnv() });
  if (r.error || r.status !== 0) throw new Error(`the NumPy kernel timing failed: ${r.error?.message ?? `status ${r.status}`}`);
  return lastJsonLine(r.stdout, 'the NumPy kernel timing') as KernelRecord[];
}
