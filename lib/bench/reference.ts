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

export interface PythonInfo {
  python: string;
  numpy: string | null;
  /** Why NumPy cannot be used, when it cannot. */
  problem: string | null;
}

/** The project's .venv (where CI installs NumPy) if present, else python3 from the PATH. */
export function findPython(): PythonInfo {
  const venv = join(PROJECT_ROOT, '.venv', 'bin', 'python');
  const python = existsSync(venv) ? venv : 'python3';
  const r = spawnSync(python, ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
  if (r.error) return { python, numpy: null, problem: `${python} not found (${r.error.message})` };
  if (r.status !== 0) return { python, numpy: null, problem: `${python} has no NumPy (pip install numpy)` };
  return { python, numpy: r.stdout.trim(), problem: null };
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
    env: { ...process.env, BENCH_OUT: benchOut },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`cannot run ${python} ${script}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${script} exited with status ${r.status}`);
  return lastJsonLine(r.stdout, script) as ReferenceResult;
}

/** Runs a Python program that prints kernel records as its last line. */
export function runPythonKernels(python: string, program: string): KernelRecord[] {
  const r = spawnSync(python, ['-c', program], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.error || r.status !== 0) throw new Error(`the NumPy kernel timing failed: ${r.error?.message ?? `status ${r.status}`}`);
  return lastJsonLine(r.stdout, 'the NumPy kernel timing') as KernelRecord[];
}
