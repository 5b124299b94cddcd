/**
 * nnlab: the core a learner reads, in the order of CS231n's assignment — a matrix and its
 * operations, layers as forward/backward pairs, the sandwich layer, the network, the update
 * rules, the training loop, and the numerical gradients that check every backward pass.
 *
 * Everything else has its own entry point, so that importing the core loads no data frame,
 * worker pool, chart or TensorFlow.js module (test/entries.test.ts checks it):
 *   nnlab/data      BMP files, the course dataset, its split, the synthetic characters,
 *                   augmentation, the classifier and the sin(x) task
 *   nnlab/notebook  what the notebooks use: startLab, charts and tables, experiment grids
 *   nnlab/kernels   the fast path (backend choice, resident memory, the step arena, threads)
 *                   and the core's own checks and option tables, for tools built on it
 *   nnlab/bench     the speed comparison behind `nnlab bench`
 *
 * The names are listed one group per file, so a new one goes beside its neighbours.
 */
export { Matrix, DTYPES, type DType } from './nn/matrix.js';
export { matmul, matmulTN, matmulNT, addRowVector, colSums, sumOfSquares, argmaxRows } from './nn/ops.js';
export { Rng, deriveSeed } from './nn/random.js';
export {
  affineForward, affineBackward, reluForward, reluBackward, leakyReluForward, leakyReluBackward,
  sigmoidForward, sigmoidBackward, tanhForward, tanhBackward, batchnormForward, batchnormBackward,
  dropoutForward, dropoutBackward, softmaxLoss, mseLoss,
  type AffineCache, type LeakyReluCache, type BatchnormParam, type BatchnormCache, type DropoutParam, type DropoutCache,
} from './nn/layers.js';
export {
  hiddenLayerForward, hiddenLayerBackward,
  type Activation, type HiddenLayerParams, type HiddenLayerCache, type HiddenLayerGrads,
} from './nn/layer_utils.js';
export {
  FullyConnectedNet,
  type NetOptions, type NetConfig, type Params, type Targets, type LossResult, type StepOptions, type Normalization, type LossKind, type WeightInit,
} from './nn/fc_net.js';
export {
  sgd, sgdMomentum, rmsprop, adam, updateRules,
  type OptimConfig, type UpdateRule, type UpdateRuleName,
} from './nn/optim.js';
export { Solver, type SolverOptions, type SolverData, type EpochInfo, type IterationInfo, type TrainResult } from './nn/solver.js';
export { DivergenceError } from './nn/divergence.js';
export { type Model } from './nn/model.js';
export { evalNumericalGradient, evalNumericalGradientArray, gradCheckSparse, relError } from './nn/gradient_check.js';
