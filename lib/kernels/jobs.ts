/**
 * The jobs the helper threads of lib/kernels/parallel.ts share: their kinds, a key naming a
 * job's kind and shape (so that shared and single-thread timings of the same job can be
 * compared), and how many threads the kernels use.
 */
import { isMainThread } from 'node:worker_threads';
import { cpus } from 'node:os';
import { threadCountFromEnv } from '../util/limits.js';

export const KIND_GEMM = 1, KIND_ADAM = 2, KIND_GEMM32 = 3, KIND_ADAM32 = 4;
/** The products of the `fused` numerics mode (nnlab-fused.wasm, see lib/kernels/fused.ts). */
export const KIND_GEMM_FUSED = 5, KIND_GEMM32_FUSED = 6;

/** The job kind of a product. */
export function gemmKind(f32: boolean, fused: boolean): number {
  return fused ? (f32 ? KIND_GEMM32_FUSED : KIND_GEMM_FUSED) : (f32 ? KIND_GEMM32 : KIND_GEMM);
}

/**
 * A number naming a job's kind and shape, so that shared and single-thread timings of the
 * same job can be compared (training repeats the same few jobs every step).
 */
export function jobKey(kind: number, n: number, m: number, k: number, form: number): number {
  return (((kind * 4 + form) * 8192 + (n & 8191)) * 8192 + (m & 8191)) * 8192 + (k & 8191);
}

/**
 * How many threads kernels use: NNLAB_THREADS (1 up to the number of cores), else 2 on a
 * multi-core main thread, else 1.
 */
export function threadsWanted(): number {
  return threadCountFromEnv('NNLAB_THREADS', 1, 'threads') ?? (isMainThread && cpus().length > 1 ? 2 : 1);
}

/** jobKey of a product (the form told apart by its strides). */
export function gemmKey(f32: boolean, fused: boolean, n: number, m: number, k: number, aRow: number, bCol: number): number {
  return jobKey(gemmKind(f32, fused), n, m, k, (aRow === 1 ? 1 : 0) + (bCol !== 1 ? 2 : 0));
}

/** jobKey of an Adam update. */
export function adamKey(f32: boolean, n: number): number {
  return jobKey(f32 ? KIND_ADAM32 : KIND_ADAM, n, 0, 0, 0);
}
