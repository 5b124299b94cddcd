/** nnlab: the public API. */
export * from './matrix.js';
export * from './arena.js';
export * from './random.js';
export * from './layers.js';
export * from './layer_utils.js';
export * from './fc_net.js';
export * from './optim.js';
export * from './solver.js';
export * from './persist/model_file.js';
export * from './persist/checkpoint.js';
export * from './gradient_check.js';
export * from './serialize.js';
export * from './io.js';
export * from './limits.js';
export * from './tasks/sine.js';
export * from './display/index.js';
export * from './experiments/index.js';
export * from './data/classes.js';
export * from './data/bmp.js';
export * from './data/loader.js';
export * from './data/split.js';
export * from './data/synth.js';
export * from './data/train.js';
// confusionMatrix is exported once, through ./experiments (which re-exports the same function).
export {
  CLASSIFIER_FORMAT, CLASSIFIER_VERSION, type CharacterClassifier, saveClassifier, loadClassifier, classify, countTrainingImages, outputsForFolders,
} from './data/classifier.js';
export * from './augment.js';
