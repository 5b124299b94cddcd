/**
 * Loads the WebAssembly kernels (assembly/, built by `npm run build:wasm` into
 * dist/kernels/nnlab.wasm) and wraps them in the signatures of lib/kernels/js.ts.
 *
 * Loading is synchronous (`new WebAssembly.Module` on the file's bytes) because lib/ is also
 * `require`d from CommonJS (tslab), where a module with top-level await cannot be loaded.
 *
 * WebAssembly code can only read its own linear memory. That memory is shared with a helper
 * thread (lib/kernels/parallel.ts) and laid out as
 *
 *     [ static data, packing scratch | thread control block | helpers' packing scratch |
 *       resident arrays (RESIDENT_BYTES) | scratch … ]
 *
 * (the packing scratch is where the product kernel copies blocks of its operands, one area
 * per thread, see assembly/gemm.ts).
 *
 * A kernel call copies each operand that lives in ordinary JavaScript memory into the
 * scratch area, runs, and copies its outputs back: plain memcpy, about 20 µs for a 784×100
 * weight matrix against about 300 µs for the product that uses it. Operands that live in the
 * resident area (allocated by `allocResident`, used for parameters and optimiser state that
 * every step touches) are used in place, with no copy at all.
 *
 * Float32Array operands go the same way (`allocResident32` shares the area and free list) and
 * run the float32 kernels, gemm32 and adam32: a call's operands are all of one type.
 *
 * The streaming kernels (elementwise passes and batch normalisation, the entries of
 * lib/kernels/table.ts) are bound by one function, bindKernel, from their table entries: staged
 * the same way, never shared between threads (a few µs each). For them the copies cost more
 * than the kernel (128×100 float64 ReLU: 3 µs resident, 10 µs from ordinary arrays, 22 µs in
 * JavaScript): resident operands pay. A call may mix float64 per-feature arrays (mean,
 * variance, …) with data of either type, each staged by its own type; the …32 export runs
 * when the data is float32.
 *
 * The numerics mode `fused` runs the products of a second module, nnlab-fused.wasm, instantiated
 * on the same memory (lib/kernels/fused.ts); everything else is nnlab.wasm's in either mode.
 */
import { readBuiltWasm } from './built_wasm.js';
import { adamJs, checkGather, gatherRowsJs, gemmJs, type Adam, type AdamAll, type Floats, type Gemm, type GatherRows, type SandwichBackward, type SandwichForward, type SandwichKernels, type SoftmaxLoss } from './js.js';
import { TABLE, tableJs, type TableKernels } from './table.js';
import { isData, type UntypedSpec } from './spec.js';
import { CONTROL_BYTES, ParallelRunner } from './parallel.js';
import { adamKey, gemmKey, threadsWanted } from './jobs.js';
import { loadFused, type FusedLoad, type SandwichExports } from './fused.js';
import { probeSubnormalCost, type SubnormalProbe } from './subnormal.js';
import { performance } from 'node:perf_hooks';

/**
 * The few WebAssembly APIs used here. The project compiles without the DOM typings, which is
 * where TypeScript declares WebAssembly, so they are typed by hand.
 */
