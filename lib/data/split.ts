/**
 * Turns a labelled image set into training, validation and (optionally) test sets, the way the
 * lab needs them:
 *
 *   - stratified: every class keeps (as nearly as possible) the same fraction in validation,
 *     so a 20% split of 12 × 620 images gives 124 validation images per class (and likewise in
 *     test, when `testFraction` > 0);
 *   - deterministic: the same seed and fraction give the same split on any machine;
 *   - duplicate-aware: identical images (found by hashing their pixels) always land on the same
 *     side, otherwise the network is "validated" on images it was trained on. A group of copies
 *     moves to validation (or test) only if it is no larger than that part's quota for its class:
 *     a bigger group would overshoot the quota by more than the quota itself (a class folder of
 *     copies of one scan would go to validation whole), so it stays in training;
 *   - every class in every part: a class whose quota rounds to 0 images, or that ends up with no
 *     training or no validation images (all its images copies of a few), is an error naming the
 *     class and the counts, never a silently empty part;
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
import { subtractRow } from './preprocess.js';
import { Rng, deriveSeed } from '../nn/random.js';

export interface LabelledImages {
  X: Matrix;
  y: Int32Array;
  classNames: readonly string[];
  /** The folder each class came from (loadCharacterFolder's), named in error messages when present. */
  classFolders?: readonly string[];
}

export interface SplitOptions {
  /** Fraction of each class held out for validation, in [0, 1). */
  valFraction: number;
  /** Fraction of each class held out as a test set, in [0, 1) with valFraction + testFraction < 1; default 0 (none). */
  testFraction?: number;
  seed: number;
  /**
   * 'kept-together' (default): identical images stay on one side, as described above.
   * 'ignored': every image is split on its own, as a naive split does, so copies of one image
   * can land in training and in validation or test (for measuring what that inflates; see
   * copiesSeenInTraining).
   */
  duplicates?: 'kept-together' | 'ignored';
  /**
   * How the caller calls the two fractions, for error messages (e.g. '--val-fraction'); default
   * 'valFraction' and 'testFraction'.
   */
  optionNames?: { valFraction?: string; testFraction?: string };
}

/** What the split did with the groups of identical images. */
export interface DuplicateHandling {
  /** Groups of identical images (2 or more copies) that went whole to each part. */
  groupsInTrain: number;
  groupsInVal: number;
  groupsInTest: number;
  /** Of groupsInTrain: groups larger than a part's quota for their class, kept in training for that reason. */
  keptInTrainTooLarge: number;
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
  duplicateHandling: DuplicateHandling;
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

  const handling = options.duplicates ?? 'kept-together';
  if (handling !== 'kept-together' && handling !== 'ignored') throw new Error(`splitDataset: duplicates must be 'kept-together' or 'ignored', got '${handling}'`);
  // The data's groups of identical images, counted whatever the handling.
  const copies = findDuplicateGroups(X);
  let duplicates = 0, duplicateGroups = 0, conflictingLabels = 0;
  for (const group of copies) {
    if (group.length < 2) continue;
    duplicates += group.length - 1;
    duplicateGroups++;
    if (group.some((i) => y[i] !== y[group[0]])) conflictingLabels++;
  }
  // What is split: the groups (a group counts for the class of its first copy), or every image on its own.
  const groups = handling === 'ignored' ? Array.from({ length: X.rows }, (_, i) => [i]) : copies;
  const groupsByClass: number[][][] = Array.from({ length: numClasses }, () => []);
  for (const group of groups) groupsByClass[y[group[0]]].push(group);

  // Per class, shuffle the groups and move them to validation until the class's quota is met,
  // then the following groups of the same order to test until its quota is met. A group larger
  // than the part's whole quota is passed over (it stays in training).
  const names = { valFraction: 'valFraction', testFraction: 'testFraction', ...options.optionNames };
  const TRAIN = 0, VAL = 1, TEST = 2;
  const side = new Uint8Array(X.rows); // TRAIN, VAL or TEST per row
  const tooLarge = new Set<number[]>();
  groupsByClass.forEach((classGroups, c) => {
    const classSize = classGroups.reduce((s, g) => s + g.length, 0);
    if (classSize === 0) return;
    const valQuota = checkedQuota(names.valFraction, valFraction, classSize, 'validation', className(data, c));
    const testQuota = checkedQuota(names.testFraction, testFraction, classSize, 'test', className(data, c));
    const order = new Rng(deriveSeed(seed, 'split', c)).permutation(classGroups.length);
    let k = 0;
    for (const [target, quota] of [[VAL, valQuota], [TEST, testQuota]]) {
      let taken = 0;
      for (; k < order.length && taken < quota; k++) {
        const group = classGroups[order[k]];
        if (group.length > quota) {
          tooLarge.add(group);
          continue;
        }
        for (const i of group) side[i] = target;
        taken += group.length;
      }
    }
  });

