/**
 * The caption of the drawing pad in notebook 02: the pad carries the baseline network that the
 * notebook's first cell trained with a Solver (the grids keep no weights, and training it a second
 * time for the pad would cost a run and prove nothing new).
 */
import type { FullyConnectedNet } from '../nn/fc_net.js';
import type { BaselineRun } from './architecture.js';
import type { TrainSettings } from './settings.js';

/** One line: the network, its training, and its best validation accuracy on `dataDescription`. */
export function baselinePadCaption(net: FullyConnectedNet, run: BaselineRun, settings: TrainSettings, dataDescription: string): string {
  const dims = [net.config.inputDim, ...net.config.hiddenDims, net.config.outputDim].join('-');
  return `The report's baseline network (${dims}, ${settings.activation}, ${settings.updateRule} lr ${settings.learningRate}, batch ${settings.batchSize}, seed ${settings.seed}), ` +
    `the parameters of its best epoch (${run.bestEpoch} of ${run.valMetricHistory.length}): ${(100 * run.bestValMetric).toFixed(1)}% validation accuracy on ${dataDescription}. ` +
    `Its ${net.parameterCount.toLocaleString('en-US')} ${net.config.dtype} weights are in this page; the forward pass is nnlab's own code.`;
}