interface WasmMemory { readonly buffer: ArrayBufferLike; grow(pages: number): number }
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The exports of nnlab.wasm (with SandwichExports: the sandwich layer in one call each way, assembly/sandwich.ts). */
interface KernelExports extends SandwichExports {
  heapBase(): number;
  packBytes(): number;
  setPackArea(at: number): void;
  /** n float32 zeros at byte offset out (memory.fill; the table's zeros32). */
  zeros32(n: number, out: number): void;
  gemm(n: number, m: number, k: number,
       a: number, aRow: number, aStep: number,
       b: number, bStep: number, bCol: number, c: number, cStride: number): void;
  adam(n: number, w: number, g: number, m: number, v: number,
       lr: number, b1: number, oneMinusB1: number, b2: number, oneMinusB2: number,
       eps: number, c1: number, c2: number): void;
  /** gemm and adam on float32 operands (see assembly/gemm.ts, assembly/adam.ts). */
  gemm32(n: number, m: number, k: number,
         a: number, aRow: number, aStep: number,
         b: number, bStep: number, bCol: number, c: number, cStride: number): void;
  adam32(n: number, w: number, g: number, m: number, v: number,
         lr: number, b1: number, oneMinusB1: number, b2: number, oneMinusB2: number,
         eps: number, c1: number, c2: number): void;
  /** Whether this instance's float32 kernels detour values near underflow (assembly/tiny.ts); its probe loop. */
  setSubnormalPath(on: number): void;
  subnormalCost32(at: number, vectors: number, reps: number, factor: number): number;
  /** adam / adam32 on `count` parameters listed in a table at byte offset `table` (assembly/adam.ts). */
  adamAll(count: number, table: number, lr: number, b1: number, oneMinusB1: number, b2: number, oneMinusB2: number,
          eps: number, c1: number, c2: number): void;
  adamAll32(count: number, table: number, lr: number, b1: number, oneMinusB1: number, b2: number, oneMinusB2: number,
            eps: number, c1: number, c2: number): void;
  /** n rows of rowBytes bytes each, listed by the int32 indices at `rows`, from src to out (assembly/gather.ts). */
  gatherRows(n: number, rowBytes: number, src: number, rows: number, out: number): void;
  /** The softmax loss and its gradient (assembly/softmax.ts): returns the loss. */
  softmaxLoss(n: number, c: number, s: number, y: number, g: number): number;
  softmaxLoss32(n: number, c: number, s: number, y: number, g: number): number;
  /** The ports of lib/math/elementary.ts's exp and log that it uses (assembly/elementary.ts). */
  expStdlib(x: number): number;
  lnStdlib(x: number): number;
  /** The ports of expm1, tanh and sigmoid behind the activations' kernels (assembly/elementary.ts). */
  expm1Stdlib(x: number): number;
  tanhOf(x: number): number;
  sigmoidOf(x: number): number;
  /**
   * The streaming kernels of lib/kernels/table.ts, by name (and name + '32' on float32 data),
   * each taking its table entry's parameters with arrays as byte offsets.
   */
  [name: string]: unknown;
}

const PAGE = 65536;
/**
 * Room for parameters, optimiser state and the datasets evaluated in place (lib/fast/eval_workspace.ts):
 * 192 MB is 24 M float64, ~30 copies of the largest report model plus a float64 and a float32
 * copy of the bench's 7440×784 workload (47 MB and 23 MB), with room to spare for a copy not yet
 * garbage-collected.
 */
const RESIDENT_BYTES = 192 * 1024 * 1024;
/**
 * 384 MB up front, up to 1 GB (the maximum the module declares, see build:wasm). The operating
 * system only backs the pages that are touched, so the reservation itself costs no RAM. The
 * memory is shared (a SharedArrayBuffer) because the helper thread works in it; a shared
 * memory never moves when it grows, so views of it, resident arrays included, stay valid.
 */
const INITIAL_BYTES = 384 * 1024 * 1024;
const MAXIMUM_BYTES = 1024 * 1024 * 1024;
const ALIGN = 64;

/** Why the module could not be loaded, or null if it was. */
export let wasmLoadError: string | null = null;

function load(): { exports: KernelExports; memory: WasmMemory; module: object } | null {
  if (WA === undefined) {
    wasmLoadError = 'this JavaScript engine has no WebAssembly';
    return null;
  }
  const found = readBuiltWasm('nnlab.wasm');
  if (found.bytes === null) {
    wasmLoadError = `nnlab.wasm not found (run \`npm run build\`); looked at ${found.tried.join(', ')}`;
    return null;
  }
  try {
    const memory = new WA.Memory({ initial: INITIAL_BYTES / PAGE, maximum: MAXIMUM_BYTES / PAGE, shared: true });
    const module = new WA.Module(found.bytes);
    const instance = new WA.Instance(module, { env: { memory } });
    return { exports: instance.exports as KernelExports, memory, module };
  } catch (err) {
    // Most likely an engine without SIMD (Node < 16.4).
    wasmLoadError = `${found.where}: ${err instanceof Error ? err.message : String(err)}`;
    return null;
  }
}

