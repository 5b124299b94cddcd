/**
 * Chooses the matrix-product backend used by lib/matrix.ts: the WebAssembly SIMD kernel when
 * it loads, the pure TypeScript one otherwise. Both sum in the same order and give identical
 * results, so the choice only changes speed.
 *
 * The environment variable NNLAB_KERNELS=js|wasm forces a backend (`wasm` fails loudly if
 * the module cannot be loaded, instead of quietly running ten times slower).
 */
import { gemmJs, type Gemm } from './js.js';
import { gemmWasm, wasmLoadError } from './wasm.js';

export type { Gemm } from './js.js';
export type KernelBackend = 'wasm' | 'js';

let current: KernelBackend = 'js';
/** The product in use; lib/matrix.ts calls it through this binding. */
export let gemm: Gemm = gemmJs;

/** Switches the product backend for the whole process (the bench and tests compare both). */
export function setKernelBackend(name: KernelBackend): void {
  if (name === 'wasm') {
    if (gemmWasm === null) throw new Error(`nnlab: the WebAssembly kernels are unavailable: ${wasmLoadError}`);
    gemm = gemmWasm;
  } else if (name === 'js') {
    gemm = gemmJs;
  } else {
    throw new Error(`nnlab: unknown kernel backend '${String(name)}' (expected 'wasm' or 'js')`);
  }
  current = name;
}

/** The backend in use. */
export function kernelBackend(): KernelBackend {
  return current;
}

/** Whether the WebAssembly kernels loaded (and why not, if they did not). */
export function wasmAvailable(): { ok: boolean; reason: string | null } {
  return { ok: gemmWasm !== null, reason: wasmLoadError };
}

const requested = typeof process !== 'undefined' ? process.env.NNLAB_KERNELS : undefined;
if (requested === 'js' || requested === 'wasm') {
  setKernelBackend(requested);
} else if (requested !== undefined && requested !== '') {
  throw new Error(`nnlab: NNLAB_KERNELS must be 'js' or 'wasm', got '${requested}'`);
} else if (gemmWasm !== null) {
  setKernelBackend('wasm');
} else {
  // Correct but several times slower; say so once rather than leave a mystery.
  process.emitWarning(`nnlab: using the pure TypeScript matrix kernels (${wasmLoadError})`);
}
