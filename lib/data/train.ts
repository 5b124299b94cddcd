/**
 * The report's classification task: train a fully connected network on the twelve handwritten
 * characters. The defaults are the report's baseline ("3 layers, 50 neurons": two hidden layers
 * of 50, ReLU, softmax loss, Adam, 20% validation, no augmentation).
 *
 * Data in, trained classifier out; where the data comes from (a course folder or the built-in
 * generator) is the caller's business, so notebooks and the CLI share this code.
 */
import { performance } from 'node:perf_hooks';
import { FullyConnectedNet } from '../fc_net.js';
import type { DType } from '../matrix.js';
import { Solver, EpochInfo, IterationInfo } from '../solver.js';
import { Activation } from '../layer_utils.js';
import { UpdateRuleName } from '../optim.js';
import { deriveSeed } from '../random.js';
import { makeAugment } from '../augment.js';
import { Dataset } from './split.js';

export interface CharacterTrainOptions {
  hiddenDims: number[];
  activation: Activation;
  batchnorm: boolean;
  /** Probability of dropping a hidden unit; 0 = off. */
  dropout: number;
  updateRule: UpdateRuleName;
  learningRate: number;
  /** Learning rate multiplier applied after every epoch. */
  lrDecay: number;
  reg: number;
  batchSize: number;
  epochs: number;
  /** Random shift (whole pixels) and rotation (degrees) per training image; null = no augmentation. */
  augment: { shift: number; rotate: number } | null;
  seed: number;
  /** Number type of the network: float64, or float32 for about twice the speed. */
  dtype: DType;
  onEpoch?: (info: EpochInfo) => void;
  onIteration?: (info: IterationInfo) => void;
}

export const CHARACTER_BASELINE: CharacterTrainOptions = {
  hiddenDims: [50, 50], activation: 'relu', batchnorm: false, dropout: 0,
  updateRule: 'adam', learningRate: 1e-3, lrDecay: 1, reg: 0, batchSize: 32, epochs: 20,
  augment: null, seed: 0, dtype: 'float64',
};

export interface CharacterTrainResult {
  net: FullyConnectedNet;
  solver: Solver;
  bestValAcc: number;
  bestEpoch: number;
  /** Accuracy on the whole (un-augmented) training part after the last epoch. */
  finalTrainAcc: number;
  finalValAcc: number;
  seconds: number;
}

export function trainCharacterClassifier(dataset: Dataset, options: Partial<CharacterTrainOptions> = {}): CharacterTrainResult {
  const o: CharacterTrainOptions = { ...CHARACTER_BASELINE, ...options };
  const width = Math.round(Math.sqrt(dataset.XTrain.cols));
  const height = dataset.XTrain.cols / width;
  if (o.augment && !Number.isInteger(height)) {
    throw new Error(`trainCharacterClassifier: augmentation needs square images, got ${dataset.XTrain.cols} pixels per image`);
  }
  const net = new FullyConnectedNet({
    inputDim: dataset.XTrain.cols,
    hiddenDims: o.hiddenDims,
    outputDim: dataset.classNames.length,
    activation: o.activation,
    normalization: o.batchnorm ? 'batchnorm' : 'none',
    dropout: o.dropout,
    loss: 'softmax',
    reg: o.reg,
    weightInit: 'he',
    seed: deriveSeed(o.seed, 'net'),
    dtype: o.dtype,
  });
  const solver = new Solver(net, dataset, {
    updateRule: o.updateRule,
    optimConfig: { learningRate: o.learningRate },
    lrDecay: o.lrDecay,
    batchSize: o.batchSize,
    numEpochs: o.epochs,
    // Whole sets: a 7,440-image dataset is cheap to score, and subsampled accuracies are noisy.
    numTrainSamples: null,
    numValSamples: null,
    seed: deriveSeed(o.seed, 'solver'),
    augment: o.augment ? makeAugment({ ...o.augment, mean: dataset.mean, width, height }) : undefined,
    onEpoch: o.onEpoch,
    onIteration: o.onIteration,
  });
  const t0 = performance.now();
  solver.train();
  const seconds = (performance.now() - t0) / 1000;
  const last = solver.trainAccHistory.length - 1;
  return {
    net, solver, seconds,
    bestValAcc: solver.bestValAcc,
    bestEpoch: solver.bestEpoch,
    finalTrainAcc: solver.trainAccHistory[last],
    finalValAcc: solver.valAccHistory[last],
  };
}
