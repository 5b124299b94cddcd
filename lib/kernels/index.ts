/**
 * Chooses the numeric backend used by lib/matrix.ts: the WebAssembly SIMD kernels when they
 * load, the pure TypeScript ones otherwise. Both compute every value with the same operations
 * in the same order and give identical results, so the choice only changes speed. Both take
 * float64 or float32 operands (float32 arithmetic, equally identical across backends).
 *
 * The environment variable NNLAB_KERNELS=js|wasm forces a backend (`wasm` fails loudly if
 * the module cannot be loaded, instead of quietly running several times slower), and
 * NNLAB_THREADS=N the number of threads the WebAssembly kernels may use for one large call
 * (default: 2 on the main thread of a multi-core machine, 1 in worker threads).
 */
import {
  adamJs, addL2GradientJs, addRowVectorJs, batchnormInputGradJs, batchnormNormalizeJs, colSumsJs, columnDotJs,
  columnMomentsJs, gemmJs, reluBackwardJs, reluJs,
  type Adam, type AddL2Gradient, type AddRowVector, type BatchnormInputGrad, type BatchnormNormalize, type ColSums,
  type ColumnDot, type ColumnMoments, type Gemm, type Relu, type ReluBackward,
} from './js.js';
import {
  adamWasm, addL2GradientWasm, addRowVectorWasm, allocResident, allocResident32, batchnormInputGradWasm,
  batchnormNormalizeWasm, colSumsWasm, columnDotWasm, columnMomentsWasm, gemmWasm, kernelThreads, reluBackwardWasm,
  reluWasm, wasmLoadError,
} from './wasm.js';

export { forceThreadSharing } from './wasm.js';

export type {
  Adam, AddL2Gradient, AddRowVector, BatchnormInputGrad, BatchnormNormalize, ColSums, ColumnDot, ColumnMoments, Floats,
  Gemm, Relu, ReluBackward,
} from './js.js';
export type KernelBackend = 'wasm' | 'js';

export interface Kernels {
  /** Products and Adam on all-Float64Array or all-Float32Array operands (float32 arithmetic for the latter). */
  gemm: Gemm;
  adam: Adam;
  /**
   * Elementwise kernels of the training step (definitions in lib/kernels/js.ts and
   * assembly/elementwise.ts). A call's arrays are all Float64Array or all Float32Array,
   * contiguous; outputs may be resident or ordinary arrays (then copied, as for gemm).
   *
   *     relu(x, out)                     out[k] = x[k] > 0 ? x[k] : 0      (out may be x)
   *     reluBackward(x, dout, dx)        dx[k] = x[k] > 0 ? dout[k] : 0
   *     addRowVector(n, m, a, v, c)      c[i·m+j] = a[i·m+j] + v[j]        (c may be a)
   *     colSums(n, m, a, c)              c[j] = Σ_i a[i·m+j], rows in order
   *     addL2Gradient(dw, w, reg)        dw += reg·w (float64, one rounding); returns Σw²
   *                                      as four partial sums by k mod 4
   */
  relu: Relu;
  reluBackward: ReluBackward;
  addRowVector: AddRowVector;
  colSums: ColSums;
  addL2Gradient: AddL2Gradient;
  /**
   * Batch normalisation kernels (definitions in lib/kernels/js.ts and assembly/batchnorm.ts),
   * for the loops of batchnormForward/batchnormBackward in lib/layers.ts, bit for bit. The data
   * arrays (x, xhat, out, dout, dx, invStd, gamma, beta, a, b, c) are all Float64Array or all
   * Float32Array, n×d row-major or length d; mean, variance, k, s1, s2 are Float64Arrays of
   * length d whatever the data type. Arithmetic in float64, one rounding at each store into a
   * data array. Outputs are overwritten (need not be zeroed) and must not be inputs.
   *
   *     columnMoments(n, d, x, mean, variance)
   *         mean[j] = (Σ_i x[i·d+j]) / n; variance[j] = (Σ_i (x[i·d+j] − mean[j])²) / n
   *     batchnormNormalize(n, d, x, mean, invStd, gamma, beta, xhat, out)
   *         xhat = (x − mean[j]) · invStd[j]; out = xhat · gamma[j] + beta[j] (from the stored xhat)
   *     columnDot(n, d, a, b, c)            c[j] = Σ_i a[i·d+j] · b[i·d+j] as `c[j] += a·b` from 0
   *     batchnormInputGrad(n, d, dout, xhat, gamma, k, s1, s2, dx)
   *         dx = k[j] · (((n · dout) · gamma[j] − s1[j]) − xhat · s2[j])
   */
  columnMoments: ColumnMoments;
  batchnormNormalize: BatchnormNormalize;
  columnDot: ColumnDot;
  batchnormInputGrad: BatchnormInputGrad;
  /** Storage for long-lived arrays that the kernels read in place (see residentMatrix in matrix.ts). */
  alloc(length: number): Float64Array;
  /** The same for float32 arrays. */
  alloc32(length: number): Float32Array;
}

