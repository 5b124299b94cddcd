/**
 * The WebAssembly kernels of nnlab (one module, built by `npm run build:wasm` into
 * dist/kernels/nnlab.wasm and loaded by lib/kernels/wasm.ts).
 */
export { heapBase, packBytes, setPackArea, gemm, gemm32 } from './gemm';
export { adam, adam32, adamAll, adamAll32 } from './adam';
export { setSubnormalPath, subnormalCost32 } from './tiny';
export { gatherRows } from './gather';
export { softmaxLoss, softmaxLoss32, expStdlib, lnStdlib } from './softmax';
// The activations' elementary functions, for test/activations-kernel.test.ts.
export { expm1Stdlib, tanhOf, sigmoidOf } from './elementary';
export { sandwichForward, sandwichForward32, sandwichBackward, sandwichBackward32 } from './sandwich';
// The streaming kernels: every export of these two files (each a kernel and its …32 twin, bound
// by name through the table of lib/kernels/table.ts).
export * from './elementwise';
export * from './batchnorm';
