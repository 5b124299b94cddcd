/**
 * What notebook 05 ("Beyond the report") needs besides the grid runner and the search
 * (halving.ts): networks of equal parameter count, and the test-set results (the ensemble,
 * the mistakes, the most confused pairs, the cost of the search).
 */
import type { GridResult, GroupResult, RunResult, Stat } from './runner.js';
import { ensemblePredict, memberProbabilities } from '../data/ensemble.js';
import { showMarkdown, showHtml } from '../display/text.js';
import { imageGridHtml } from '../display/charts.js';
import type { Matrix } from '../nn/matrix.js';

/** Trainable values of an MLP: every layer's weights and biases (inputDim → hidden… → numClasses). */
export function parameterCount(hiddenDims: readonly number[], inputDim: number, numClasses: number): number {
  const dims = [inputDim, ...hiddenDims, numClasses];
  let total = 0;
  for (let i = 1; i < dims.length; i++) total += dims[i - 1] * dims[i] + dims[i];
  return total;
}

/**
 * The width w of `hiddenLayers` equal hidden layers whose network has about `parameters`
 * trainable values: the count is quadratic in w,
 *   (hiddenLayers − 1)·w² + (inputDim + numClasses + hiddenLayers)·w + numClasses,
 * so w is the positive root, rounded to the nearest integer.
 */
export function widthForParameters(hiddenLayers: number, parameters: number, inputDim: number, numClasses: number): number {
  if (!Number.isInteger(hiddenLayers) || hiddenLayers < 1) throw new Error(`widthForParameters: hiddenLayers must be an integer ≥ 1, got ${hiddenLayers}`);
  const a = hiddenLayers - 1, b = inputDim + numClasses + hiddenLayers, c = numClasses - parameters;
  if (c >= 0) throw new Error(`widthForParameters: ${parameters} parameters is too few for any hidden layer`);
  const w = a === 0 ? -c / b : (-b + Math.sqrt(b * b - 4 * a * c)) / (2 * a);
  return Math.max(1, Math.round(w));
}

/** A group's test accuracy over its seeds (NaN without a test set). */
export function testOf(g: GroupResult): Stat {
  return g.testAcc ?? { mean: NaN, std: NaN };
}

export interface ConfusedPair {
  /** Index of the true class and of the class predicted in its place. */
  truth: number;
  predicted: number;
  count: number;
}

/** The `top` most frequent mistakes of a confusion matrix counts[true][predicted], largest first. */
export function mostConfused(counts: number[][], top: number): ConfusedPair[] {
  const pairs: ConfusedPair[] = [];
  counts.forEach((row, truth) => row.forEach((count, predicted) => {
    if (truth !== predicted && count > 0) pairs.push({ truth, predicted, count });
  }));
  // Ties broken by class order, so the list does not depend on the sort's stability.
  pairs.sort((p, q) => q.count - p.count || p.truth - q.truth || p.predicted - q.predicted);
  return pairs.slice(0, top);
}

/** Indices of the samples of class `truth` predicted as `predicted`, at most `limit`, in order. */
export function mistakesOf(truth: ArrayLike<number>, predicted: ArrayLike<number>, pair: ConfusedPair, limit: number): number[] {
  if (truth.length !== predicted.length) throw new Error(`mistakesOf: ${truth.length} labels but ${predicted.length} predictions`);
  const found: number[] = [];
  for (let i = 0; i < truth.length && found.length < limit; i++) {
    if (truth[i] === pair.truth && predicted[i] === pair.predicted) found.push(i);
  }
  return found;
}

export interface SearchCost {
  /** Configurations × seeds, and how many of them were trained now rather than read from the cache. */
  runs: number;
  trained: number;
  /** Sum of the runs' own training times (what an empty cache costs, on one core per run). */
  runMinutes: number;
  /** Wall-clock minutes of the grids in this execution (small when they came from the cache). */
  wallMinutes: number;
}

