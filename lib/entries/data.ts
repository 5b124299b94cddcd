/**
 * nnlab/data: the two tasks' data and what reads, writes and trains on it — BMP files, the
 * course dataset's loader, the duplicate-aware split, the synthetic characters, augmentation,
 * the saved character classifier, the sin(x) fitting task, and the JSON files models are kept in.
 * One group per file.
 */
export { COURSE_CLASS_NAMES, IMAGE_WIDTH, IMAGE_HEIGHT } from '../data/classes.js';
export {
  bmpRowStride, readBmpHeader, decodeBmp, encodeGrayBmp, luminance, MAX_BMP_PIXELS, MAX_BMP_HEADER_BYTES,
  type RgbImage, type DecodedBmp, type BmpHeader, type EncodeOptions,
} from '../data/bmp.js';
export {
  isLabelledFolder, readCharacterImage, loadCharacterFolder, loadImageFolder, darkShare, MARGINAL_POLARITY,
  type Polarity, type PolarityDecisions, type LoadOptions, type ImageSet, type CharacterFolder,
} from '../data/loader.js';
export {
  summarizeSplit, summarizeImages, describeDataSummary, polarityWarnings,
  type DataSummary, type ClassCounts, type DuplicateSummary,
} from '../data/summary.js';
export {
  rowHash, findDuplicateGroups, splitDataset, meanRow, subtractRow,
  type LabelledImages, type SplitOptions, type Dataset, type DuplicateHandling,
} from '../data/split.js';
export {
  loadSkeleton, drawCharacter, synthesizeCharacters, DEFAULT_DIFFICULTY, MAX_DIFFICULTY,
  type SynthOptions, type SynthDataset,
} from '../data/synth.js';
export * from '../recipe.js';
export {
  CLASSIFIER_FORMAT, CLASSIFIER_VERSION, saveClassifier, loadClassifier, classify, countTrainingImages, outputsForFolders,
  confusionMatrix, type CharacterClassifier,
} from '../data/classifier.js';
export { transformImage, makeAugment, MAX_SCALE, MAX_SHEAR, type AugmentOptions } from '../data/augment.js';
export { sineSamples, sineGrid, sineErrors, fitSine, SINE_DEFAULTS, type SineOptions, type SineResult } from '../tasks/sine.js';
// The files models and checkpoints are saved in.
export * from '../persist/model_file.js';
export * from '../persist/checkpoint.js';
export { matrixToJSON, matrixFromJSON, type MatrixJSON } from '../persist/serialize.js';
export { readJsonFile, checkWritable, writeFileAtomic, removeStaleTemporaries } from '../util/io.js';
