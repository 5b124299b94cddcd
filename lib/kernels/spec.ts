/**
 * How a streaming kernel is declared (see lib/kernels/table.ts): its parameters in the order the
 * WebAssembly export takes them, which arrays are read and which written, and its TypeScript
 * reference on each number type.
 */
import type { Floats } from './js.js';

/**
 * How a kernel takes each argument:
 * - 'int': a size (n, m, d), passed as is;
 * - 'number': a float64 scalar, passed as is;
 * - 'in' / 'out' / 'inout': a data array, all of one call Float64Array or all Float32Array
 *   (the type of the first picks the float64 or the float32 kernel);
 * - 'in64' / 'out64': a Float64Array whatever the data type (per-feature statistics).
 * Outputs are overwritten; an output may be the very array of an input where the kernel says so.
 */
export type Param = 'int' | 'number' | 'in' | 'out' | 'inout' | 'in64' | 'out64';

/** The TypeScript type of each argument, with data arrays of type T. */
export type Args<P extends readonly Param[], T> = { -readonly [I in keyof P]: P[I] extends 'int' | 'number' ? number : P[I] extends 'in64' | 'out64' ? Float64Array : T };

export interface KernelSpec<P extends readonly Param[], R> {
  params: P;
  /** Elements each output receives, from the 'int' arguments in order (outputs may be longer). */
  written: (...sizes: number[]) => number;
  /**
   * The TypeScript reference, on either number type (a Float32Array store rounds). It must use
   * nothing but its arguments and globals such as Math: lib/kernels/table.ts compiles a copy
   * of its source for each number type (see monomorphicCopy there).
   */
  js: (...args: Args<P, Floats>) => R;
  /**
   * Set for a reference that calls a function of another module (sigmoid, tanh): a copy compiled
   * from its source would not see that function, so the reference itself runs on both number
   * types (the call costs far more than the polymorphic loop around it).
   */
  callsImported?: true;
}

/** A table entry seen without its parameter types, as the bindings walk it. */
export interface UntypedSpec {
  params: readonly Param[];
  written: (...sizes: number[]) => number;
  js: (...args: never[]) => unknown;
  callsImported?: true;
}

/** A table entry, typed by its parameter list (the `as const` stays on the caller's side). */
export function defineKernel<const P extends readonly Param[], R>(spec: KernelSpec<P, R>): KernelSpec<P, R> {
  return spec;
}

/** The signature a kernel has on either backend. */
export type KernelFn<S> = S extends KernelSpec<infer P, infer R> ? (...args: Args<P, Floats>) => R : never;

/** Whether argument `i` of a kernel is a data array (whose type picks the kernel). */
export const isData = (p: Param): boolean => p === 'in' || p === 'out' || p === 'inout';
