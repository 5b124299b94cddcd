/**
 * The classification data the notebooks use: the built-in synthetic characters, or the course
 * dataset when NNLAB_DATA names its folder (class folders 1..12 of BMPs). Either way it is split
 * (stratified, 20% validation, optionally a held-out test set) and mean-centred, and
 * fingerprinted for the experiment cache.
 */
import { createHash } from 'node:crypto';
import { Matrix } from '../nn/matrix.js';
import { synthesizeCharacters, DEFAULT_GENERATOR, type GeneratorVersion } from '../data/synth.js';
import { loadCharacterFolder } from '../data/loader.js';
import { splitDataset, meanRow, subtractRow, type Dataset } from '../data/split.js';
import { PROFILES, type Profile } from './profile.js';
import { describeDataSummary, polarityWarnings, summarizeSplit, type DataSummary } from '../data/summary.js';

export interface LabData extends Dataset {
  /** 'synthetic' (built in) or 'course' (NNLAB_DATA). */
  source: 'synthetic' | 'course';
  /** One line saying which data this is, for the notebook and the report. */
  description: string;
  /** sha256 of the split data (pixels, labels, class names): part of every cache key. */
  fingerprint: string;
  /** What the loader and the split decided (images per class and part, duplicates, polarity, skipped). */
  summary: DataSummary;
  /** The summary as lines, and warnings about it, for the notebook's banner (lib/experiments/lab.ts). */
  summaryLines: string[];
  width: number;
  height: number;
  /** How to make this data again (built-in data only): what a queue job carries instead of the data (lib/queue). */
  spec?: SyntheticSpec;
  /**
   * A course folder's images before the split, and the split's settings: what the queue
   * publishes (lib/queue/dataset.ts) for its workers to split again with splitLabImages.
   */
  unsplit?: UnsplitImages;
}

/** Labelled images and how to split them: splitLabImages makes the same split anywhere. */
export interface UnsplitImages {
  /** N × (width·height), values in [0, 1]. */
  X: Matrix;
  y: Int32Array;
  classNames: string[];
  width: number;
  height: number;
  valFraction: number;
  testFraction: number;
  seed: number;
  /** LabDataOptions.duplicates and .trainOn, when not the default. */
  duplicates?: 'ignored';
  trainOn?: 'train+validation';
}

/** The built-in data by its generator's settings: a worker elsewhere regenerates the same bits from it. */
export interface SyntheticSpec {
  kind: 'synthetic';
  /** The generator version (lib/data/synth.ts GENERATOR_VERSIONS) that drew the images. */
  generator: GeneratorVersion;
  perClass: number;
  valFraction: number;
  testFraction: number;
  seed: number;
  /** LabDataOptions.duplicates and .trainOn, when not the default. */
  duplicates?: 'ignored';
  trainOn?: 'train+validation';
}

export interface LabDataOptions {
  /** Folder of the course dataset; default NNLAB_DATA; unset = built-in synthetic data. */
  dir?: string | null;
  seed?: number;
  /** Fraction of each class held out as a test set (splitDataset's testFraction); default 0 = none. */
  testFraction?: number;
  /** Fraction of each class held out for validation; default the profile's. */
  valFraction?: number;
  /** splitDataset's duplicates: 'ignored' splits like a naive split (copies on both sides); default kept together. */
  duplicates?: 'kept-together' | 'ignored';
  /**
   * 'train+validation': training images are the training and validation parts together, centred
   * on their mean (the validation part stays, for curves, but it chooses nothing then): a
   * final model trained at a length chosen beforehand. Default 'train'.
   */
  trainOn?: 'train' | 'train+validation';
  /** Built-in data only: the generator version (default DEFAULT_GENERATOR, calibrated to the course data). */
  generator?: GeneratorVersion;
}

function hashMatrix(h: ReturnType<typeof createHash>, m: Matrix): void {
  h.update(`${m.rows}x${m.cols};`);
  h.update(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
}

/**
 * A fingerprint of a dataset: any change in a pixel, label or split changes it. The test part
 * counts only when it has rows, so a two-way split keeps the fingerprint (and cache) it had.
 */
export function fingerprintDataset(d: Pick<Dataset, 'XTrain' | 'yTrain' | 'XVal' | 'yVal' | 'classNames'> & Partial<Pick<Dataset, 'XTest' | 'yTest'>>): string {
  const h = createHash('sha256');
  hashMatrix(h, d.XTrain);
  h.update(new Uint8Array(d.yTrain.buffer, d.yTrain.byteOffset, d.yTrain.byteLength));
  hashMatrix(h, d.XVal);
  h.update(new Uint8Array(d.yVal.buffer, d.yVal.byteOffset, d.yVal.byteLength));
  h.update(d.classNames.join('\u0000'));
  if (d.XTest && d.yTest && d.XTest.rows > 0) {
    h.update('test;');
    hashMatrix(h, d.XTest);
    h.update(new Uint8Array(d.yTest.buffer, d.yTest.byteOffset, d.yTest.byteLength));
  }
  return h.digest('hex').slice(0, 24);
}

/** The split a local run and a queue worker both make of `u`, and its fingerprint. */
export function splitLabImages(u: UnsplitImages): { split: Dataset; fingerprint: string } {
  const split0 = splitDataset({ X: u.X, y: u.y, classNames: u.classNames }, { valFraction: u.valFraction, testFraction: u.testFraction, seed: u.seed, duplicates: u.duplicates ?? 'kept-together' });
  const split = u.trainOn === 'train+validation' ? withValidationInTraining(split0, u.X) : split0;
  return { split, fingerprint: fingerprintDataset(split) };
}

/** Keeps at most `max` rows of each class, in order. */
function capPerClass(X: Matrix, y: Int32Array, max: number): { X: Matrix; y: Int32Array } {
  const seen = new Map<number, number>();
  const keep: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const c = seen.get(y[i]) ?? 0;
    if (c < max) keep.push(i);
    seen.set(y[i], c + 1);
  }
  return { X: X.selectRows(keep), y: Int32Array.from(keep, (i) => y[i]) };
}