/** What a list of grids cost: runs, and minutes of training. */
export function searchCost(results: GridResult[]): SearchCost {
  const runs = results.reduce((a, r) => a + r.runs.length, 0);
  const trained = results.reduce((a, r) => a + r.trained, 0);
  const runSeconds = results.reduce((a, r) => a + r.runs.reduce((s, run) => s + run.seconds, 0), 0);
  const wallSeconds = results.reduce((a, r) => a + r.seconds, 0);
  return { runs, trained, runMinutes: runSeconds / 60, wallMinutes: wallSeconds / 60 };
}

/** "97.9% ± 0.2" from a statistic of fractions (no "±" with one seed). */
export function pctOf(s: Stat): string {
  if (!Number.isFinite(s.mean)) return '–';
  return `${(s.mean * 100).toFixed(1)}%${Number.isFinite(s.std) ? ` ± ${(s.std * 100).toFixed(1)}` : ''}`;
}

/** Images per set and per class (smallest and largest class), for the split's table. */
export function splitSizes(data: { yTrain: Int32Array; yVal: Int32Array; yTest: Int32Array; classNames: string[] }): Array<Record<string, string | number>> {
  const row = (set: string, y: Int32Array) => {
    const perClass = data.classNames.map((_, c) => y.reduce((n, v) => n + (v === c ? 1 : 0), 0));
    return { set, images: y.length, 'per class': `${Math.min(...perClass)}–${Math.max(...perClass)}` };
  };
  return [row('training', data.yTrain), row('validation', data.yVal), row('test', data.yTest)];
}

export interface Ensemble {
  /** Accuracy of the average of the members' softmax outputs on validation and on test. */
  valAcc: number;
  testAcc: number;
  /** The ensemble's answer for every test image. */
  testPredictions: Int32Array;
}

/** The ensemble of a group's runs (one member per seed), scored from the probabilities the runs kept. */
export function ensembleOf(runs: readonly RunResult[], data: { yVal: Int32Array; yTest: Int32Array }): Ensemble {
  const test = ensemblePredict(memberProbabilities(runs, 'test'), data.yTest);
  return { valAcc: ensemblePredict(memberProbabilities(runs, 'val'), data.yVal).accuracy, testAcc: test.accuracy, testPredictions: test.predictions };
}

/**
 * The most frequent mistakes of `predictions` on the test set: a sentence (how many images are
 * wrong, the `top` most confused pairs) and, per pair, up to `perPair` of the test images
 * behind it, un-centred to ink in [0, 1].
 */
export function showMistakes(
  data: { XTest: Matrix; yTest: Int32Array; mean: Float64Array; width: number; height: number; classNames: string[] },
  predictions: Int32Array, counts: number[][], top = 4, perPair = 8,
): void {
  const names = data.classNames;
  const wrong = predictions.reduce((n, p, i) => n + (p === data.yTest[i] ? 0 : 1), 0);
  const pairs = mostConfused(counts, top);
  showMarkdown(pairs.length === 0
    ? 'No test image is read wrong.'
    : `${wrong} of ${data.yTest.length} test images are read wrong. Most confused: ` +
      pairs.map((p) => `${names[p.truth]} read as ${names[p.predicted]} (${p.count}×)`).join(', ') + '.');
  const image = (i: number) => Float64Array.from(data.XTest.row(i), (v, k) => v + data.mean[k]);
  for (const pair of pairs) {
    const found = mistakesOf(data.yTest, predictions, pair, perPair);
    showHtml(imageGridHtml(found.map(image), data.width, data.height, {
      captions: found.map(() => `${names[pair.truth]} → ${names[pair.predicted]}`), columns: 8,
      title: `${names[pair.truth]} read as ${names[pair.predicted]}: ${pair.count} test image${pair.count > 1 ? 's' : ''}${pair.count > found.length ? ` (first ${found.length})` : ''}`,
    }));
  }
}