const JS_KERNELS: Kernels = {
  gemm: gemmJs, adam: adamJs,
  relu: reluJs, reluBackward: reluBackwardJs, addRowVector: addRowVectorJs, colSums: colSumsJs, addL2Gradient: addL2GradientJs,
  columnMoments: columnMomentsJs, batchnormNormalize: batchnormNormalizeJs, columnDot: columnDotJs,
  batchnormInputGrad: batchnormInputGradJs,
  alloc: (n) => new Float64Array(n), alloc32: (n) => new Float32Array(n),
};
const WASM_KERNELS: Kernels | null = gemmWasm && adamWasm && reluWasm && reluBackwardWasm && addRowVectorWasm && colSumsWasm
  && addL2GradientWasm && columnMomentsWasm && batchnormNormalizeWasm && columnDotWasm && batchnormInputGradWasm
  ? {
    gemm: gemmWasm, adam: adamWasm,
    relu: reluWasm, reluBackward: reluBackwardWasm, addRowVector: addRowVectorWasm, colSums: colSumsWasm, addL2Gradient: addL2GradientWasm,
    columnMoments: columnMomentsWasm, batchnormNormalize: batchnormNormalizeWasm, columnDot: columnDotWasm,
    batchnormInputGrad: batchnormInputGradWasm,
    alloc: (n) => allocResident(n) ?? new Float64Array(n),
    alloc32: (n) => allocResident32(n) ?? new Float32Array(n),
  }
  : null;

let current: KernelBackend = 'js';
/** The kernels in use; lib/matrix.ts calls them through this binding. */
export let kernels: Kernels = JS_KERNELS;

/** Switches the backend for the whole process (the bench and tests compare both). */
export function setKernelBackend(name: KernelBackend): void {
  if (name === 'wasm') {
    if (WASM_KERNELS === null) throw new Error(`nnlab: the WebAssembly kernels are unavailable: ${wasmLoadError}`);
    kernels = WASM_KERNELS;
  } else if (name === 'js') {
    kernels = JS_KERNELS;
  } else {
    throw new Error(`nnlab: unknown kernel backend '${String(name)}' (expected 'wasm' or 'js')`);
  }
  current = name;
}

/** The backend in use. */
export function kernelBackend(): KernelBackend {
  return current;
}

/** Threads the kernels in use share large calls across (see lib/kernels/parallel.ts). */
export function kernelThreadCount(): number {
  return current === 'wasm' ? kernelThreads : 1;
}

/** Whether the WebAssembly kernels loaded (and why not, if they did not). */
export function wasmAvailable(): { ok: boolean; reason: string | null } {
  return { ok: WASM_KERNELS !== null, reason: wasmLoadError };
}

const requested = typeof process !== 'undefined' ? process.env.NNLAB_KERNELS : undefined;
if (requested === 'js' || requested === 'wasm') {
  setKernelBackend(requested);
} else if (requested !== undefined && requested !== '') {
  throw new Error(`nnlab: NNLAB_KERNELS must be 'js' or 'wasm', got '${requested}'`);
} else if (WASM_KERNELS !== null) {
  setKernelBackend('wasm');
} else {
  // Correct but several times slower; say so once rather than leave a mystery.
  process.emitWarning(`nnlab: using the pure TypeScript kernels (${wasmLoadError})`);
}