const wasm = load();
const alignUp = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN;
const controlStart = wasm ? alignUp(wasm.exports.heapBase()) : 0;
/** One packing area per helper thread (the main thread's lies below heapBase). */
const packStride = wasm ? alignUp(wasm.exports.packBytes()) : 0;
const helperPackStart = controlStart + CONTROL_BYTES;
const residentStart = helperPackStart + packStride * (threadsWanted() - 1);
const scratchStart = residentStart + RESIDENT_BYTES;
let heap = wasm ? new Float64Array(wasm.memory.buffer) : new Float64Array(0);
let heap32 = wasm ? new Float32Array(wasm.memory.buffer) : new Float32Array(0);
let heapInt32 = wasm ? new Int32Array(wasm.memory.buffer) : new Int32Array(0);
/**
 * Every buffer object the memory has had: growing a shared memory keeps the old views valid
 * but gives `memory.buffer` a new identity, and an array is resident if it views any of them.
 */
const memoryBuffers: ArrayBufferLike[] = wasm ? [wasm.memory.buffer] : [];

/** The products of the `fused` numerics mode (lib/kernels/fused.ts), loaded and probed, or why not. */
const fused: FusedLoad = wasm
  ? loadFused(WA!, wasm.memory, wasm.exports, scratchStart)
  : { ok: false, reason: `the WebAssembly kernels are unavailable (${wasmLoadError})` };
/** Why the `fused` products cannot be used here, or null when they can. */
export const fusedLoadError: string | null = fused.ok ? null : fused.reason;
/** Whether the products run fused (see setWasmFused). */
let useFused = false;

/**
 * Runs the products with fused multiply-adds (true) or not (false, the default). Only
 * lib/kernels/index.ts calls this, and only when fusedLoadError is null.
 */
export function setWasmFused(on: boolean): void {
  if (on && !fused.ok) throw new Error(`nnlab: the fused products are unavailable: ${fused.reason}`);
  useFused = on;
}

/** Splits large calls across threads (null: single-threaded). */
const parallel = wasm && threadsWanted() > 1
  ? new ParallelRunner(wasm.exports, wasm.module, fused.ok ? { exports: fused.exports, module: fused.module } : null,
    wasm.memory, controlStart, threadsWanted(), helperPackStart, packStride)
  : null;
/**
 * Whether the float32 kernels of this process (gemm32 and adam32 of nnlab.wasm; the `fused`
 * products never do) detour values near underflow through float64 (assembly/tiny.ts): where the
 * probe (lib/kernels/subnormal.ts) finds subnormals slow, unless NNLAB_SUBNORMAL_PATH=on|off or
 * setSubnormalPath says otherwise. The same bits either way.
 */
const subnormalProbe: SubnormalProbe | null = wasm
  ? probeSubnormalCost({ subnormalCost32: wasm.exports.subnormalCost32, heap32, scratch: scratchStart })
  : null;
const subnormalPathEnv = process.env.NNLAB_SUBNORMAL_PATH ?? '';
if (!['on', 'off', 'auto', ''].includes(subnormalPathEnv)) {
  throw new Error(`nnlab: NNLAB_SUBNORMAL_PATH must be 'on', 'off' or 'auto', got '${subnormalPathEnv}'`);
}
/** The process's default: NNLAB_SUBNORMAL_PATH's choice, or null (the probe's). */
const subnormalPathFromEnv: boolean | null = subnormalPathEnv === 'on' ? true : subnormalPathEnv === 'off' ? false : null;
let subnormalPathForced: boolean | null = subnormalPathFromEnv;

/**
 * Takes the detour (true), not (false), or back to the default (null: NNLAB_SUBNORMAL_PATH's
 * choice, else the probe's); in this process's instances, helpers included. For tests and
 * measurements: the bits do not change.
 */
export function setSubnormalPath(on: boolean | null): void {
  subnormalPathForced = on ?? subnormalPathFromEnv;
  if (!wasm) return;
  const taken = subnormalPath().on;
  wasm.exports.setSubnormalPath(taken ? 1 : 0);
  parallel?.setSubnormalPath(taken);
}

