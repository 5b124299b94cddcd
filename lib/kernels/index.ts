/**
 * Chooses the numeric backend used by lib/nn/ops.ts: the WebAssembly SIMD kernels when they
 * load, the pure TypeScript ones otherwise. Both compute every value with the same operations
 * in the same order and give identical results, so the choice only changes speed. Both take
 * float64 or float32 operands (float32 arithmetic, equally identical across backends).
 *
 * The environment variable NNLAB_KERNELS=js|wasm forces a backend (`wasm` fails loudly if
 * the module cannot be loaded, instead of quietly running several times slower), and
 * NNLAB_THREADS=N the number of threads the WebAssembly kernels may use for one large call
 * (default: 2 on the main thread of a multi-core machine, 1 in worker threads).
 *
 * Numerics modes (NNLAB_NUMERICS=exact|fused, or setNumerics; `nnlab --numerics`):
 * - `exact` (the default): every product is a multiply, rounded, then an add, rounded, as the
 *   TypeScript kernels do; the same bits on both backends.
 * - `fused`: the WebAssembly products use fused multiply-adds (relaxed SIMD, one rounding per
 *   step; lib/kernels/fused.ts), bit for bit the TypeScript reference of lib/kernels/fma.ts. The
 *   same bits on every machine that runs it, but other bits than `exact`. WebAssembly only: the
 *   TypeScript backend has no fast fused multiply-add, and where the probe finds no fused madd
 *   (an engine without relaxed SIMD, a CPU without FMA) `fused` is not available either. Asked
 *   for where it is not available, nnlab says so once on stderr and runs `exact`.
 */
import { adamJs, gatherRowsJs, gemmJs, type Adam, type AdamAll, type Floats, type GatherRows, type Gemm, type SandwichBackward, type SandwichForward, type SoftmaxLoss } from './js.js';
import { adamWasm, adamAllWasm, allocResident, allocResident32, gatherRowsWasm, sandwichWasm, softmaxLossWasm, freeResident, fusedLoadError, gemmWasm, isResident, kernelThreads, setWasmFused, tableWasm, wasmLoadError } from './wasm.js';
import { tableJs, type TableKernels } from './table.js';
import { KernelProfile, type KernelCategory } from './profile.js';

export { forceThreadSharing, setSubnormalPath, subnormalPath } from './wasm.js';
export type { Adam, AdamAll, AdamOperands, Floats, GatherRows, Gemm, SandwichBackward, SandwichForward, SoftmaxLoss } from './js.js';
export type { TableKernels } from './table.js';
export { KernelProfile, PROFILE_CATEGORIES, type KernelCategory, type ProfileCategory } from './profile.js';
export type KernelBackend = 'wasm' | 'js';
/** How the products round (see the header): `exact`, or `fused` multiply-adds. */
export type Numerics = 'exact' | 'fused';
export const NUMERICS_MODES: readonly Numerics[] = ['exact', 'fused'];

/**
 * The kernels lib/nn/ops.ts calls: the product and Adam on all-Float64Array or all-Float32Array
 * operands (float32 arithmetic for the latter), the streaming kernels of lib/kernels/table.ts
 * (elementwise passes and batch normalisation, each defined by its table entry), and storage.
 */
export interface Kernels extends TableKernels {
  gemm: Gemm;
  adam: Adam;
  /**
   * Adam on every parameter of a list in one call, on resident operands (see the AdamAll type);
   * null on the TypeScript backend, where the update runs per parameter.
   */
  adamAll: AdamAll | null;
  /** Gathers listed rows of a dataset into a minibatch (the fast engine's training steps). */
  gatherRows: GatherRows;
  /**
   * The softmax loss with its gradient in one call, on resident scores and gradient (see the
   * SoftmaxLoss type); null on the TypeScript backend, where lib/nn/layers.ts's softmaxLoss runs.
   */
  softmaxLoss: SoftmaxLoss | null;
  /**
   * The sandwich layer (affine → ReLU) forward and backward, each in one call on resident
   * operands (see the SandwichForward type); null on the TypeScript backend, where
   * lib/nn/layer_utils.ts's hiddenLayerForward/Backward run (lib/fast/sandwich.ts chooses).
   */
  sandwichForward: SandwichForward | null;
  sandwichBackward: SandwichBackward | null;
  /**
   * Whether a block of n×d inputs and m units runs in those calls (asked before its outputs
   * are allocated): always on one thread, else only when its products are too small to be
   * shared between threads; false on the TypeScript backend.
   */
  sandwichFits(n: number, d: number, m: number): boolean;
  /** Storage for long-lived arrays that the kernels read in place (see residentMatrix in lib/kernels/resident.ts). */
  alloc(length: number): Float64Array;
  /** The same for float32 arrays. */
  alloc32(length: number): Float32Array;
  /**
   * Whether the kernels read and write x in place (no copy in and out): true for every array
   * on the TypeScript backend, for arrays from alloc/alloc32 on the WebAssembly one.
   */
  inPlace(x: Floats): boolean;
  /**
   * Gives the storage of an array from alloc/alloc32 back now instead of when it is collected
   * (see freeResident in lib/kernels/wasm.ts); x must not be used afterwards. A no-op for
   * ordinary arrays.
   */
  free(x: Floats): void;
}

