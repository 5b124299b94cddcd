/**
 * A saved character classifier: the network plus everything needed to use it on new images —
 * the training mean image (inputs must be centred exactly as in training), the class names and
 * the image size — and a short record of how it was trained.
 */
import { Matrix } from '../nn/matrix.js';
import type { FullyConnectedNet } from '../nn/fc_net.js';
import { modelToJSON, modelFromJSON, checkFiniteModel, type NetJSON } from '../persist/model_file.js';
import { writeFileAtomic, readJsonFile } from '../util/io.js';
import { classifierFileSchema, parseRecord } from '../persist/schema.js';
import { rowHash } from './split.js';
import { classifierInput } from './preprocess.js';

export const CLASSIFIER_FORMAT = 'nnlab.CharacterClassifier';
/** Version 2 added classFolders; a version 1 file was always trained on folders 1..K. */
export const CLASSIFIER_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

export interface CharacterClassifier {
  net: FullyConnectedNet;
  /** The training mean image, subtracted from every input before the network sees it. */
  mean: Float64Array;
  classNames: string[];
  /**
   * The class folder each output came from (output k ← folder classFolders[k]): predict matches
   * a labelled folder's class folders to outputs by these names, never by position.
   */
  classFolders: string[];
  width: number;
  height: number;
  /** Free-form facts about the training run (options, accuracies, dataset sizes). */
  training: Record<string, unknown>;
  /**
   * Hashes of the training images (split.ts rowHash of the ink values), so that predict can
   * warn when it scores images the model was trained on. Empty when not recorded.
   */
  trainingImageHashes?: string[];
}

interface ClassifierJSON {
  format: typeof CLASSIFIER_FORMAT;
  version: number;
  classNames: string[];
  classFolders: string[];
  width: number;
  height: number;
  mean: number[];
  training: Record<string, unknown>;
  trainingImageHashes?: string[];
  model: NetJSON;
}

export function saveClassifier(path: string, c: CharacterClassifier): void {
  checkFiniteModel(c.net, `saveClassifier ${path}`);
  const json: ClassifierJSON = {
    format: CLASSIFIER_FORMAT,
    version: CLASSIFIER_VERSION,
    classNames: c.classNames,
    classFolders: c.classFolders,
    width: c.width,
    height: c.height,
    mean: Array.from(c.mean),
    training: c.training,
    trainingImageHashes: c.trainingImageHashes ?? [],
    model: modelToJSON(c.net),
  };
  writeFileAtomic(path, JSON.stringify(json));
}

export function loadClassifier(path: string): CharacterClassifier {
  const json = readJsonFile(path, 'model file') as Omit<Partial<ClassifierJSON>, 'format'> & { format?: unknown };
  const source = `model file ${path}`;
  if (json?.format === 'nnlab.FullyConnectedNet') {
    throw new Error(`${source} is a bare network without the training mean image and class names; save one with \`nnlab train --save\``);
  }
  if (json?.format !== CLASSIFIER_FORMAT) throw new Error(`${source}: not an nnlab character classifier (expected format '${CLASSIFIER_FORMAT}')`);
  if (!READABLE_VERSIONS.includes(json.version as number)) {
    throw new Error(`${source}: classifier version ${json.version} is not supported (this nnlab reads versions ${READABLE_VERSIONS.join(', ')})`);
  }
  parseRecord(classifierFileSchema, json, source); // types first: class names are strings, sizes whole numbers
  const { width, height, mean, classNames } = json;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width! < 1 || height! < 1) throw new Error(`${source}: invalid image size ${width}x${height}`);
  if (!Array.isArray(mean) || mean.length !== width! * height! || !mean.every(Number.isFinite)) {
    throw new Error(`${source}: mean must be ${width! * height!} finite numbers`);
  }
  const net = modelFromJSON(json.model, source);
  if (!Array.isArray(classNames) || classNames.length !== net.config.outputDim) {
    throw new Error(`${source}: has ${Array.isArray(classNames) ? classNames.length : 'no'} class names for ${net.config.outputDim} outputs`);
  }
  if (net.config.inputDim !== width! * height!) throw new Error(`${source}: network input ${net.config.inputDim} does not match ${width}x${height} images`);
  const classFolders = json.version === 1 ? classNames.map((_, k) => String(k + 1)) : json.classFolders;
  checkClassFolders(source, classFolders, classNames.length);
  const hashes = json.trainingImageHashes ?? [];
  if (!Array.isArray(hashes) || !hashes.every((h) => typeof h === 'string')) throw new Error(`${source}: trainingImageHashes must be a list of strings`);
  return { net, mean: Float64Array.from(mean), classNames, classFolders, width: width!, height: height!, training: json.training ?? {}, trainingImageHashes: hashes };
}

/** One distinct folder name per class, each a class number as the loader reads it. */
function checkClassFolders(source: string, folders: unknown, count: number): asserts folders is string[] {
  if (!Array.isArray(folders) || folders.length !== count || !folders.every((f) => typeof f === 'string' && /^\d+$/.test(f))) {
    throw new Error(`${source}: classFolders must list ${count} class folder names (e.g. "1", "2"), got ${JSON.stringify(folders)?.slice(0, 80)}`);
  }
  if (new Set(folders.map(Number)).size !== count) throw new Error(`${source}: classFolders names a class twice: ${folders.join(', ')}`);
}

/**
 * The model's output for each label of a labelled folder, matched by class folder number
 * (`7` and `07` are the same class). Throws naming every folder the model does not know.
 */
export function outputsForFolders(c: CharacterClassifier, folders: readonly string[], dir: string): number[] {
  const byNumber = new Map(c.classFolders.map((f, k) => [Number(f), k]));
  const unknown = folders.filter((f) => !byNumber.has(Number(f)));
  if (unknown.length > 0) {
    throw new Error(`${dir}: class folder(s) ${unknown.join(', ')} are not classes of the model, which was trained on folders ${c.classFolders.join(', ')}`);
  }
  return folders.map((f) => byNumber.get(Number(f))!);
}

/** Predicted class index of each row of X (raw ink images in [0, 1], not centred). */
export function classify(c: CharacterClassifier, X: Matrix): Int32Array {
  if (X.cols !== c.mean.length) throw new Error(`classify: images have ${X.cols} pixels, the classifier expects ${c.width}x${c.height} = ${c.mean.length}`);
  return c.net.predict(classifierInput(X, c.mean));
}

/** How many rows of X (raw ink images) are identical to an image the classifier was trained on. */
export function countTrainingImages(c: CharacterClassifier, X: Matrix): number {
  const seen = new Set(c.trainingImageHashes ?? []);
  let count = 0;
  for (let i = 0; i < X.rows && seen.size > 0; i++) if (seen.has(rowHash(X, i))) count++;
  return count;
}

/** confusion[t][p]: how many images of true class t were predicted as class p. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) m[truth[i]][predicted[i]]++;
  return m;
}
