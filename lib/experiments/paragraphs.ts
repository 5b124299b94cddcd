/**
 * The computed sentences of 01_sin_fit and 04_bn_augment, each built here from the numbers it
 * states (see ./narrate.ts): a notebook cell shows `describeX(...)` instead of assembling the
 * sentence from template strings and ternaries.
 */
import { describeError, signedPoints, whenReached } from './narrate.js';
import { pct } from './headline.js';
import { meanCurve } from './present.js';
import { mostConfused } from './beyond.js';
import type { GroupResult } from './runner.js';
import type { LayerStats } from './layer_stats.js';

const percent = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The fit's errors on the test grid, as 01 states them. */
export interface SineErrors {
  gridX: ArrayLike<number>;
  meanError: number;
  meanAbsError: number;
  maxAbsError: number;
}

/**
 * 01: our signed mean error beside the report's, why the signed mean says little (the mean
 * absolute error, k× larger), and where the worst error is (near an end of the interval or not);
 * `gridError[k]` is the prediction minus sin(x) at gridX[k].
 */
export function describeSineError(fit: SineErrors, gridError: ArrayLike<number>, reportMeanError: number): string {
  if (gridError.length !== fit.gridX.length) throw new Error(`describeSineError: ${gridError.length} errors for ${fit.gridX.length} grid points`);
  let worst = 0;
  for (let k = 1; k < gridError.length; k++) if (Math.abs(gridError[k]) > Math.abs(gridError[worst])) worst = k;
  const worstAt = fit.gridX[worst];
  // Within 0.25 of ±π/2: where the training samples have neighbours on one side only.
  const where = Math.PI / 2 - Math.abs(worstAt) < 0.25
    ? 'near an end of the interval, where the training samples have neighbours on one side only.'
    : 'inside the interval, not at its ends.';
  return `Our signed mean error is **${fit.meanError.toExponential(2)}**, the report's **${reportMeanError.toExponential(2)}**: ` +
    `${describeError(fit.meanError, reportMeanError)}. ` +
    'The signed mean says little on its own, since errors of both signs cancel: the mean absolute error, ' +
    `**${fit.meanAbsError.toExponential(2)}**, is ${(fit.meanAbsError / Math.abs(fit.meanError)).toFixed(0)}× larger. ` +
    `The worst error, **${fit.maxAbsError.toExponential(2)}**, is at x = ${worstAt.toFixed(2)}, ${where}`;
}

/** Whether cross-entropy trained the classifier at least as well as MSE (best validation accuracy). */
export const crossEntropyAhead = (ce: GroupResult, mse: GroupResult): boolean => ce.bestValAcc.mean >= mse.bestValAcc.mean;

/**
 * 01: the same classifier trained with cross-entropy and with MSE: both accuracies, which is
 * ahead and by how much, when each first reaches 95% of the lower best, and whether this bears
 * out the report's preference for cross-entropy.
 */
export function describeLossComparison(ce: GroupResult, mse: GroupResult): string {
  const target = 0.95 * Math.min(ce.bestValAcc.mean, mse.bestValAcc.mean);
  const [ceWhen, mseWhen] = [ce, mse].map((g) => whenReached(g.runs.map((r) => r.valAccHistory), target));
  const ahead = crossEntropyAhead(ce, mse);
  return `With cross-entropy the classifier reaches **${pct(ce)}** best validation accuracy, with MSE **${pct(mse)}** ` +
    `(${ahead ? 'cross-entropy' : 'MSE'} ahead by ${(Math.abs(ce.bestValAcc.mean - mse.bestValAcc.mean) * 100).toFixed(1)} points). ` +
    `Cross-entropy first reaches ${percent(target)} validation accuracy at ${ceWhen}, MSE at ${mseWhen}. ` +
    (ahead
      ? "This agrees with the report's conclusion: **MSE for fitting, cross-entropy for classification.**"
      : "Here MSE did as well or better, which does not bear out the report's preference for cross-entropy in classification: **MSE did not fall behind**.");
}

/**
 * 04: what a change (batch normalisation, augmentation) does to the best validation accuracy,
 * ours and, where the report gives both numbers, the report's: "X changes the best validation
 * accuracy by +a here (p → q); in the report by +b (r → s)."
 */
export function describeChange(what: string, before: GroupResult, after: GroupResult, report: { before: number; after: number } | null): string {
  const ours = `${what} changes the best validation accuracy by **${signedPoints(after.bestValAcc.mean - before.bestValAcc.mean)}** here (${pct(before)} → ${pct(after)})`;
  if (!report) return `${ours}.`;
  return `${ours}; in the report by ${signedPoints(report.after - report.before)} (${percent(report.before)} → ${percent(report.after)}).`;
}

/** 04: how much the relative gradient shrinks from the output layer back to the first, without and with batchnorm. */
export function describeGradientShrink(without: LayerStats[], withBn: LayerStats[]): string {
  const shrink = (s: LayerStats[]) => s[s.length - 1].gradRatio / s[0].gradRatio;
  return `From the output layer back to the first, the relative gradient shrinks **${shrink(without).toFixed(0)}×** without batch normalisation and **${shrink(withBn).toFixed(1)}×** with it.`;
}

/** Training minus validation accuracy at the last epoch (mean curves over the seeds). */
export function finalGap(g: GroupResult): number {
  const train = meanCurve(g, 'trainAccHistory'), val = meanCurve(g, 'valAccHistory');
  return train[train.length - 1] - val[val.length - 1];
}

/** 04: augmentation's effect on the best validation accuracy, and on the gap between training and validation. */
export function describeAugmentation(plain: GroupResult, augmented: GroupResult, reportWith: number): string {
  const [gapPlain, gapAug] = [finalGap(plain), finalGap(augmented)];
  return `Augmentation changes the best validation accuracy by **${signedPoints(augmented.bestValAcc.mean - plain.bestValAcc.mean)}** (${pct(plain)} → ${pct(augmented)}; ` +
    `the report reached ${percent(reportWith)} with it). At the last epoch, training accuracy exceeds validation accuracy by ` +
    `${signedPoints(gapPlain)} without augmentation and ${signedPoints(gapAug)} with it: augmentation ${gapAug < gapPlain ? 'narrows' : 'does not narrow'} the gap.`;
}

/** 04: "Most frequent confusions: 木 → 本 (3×), …" from a confusion matrix (rows: true class). */
export function describeConfusions(counts: number[][], names: string[], top = 3): string {
  const pairs = mostConfused(counts, top);
  return `Most frequent confusions: ${pairs.map((p) => `${names[p.truth]} → ${names[p.predicted]} (${p.count}×)`).join(', ') || 'none'}`;
}
