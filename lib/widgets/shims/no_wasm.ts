/**
 * The browser bundles' stand-in for lib/kernels/wasm.ts (scripts/build-widgets.mjs swaps it in):
 * the page computes with the TypeScript kernels, which give the same values as the WebAssembly
 * ones bit for bit (test/kernels.test.ts), so only speed differs.
 */
import type { Adam, AdamAll, Floats, GatherRows, Gemm, SandwichKernels, SoftmaxLoss } from '../../kernels/js.js';
import type { TableKernels } from '../../kernels/table.js';

export const wasmLoadError: string | null = 'the browser bundle computes with the TypeScript kernels';
export const tableWasm: TableKernels | null = null;
export const gemmWasm: Gemm | null = null;
export const adamWasm: Adam | null = null;
export const adamAllWasm: AdamAll | null = null;
export const gatherRowsWasm: GatherRows | null = null;
export const softmaxLossWasm: SoftmaxLoss | null = null;
export const sandwichWasm: SandwichKernels | null = null;
export const kernelThreads = 1;
export function allocResident(_length: number): Float64Array | null { return null; }
export function allocResident32(_length: number): Float32Array | null { return null; }
export function freeResident(_x: Floats): void {}
export function isResident(_x: Floats): boolean { return false; }
export function forceThreadSharing(_value: boolean | null): void {}
export const fusedLoadError: string | null = 'the browser bundle computes with the TypeScript kernels';
export function setWasmFused(_on: boolean): void {}
export function setSubnormalPath(_on: boolean | null): void {}
export function subnormalPath(): { on: boolean; costRatio: number | null; forced: boolean } { return { on: false, costRatio: null, forced: false }; }
