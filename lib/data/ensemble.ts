/**
 * Ensembles of classifiers: K networks trained alike (different seeds) vote by averaging their
 * softmax outputs, and the class with the largest average wins. Averaging probabilities rather
 * than counting argmax votes lets a confident member outweigh unsure ones, and never ties for
 * K = 2.
 *
 * Probabilities travel as flat row-major arrays, N×C (row i = the C class probabilities of
 * sample i), so that they fit in a cached RunRecord (lib/experiments/train.ts) and an ensemble
 * can be scored later without the networks.
 */
import { Matrix, type DType } from '../nn/matrix.js';
import { scoreOnce, type Scorer } from '../nn/engine.js';
import { defaultEngine } from '../fast/engine.js';
import { exp } from '../math/elementary.js';

/** A model that maps inputs (N×D) to class scores (N×C) in test mode, in its number type: a FullyConnectedNet. */
export interface ScoringModel extends Scorer {
  config: { dtype: DType };
}

/** Softmax of each row of `scores` (N×C), as a flat N×C array; shifts by the row maximum so exp cannot overflow. */
export function softmaxRows(scores: Matrix): Float64Array {
  const { rows, cols } = scores;
  const S = scores.data, out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, S[i * cols + j]);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += (out[i * cols + j] = exp(S[i * cols + j] - max));
    for (let j = 0; j < cols; j++) out[i * cols + j] /= sum;
  }
  return out;
}

/**
 * The model's class probabilities for X (N×D): softmax of its scores, flat N×C, in batches of
 * `batchSize` rows through the default engine (as FullyConnectedNet.predict). (For a network trained with the MSE loss these are the softmax of its
 * outputs: not calibrated, but their argmax is its prediction, which is what an ensemble needs.)
 */
export function classProbabilities(model: ScoringModel, X: Matrix, numClasses: number, batchSize = 1024): Float64Array {
  const out = new Float64Array(X.rows * numClasses);
  const options = { dtype: model.config.dtype, batchSize, what: 'classProbabilities X' };
  scoreOnce(defaultEngine(), model, X, options, (scores, first) => {
    if (scores.cols !== numClasses) throw new Error(`classProbabilities: the model gives ${scores.cols} scores per sample, expected ${numClasses}`);
    out.set(softmaxRows(scores), first * numClasses);
  });
  return out;
}

/** The argmax of each row of flat N×C probabilities (the first class on a tie). */
export function predictionsOf(probabilities: ArrayLike<number>, numClasses: number): Int32Array {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`predictionsOf: numClasses must be a positive integer, got ${numClasses}`);
  if (probabilities.length % numClasses !== 0) throw new Error(`predictionsOf: ${probabilities.length} probabilities are not rows of ${numClasses} classes`);
  const n = probabilities.length / numClasses;
  const pred = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < numClasses; j++) if (probabilities[i * numClasses + j] > probabilities[i * numClasses + best]) best = j;
    pred[i] = best;
  }
  return pred;
}

/** The fraction of `pred` equal to `y` (0 for no samples). */
export function accuracyOf(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  if (pred.length !== y.length) throw new Error(`accuracyOf: ${pred.length} predictions for ${y.length} labels`);
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / Math.max(1, y.length);
}

/** The elementwise mean of K members' flat N×C probabilities (all the same length). */
export function averageProbabilities(members: readonly ArrayLike<number>[]): Float64Array {
  if (members.length === 0) throw new Error('averageProbabilities: an ensemble needs at least one member');
  const n = members[0].length;
  const mean = new Float64Array(n);
  members.forEach((m, k) => {
    if (m.length !== n) throw new Error(`averageProbabilities: member ${k} has ${m.length} probabilities, member 0 has ${n}`);
    for (let i = 0; i < n; i++) mean[i] += m[i];
  });
  for (let i = 0; i < n; i++) mean[i] /= members.length;
  return mean;
}

/** The ensemble's predictions and accuracy on labels y: average of the members' probabilities, then argmax. */
export function ensemblePredict(members: readonly ArrayLike<number>[], y: ArrayLike<number>): { predictions: Int32Array; accuracy: number; probabilities: Float64Array } {
  const probabilities = averageProbabilities(members);
  if (y.length === 0 || probabilities.length % y.length !== 0) throw new Error(`ensemblePredict: ${probabilities.length} probabilities do not make rows for ${y.length} labels`);
  const predictions = predictionsOf(probabilities, probabilities.length / y.length);
  return { predictions, accuracy: accuracyOf(predictions, y), probabilities };
}

/** What ensembleAccuracy reads of a run record (lib/experiments/train.ts RunRecord has it). */
export interface ProbabilityRecord {
  valProbabilities?: number[] | null;
  testProbabilities?: number[] | null;
}

/**
 * The probabilities each of `records` (each a trained member) keeps for the validation or test
 * set. Throws, naming the record, if one has none (a run that diverged, was cached before
 * records kept them, or had no test set).
 */
export function memberProbabilities(records: readonly ProbabilityRecord[], part: 'val' | 'test'): ArrayLike<number>[] {
  const key = part === 'val' ? 'valProbabilities' : 'testProbabilities';
  return records.map((r, k) => {
    const p = r[key];
    if (!p) throw new Error(`ensemble: record ${k} has no ${key} (diverged, cached by an older nnlab, or trained without a ${part === 'val' ? 'validation' : 'test'} set)`);
    return p;
  });
}

/** The accuracy of the ensemble of `records` on the validation or test labels `y`, from the probabilities the records keep. */
export function ensembleAccuracy(records: readonly ProbabilityRecord[], y: ArrayLike<number>, part: 'val' | 'test'): number {
  return ensemblePredict(memberProbabilities(records, part), y).accuracy;
}

/** Probabilities rounded to 6 decimals (±5e-7, far below any difference that decides a vote), to keep cached records small. */
export function roundedProbabilities(p: ArrayLike<number>): number[] {
  return Array.from(p, (v) => Math.round(v * 1e6) / 1e6);
}