/** Whether the detour is taken (`on`), the probe's ratio (`costRatio`), and whether NNLAB_SUBNORMAL_PATH or setSubnormalPath chose it (`forced`). */
export function subnormalPath(): { on: boolean; costRatio: number | null; forced: boolean } {
  const costRatio = subnormalProbe?.costRatio ?? null;
  if (subnormalPathForced !== null) return { on: subnormalPathForced, costRatio, forced: true };
  return { on: subnormalProbe?.slow ?? false, costRatio, forced: false };
}
setSubnormalPath(null);

/** Below these sizes a call is too short (under ~10 µs) to be worth sharing. */
const PARALLEL_MIN_FLOPS = 131072;
const PARALLEL_MIN_ELEMENTS = 16384;

// ---------------------------------------------------------------------------------------------
// Resident arrays: a first-fit free list over [residentStart, scratchStart). A block returns to
// the list when the array handed out for it is garbage-collected.
// ---------------------------------------------------------------------------------------------

/** Free blocks as [offset, bytes], sorted by offset, never adjacent (they are merged). */
const freeBlocks: [number, number][] = wasm ? [[residentStart, RESIDENT_BYTES]] : [];
let residentLive = 0;

function release(block: [number, number]): void {
  residentLive--;
  const [at, size] = block;
  let i = 0;
  while (i < freeBlocks.length && freeBlocks[i][0] < at) i++;
  freeBlocks.splice(i, 0, [at, size]);
  // Merge with the following block, then with the preceding one.
  if (i + 1 < freeBlocks.length && at + size === freeBlocks[i + 1][0]) {
    freeBlocks[i][1] += freeBlocks[i + 1][1];
    freeBlocks.splice(i + 1, 1);
  }
  if (i > 0 && freeBlocks[i - 1][0] + freeBlocks[i - 1][1] === at) {
    freeBlocks[i - 1][1] += freeBlocks[i][1];
    freeBlocks.splice(i, 1);
  }
}

const registry = new FinalizationRegistry<[number, number]>(release);
/** The block of each array handed out and not yet returned, for freeResident. */
const blockOf = new WeakMap<Floats, [number, number]>();

/**
 * A zero-filled Float64Array of `length` elements in the module's memory, or null when the
 * module is not loaded or the resident area is full (the caller then uses ordinary memory).
 * Its `buffer` is the whole module memory: use byteOffset/byteLength, and do not keep
 * subarray views after the array itself is dropped (its block is then reused).
 */
export function allocResident(length: number): Float64Array | null {
  return allocBlock(length, Float64Array);
}

/** allocResident for a Float32Array (the same area and free list). */
export function allocResident32(length: number): Float32Array | null {
  return allocBlock(length, Float32Array);
}

function allocBlock<T extends Floats>(length: number, type: { new (buffer: ArrayBufferLike, at: number, length: number): T; BYTES_PER_ELEMENT: number }): T | null {
  if (!wasm || length <= 0) return null;
  const size = alignUp(length * type.BYTES_PER_ELEMENT);
  const i = freeBlocks.findIndex(([, bytes]) => bytes >= size);
  if (i < 0) return null;
  const [at, bytes] = freeBlocks[i];
  if (bytes === size) freeBlocks.splice(i, 1);
  else freeBlocks[i] = [at + size, bytes - size];
  const view = new type(wasm.memory.buffer, at, length);
  // The block may have held an earlier array. Zeroed by memory.fill: view.fill(0) on the shared
  // memory goes element by element in V8 (a 9 MB block: ~20 ms against ~1 ms).
  wasm.exports.zeros32(size / 4, at);
  registry.register(view, [at, size], view);
  blockOf.set(view, [at, size]);
  residentLive++;
  return view;
}

/**
 * Returns the block of an array from allocResident/allocResident32 to the free list now, rather
 * than when the array is garbage-collected. Why: V8 does not know that these small views hold
 * megabytes (they view the shared module memory), so it may collect them long after they are
 * dropped, and a process that trains many networks in a row (a bench, a notebook's grid) fills
 * the area in between. The array, and any view of it, must not be used afterwards. Anything else
 * (an ordinary array, an array already returned) is ignored.
 */
export function freeResident(x: Floats): void {
  const block = blockOf.get(x);
  if (block === undefined) return; // not from allocResident, or returned already
  registry.unregister(x);
  blockOf.delete(x);
  release(block);
}

