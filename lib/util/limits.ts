/**
 * Sizes nnlab refuses before allocating anything. They are far above anything the lab needs
 * (its largest network, M3, has about 230,000 parameters) and low enough that a typo
 * (`--hidden 1000000`) or an edited model file fails at once with a clear error, instead of
 * taking gigabytes and minutes first.
 */
import { availableParallelism } from 'node:os';
import { mustBeNonNegativeInteger } from './validate.js';

/** Units in one layer (input, hidden or output): 16,384. */
export const MAX_LAYER_WIDTH = 16_384;

/** Values in one matrix: 2²⁷, i.e. 1 GiB of float64 (the WebAssembly memory holds 1 GiB in all). */
export const MAX_MATRIX_ELEMENTS = 2 ** 27;

/** Trainable values in one network: 2²⁶ (512 MiB of float64; Adam keeps two more copies). */
export const MAX_PARAMETERS = 2 ** 26;

/** Bytes of a model file or checkpoint: 500 MiB (a JavaScript string holds at most ~512 MiB). */
export const MAX_JSON_FILE_BYTES = 500 * 2 ** 20;

/** Throws, naming `what` and the value, unless rows × cols is a matrix nnlab will allocate. */
export function checkMatrixSize(what: string, rows: number, cols: number): void {
  mustBeNonNegativeInteger(`${what}: rows`, rows);
  mustBeNonNegativeInteger(`${what}: cols`, cols);
  if (rows * cols > MAX_MATRIX_ELEMENTS) {
    throw new Error(`${what}: ${rows}x${cols} = ${rows * cols} values is more than the limit of ${MAX_MATRIX_ELEMENTS} (1 GiB of float64)`);
  }
}

/**
 * A thread count from the environment variable `name`: a whole number of `what` from `min` up
 * to the number of cores (more threads than cores only compete for them; NNLAB_THREADS=500 once
 * started 510 threads and made no progress). Unset or blank gives undefined.
 */
export function threadCountFromEnv(name: string, min: number, what: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  const cores = availableParallelism();
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw new Error(`${name} must be a whole number of ${what} from ${min} to ${cores} (the number of cores), got '${text}'`);
  }
  if (n > cores) throw new Error(`${name}=${n} is more than the limit of ${cores}, the number of cores of this machine`);
  return n;
}

/**
 * NNLAB_WORKERS, checked: worker threads of the experiment grids, 0 (train in the calling
 * thread) up to the number of cores; undefined when unset. For lib/experiments/profile.ts.
 */
export function workersFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return threadCountFromEnv('NNLAB_WORKERS', 0, 'worker threads', env);
}
