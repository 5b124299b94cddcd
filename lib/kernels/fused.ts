/**
 * The WebAssembly module of the `fused` numerics mode, and the start-up probe that says whether
 * this engine and this CPU can run it.
 *
 * nnlab-fused.wasm is the same kernels as nnlab.wasm built with relaxed SIMD (scripts/build.mjs):
 * its products do every multiply-add with f64x2/f32x4.relaxed_madd. Relaxed SIMD leaves it to the
 * engine whether that madd is fused (one rounding) or a multiply and an add (two roundings); V8
 * fuses it where the CPU has FMA instructions. So, as XNNPACK does, the module is first run on a
 * case where the two differ, and `fused` is used only where the result is the fused one: then
 * every product is bit for bit the TypeScript reference of lib/kernels/fma.ts (gemmFmaReference),
 * on every machine that passes this probe.
 *
 * Node 20 knows relaxed SIMD only behind a flag; it is set here, before the module is compiled,
 * and only when the module does not validate without it (Node 22 and later ship it).
 *
 * The module is instantiated on the memory of nnlab.wasm (lib/kernels/wasm.ts). It has no data
 * segment; its packing scratch is set to the one of nnlab.wasm's instance on the same thread
 * (a thread runs one product at a time, so they can share it).
 */
import { readBuiltWasm } from './built_wasm.js';
import v8 from 'node:v8';

/** The sandwich layer's calls (assembly/sandwich.ts), run on the instance of the numerics mode in use. */
export interface SandwichExports {
  sandwichForward(n: number, d: number, m: number, x: number, w: number, b: number, z: number, out: number): void;
  sandwichForward32(n: number, d: number, m: number, x: number, w: number, b: number, z: number, out: number): void;
  sandwichBackward(n: number, d: number, m: number, dout: number, z: number, x: number, w: number,
                   dz: number, dw: number, db: number, dx: number): void;
  sandwichBackward32(n: number, d: number, m: number, dout: number, z: number, x: number, w: number,
                     dz: number, dw: number, db: number, dx: number): void;
}

/** The exports lib/kernels/wasm.ts calls on the fused instance (the products, and the sandwich layer's calls that use them). */
export interface FusedExports extends SandwichExports {
  heapBase(): number;
  packBytes(): number;
  setPackArea(at: number): void;
  gemm(n: number, m: number, k: number, a: number, aRow: number, aStep: number,
       b: number, bStep: number, bCol: number, c: number, cStride: number): void;
  gemm32(n: number, m: number, k: number, a: number, aRow: number, aStep: number,
         b: number, bStep: number, bCol: number, c: number, cStride: number): void;
}

interface WasmLike {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** The fused module, loaded and probed, or why it cannot be used. */
export type FusedLoad = { ok: true; exports: FusedExports; module: object } | { ok: false; reason: string };

/**
 * The probe's cases: C = a1·b1 + a2·b2 with a2·b2 = −a1·b1 exactly in real arithmetic but for a
 * last bit that only a fused multiply-add keeps. Step 1 gives c = RN(a1·b1) = −RN(x²); step 2
 * gives RN(x² + c): fused, the part of x² below its rounding (2⁻⁶⁰ for float64, 2⁻²⁴ for
 * float32); a rounded product, then an add, gives exactly 0.
 *   float64: x = 1 + 2⁻³⁰, x² = 1 + 2⁻²⁹ + 2⁻⁶⁰.   float32: x = 1 + 2⁻¹², x² = 1 + 2⁻¹¹ + 2⁻²⁴.
 */
const PROBES = [
  { f32: false, x: 1 + 2 ** -30, fused: 2 ** -60 },
  { f32: true, x: 1 + 2 ** -12, fused: 2 ** -24 },
] as const;

/** Runs the probe's two products at byte offset `at` (48 bytes of scratch); null if both fused, else why not. */
function probe(ex: FusedExports, buffer: ArrayBufferLike, at: number): string | null {
  for (const { f32, x, fused } of PROBES) {
    const view = f32 ? new Float32Array(buffer, at, 5) : new Float64Array(buffer, at, 5), es = view.BYTES_PER_ELEMENT;
    view.set([x, x, -x, x, 7]); // A = [x, x] (1×2), B = [−x, x] (2×1), C = 7 (overwritten)
    (f32 ? ex.gemm32 : ex.gemm)(1, 1, 2, at, 2, 1, at + 2 * es, 1, 1, at + 4 * es, 1);
    const got = view[4];
    if (got !== fused) {
      const kind = f32 ? 'f32x4' : 'f64x2';
      return got === 0
        ? `${kind}.relaxed_madd is not fused on this machine (it rounds the product before the add)`
        : `${kind}.relaxed_madd gave ${got} on the probe, neither the fused ${fused} nor the unfused 0`;
    }
  }
  return null;
}

/**
 * Loads nnlab-fused.wasm on `memory` (the memory of nnlab.wasm, whose instance is `exact`),
 * puts its packing scratch on the main thread's, and probes it using 48 bytes at `scratch`.
 */
export function loadFused(wa: WasmLike, memory: { buffer: ArrayBufferLike }, exact: { heapBase(): number; packBytes(): number }, scratch: number): FusedLoad {
  const bytes = readBuiltWasm('nnlab-fused.wasm').bytes;
  if (bytes === null) return { ok: false, reason: 'nnlab-fused.wasm not found (run `npm run build`)' };
  if (!wa.validate(bytes)) {
    // Node 20: relaxed SIMD exists behind a flag, which must be set before compiling.
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (!wa.validate(bytes)) return { ok: false, reason: `this engine (Node ${process.versions.node}) has no relaxed SIMD` };
  }
  try {
    const module = new wa.Module(bytes);
    const ex = new wa.Instance(module, { env: { memory } }).exports as FusedExports;
    if (ex.heapBase() !== exact.heapBase() || ex.packBytes() !== exact.packBytes()) {
      return { ok: false, reason: 'nnlab-fused.wasm and nnlab.wasm are from different builds (run `npm run build`)' };
    }
    ex.setPackArea(exact.heapBase() - exact.packBytes());
    const why = probe(ex, memory.buffer, scratch);
    return why === null ? { ok: true, exports: ex, module } : { ok: false, reason: why };
  } catch (err) {
    return { ok: false, reason: `nnlab-fused.wasm: ${err instanceof Error ? err.message : String(err)}` };
  }
}