/** Bytes of the resident area in use and in total (for tests and diagnostics). */
export function residentUsage(): { used: number; total: number; arrays: number } {
  const free = freeBlocks.reduce((s, [, b]) => s + b, 0);
  return { used: wasm ? RESIDENT_BYTES - free : 0, total: wasm ? RESIDENT_BYTES : 0, arrays: residentLive };
}

// ---------------------------------------------------------------------------------------------
// Staging operands for a call.
// ---------------------------------------------------------------------------------------------

type Mode = 'in' | 'out' | 'inout';

/** Whether x lives in the module's memory (resident, or a view of it): used in place, never copied. */
export function isResident(x: Floats): boolean {
  return memoryBuffers.includes(x.buffer);
}

/**
 * Byte offsets of `arrays` in module memory for one call, copying in those that are read and
 * are not resident. Returns null when they do not fit even in the largest memory: the caller
 * then runs the JavaScript kernel instead.
 */
function stage(arrays: Floats[], modes: Mode[]): number[] | null {
  const mem = wasm!.memory;
  const at: number[] = [];
  let top = scratchStart;
  for (const x of arrays) {
    if (isResident(x)) at.push(x.byteOffset);
    else {
      at.push(top);
      top += alignUp(x.byteLength);
    }
  }
  if (top > mem.buffer.byteLength) {
    if (top > MAXIMUM_BYTES) return null;
    mem.grow(Math.ceil((top - mem.buffer.byteLength) / PAGE));
    memoryBuffers.push(mem.buffer);
    heap = new Float64Array(mem.buffer);
    heap32 = new Float32Array(mem.buffer);
    heapInt32 = new Int32Array(mem.buffer);
  }
  arrays.forEach((x, i) => {
    if (modes[i] === 'out' || isResident(x)) return;
    if (x instanceof Float32Array) heap32.set(x, at[i] / 4);
    else heap.set(x, at[i] / 8);
  });
  return at;
}

/** Copies the outputs that were staged in scratch back to their JavaScript arrays. */
function unstage(arrays: Floats[], modes: Mode[], at: number[]): void {
  arrays.forEach((x, i) => {
    if (modes[i] === 'in' || isResident(x)) return;
    if (x instanceof Float32Array) x.set(heap32.subarray(at[i] / 4, at[i] / 4 + x.length));
    else x.set(heap.subarray(at[i] / 8, at[i] / 8 + x.length));
  });
}

// ---------------------------------------------------------------------------------------------
// The kernels, with the same signatures as lib/kernels/js.ts (which they fall back to).
// ---------------------------------------------------------------------------------------------

const GEMM_MODES: Mode[] = ['in', 'in', 'out'];
const gemmWasmImpl: Gemm = (n, m, k, a, aRow, aStep, b, bStep, bCol, c) => {
  const ops = [a, b, c];
  const at = stage(ops, GEMM_MODES);
  if (at === null) return gemmJs(n, m, k, a, aRow, aStep, b, bStep, bCol, c);
  const f32 = a instanceof Float32Array;
  const large = parallel !== null && n >= 8 && 2 * n * m * k >= PARALLEL_MIN_FLOPS;
  const key = large ? gemmKey(f32, useFused, n, m, k, aRow, bCol) : 0;
  if (large && parallel.share(key)) parallel.gemm(f32, useFused, n, m, k, at[0], aRow, aStep, at[1], bStep, bCol, at[2]);
  else {
    // A large job kept on this thread is timed: the runner compares it with shared ones.
    const t0 = large ? performance.now() : 0;
    const ex = useFused && fused.ok ? fused.exports : wasm!.exports;
    if (f32) ex.gemm32(n, m, k, at[0], aRow, aStep, at[1], bStep, bCol, at[2], m);
    else ex.gemm(n, m, k, at[0], aRow, aStep, at[1], bStep, bCol, at[2], m);
    if (large) parallel.ranAlone(key, t0, performance.now());
  }
  unstage(ops, GEMM_MODES, at);
};

