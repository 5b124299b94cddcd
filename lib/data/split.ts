/**
 * Turns a labelled image set into training and validation sets, the way the lab needs them:
 *
 *   - stratified: every class keeps (as nearly as possible) the same fraction in validation,
 *     so a 20% split of 12 × 620 images gives 124 validation images per class;
 *   - deterministic: the same seed and fraction give the same split on any machine;
 *   - duplicate-aware: identical images (found by hashing their pixels) always land on the same
 *     side, otherwise the network is "validated" on images it was trained on;
 *   - mean-centred: the mean image of the *training* part is subtracted from both parts (computing
 *     it over validation images too would leak them into training). The mean is returned, so
 *     augmentation can un-centre an image, move it, and centre it again.
 */
import { createHash } from 'node:crypto';
import { Matrix } from '../matrix.js';
import { Rng, deriveSeed } from '../random.js';

export interface LabelledImages {
  X: Matrix;
  y: Int32Array;
  classNames: readonly string[];
}

export interface SplitOptions {
  /** Fraction of each class held out for validation, in [0, 1). */
  valFraction: number;
  seed: number;
}

export interface Dataset {
  XTrain: Matrix;
  yTrain: Int32Array;
  XVal: Matrix;
  yVal: Int32Array;
  /** The training mean image, already subtracted from XTrain and XVal. */
  mean: Float64Array;
  classNames: string[];
  /** Rows of the input that go to each side, in input order. */
  trainIndices: Int32Array;
  valIndices: Int32Array;
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
  if (!(valFraction >= 0 && valFraction < 1)) throw new Error(`splitDataset: valFraction must be in [0, 1), got ${valFraction}`);
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

  // Per class, shuffle the groups and move them to validation until the class's quota is met.
  const isVal = new Uint8Array(X.rows);
  groupsByClass.forEach((classGroups, c) => {
    const classSize = classGroups.reduce((s, g) => s + g.length, 0);
    const quota = Math.round(valFraction * classSize);
    const order = new Rng(deriveSeed(seed, 'split', c)).permutation(classGroups.length);
    let taken = 0;
    for (let k = 0; k < order.length && taken < quota; k++) {
      const group = classGroups[order[k]];
      for (const i of group) isVal[i] = 1;
      taken += group.length;
    }
  });

  const trainIndices: number[] = [], valIndices: number[] = [];
  for (let i = 0; i < X.rows; i++) (isVal[i] ? valIndices : trainIndices).push(i);
  if (trainIndices.length === 0) throw new Error('splitDataset: the training part is empty');

  const XTrain = X.selectRows(trainIndices);
  const XVal = X.selectRows(valIndices);
  const mean = meanRow(XTrain);
  subtractRow(XTrain, mean);
  subtractRow(XVal, mean);
  return {
    XTrain, yTrain: Int32Array.from(trainIndices, (i) => y[i]),
    XVal, yVal: Int32Array.from(valIndices, (i) => y[i]),
    mean, classNames: [...data.classNames],
    trainIndices: Int32Array.from(trainIndices), valIndices: Int32Array.from(valIndices),
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
