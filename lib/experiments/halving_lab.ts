/**
 * Successive halving on a Lab (notebook 05): the plan for the lab's data, budget and workers, the
 * search through lab.run (cached, on worker threads or the queue), and the final model — the
 * winner trained on training + validation at its chosen length, once per final seed, scored on
 * test with the ensemble of the seeds.
 */
import type { Lab } from './lab.js';
import type { GridResult, GroupResult } from './runner.js';
import { meanEpochSeconds, planHalving, successiveHalving, SEARCH_SPACE, type HalvingPlan, type HalvingResult, type SpaceContext } from './halving.js';
import { ensembleOf, pctOf, type Ensemble } from './beyond.js';
import { signedPoints } from './narrate.js';
import { stat, type Stat } from './runner.js';
import { showTable } from '../display/table.js';

/** The search's settings every configuration starts from: the lab's baseline, every epoch trained (no early stop), no warm-up. */
function searchBase(lab: Lab) {
  return { ...lab.baseline, hiddenDims: [...lab.baseline.hiddenDims], patience: null, minTrainAccuracy: undefined };
}

const contextOf = (lab: Lab): SpaceContext => ({ inputDim: lab.data.XTrain.cols, numClasses: lab.data.classNames.length });

/** The plan for the lab's profile budget (NNLAB_BUDGET overrides it) on its workers (at least one). */
export function planSearch(lab: Lab): HalvingPlan {
  const b = lab.profile.beyond;
  return planHalving({
    budgetSeconds: b.budgetSeconds, workers: Math.max(1, lab.workers),
    secondsPerEpoch: meanEpochSeconds(SEARCH_SPACE, searchBase(lab), contextOf(lab), lab.data.XTrain.rows),
    maxEpochs: b.maxEpochs, minEpochs: b.minEpochs,
  });
}

/** Runs the plan on the lab's data (validation chooses; test is recorded, never read). */
export function runSearch(lab: Lab, plan: HalvingPlan): Promise<HalvingResult> {
  const b = lab.profile.beyond;
  return successiveHalving((points, options) => lab.run(points, options), plan, {
    space: SEARCH_SPACE, seed: b.searchSeed, runSeed: b.searchSeed, base: searchBase(lab), context: contextOf(lab),
  });
}

export interface FinalModel {
  /** The lab whose training part is training + validation (its test set is the lab's). */
  lab: Lab;
  result: GridResult;
  group: GroupResult;
  /** Test accuracy of the seeds (mean ± std), and of their ensemble. */
  test: Stat;
  ensemble: Ensemble;
  epochs: number;
}

/**
 * The winner trained on training + validation for its chosen number of epochs, keeping the last
 * epoch (nothing is left to choose an epoch with), once per final seed of the profile.
 */
export async function trainFinal(lab: Lab, search: HalvingResult): Promise<FinalModel> {
  const merged = lab.withData({ trainOn: 'train+validation' });
  const epochs = search.chosenEpochs;
  const result = await merged.run([{
    ...search.winner.settings, seed: undefined, numEpochs: epochs, patience: null, keep: 'last',
    label: `#${search.winner.id}, ${epochs} epochs, training + validation`,
  }], { title: 'The final model', seeds: lab.profile.beyond.finalSeeds });
  const group = result.groups[0];
  const ok = group.runs.filter((r) => !r.diverged);
  if (ok.length === 0) throw new Error(`trainFinal: every seed of the final model (#${search.winner.id}) diverged`);
  return { lab: merged, result, group, test: stat(ok.map((r) => r.testAcc ?? NaN)), ensemble: ensembleOf(ok, merged.data), epochs };
}

/** The final model's table: each seed's test accuracy, their mean ± std, and the ensemble's, highest highlighted. */
export function showFinalModel(final: FinalModel, caption: string): void {
  showTable([
    ...final.group.runs.map((r) => ({ model: `seed ${r.seed}`, testAcc: r.diverged ? NaN : r.testAcc ?? NaN })),
    { model: `mean ± std of ${final.group.runs.length} seeds`, testAcc: final.test.mean, testAccStd: final.test.std },
    { model: `ensemble of the ${final.group.runs.length} seeds`, testAcc: final.ensemble.testAcc },
  ], { caption, format: { testAcc: 'pct' }, labels: { testAcc: 'test accuracy' }, std: { testAcc: 'testAccStd' }, highlight: { testAcc: 'max' } });
}

/** The final model in a sentence: the seeds' test accuracy (mean ± std), and their ensemble's, with its gain over the mean. */
export function describeFinalModel(final: FinalModel): string {
  return `On the test set the best multilayer perceptron scores **${pctOf(final.test)}** (mean ± std over ${final.group.runs.length} seeds), ` +
    `and the ensemble of its seeds **${(final.ensemble.testAcc * 100).toFixed(1)}%** (${signedPoints(final.ensemble.testAcc - final.test.mean)} over the seeds' mean).`;
}