const JS_KERNELS: Kernels = {
  ...tableJs, gemm: gemmJs, adam: adamJs, adamAll: null, gatherRows: gatherRowsJs, softmaxLoss: null,
  sandwichForward: null, sandwichBackward: null, sandwichFits: () => false,
  alloc: (n) => new Float64Array(n), alloc32: (n) => new Float32Array(n),
  inPlace: () => true,
  free: () => {},
};
const WASM_KERNELS: Kernels | null = gemmWasm && adamWasm && adamAllWasm && gatherRowsWasm && softmaxLossWasm && sandwichWasm && tableWasm
  ? {
    ...tableWasm, gemm: gemmWasm, adam: adamWasm, adamAll: adamAllWasm, gatherRows: gatherRowsWasm, softmaxLoss: softmaxLossWasm,
    sandwichForward: sandwichWasm.forward, sandwichBackward: sandwichWasm.backward, sandwichFits: sandwichWasm.fits,
    alloc: (n) => allocResident(n) ?? new Float64Array(n),
    alloc32: (n) => allocResident32(n) ?? new Float32Array(n),
    inPlace: isResident,
    free: freeResident,
  }
  : null;

let current: KernelBackend = 'js';
/** The kernels of the backend in use, untimed. */
let raw: Kernels = JS_KERNELS;
/** The profile being recorded (see profileKernels), or null. */
let profile: KernelProfile | null = null;
/** The kernels in use; lib/nn/ops.ts (and Matrix's finiteness check) call them through this binding. */
export let kernels: Kernels = JS_KERNELS;

/** Which profile category each kernel's time goes to (storage functions are not timed). */
function categoryOf(name: string): KernelCategory | null {
  // A sandwich call is its block's products and elementwise passes in one; the products dominate.
  if (name === 'gemm' || name === 'sandwichForward' || name === 'sandwichBackward') return 'products';
  if (name === 'adam' || name === 'adamAll') return 'adam';
  if (name === 'alloc' || name === 'alloc32' || name === 'inPlace' || name === 'free' || name === 'sandwichFits') return null;
  return 'elementwise'; // the table's streaming kernels, the minibatch gather and the softmax loss
}

/** The kernels k, each timed into profile p. */
function timed(k: Kernels, p: KernelProfile): Kernels {
  return Object.fromEntries(Object.entries(k).map(([name, f]) => {
    const category = categoryOf(name);
    const fn = f as ((...args: unknown[]) => unknown) | null;
    return [name, category === null || fn === null ? fn : (...args: unknown[]) => p.kernel(category, () => fn(...args))];
  })) as unknown as Kernels;
}

/**
 * Starts recording where the kernels' time goes into `p` (see lib/kernels/profile.ts), or stops
 * with null. While off, the kernels run untimed: the profiler costs nothing.
 */
export function profileKernels(p: KernelProfile | null): void {
  profile = p;
  kernels = p === null ? raw : timed(raw, p);
}

/** The profile being recorded, or null (evaluation passes time themselves into it). */
export function kernelProfile(): KernelProfile | null {
  return profile;
}

/** Switches the backend for the whole process (the bench and tests compare both). */
export function setKernelBackend(name: KernelBackend): void {
  if (name === 'wasm') {
    if (WASM_KERNELS === null) throw new Error(`nnlab: the WebAssembly kernels are unavailable: ${wasmLoadError}`);
    raw = WASM_KERNELS;
  } else if (name === 'js') {
    raw = JS_KERNELS;
  } else {
    throw new Error(`nnlab: unknown kernel backend '${String(name)}' (expected 'wasm' or 'js')`);
  }
  current = name;
  applyNumerics();
  profileKernels(profile);
}

/** The mode asked for (setNumerics, NNLAB_NUMERICS), and the one running (see applyNumerics). */
let requestedNumerics: Numerics = 'exact';
let runningNumerics: Numerics = 'exact';
/** Reasons already said on stderr (each once per process). */
const toldUnavailable = new Set<string>();

/** Why `fused` cannot run on the backend in use, or null when it can. */
export function fusedUnavailableReason(): string | null {
  if (current === 'js') return 'the TypeScript kernels (NNLAB_KERNELS=js) have no fused multiply-add; `fused` is WebAssembly-only';
  return fusedLoadError;
}

/** Runs the mode asked for if the backend in use can, else `exact`, saying so once. */
function applyNumerics(): void {
  const why = requestedNumerics === 'fused' ? fusedUnavailableReason() : null;
  runningNumerics = requestedNumerics === 'fused' && why === null ? 'fused' : 'exact';
  if (WASM_KERNELS !== null) setWasmFused(current === 'wasm' && runningNumerics === 'fused');
  if (why !== null && !toldUnavailable.has(why)) {
    toldUnavailable.add(why);
    process.stderr.write(`nnlab: numerics 'fused' is not available (${why}): running 'exact'\n`);
  }
}

/**
 * Asks for a numerics mode for the whole process (see the header) and returns the one that runs:
 * `exact` when `fused` is not available, which is then said once on stderr.
 */
export function setNumerics(mode: Numerics): Numerics {
  if (!NUMERICS_MODES.includes(mode)) throw new Error(`nnlab: unknown numerics mode '${String(mode)}' (expected 'exact' or 'fused')`);
  requestedNumerics = mode;
  applyNumerics();
  // Worker threads and child processes (parallel sweeps, queue workers) run the same mode.
  process.env.NNLAB_NUMERICS = runningNumerics;
  return runningNumerics;
}

/** The numerics mode that runs (recorded in run records, model files and cache keys). */
export function numericsMode(): Numerics {
  return runningNumerics;
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

const requestedMode = typeof process !== 'undefined' ? process.env.NNLAB_NUMERICS : undefined;
if (requestedMode === 'exact' || requestedMode === 'fused') setNumerics(requestedMode);
else if (requestedMode !== undefined && requestedMode !== '') {
  throw new Error(`nnlab: NNLAB_NUMERICS must be 'exact' or 'fused', got '${requestedMode}'`);
}