const ADAM_MODES: Mode[] = ['inout', 'in', 'inout', 'inout'];
const adamWasmImpl: Adam = (w, g, m, v, lr, b1, b2, eps, c1, c2) => {
  const ops = [w, g, m, v];
  const at = stage(ops, ADAM_MODES);
  if (at === null) return adamJs(w, g, m, v, lr, b1, b2, eps, c1, c2);
  const f32 = w instanceof Float32Array;
  const large = parallel !== null && w.length >= PARALLEL_MIN_ELEMENTS;
  const key = large ? adamKey(f32, w.length) : 0;
  const shared = large && parallel.share(key);
  const run = shared ? parallel : wasm!.exports;
  const t0 = large && !shared ? performance.now() : 0;
  // The float32 kernel takes float32 hyperparameters: these float64 values are rounded once,
  // at the call, exactly as adamJs32 rounds them with Math.fround.
  if (f32) run.adam32(w.length, at[0], at[1], at[2], at[3], lr, b1, 1 - b1, b2, 1 - b2, eps, c1, c2);
  else run.adam(w.length, at[0], at[1], at[2], at[3], lr, b1, 1 - b1, b2, 1 - b2, eps, c1, c2);
  if (large && !shared) parallel.ranAlone(key, t0, performance.now());
  unstage(ops, ADAM_MODES, at);
};

/** int32 values per entry of adamAll's table: n, then the byte offsets of w, g, m, v (assembly/adam.ts). */
const ADAM_ENTRY_INTS = 5;

/**
 * Adam on a list of resident parameters in one call (assembly/adam.ts's adamAll), its table at
 * the start of scratch. Nothing runs unless every operand is resident, of one type, of its
 * parameter's length. With a helper thread, a parameter large enough to share
 * (PARALLEL_MIN_ELEMENTS) still goes through adamWasmImpl on its own, where the chooser decides
 * per shape whether sharing pays: its kernel takes 120–550 µs (784×50 to 784×100, measured),
 * against under 1 µs for the JavaScript of its own call (15×[10] net, 32 parameters: 43 µs a
 * step per parameter, 23 µs in one call, best of 7), so nothing is lost by leaving that
 * decision in place. One call pays for the small ones, whose per-call JavaScript costs as much
 * as their update. The bits are those of one adam call per parameter either way (a parameter's
 * elements depend on nothing else), on any number of threads.
 */
const adamAllWasmImpl: AdamAll = (params, lr, b1, b2, eps, c1, c2) => {
  if (params.length === 0) return false;
  const type = params[0].w.constructor;
  for (const { w, g, m, v } of params) {
    for (const x of [w, g, m, v]) {
      if (x.constructor !== type || x.length !== w.length || !isResident(x)) return false;
    }
  }
  const table = scratchStart;
  if (table + 4 * ADAM_ENTRY_INTS * params.length > wasm!.memory.buffer.byteLength) return false;
  const shareable = (w: Floats) => parallel !== null && w.length >= PARALLEL_MIN_ELEMENTS;
  // The large ones first, each on its own call: the table is written after them, so nothing
  // those calls do in scratch can overwrite it.
  for (const { w, g, m, v } of params) if (shareable(w)) adamWasmImpl(w, g, m, v, lr, b1, b2, eps, c1, c2);
  let count = 0;
  for (const { w, g, m, v } of params) {
    if (shareable(w)) continue;
    const e = table / 4 + ADAM_ENTRY_INTS * count++;
    heapInt32[e] = w.length;
    heapInt32[e + 1] = w.byteOffset;
    heapInt32[e + 2] = g.byteOffset;
    heapInt32[e + 3] = m.byteOffset;
    heapInt32[e + 4] = v.byteOffset;
  }
  if (count === 0) return true;
  // As in adamWasmImpl: float32 hyperparameters are the float64 ones rounded once at the call.
  const run = type === Float32Array ? wasm!.exports.adamAll32 : wasm!.exports.adamAll;
  run(count, table, lr, b1, 1 - b1, b2, 1 - b2, eps, c1, c2);
  return true;
};

/**
 * The minibatch gather: in place when the dataset and the buffer are both resident (the fast
 * engine's case, lib/fast/step_workspace.ts), the indices staged at the start of scratch. Else
 * the JavaScript copy: staging a whole dataset for one gather would cost more than the gather.
 */
