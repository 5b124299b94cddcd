/**
 * The report's baseline network itself, for the drawing pad: trained here with the baseline's
 * settings and the profile's first seed, through the same trainRun the grids use, so it is the
 * network of the baseline cell of the grids (same seed, same bits). The grid records keep no
 * weights, which is why it is trained again rather than taken from the cache.
 */
import type { FullyConnectedNet } from '../nn/fc_net.js';
import type { LabData } from './data.js';
import type { TrainSettings } from './settings.js';
import { trainRun, type RunRecord } from './train.js';

export interface BaselineNet {
  net: FullyConnectedNet;
  record: RunRecord;
  /** One line: the network, its training, and its best validation accuracy. */
  caption: string;
}

export function trainBaselineNet(lab: { baseline: TrainSettings; data: LabData; profile: { seeds: number[] } }): BaselineNet {
  const settings = { ...lab.baseline, hiddenDims: [...lab.baseline.hiddenDims], seed: lab.profile.seeds[0] };
  let net: FullyConnectedNet | null = null;
  const record = trainRun(settings, { ...lab.data, numClasses: lab.data.classNames.length }, undefined, (trained) => { net = trained; });
  if (net === null) throw new Error(`trainBaselineNet: the baseline run diverged (${record.diverged})`);
  const trained = net as FullyConnectedNet;
  const dims = [trained.config.inputDim, ...trained.config.hiddenDims, trained.config.outputDim].join('-');
  const caption = `The report's baseline network (${dims}, ${settings.activation}, ${settings.updateRule} lr ${settings.learningRate}, batch ${settings.batchSize}, seed ${settings.seed}), ` +
    `the parameters of its best epoch (${record.bestEpoch} of ${record.valAccHistory.length}): ${(100 * record.bestValAcc).toFixed(1)}% validation accuracy on ${lab.data.description}. ` +
    `Its ${trained.parameterCount.toLocaleString('en-US')} ${trained.config.dtype} weights are in this page; the forward pass is nnlab's own code.`;
  return { net: trained, record, caption };
}
