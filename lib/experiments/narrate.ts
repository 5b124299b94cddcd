/**
 * Small pieces of computed prose: a notebook's sentences that compare or state a trend are
 * built from the numbers beside them, never written by hand, so no text can contradict a table.
 */

/** How a signed error compares with the report's: magnitude ratio and sign. */
export function describeError(ours: number, report: number): string {
  if (!Number.isFinite(ours) || !Number.isFinite(report) || report === 0) return 'not comparable';
  const ratio = Math.abs(ours) / Math.abs(report);
  const size = ratio >= 0.5 && ratio <= 2
    ? 'about the same magnitude as the report\'s'
    : ratio < 1 ? `${(1 / ratio).toFixed(1)}× smaller in magnitude than the report's` : `${ratio.toFixed(1)}× larger in magnitude than the report's`;
  const sign = Math.sign(ours) === Math.sign(report) ? 'same sign' : 'opposite sign';
  return `${size}, ${sign}`;
}

/**
 * When a run first reaches `target` in its per-epoch history, averaged over runs (seeds):
 * "epoch 3", "epoch 4.7 on average", or "not within N epochs" if some run never does.
 */
export function whenReached(histories: ReadonlyArray<ReadonlyArray<number>>, target: number): string {
  const epochs = histories.map((h) => h.findIndex((v) => v >= target) + 1);
  if (epochs.some((e) => e === 0)) return `not within ${Math.max(...histories.map((h) => h.length))} epochs${histories.length > 1 ? ' in every seed' : ''}`;
  const mean = epochs.reduce((a, b) => a + b, 0) / epochs.length;
  return Number.isInteger(mean) ? `epoch ${mean}` : `epoch ${mean.toFixed(1)} on average`;
}

/** "k of n" followed by a noun, e.g. count(3, 4, 'pairing') = "3 of 4 pairings". */
export function countOf(k: number, n: number, noun: string): string {
  return `${k} of ${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * A difference of two accuracies (fractions) in percentage points, signed: "+1.2 points",
 * "−0.4 pts"; one that rounds to zero is "0.0 points" (not "−0.0").
 */
export function signedPoints(v: number, unit = 'points'): string {
  const shown = Math.abs(v * 100).toFixed(1);
  if (Number(shown) === 0) return `0.0 ${unit}`;
  return `${v >= 0 ? '+' : '−'}${shown} ${unit}`;
}