  const indices: number[][] = [[], [], []];
  for (let i = 0; i < X.rows; i++) indices[side[i]].push(i);
  const [trainIndices, valIndices, testIndices] = indices;
  checkEveryClassInEveryPart(data, groupsByClass, side, valFraction > 0, testFraction > 0);

  const duplicateHandling: DuplicateHandling = { groupsInTrain: 0, groupsInVal: 0, groupsInTest: 0, keptInTrainTooLarge: 0 };
  for (const group of copies) {
    if (group.length < 2 || handling === 'ignored') continue;
    const where = side[group[0]];
    if (where === VAL) duplicateHandling.groupsInVal++;
    else if (where === TEST) duplicateHandling.groupsInTest++;
    else {
      duplicateHandling.groupsInTrain++;
      if (tooLarge.has(group)) duplicateHandling.keptInTrainTooLarge++;
    }
  }

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
    duplicates, duplicateGroups, conflictingLabels, duplicateHandling,
  };
}

/** "大 (folder 3)", or the name alone when the classes did not come from folders. */
function className(data: LabelledImages, c: number): string {
  return data.classFolders ? `${data.classNames[c]} (folder ${data.classFolders[c]})` : data.classNames[c];
}

/**
 * round(fraction × classSize), the class's quota for one part; an error naming the option, the
 * class and the rounding when a non-zero fraction rounds to no image at all.
 */
function checkedQuota(option: string, fraction: number, classSize: number, part: string, className: string): number {
  const quota = Math.round(fraction * classSize);
  if (fraction > 0 && quota === 0) {
    const needed = Math.ceil((0.5 / classSize) * 1000) / 1000; // round(f·n) ≥ 1 from f = 0.5/n
    throw new Error(
      `${option} ${fraction} gives class ${className} no ${part} image: it has ${classSize} image(s) and round(${fraction} × ${classSize}) = 0; ` +
      `every class needs at least one, so raise ${option} to at least ${needed} or give each class more images`,
    );
  }
  return quota;
}

/**
 * Throws, naming the class and its counts, when a class has no training image, or no validation
 * (test) image although a fraction was asked for: its images are too few, or copies of too few
 * distinct images, to be split.
 */
function checkEveryClassInEveryPart(data: LabelledImages, groupsByClass: number[][][], side: Uint8Array, wantVal: boolean, wantTest: boolean): void {
  groupsByClass.forEach((classGroups, c) => {
    const size = classGroups.reduce((s, g) => s + g.length, 0);
    if (size === 0) return;
    const counts = [0, 0, 0];
    for (const g of classGroups) counts[side[g[0]]] += g.length;
    const [train, val, test] = counts;
    const missing = train === 0 ? 'training' : wantVal && val === 0 ? 'validation' : wantTest && test === 0 ? 'test' : null;
    if (missing === null) return;
    const largest = Math.max(...classGroups.map((g) => g.length));
    const distinct = classGroups.length < size ? `, which are only ${classGroups.length} distinct image(s) (the largest group of identical copies has ${largest})` : '';
    throw new Error(
      `splitDataset: class ${className(data, c)} has no ${missing} image: its ${size} image(s)${distinct} split as ${train} training / ${val} validation / ${test} test; ` +
      'a class needs distinct images on every side (copies are kept on one side so that validation never scores training images): add distinct images of it or leave it out',
    );
  });
}

/**
 * How many validation and test images are identical to some training image: 0 after a
 * duplicate-aware split, the leak a naive split lets through (rows compared by rowHash, so
 * the centred parts of one split compare alike: they share the training mean).
 */
export function copiesSeenInTraining(split: Pick<Dataset, 'XTrain' | 'XVal' | 'XTest'>): { val: number; test: number } {
  const seen = new Set<string>();
  for (let i = 0; i < split.XTrain.rows; i++) seen.add(rowHash(split.XTrain, i));
  const count = (X: Matrix) => {
    let n = 0;
    for (let i = 0; i < X.rows; i++) if (seen.has(rowHash(X, i))) n++;
    return n;
  };
  return { val: count(split.XVal), test: count(split.XTest) };
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

export { subtractRow } from './preprocess.js';
