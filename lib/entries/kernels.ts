/**
 * nnlab/kernels: the machinery under the core. A learner never needs it; a kernel author, or a
 * tool built on the core (the CLI, the experiment runner), starts here:
 *   - which backend computes (WebAssembly SIMD or the bit-identical TypeScript loops), threads;
 *   - an opt-in profile of the kernels' time by category;
 *   - matrices resident in WebAssembly memory, the step arena for a training step's temporaries,
 *     the evaluation workspace for scores over a whole dataset, and the engine that puts
 *     them behind the Solver (lib/fast/engine.ts) beside the plain reference (lib/nn/engine.ts);
 *     the operations the layers call that a learner does not (lib/nn/ops.ts);
 *   - the core's argument checks, option tables and size limits.
 * One group per file.
 */
export {
  setKernelBackend, kernelBackend, kernelThreadCount, wasmAvailable, forceThreadSharing, setSubnormalPath, subnormalPath, type KernelBackend,
  KernelProfile, profileKernels, kernelProfile, PROFILE_CATEGORIES, type KernelCategory, type ProfileCategory,
} from '../kernels/index.js';
export { floatsOf, type Floats, checkShape, checkFinite, checkSameDType } from '../nn/matrix.js';
export { residentMatrix, toResident } from '../kernels/resident.js';
export { adamUpdate, addL2Gradient, addScaledInPlace, columnMoments, normalizeColumns, columnDot, batchnormInputGrad, type AdamHyper } from '../nn/ops.js';
export { StepArena } from '../fast/arena.js';
export { StepWorkspace } from '../fast/step_workspace.js';
export { EvalWorkspace } from '../fast/eval_workspace.js';
export { referenceEngine, type Engine, type BatchOptions, type Scorer } from '../nn/engine.js';
export { FastEngine, defaultEngine } from '../fast/engine.js';
export { affineBackwardParams, checkLabels } from '../nn/layers.js';
export { checkActivation, type HiddenLayerParamGrads } from '../nn/layer_utils.js';
export { parameterShapes, validateConfig } from '../nn/fc_net.js';
export {
  isUpdateRule, type SgdConfig, type SgdMomentumConfig, type RmspropConfig, type AdamConfig,
} from '../nn/optim.js';
export { DIVERGENCE_FACTOR } from '../nn/divergence.js';
export { type Metric } from '../nn/solver.js';
export {
  checkMatrixSize, threadCountFromEnv, workersFromEnv, MAX_LAYER_WIDTH, MAX_MATRIX_ELEMENTS, MAX_PARAMETERS, MAX_JSON_FILE_BYTES,
} from '../util/limits.js';
