/**
 * nnlab/bench: the speed comparison behind `nnlab bench` — the report's networks on a shared
 * workload, timed here, in the NumPy reference and in TensorFlow.js (loaded only when asked).
 */
export { runBench, formatBench, formatShares, verdict, DEFAULT_REFERENCE, type BenchOptions, type BenchRow, type BenchResult } from '../bench/index.js';
export { WORKLOAD, MODEL_NAMES, makeWorkload, checkWorkload, type ModelName, type Workload } from '../bench/workload.js';
export { buildModel, benchModel, profileEpoch, type EpochProfile, type NnlabRecord } from '../bench/nnlab.js';
export { benchKernels, PRODUCT_FORMS, KERNEL_SHAPES, type ProductForm, type KernelRecord } from '../bench/gflops.js';
export { findPython, runReference, type ReferenceRecord, type ReferenceResult } from '../bench/reference.js';
