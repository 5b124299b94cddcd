/**
 * Turns a labelled image set into training, validation and (optionally) test sets, the way the
 * lab needs them:
 *
 *   - stratified: every class keeps (as nearly as possible) the same fraction in validation,
 *     so a 20% split of 12 × 620 images gives 124 validation images per class (and likewise in
 *     test, when `testFraction` > 0);
 *   - deterministic: the same seed and fraction give the same split on any machine;
 *   - duplicate-aware: identical images (found by hashing their pixels) always land on the same
 *     side, otherwise the network is "validated" on images it was trained on;
 *   - a held-out test set: per class, the validation groups are taken first (exactly as with no
 *     test set, so adding one leaves validation unchanged), then the next groups of the same
 *     shuffle go to test. With testFraction 0 (the default) the split is byte-identical to the
 *     two-way split and the test part is empty (0 rows);
 *   - mean-centred: the mean image of the *training* part is subtracted from all parts (computing
 *     it over validation or test images too would leak them into training). The mean is returned, so
 *     augmentation can un-centre an image, move it, and centre it again.
 */
import { createHash } from 'node:crypto';
import { Matrix } from '../nn/matrix.js';
import { Rng, deriveSeed } from '../nn/random.js';

export interface LabelledImages {
  X: Matrix;
  y: Int32Array;
  classNames: readonly string[];
}

export interface SplitOptions {
  /** Fraction of each class held out for validation, in [0, 1). */
  valFraction: number;
  /** Fraction of each class held out as a test set, in [0, 1) with valFraction + testFraction < 1; default 0 (none). */
  testFraction?: number;
  seed: number;
}

export interface Dataset {
  XTrain: Matrix;
  yTrain: Int32Array;
  XVal: Matrix;
  yVal: Int32Array;
  /** The held-out test set (N_test × D), and its labels: 0 rows when testFraction is 0. */
  XTest: Matrix;
  yTest: Int32Array;
  /** The training mean image, already subtracted from XTrain, XVal and XTest. */
  mean: Float64Array;
  classNames: string[];
  /** Rows of the input that go to each side, in input order. */
  trainIndices: Int32Array;
  valIndices: Int32Array;
  testIndices: Int32Array;
  /** Number of images that exactly repeat an earlier image (0 for a clean dataset). */
  duplicates: number;
  /** Number of distinct images that occur more than once. */
  duplicateGroups: number;
  /** Duplicate groups whose copies carry different labels (a labelling mistake in the data). */
  conflictingLabels: number;
}

/** A hash of the row's exact pixel values (two rows hash alike only if they are identical). */
export function rowHash(X: Matrix, i: number): string {
  const row = X.row(i);
  return createHash('sha1').update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength)).digest('hex');
}

/** Groups identical rows: returns the groups, each a list of row indices in input order. */
export function findDuplicateGroups(X: Matrix): number[][] {
  const byHash = new Map<string, number[]>();
  for (let i = 0; i < X.rows; i++) {
    const h = rowHash(X, i);
    const group = byHash.get(h);
    if (group) group.push(i);
    else byHash.set(h, [i]);
  }
  return [...byHash.values()];
}

export function splitDataset(data: LabelledImages, options: SplitOptions): Dataset {
  const { X, y } = data;
  const { valFraction, seed } = options;
  const testFraction = options.testFraction ?? 0;
  if (!(valFraction >= 0 && valFraction < 1)) throw new Error(`splitDataset: valFraction must be in [0, 1), got ${valFraction}`);
  if (!(testFraction >= 0 && testFraction < 1)) throw new Error(`splitDataset: testFraction must be in [0, 1), got ${testFraction}`);
  if (!(valFraction + testFraction < 1)) throw new Error(`splitDataset: valFraction + testFraction must be below 1 (something must be left to train on), got ${valFraction} + ${testFraction}`);
  if (!Number.isFinite(seed)) throw new Error(`splitDataset: seed must be a finite number, got ${seed}`);
  if (y.length !== X.rows) throw new Error(`splitDataset: X has ${X.rows} rows but y has ${y.length} labels`);
  const numClasses = data.classNames.length;
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] < numClasses)) throw new Error(`splitDataset: label y[${i}] = ${y[i]} is outside 0..${numClasses - 1}`);
  }

  // A group of identical images counts for the class of its first copy.
  const groups = findDuplicateGroups(X);
  const groupsByClass: number[][][] = Array.from({ length: numClasses }, () => []);
  let duplicates = 0, duplicateGroups = 0, conflictingLabels = 0;
  for (const group of groups) {
    groupsByClass[y[group[0]]].push(group);
    if (group.length > 1) {
      duplicates += group.length - 1;
      duplicateGroups++;
      if (group.some((i) => y[i] !== y[group[0]])) conflictingLabels++;
    }
  }

  // Per class, shuffle the groups and move them to validation until the class's quota is met,
  // then the following groups of the same order to test until its quota is met.
  const TRAIN = 0, VAL = 1, TEST = 2;
  const side = new Uint8Array(X.rows); // TRAIN, VAL or TEST per row
  groupsByClass.forEach((classGroups, c) => {
    const classSize = classGroups.reduce((s, g) => s + g.length, 0);
    const valQuota = Math.round(valFraction * classSize);
    const testQuota = Math.round(testFraction * classSize);
    const order = new Rng(deriveSeed(seed, 'split', c)).permutation(classGroups.length);
    let k = 0;
    for (const [target, quota] of [[VAL, valQuota], [TEST, testQuota]]) {
      let taken = 0;
      for (; k < order.length && taken < quota; k++) {
        const group = classGroups[order[k]];
        for (const i of group) side[i] = target;
        taken += group.length;
      }
    }
  });

  const indices: number[][] = [[], [], []];
  for (let i = 0; i < X.rows; i++) indices[side[i]].push(i);
  const [trainIndices, valIndices, testIndices] = indices;
  if (trainIndices.length === 0) throw new Error('splitDataset: the training part is empty');

  const XTrain = X.selectRows(trainIndices);
  const XVal = X.selectRows(valIndices);
  const XTest = X.selectRows(testIndices);
  const mean = meanRow(XTrain);
  for (const part of [XTrain, XVal, XTest]) subtractRow(part, mean);
  return {
    XTrain, yTrain: Int32Array.from(trainIndices, (i) => y[i]),
    XVal, yVal: Int32Array.from(valIndices, (i) => y[i]),
    XTest, yTest: Int32Array.from(testIndices, (i) => y[i]),
    mean, classNames: [...data.classNames],
    trainIndices: Int32Array.from(trainIndices), valIndices: Int32Array.from(valIndices), testIndices: Int32Array.from(testIndices),
    duplicates, duplicateGroups, conflictingLabels,
  };
}

/** The mean of the rows of X. */
export function meanRow(X: Matrix): Float64Array {
  const mean = new Float64Array(X.cols);
  for (let i = 0; i < X.rows; i++) {
    const row = X.row(i);
    for (let j = 0; j < X.cols; j++) mean[j] += row[j];
  }
  for (let j = 0; j < X.cols; j++) mean[j] /= Math.max(1, X.rows);
  return mean;
}

/** Subtracts `v` from every row of X, in place. */
export function subtractRow(X: Matrix, v: Float64Array): void {
  if (v.length !== X.cols) throw new Error(`subtractRow: vector has ${v.length} values, X has ${X.cols} columns`);
  for (let i = 0; i < X.rows; i++) {
    const row = X.row(i);
    for (let j = 0; j < X.cols; j++) row[j] -= v[j];
  }
}