/** Loads (or synthesises) and splits the data for a profile. */
export function loadLabData(profile: Profile, options: LabDataOptions = {}): LabData {
  const dir = options.dir === undefined ? process.env.NNLAB_DATA || null : options.dir;
  const seed = options.seed ?? 0;
  const generator = options.generator ?? DEFAULT_GENERATOR;
  let X: Matrix, y: Int32Array, classNames: string[], width: number, height: number, description: string;
  let source: LabData['source'];
  let loaded: Parameters<typeof summarizeSplit>[2] = null;
  let classFolders: string[];
  if (dir) {
    const folder = loadCharacterFolder(dir);
    loaded = folder;
    classFolders = folder.classFolders;
    ({ X, y } = profile.maxPerClass ? capPerClass(folder.X, folder.y, profile.maxPerClass) : folder);
    classNames = folder.classNames;
    width = folder.width;
    height = folder.height;
    source = 'course';
    const cap = profile.maxPerClass ? `, at most ${profile.maxPerClass} per class (${profile.name} profile)` : '';
    description = `course dataset from ${dir}: ${X.rows} images of ${classNames.length} characters${cap}`;
  } else {
    const synth = synthesizeCharacters({ perClass: profile.perClass, seed, generator });
    ({ X, y, classNames, width, height } = synth);
    classFolders = classNames.map((_, k) => String(k + 1)); // as `nnlab data synth` writes them
    source = 'synthetic';
    description = `built-in synthetic characters (generator ${generator}): ${profile.perClass} per class × ${classNames.length} characters (${X.rows} images, ${width}×${height})`;
  }
  const valFraction = options.valFraction ?? profile.valFraction;
  const duplicates = options.duplicates ?? 'kept-together';
  const trainOn = options.trainOn ?? 'train';
  const unsplit: UnsplitImages = {
    X, y, classNames, width, height, valFraction, testFraction: options.testFraction ?? 0, seed,
    ...(duplicates === 'ignored' ? { duplicates } : {}), ...(trainOn === 'train+validation' ? { trainOn } : {}),
  };
  const { split, fingerprint } = splitLabImages(unsplit);
  const summary = summarizeSplit(split, classFolders, loaded);
  const summaryLines = [...describeDataSummary(summary), ...polarityWarnings(summary.polarity).map((w) => `warning: ${w}`)];
  const test = split.XTest.rows > 0 ? ` / ${split.XTest.rows} test (held out)` : '';
  const spec: SyntheticSpec | undefined = source === 'synthetic'
    ? {
      kind: 'synthetic', generator, perClass: profile.perClass, valFraction, testFraction: options.testFraction ?? 0, seed,
      ...(duplicates === 'ignored' ? { duplicates } : {}), ...(trainOn === 'train+validation' ? { trainOn } : {}),
    }
    : undefined;
  const protocol = [duplicates === 'ignored' ? 'naive split (identical images may sit on both sides)' : '', trainOn === 'train+validation' ? 'trained on training + validation' : '']
    .filter((p) => p).join(', ');
  return {
    // The built-in data travels as its spec (a few numbers); a course folder as its images.
    ...split, source, width, height, fingerprint, summary, summaryLines, ...(spec ? { spec } : { unsplit }),
    description: `${description}; ${split.XTrain.rows} train / ${split.XVal.rows} validation${test}${protocol ? `; ${protocol}` : ''}`,
  };
}

/**
 * The split with its validation images added to training (training rows first, then validation),
 * every part centred again on the mean of the new training part; taken from the raw images `X`
 * by the split's indices, so no pixel goes through a centring twice.
 */
function withValidationInTraining(split: Dataset, X: Matrix): Dataset {
  const trainIndices = Int32Array.from([...split.trainIndices, ...split.valIndices]);
  const XTrain = X.selectRows(Array.from(trainIndices));
  const XVal = X.selectRows(Array.from(split.valIndices));
  const XTest = X.selectRows(Array.from(split.testIndices));
  const mean = meanRow(XTrain);
  for (const part of [XTrain, XVal, XTest]) subtractRow(part, mean);
  return { ...split, XTrain, XVal, XTest, mean, yTrain: Int32Array.from([...split.yTrain, ...split.yVal]), trainIndices };
}

/** The built-in data a SyntheticSpec describes (as loadLabData made it). */
export function labDataFromSpec(spec: SyntheticSpec): LabData {
  const profile: Profile = { ...PROFILES.quick, perClass: spec.perClass, valFraction: spec.valFraction, maxPerClass: null };
  return loadLabData(profile, { dir: null, seed: spec.seed, testFraction: spec.testFraction, generator: spec.generator, duplicates: spec.duplicates, trainOn: spec.trainOn });
}
