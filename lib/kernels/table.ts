/**
 * The streaming kernels (elementwise passes and batch normalisation), each declared once: a
 * table entry giving its parameters in the order the WebAssembly export takes them, which are
 * read and which written, and its TypeScript reference. From the entry follow the fallback
 * (lib/kernels/js.ts dispatches on the array type) and the WebAssembly binding (lib/kernels/wasm.ts
 * stages the arrays and calls the export of the same name, `name32` for float32 data).
 *
 * Adding one touches three files: its AssemblyScript loop (assembly/elementwise.ts, exported
 * under its name and name32), its entry here (lib/kernels/elementwise.ts), and the Matrix
 * operation that calls it (lib/nn/ops.ts).
 *
 * The matrix product and Adam are not in the table: they split large calls across threads
 * (lib/kernels/parallel.ts) and have bindings of their own.
 */
import { isData, type KernelFn, type UntypedSpec } from './spec.js';
import { ELEMENTWISE } from './elementwise.js';
import { BATCHNORM } from './batchnorm.js';

export const TABLE = { ...ELEMENTWISE, ...BATCHNORM };
/** The streaming kernels by name, with the signature they have on either backend. */
export type TableKernels = { [K in keyof typeof TABLE]: KernelFn<(typeof TABLE)[K]> };

/**
 * A separately compiled copy of `f`, from its source. V8 keeps type feedback per compiled
 * function: one loop fed both Float64Arrays and Float32Arrays (one process training in both
 * number types) turns polymorphic and slows down (a columnDot over 128×100: 169 µs for a float64
 * and a float32 call through one function, 108 µs through two copies; gemm's loop drops 24×,
 * see gemmJs). So each reference runs as two copies, one per array type.
 */
function monomorphicCopy<F>(f: F): F {
  return new Function(`return (${String(f)});`)() as F;
}

/** The fallback: each kernel's reference, a copy per number type, chosen by its first data array. */
function jsKernel(spec: UntypedSpec): (...args: unknown[]) => unknown {
  if (spec.callsImported) return spec.js as (...args: unknown[]) => unknown;
  const first = spec.params.findIndex(isData);
  const js64 = monomorphicCopy(spec.js) as (...a: unknown[]) => unknown;
  const js32 = monomorphicCopy(spec.js) as (...a: unknown[]) => unknown;
  return (...args) => (args[first] instanceof Float32Array ? js32(...args) : js64(...args));
}

export const tableJs = Object.fromEntries(
  Object.entries(TABLE).map(([name, spec]) => [name, jsKernel(spec)]),
) as unknown as TableKernels;
