/**
 * Loads the WebAssembly matrix product (assembly/gemm.ts, built by `npm run build:wasm` into
 * dist/kernels/gemm.wasm) and wraps it in the `Gemm` signature of lib/kernels/js.ts.
 *
 * Loading is synchronous (`new WebAssembly.Module` on the file's bytes) because lib/ is also
 * `require`d from CommonJS (tslab), where a module with top-level await cannot be loaded.
 *
 * WebAssembly code can only read its own linear memory, so each product copies A and B into
 * a scratch area of that memory and C back out. The copies are plain memcpy (about 15 µs for
 * a 784×100 weight matrix here, against about 300 µs for the product that uses it). An
 * operand that already lives in the module's memory (a Float64Array view of `memory.buffer`)
 * is used in place.
 */
import { readFileSync } from 'node:fs';
import type { Gemm } from './js.js';

/**
 * The few WebAssembly APIs used here. The project compiles without the DOM typings, which is
 * where TypeScript declares WebAssembly, so they are typed by hand.
 */
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WA = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface GemmExports {
  memory: WasmMemory;
  heapBase(): number;
  gemm(n: number, m: number, k: number,
       a: number, aRow: number, aStep: number,
       b: number, bStep: number, bCol: number, c: number): void;
}

/**
 * Where the built module may be: beside this file (dist/kernels/ after `tsc`), or in dist/
 * when this file runs from its TypeScript source (vitest, tsx).
 */
const CANDIDATES = ['./gemm.wasm', '../../dist/kernels/gemm.wasm'];

/** Why the module could not be loaded, or null if it was. */
export let wasmLoadError: string | null = null;

function load(): GemmExports | null {
  if (WA === undefined) {
    wasmLoadError = 'this JavaScript engine has no WebAssembly';
    return null;
  }
  const tried: string[] = [];
  for (const rel of CANDIDATES) {
    const url = new URL(rel, import.meta.url);
    let bytes: Buffer;
    try {
      bytes = readFileSync(url);
    } catch {
      tried.push(url.pathname);
      continue;
    }
    try {
      const instance = new WA.Instance(new WA.Module(bytes), {});
      return instance.exports as unknown as GemmExports;
    } catch (err) {
      // Most likely an engine without SIMD (Node < 16.4).
      wasmLoadError = `${url.pathname}: ${err instanceof Error ? err.message : String(err)}`;
      return null;
    }
  }
  wasmLoadError = `gemm.wasm not found (run \`npm run build\`); looked at ${tried.join(', ')}`;
  return null;
}

const wasm = load();

/** Bytes of the scratch area in use by one call; offsets are kept 64-byte aligned. */
const ALIGN = 64;
const PAGE = 65536;
let heap: Float64Array = wasm ? new Float64Array(wasm.memory.buffer) : new Float64Array(0);
const scratchStart = wasm ? Math.ceil(wasm.heapBase() / ALIGN) * ALIGN : 0;

/** Makes the module's memory at least `bytes` long (growing it detaches the old views). */
function ensureMemory(bytes: number): void {
  const mem = wasm!.memory;
  if (mem.buffer.byteLength < bytes) {
    mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / PAGE));
  }
  if (heap.buffer !== mem.buffer) heap = new Float64Array(mem.buffer);
}

function inMemory(x: Float64Array): boolean {
  return x.buffer === wasm!.memory.buffer;
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

const gemmWasmImpl: Gemm = (n, m, k, a, aRow, aStep, b, bStep, bCol, c) => {
  const w = wasm!;
  // Lay out the operands that must be copied, one after the other.
  const aIn = inMemory(a), bIn = inMemory(b), cIn = inMemory(c);
  let top = scratchStart;
  const aAt = aIn ? -1 : top;
  if (!aIn) top += alignUp(a.length * 8);
  const bAt = bIn ? -1 : top;
  if (!bIn) top += alignUp(b.length * 8);
  const cAt = cIn ? -1 : top;
  if (!cIn) top += alignUp(n * m * 8);
  ensureMemory(top);
  if (!aIn) heap.set(a, aAt / 8);
  if (!bIn) heap.set(b, bAt / 8);
  w.gemm(n, m, k,
    aIn ? a.byteOffset : aAt, aRow, aStep,
    bIn ? b.byteOffset : bAt, bStep, bCol,
    cIn ? c.byteOffset : cAt);
  if (!cIn) c.set(heap.subarray(cAt / 8, cAt / 8 + n * m));
};

/** The WebAssembly product, or null when the module could not be loaded. */
export const gemmWasm: Gemm | null = wasm ? gemmWasmImpl : null;