const gatherRowsWasmImpl: GatherRows = (src, cols, rows, out) => {
  checkGather(src, cols, rows, out);
  const mem = wasm!.memory;
  if (!isResident(src) || !isResident(out) || scratchStart + 4 * rows.length > mem.buffer.byteLength) return gatherRowsJs(src, cols, rows, out);
  heapInt32.set(rows, scratchStart / 4);
  wasm!.exports.gatherRows(rows.length, cols * src.BYTES_PER_ELEMENT, src.byteOffset, scratchStart, out.byteOffset);
};

/**
 * The softmax loss with its gradient in one call (assembly/softmax.ts), on scores and gradient
 * arrays that are resident (a training step's, from the step arena); null where it cannot run
 * (see the SoftmaxLoss type). Every label is checked to be a class before the call: the kernel
 * reads the score it names. The labels are staged at the start of scratch.
 */
const softmaxLossWasmImpl: SoftmaxLoss = (n, c, scores, labels, dscores) => {
  if (!isResident(scores) || !isResident(dscores) || scores.length < n * c || dscores.length < n * c || labels.length !== n) return null;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= c) return null;
  }
  if (scratchStart + 4 * n > wasm!.memory.buffer.byteLength) return null;
  heapInt32.set(labels, scratchStart / 4);
  const e = wasm!.exports;
  return scores instanceof Float32Array
    ? e.softmaxLoss32(n, c, scores.byteOffset, scratchStart, dscores.byteOffset)
    : e.softmaxLoss(n, c, scores.byteOffset, scratchStart, dscores.byteOffset);
};

/**
 * Whether a block of these dimensions runs in one call: always on one thread; with a helper,
 * only when every product is below the size at which gemmWasmImpl may share it (all three
 * products of a block do 2·n·d·m flops).
 */
const sandwichFits = (n: number, d: number, m: number): boolean => parallel === null || 2 * n * d * m < PARALLEL_MIN_FLOPS;

/** Whether a call of these dimensions on these arrays (each with the length it needs) runs. */
function sandwichRuns(n: number, d: number, m: number, arrays: [Floats, number][]): boolean {
  const f32 = arrays[0][0] instanceof Float32Array;
  return sandwichFits(n, d, m) && arrays.every(([x, length]) => x instanceof Float32Array === f32 && x.length >= length && isResident(x));
}

/** The instance whose products are those of the numerics mode in use. */
const modeExports = (): SandwichExports => (useFused && fused.ok ? fused.exports : wasm!.exports);

const sandwichForwardWasmImpl: SandwichForward = (n, d, m, x, w, b, z, out) => {
  if (!sandwichRuns(n, d, m, [[x, n * d], [w, d * m], [b, m], [z, n * m], [out, n * m]])) return false;
  const ex = modeExports();
  (x instanceof Float32Array ? ex.sandwichForward32 : ex.sandwichForward)(n, d, m, x.byteOffset, w.byteOffset, b.byteOffset, z.byteOffset, out.byteOffset);
  return true;
};

const sandwichBackwardWasmImpl: SandwichBackward = (n, d, m, dout, z, x, w, dz, dw, db, dx) => {
  const arrays: [Floats, number][] = [[dout, n * m], [z, n * m], [x, n * d], [w, d * m], [dz, n * m], [dw, d * m], [db, m]];
  if (!sandwichRuns(n, d, m, dx === null ? arrays : [...arrays, [dx, n * d]])) return false;
  const ex = modeExports();
  (x instanceof Float32Array ? ex.sandwichBackward32 : ex.sandwichBackward)(n, d, m, dout.byteOffset, z.byteOffset,
    x.byteOffset, w.byteOffset, dz.byteOffset, dw.byteOffset, db.byteOffset, dx === null ? 0 : dx.byteOffset);
  return true;
};

// The streaming kernels of the table (lib/kernels/table.ts): elementwise passes and batch
// normalisation. Too short to share between threads (a few µs); the staging copies are what
// costs when the operands are ordinary arrays (see the measurements in assembly/elementwise.ts).
// A call mixes float64 per-feature arrays with data of either type, each staged by its own type.
// An output that is the very array of an input (relu in place, addRowVector with c = a) is
// staged once, read and written; an output longer than what the kernel writes is copied in too,
// so that its other elements survive the copy back.

