/**
 * The WebAssembly kernels of nnlab (one module, built by `npm run build:wasm` into
 * dist/kernels/nnlab.wasm and loaded by lib/kernels/wasm.ts).
 */
export { heapBase, packBytes, setPackArea, gemm, gemm32 } from './gemm';
export { adam, adam32 } from './adam';
export {
  relu, relu32, reluBackward, reluBackward32, addRowVector, addRowVector32, colSums, colSums32,
  addL2Gradient, addL2Gradient32,
} from './elementwise';
export {
  columnMoments, columnMoments32, batchnormNormalize, batchnormNormalize32, columnDot, columnDot32,
  batchnormInputGrad, batchnormInputGrad32,
} from './batchnorm';
