/** nnlab: the public API. */
export * from './matrix.js';
export * from './random.js';
export * from './layers.js';
export * from './layer_utils.js';
export * from './fc_net.js';
export * from './optim.js';
export * from './solver.js';
export * from './gradient_check.js';
export * from './serialize.js';
export * from './io.js';
export * from './tasks/sine.js';
export * from './display/index.js';
export * from './experiments/index.js';