type Export = (...args: number[]) => number | undefined;

/** The WebAssembly binding of one table entry: stage the arrays, call name or name32, unstage. */
function bindKernel(name: string, spec: UntypedSpec): (...args: unknown[]) => unknown {
  const e64 = wasm!.exports[name] as Export, e32 = wasm!.exports[`${name}32`] as Export;
  const fallback = (tableJs as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
  const arrays = spec.params.flatMap((p, i) => (p === 'int' || p === 'number' ? [] : [i]));
  const sizes = spec.params.flatMap((p, i) => (p === 'int' ? [i] : []));
  const first = spec.params.findIndex(isData);
  return (...args) => {
    const written = spec.written(...sizes.map((i) => args[i] as number));
    const ops: Floats[] = [], modes: Mode[] = [], slot: number[] = [];
    for (const i of arrays) {
      const x = args[i] as Floats, p = spec.params[i];
      const read = p === 'in' || p === 'in64';
      const s = ops.indexOf(x);
      if (s >= 0) { // the same array twice: one staged copy, read and written
        if (!read) modes[s] = 'inout';
        slot[i] = s;
        continue;
      }
      slot[i] = ops.length;
      ops.push(x);
      modes.push(read ? 'in' : p === 'inout' || x.length > written ? 'inout' : 'out');
    }
    const at = stage(ops, modes);
    if (at === null) return fallback(...args);
    const call = args.map((a, i) => (slot[i] === undefined ? a as number : at[slot[i]]));
    const result = (args[first] instanceof Float32Array ? e32 : e64)(...call);
    unstage(ops, modes, at);
    return result;
  };
}

/** The WebAssembly streaming kernels, or null when the module could not be loaded. */
export const tableWasm: TableKernels | null = wasm
  ? Object.fromEntries(Object.entries(TABLE).map(([name, spec]) => [name, bindKernel(name, spec)])) as unknown as TableKernels
  : null;

/** The WebAssembly product, or null when the module could not be loaded. */
export const gemmWasm: Gemm | null = wasm ? gemmWasmImpl : null;
/** The WebAssembly Adam update, or null when the module could not be loaded. */
export const adamWasm: Adam | null = wasm ? adamWasmImpl : null;
/** The WebAssembly Adam over all parameters in one call, or null when the module could not be loaded. */
export const adamAllWasm: AdamAll | null = wasm ? adamAllWasmImpl : null;
/** The WebAssembly minibatch gather, or null when the module could not be loaded. */
export const gatherRowsWasm: GatherRows | null = wasm ? gatherRowsWasmImpl : null;
/** The WebAssembly softmax loss, or null when the module could not be loaded. */
export const softmaxLossWasm: SoftmaxLoss | null = wasm ? softmaxLossWasmImpl : null;
/** The WebAssembly sandwich layer, forward and backward, or null when the module could not be loaded. */
export const sandwichWasm: SandwichKernels | null = wasm
  ? { fits: sandwichFits, forward: sandwichForwardWasmImpl, backward: sandwichBackwardWasmImpl }
  : null;
/** The WebAssembly ports of assembly/elementary.ts, for the tests; null without the module. */
export const elementaryWasm: Record<'exp' | 'log' | 'expm1' | 'tanh' | 'sigmoid', (x: number) => number> | null = wasm
  ? {
    exp: wasm.exports.expStdlib, log: wasm.exports.lnStdlib,
    expm1: wasm.exports.expm1Stdlib, tanh: wasm.exports.tanhOf, sigmoid: wasm.exports.sigmoidOf,
  }
  : null;

/** Threads the WebAssembly kernels split large calls across (1: no helper). */
export const kernelThreads: number = parallel ? parallel.threads : 1;

/**
 * Forces large calls to be shared between threads (true) or not (false), or lets the kernels
 * decide by how much CPU time the helper gets (null, the default). For measurements.
 */
export function forceThreadSharing(value: boolean | null): void {
  if (parallel) parallel.forced = value;
}

/** Counters of the thread sharing (null: single-threaded), for diagnostics. */
export function threadSharingStats(): ParallelRunner['stats'] | null {
  return parallel ? parallel.stats : null;
}
