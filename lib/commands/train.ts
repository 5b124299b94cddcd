/**
 * `nnlab train`: the report's classification experiments from the command line. Trains a fully
 * connected network on a course-layout folder (`--data DIR`) or on the built-in generated
 * dataset (`--synthetic`), with the report's baseline as the defaults.
 *
 * Beyond the report: `--test-fraction F` holds out a test set that no choice sees and reports
 * the accuracy on it of the epoch chosen on validation; `--ensemble K` trains K seeds (seed,
 * seed+1, …) on the same split and scores the average of their softmax outputs.
 */
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { loadCharacterFolder, Polarity } from '../data/loader.js';
import { synthesizeCharacters, DEFAULT_GENERATOR, GENERATORS, GENERATOR_VERSIONS, MAX_DIFFICULTY } from '../data/synth.js';
import { splitDataset, rowHash, Dataset, LabelledImages } from '../data/split.js';
import { summarizeSplit, describeDataSummary, polarityWarnings, type DataSummary } from '../data/summary.js';
import { trainClassifier, classifierAccuracy, scoreChosenModel, CHARACTER_BASELINE, type AugmentSettings, type TrainSettings } from '../recipe.js';
import { ensemblePredict } from '../data/ensemble.js';
import { MAX_SCALE, MAX_SHEAR, MAX_ELASTIC_ALPHA, MAX_ELASTIC_SIGMA } from '../data/augment.js';
import type { FullyConnectedNet } from '../nn/fc_net.js';
import { saveClassifier, CLASSIFIER_FORMAT } from '../data/classifier.js';
import { COURSE_CLASS_NAMES, IMAGE_HEIGHT, IMAGE_WIDTH } from '../data/classes.js';
import { validateConfig } from '../nn/fc_net.js';
import { checkWritable } from '../util/io.js';
import { checkActivation } from '../nn/layer_utils.js';
import { UpdateRuleName, LR_SCHEDULES } from '../nn/optim.js';
import { parseChoice } from '../util/validate.js';
import { deriveSeed } from '../nn/random.js';
import { PROGRESS_BAR_OPTIONS, parseGeneratorAndDifficulty, parseDType, parseInteger, parseHiddenDims, parseNumber, parsePositiveNumber, parseSeed } from './options.js';
import { DEFAULT_PER_CLASS, DEFAULT_TRAIN_DATA_SEED } from './data.js';

/** CLI spellings of the update rules. */
const OPTIMIZERS: Record<string, UpdateRuleName> = { adam: 'adam', sgd: 'sgd', sgd_momentum: 'sgdMomentum', rmsprop: 'rmsprop' };

interface TrainCliOptions {
  data?: string;
  synthetic?: boolean;
  perClass: string;
  generator: string;
  difficulty?: string;
  dataSeed: string;
  skipBad?: boolean;
  polarity: Polarity;
  hidden: string;
  activation: string;
  batchnorm?: boolean;
  dropout: string;
  optimizer: string;
  lr: string;
  lrDecay: string;
  reg: string;
  batchSize: string;
  epochs: string;
  augment?: string;
  lrSchedule?: string;
  valFraction: string;
  testFraction: string;
  ensemble?: string;
  seed: string;
  dtype: string;
  save?: string;
  json?: boolean;
}

/** Largest --augment values: a shift of half the image or more leaves blank images; a character turned past 45° is another picture. */
const MAX_AUGMENT_SHIFT = Math.ceil(Math.min(IMAGE_WIDTH, IMAGE_HEIGHT) / 2) - 1;
const MAX_AUGMENT_ROTATE = 45;

/** Elastic smoothing width (pixels) when --augment gives elastic=ALPHA without sigma=: the paper's MNIST setting. */
export const DEFAULT_ELASTIC_SIGMA = 4;

const AUGMENT_KEYS = ['shift', 'rotate', 'scale', 'shear', 'elastic', 'sigma'];

/**
 * "shift=2,rotate=10,scale=0.1,shear=0.15,elastic=34,sigma=4" → {shift: 2, rotate: 10, scale:
 * 0.1, shear: 0.15, elastic: {alpha: 34, sigma: 4}}; any key may be left out (shift and rotate
 * 0; scale, shear and elastic absent, i.e. none; sigma DEFAULT_ELASTIC_SIGMA), none given twice.
 */
export function parseAugment(text: string): AugmentSettings {
  const result: AugmentSettings = { shift: 0, rotate: 0 };
  const seen = new Set<string>();
  let alpha: number | undefined, sigma: number | undefined;
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [key, value, extra] = part.split('=').map((s) => s.trim());
    if (extra !== undefined || value === undefined || !AUGMENT_KEYS.includes(key)) {
      throw new Error(`--augment: expected shift=PIXELS,rotate=DEGREES,scale=FRACTION,shear=FACTOR,elastic=ALPHA,sigma=PIXELS, any of them (e.g. shift=2,rotate=10,scale=0.1,shear=0.15), got '${text}'`);
    }
    if (seen.has(key)) throw new Error(`--augment: '${key}' is given more than once in '${text}'; give each of ${AUGMENT_KEYS.join(', ')} at most once`);
    seen.add(key);
    if (key === 'shift') result.shift = parseInteger('--augment shift', value, 0, MAX_AUGMENT_SHIFT);
    else if (key === 'rotate') result.rotate = parseNumber('--augment rotate', value, 0, MAX_AUGMENT_ROTATE);
    else if (key === 'scale') result.scale = parseNumber('--augment scale', value, 0, MAX_SCALE);
    else if (key === 'shear') result.shear = parseNumber('--augment shear', value, 0, MAX_SHEAR);
    else if (key === 'elastic') alpha = parseNumber('--augment elastic', value, 0, MAX_ELASTIC_ALPHA);
    else {
      sigma = parseNumber('--augment sigma', value, 0, MAX_ELASTIC_SIGMA);
      if (!(sigma > 0)) throw new Error(`--augment sigma: expected a smoothing width above 0 pixels, got '${value}'`);
    }
  }
  if (sigma !== undefined && alpha === undefined) throw new Error(`--augment: sigma=${sigma} smooths the elastic distortion, which needs elastic=ALPHA too (e.g. elastic=34,sigma=4), got '${text}'`);
  if (alpha !== undefined) result.elastic = { alpha, sigma: sigma ?? DEFAULT_ELASTIC_SIGMA };
  return result;
}

/** Most members --ensemble trains (each is a full training run). */
const MAX_ENSEMBLE = 20;
/** The training part keeps at least this fraction of each class (--val-fraction + --test-fraction ≤ 1 − this). */
const MIN_TRAIN_FRACTION = 0.1;

interface SplitFractions { valFraction: number; testFraction: number }

/** --val-fraction and --test-fraction, each in range and together leaving enough to train on. */
function checkedFractions(opts: TrainCliOptions): SplitFractions {
  const valFraction = parseNumber('--val-fraction', opts.valFraction, 0);
  if (!(valFraction > 0 && valFraction < 1)) throw new Error(`--val-fraction: expected a number between 0 and 1, got '${opts.valFraction}'`);
  const testFraction = parseNumber('--test-fraction', opts.testFraction, 0);
  if (!(testFraction < 1)) throw new Error(`--test-fraction: expected a number from 0 (no test set) to below 1, got '${opts.testFraction}'`);
  if (valFraction + testFraction > 1 - MIN_TRAIN_FRACTION + 1e-12) {
    throw new Error(
      `--test-fraction: ${testFraction} with --val-fraction ${valFraction} leaves ${Math.max(0, Math.round(100 * (1 - valFraction - testFraction)))}% of the images to train on; ` +
      `--val-fraction + --test-fraction must be at most ${1 - MIN_TRAIN_FRACTION}`,
    );
  }
  return { valFraction, testFraction };
}

/** --ensemble K: the number of seeds to train (1 = a single network, the default). */
function checkedEnsembleSize(opts: TrainCliOptions): number {
  if (opts.ensemble === undefined) return 1;
  const k = parseInteger('--ensemble', opts.ensemble, 1, MAX_ENSEMBLE);
  if (k > 1 && opts.save !== undefined) {
    throw new Error(`--save: an ensemble of ${k} networks cannot be saved as one classifier; train a single seed (without --ensemble) to save it`);
  }
  return k;
}

/** The options that only one data source uses, by the source they need. */
const SYNTHETIC_ONLY = ['perClass', 'generator', 'difficulty', 'dataSeed'] as const;
const FOLDER_ONLY = ['polarity', 'skipBad'] as const;

/**
 * Refuses an option given on the command line that the chosen data source would ignore
 * (`--per-class` with `--data` used to train on every image without a word).
 */
function refuseOptionsThatDoNotApply(opts: TrainCliOptions, command: Command): void {
  const given = (key: string) => ['cli', 'env'].includes(command.getOptionValueSource(key) ?? '');
  const flag = (key: string) => command.options.find((o) => o.attributeName() === key)?.long ?? key;
  if (opts.data !== undefined) {
    for (const key of SYNTHETIC_ONLY.filter(given)) {
      throw new Error(`${flag(key)} needs --synthetic (it sets up the built-in generated dataset); with --data ${opts.data} every image of the folder is used`);
    }
  }
  if (opts.synthetic) {
    for (const key of FOLDER_ONLY.filter(given)) {
      throw new Error(`${flag(key)} needs --data DIR (it says how to read image files); --synthetic generates its images, ink = 1, with nothing to skip`);
    }
  }
}

/** What prepareDataset hands on: the split, what the loader and split decided, and how to describe the data. */
interface PreparedData {
  dataset: Dataset;
  trainingImageHashes: string[];
  classFolders: string[];
  source: string;
  warnings: number;
  summary: DataSummary;
}

/** Loads or generates the images and splits them; warnings go to stderr. */
function prepareDataset(opts: TrainCliOptions, seed: number, fractions: SplitFractions): PreparedData {
  if (opts.data !== undefined && opts.synthetic) throw new Error('give either --data DIR or --synthetic, not both');
  if (opts.data === undefined && !opts.synthetic) throw new Error('no data: give --data DIR (a course-layout folder) or --synthetic (the built-in dataset)');

  let images: LabelledImages;
  let classFolders: string[];
  let source: string;
  let loaded: Parameters<typeof summarizeSplit>[2] = null;
  let hint = '';
  if (opts.data !== undefined) {
    const folder = loadCharacterFolder(opts.data, { skipBad: opts.skipBad, polarity: opts.polarity });
    for (const w of folder.warnings.slice(0, 10)) process.stderr.write(`warning: ${w}\n`);
    if (folder.warnings.length > 10) process.stderr.write(`warning: … and ${folder.warnings.length - 10} more\n`);
    if (folder.skipped > 0) process.stderr.write(`warning: skipped ${folder.skipped} bad file(s) (--skip-bad)\n`);
    for (const w of polarityWarnings(folder.polarity)) process.stderr.write(`warning: ${w}\n`);
    loaded = folder;
    images = folder;
    classFolders = folder.classFolders;
    source = opts.data;
  } else {
    const perClass = parseInteger('--per-class', opts.perClass, 1);
    const { generator, difficulty } = parseGeneratorAndDifficulty(opts.generator, opts.difficulty);
    const dataSeed = parseSeed('--data-seed', opts.dataSeed);
    images = synthesizeCharacters({ perClass, seed: dataSeed, difficulty, generator });
    classFolders = images.classNames.map((_, k) => String(k + 1)); // as `nnlab data synth` writes them
    source = `synthetic (generator ${generator}, per class ${perClass}, difficulty ${difficulty}, data seed ${dataSeed})`;
    if (difficulty === 0) hint = ' (--difficulty 0 draws every image of a character alike, the clean font skeleton: give a difficulty above 0 for distinct images)';
  }
  if (images.classNames.length < 2) {
    throw new Error(`${source}: ${images.classNames.length} class (folder ${classFolders.join(', ')}); a classifier needs at least 2 classes to tell apart: add class folders`);
  }
  let dataset: Dataset;
  try {
    dataset = splitDataset(images, { ...fractions, seed: deriveSeed(seed, 'split'), optionNames: { valFraction: '--val-fraction', testFraction: '--test-fraction' } });
  } catch (err) {
    throw new Error(`${(err as Error).message}${hint}`);
  }
  if (dataset.conflictingLabels > 0) {
    process.stderr.write(`warning: ${dataset.conflictingLabels} identical image(s) appear under different classes\n`);
  }
  // For the classifier file (predict warns about images it was trained on); the raw images
  // themselves (46 MB for the full set) are not kept past the split.
  const trainingImageHashes = opts.save === undefined ? [] : Array.from(dataset.trainIndices, (i) => rowHash(images.X, i));
  const warnings = (loaded?.warnings.length ?? 0) + polarityWarnings(loaded?.polarity ?? null).length;
  return { dataset, trainingImageHashes, classFolders, source, warnings, summary: summarizeSplit(dataset, classFolders, loaded) };
}

/** With batchnorm, a last minibatch of one image is merged into the one before (lib/nn/solver.ts lastBatchOfOne). */
function lastBatchNote(o: TrainSettings, trainRows: number): string | null {
  if (o.normalization !== 'batchnorm' || trainRows <= 1 || trainRows % o.batchSize !== 1) return null;
  return `the last minibatch of each epoch would hold 1 image (${trainRows} = ${(trainRows - 1) / o.batchSize} × ${o.batchSize} + 1), which batchnorm cannot normalise: it is merged into the one before (${o.batchSize + 1} images)`;
}

/** A progress bar over all minibatches, on an interactive terminal only. */
function trainingProgress(enabled: boolean, epochs: number) {
  if (!enabled || !process.stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar({
    format: 'training [{bar}] epoch {epoch}/{epochs} | loss {loss} | train {trainAcc} | val {valAcc} | {duration_formatted}',
    ...PROGRESS_BAR_OPTIONS,
  }, cliProgress.Presets.shades_classic);
  let started = false, lossSum = 0, lossCount = 0, lastEpoch = 0;
  let trainAcc = '-', valAcc = '-';
  return {
    iteration(epoch: number, iteration: number, perEpoch: number, loss: number) {
      if (!started) {
        bar.start(epochs * perEpoch, 0, { epoch, epochs, loss: '-', trainAcc, valAcc });
        started = true;
      }
      if (epoch !== lastEpoch) { lossSum = 0; lossCount = 0; lastEpoch = epoch; }
      lossSum += loss;
      lossCount++;
      bar.update((epoch - 1) * perEpoch + iteration, { epoch, epochs, loss: (lossSum / lossCount).toFixed(4), trainAcc, valAcc });
    },
    epoch(train: number, val: number) {
      trainAcc = `${(100 * train).toFixed(1)}%`;
      valAcc = `${(100 * val).toFixed(1)}%`;
      bar.update({ trainAcc, valAcc });
    },
    stop() { if (started) bar.stop(); },
  };
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** The network's size within the library's limits, checked before any data is loaded. */
function checkNetworkSize(hiddenDims: number[]): void {
  try {
    validateConfig({ inputDim: IMAGE_WIDTH * IMAGE_HEIGHT, hiddenDims, outputDim: COURSE_CLASS_NAMES.length });
  } catch (err) {
    throw new Error(`--hidden: ${(err as Error).message}`);
  }
}

/** --batch-size: 2 or more with --batchnorm (over one image batch normalisation sets every unit to 0). */
function parseBatchSize(opts: TrainCliOptions): number {
  const batchSize = parseInteger('--batch-size', opts.batchSize, 1);
  if (batchSize === 1 && opts.batchnorm) {
    throw new Error('--batch-size 1 with --batchnorm: batch normalisation over a single image sets every unit to 0 (its own mean), so the network learns nothing; use --batch-size 2 or more, or leave out --batchnorm');
  }
  return batchSize;
}

function parsePositive(option: string, text: string): number {
  return parsePositiveNumber(option, text);
}

export function registerTrain(program: Command): void {
  describeTrainOptions(program.command('train')).action((opts: TrainCliOptions, command: Command) => {
    // Every option is checked before the (possibly slow) data loading starts.
    refuseOptionsThatDoNotApply(opts, command);
    const options = checkedTrainOptions(opts);
    const fractions = checkedFractions(opts);
    const k = checkedEnsembleSize(opts);
    const { dataset, trainingImageHashes, classFolders, source, warnings, summary: dataSummary } = prepareDataset(opts, options.seed, fractions);
    const lastBatch = lastBatchNote(options, dataset.XTrain.rows);
    if (!opts.json) {
      console.log(`data:       ${source}`);
      for (const line of describeDataSummary(dataSummary)) console.log(`            ${line}`);
      if (lastBatch) console.log(`            ${lastBatch}`);
    }
    // An ensemble's members share the split (made from --seed) and differ in their training seed.
    const members = Array.from({ length: k }, (_, m) => {
      if (k > 1 && !opts.json) console.log(`member ${m + 1} of ${k} (seed ${options.seed + m}):`);
      return trainShowingProgress(dataset, { ...options, seed: options.seed + m }, !opts.json);
    });
    const result = members[0];
    const ensemble = k > 1 ? ensembleSummary(dataset, options.seed, members) : null;
    const summary = { ...trainingSummary(opts, options, dataset, result, warnings), ensemble, dataSummary, lastBatch };
    if (opts.save) {
      saveClassifier(opts.save, {
        net: result.net, mean: dataset.mean, classNames: dataset.classNames, classFolders,
        trainingImageHashes,
        width: IMAGE_WIDTH, height: IMAGE_HEIGHT,
        training: { source, bestValAcc: result.bestValAcc, bestEpoch: result.bestEpoch, testAcc: result.testAcc, finalTrainAcc: result.finalTrainAcc, trainSize: summary.trainSize, valSize: summary.valSize, testSize: summary.testSize, options: summary.options },
      });
    }
    if (opts.json) console.log(JSON.stringify(summary));
    else printTrainingReport(opts, options, dataset, result, ensemble);
  });
}

/** The command's description, options and defaults (the report's baseline). */
function describeTrainOptions(command: Command): Command {
  const B = CHARACTER_BASELINE;
  return command
    .description('train a fully connected network on the 12 handwritten characters (defaults: the report\'s baseline, 2 hidden layers of 50, ReLU, Adam)')
    .option('--data <dir>', 'course-layout folder: class folders 1..12 of 28x28 BMPs')
    .option('--synthetic', 'use the built-in generated dataset (as written by `nnlab data synth`)')
    .option('--per-class <n>', 'with --synthetic: images per character', String(DEFAULT_PER_CLASS))
    .option('--generator <n>', `with --synthetic: generator version, ${GENERATOR_VERSIONS.join(' or ')} (${DEFAULT_GENERATOR}, the default, is calibrated to the course's real data)`, String(DEFAULT_GENERATOR))
    .option('--difficulty <d>', `with --synthetic: strength of the handwriting distortions, 0 to ${MAX_DIFFICULTY} (default: the generator's, ${GENERATOR_VERSIONS.map((v) => `${GENERATORS[v].defaultDifficulty} for ${v}`).join(', ')})`)
    .option('--data-seed <s>', 'with --synthetic: seed of the generator', String(DEFAULT_TRAIN_DATA_SEED))
    .option('--skip-bad', 'with --data: skip unreadable or wrong-size images with a warning instead of stopping')
    .addOption(new Option('--polarity <p>', 'with --data: which way round the ink is').choices(['auto', 'dark-ink', 'light-ink']).default('auto'))
    .option('--hidden <sizes>', 'hidden layer sizes, comma-separated', B.hiddenDims.join(','))
    .addOption(new Option('--activation <name>', 'activation of the hidden layers').choices(['relu', 'sigmoid', 'tanh', 'leakyRelu']).default(B.activation))
    .option('--batchnorm', 'batch normalisation before every activation')
    .option('--dropout <p>', 'dropout probability of hidden units (0 = off)', String(B.dropout))
    .addOption(new Option('--optimizer <name>', 'update rule').choices(Object.keys(OPTIMIZERS)).default('adam'))
    .option('--lr <rate>', 'learning rate', String(B.learningRate))
    .option('--lr-decay <factor>', 'learning-rate multiplier after every epoch', String(B.lrDecay))
    .option('--reg <strength>', 'L2 regularisation strength', String(B.reg))
    .option('--batch-size <n>', 'minibatch size', String(B.batchSize))
    .option('--epochs <n>', 'training epochs', String(B.numEpochs))
    .option('--augment <spec>', `random shift, rotation, size change, shear and elastic distortion per training image, e.g. shift=2,rotate=10,scale=0.1,shear=0.15,elastic=34,sigma=4 (scale up to ${MAX_SCALE}, shear up to ${MAX_SHEAR}, elastic α up to ${MAX_ELASTIC_ALPHA} px, sigma default ${DEFAULT_ELASTIC_SIGMA} px)`)
    .option('--lr-schedule <name>', `learning rate over the epochs: ${LR_SCHEDULES.join(', ')} (step: ×0.1 at 50% and 75% of the epochs; cosine: lr·½(1+cos(π·epoch/epochs))); default constant`)
    .option('--val-fraction <f>', 'fraction of each class held out for validation', '0.2')
    .option('--test-fraction <f>', 'fraction of each class held out as a test set that no choice sees (0 = none); reports test accuracy at the epoch chosen on validation', '0')
    .option('--ensemble <k>', `train K networks (seeds seed … seed+K−1, same split) and score the average of their softmax outputs (at most ${MAX_ENSEMBLE}; not with --save)`)
    .option('--seed <s>', 'random seed of the split, the initial weights and the minibatches', String(B.seed))
    .option('--dtype <type>', 'number type of the network: float64, or float32 (about twice as fast)', B.dtype)
    .option('--save <file>', 'write the trained classifier (network, mean image, class names) as JSON')
    .option('--json', 'print one JSON object with the results on the last line (no progress bar)');
}

/** The training options from the command line, each checked (the network size and --save's folder too). */
function checkedTrainOptions(opts: TrainCliOptions): TrainSettings {
  const seed = parseSeed('--seed', opts.seed);
  const options: TrainSettings = {
    ...CHARACTER_BASELINE,
    hiddenDims: parseHiddenDims('--hidden', opts.hidden),
    activation: checkActivation('--activation', opts.activation),
    normalization: opts.batchnorm === true ? 'batchnorm' : 'none',
    dropout: parseNumber('--dropout', opts.dropout, 0),
    updateRule: OPTIMIZERS[opts.optimizer],
    learningRate: parsePositive('--lr', opts.lr),
    lrDecay: parsePositive('--lr-decay', opts.lrDecay),
    reg: parseNumber('--reg', opts.reg, 0),
    batchSize: parseBatchSize(opts),
    numEpochs: parseInteger('--epochs', opts.epochs, 1),
    augment: opts.augment === undefined ? null : parseAugment(opts.augment),
    ...(opts.lrSchedule === undefined ? {} : { lrSchedule: parseChoice('--lr-schedule', opts.lrSchedule, LR_SCHEDULES) }),
    seed,
    dtype: parseDType('--dtype', opts.dtype),
  };
  if (options.dropout >= 1) throw new Error(`--dropout: expected a probability below 1, got '${opts.dropout}'`);
  checkNetworkSize(options.hiddenDims);
  if (opts.save !== undefined) checkWritable('--save', opts.save, CLASSIFIER_FORMAT);
  return options;
}

/** What the command reports of a training run. */
interface TrainOutcome {
  net: FullyConnectedNet;
  seconds: number;
  bestValAcc: number;
  bestEpoch: number;
  /** On the whole training part at the last epoch (the Solver's own check is a 1000-image sample). */
  finalTrainAcc: number;
  finalValAcc: number;
  seed: number;
  /** On the test set, of the network of the best validation epoch; null without a test set. */
  testAcc: number | null;
  /** Softmax outputs of that network, flat N×classes (for an ensemble); test: null without a test set. */
  valProbabilities: Float64Array;
  testProbabilities: Float64Array | null;
}

/** Trains with a progress bar on a terminal, a line per epoch elsewhere, nothing with --json (`report` false). */
function trainShowingProgress(dataset: Dataset, options: TrainSettings, report: boolean): TrainOutcome {
  const progress = trainingProgress(report, options.numEpochs);
  const logEpochs = report && progress === null;
  let net: FullyConnectedNet | undefined;
  let finalTrainAcc = NaN;
  try {
    const data = { ...dataset, width: IMAGE_WIDTH, height: IMAGE_HEIGHT, numClasses: dataset.classNames.length };
    const trained = trainClassifier(options, data, {
      onStart: (n) => { net = n; },
      onIteration: progress ? (i) => progress.iteration(i.epoch, i.iteration, i.iterationsPerEpoch, i.loss) : undefined,
      onEpoch: (e) => {
        if (e.epoch === e.numEpochs) finalTrainAcc = classifierAccuracy(net!, dataset.XTrain, dataset.yTrain).acc;
        progress?.epoch(e.trainMetric, e.valMetric);
        if (logEpochs) console.log(`epoch ${e.epoch}/${e.numEpochs}: loss ${e.loss.toFixed(4)}, train ${pct(e.trainMetric)}, val ${pct(e.valMetric)} (${e.seconds.toFixed(1)} s)`);
      },
    });
    const history = trained.solver.valMetricHistory;
    // The Solver has restored the best validation epoch's parameters: the test set is scored
    // once, here, by the model validation chose.
    return {
      net: trained.net, seconds: trained.seconds, bestValAcc: trained.solver.bestValMetric, bestEpoch: trained.solver.bestEpoch,
      finalTrainAcc, finalValAcc: history[history.length - 1], seed: options.seed,
      ...scoreChosenModel(trained.net, data),
    };
  } finally {
    progress?.stop();
  }
}

/** What --json prints of an ensemble: each member's accuracies, and the ensemble's (average of softmax outputs). */
interface EnsembleSummary {
  k: number;
  valAcc: number;
  testAcc: number | null;
  members: { seed: number; bestValAcc: number; bestEpoch: number; testAcc: number | null }[];
}

function ensembleSummary(dataset: Dataset, seed: number, members: TrainOutcome[]): EnsembleSummary {
  const test = members[0].testProbabilities ? ensemblePredict(members.map((m) => m.testProbabilities!), dataset.yTest).accuracy : null;
  return {
    k: members.length,
    valAcc: ensemblePredict(members.map((m) => m.valProbabilities), dataset.yVal).accuracy,
    testAcc: test,
    members: members.map((m) => ({ seed: m.seed, bestValAcc: m.bestValAcc, bestEpoch: m.bestEpoch, testAcc: m.testAcc })),
  };
}

/** What --json prints, and the classifier file's record of how it was trained. */
function trainingSummary(opts: TrainCliOptions, options: TrainSettings, dataset: Dataset, result: TrainOutcome, warnings: number) {
  return {
    bestValAcc: result.bestValAcc,
    bestEpoch: result.bestEpoch,
    /** Test accuracy of the best validation epoch's network (null without --test-fraction). */
    testAcc: result.testAcc,
    finalTrainAcc: result.finalTrainAcc,
    finalValAcc: result.finalValAcc,
    epochs: options.numEpochs,
    seconds: result.seconds,
    trainSize: dataset.XTrain.rows,
    valSize: dataset.XVal.rows,
    testSize: dataset.XTest.rows,
    duplicates: dataset.duplicates,
    classes: dataset.classNames.length,
    data: opts.data ?? 'synthetic',
    warnings,
    options: { ...options, augment: options.augment },
    saved: opts.save ?? null,
  };
}

/** The human-readable result: data, network, training settings, accuracies. */
function printTrainingReport(opts: TrainCliOptions, o: TrainSettings, dataset: Dataset, result: TrainOutcome, ensemble: EnsembleSummary | null): void {
  const test = dataset.XTest.rows > 0 ? ` / ${dataset.XTest.rows} test` : '';
  // The data's source and what the loader decided were printed before training.
  console.log(`images:     ${dataset.XTrain.rows} training / ${dataset.XVal.rows} validation${test} images, ${dataset.classNames.length} classes (${dataset.classNames.join(' ')})`);
  console.log(`network:    ${dataset.XTrain.cols}-${o.hiddenDims.join('-')}-${dataset.classNames.length}, ${o.activation}${o.normalization === 'batchnorm' ? ', batchnorm' : ''}${o.dropout > 0 ? `, dropout ${o.dropout}` : ''}, reg ${o.reg}`);
  const schedule = o.lrSchedule && o.lrSchedule !== 'constant' ? `, ${o.lrSchedule} schedule` : '';
  console.log(`training:   ${opts.optimizer} lr ${o.learningRate}${o.lrDecay !== 1 ? ` (×${o.lrDecay}/epoch)` : ''}${schedule}, batch ${o.batchSize}, ${o.numEpochs} epochs, augmentation ${describeAugment(o.augment)}, seed ${o.seed}`);
  console.log(`best validation accuracy: ${pct(result.bestValAcc)} (epoch ${result.bestEpoch})`);
  if (result.testAcc !== null) console.log(`test accuracy:            ${pct(result.testAcc)} (at epoch ${result.bestEpoch}, chosen on validation)`);
  console.log(`final training accuracy:  ${pct(result.finalTrainAcc)}`);
  console.log(`time:                     ${result.seconds.toFixed(1)} s`);
  if (ensemble) {
    for (const m of ensemble.members) {
      console.log(`  seed ${m.seed}: validation ${pct(m.bestValAcc)} (epoch ${m.bestEpoch})${m.testAcc !== null ? `, test ${pct(m.testAcc)}` : ''}`);
    }
    console.log(`ensemble of ${ensemble.k} (average of softmax outputs): validation ${pct(ensemble.valAcc)}${ensemble.testAcc !== null ? `, test ${pct(ensemble.testAcc)}` : ''}`);
  }
  if (opts.save) console.log(`saved classifier to ${opts.save}`);
}

/** "shift ±2 px, rotate ±10°, scale ±10%, shear ±0.15", or "none". */
function describeAugment(a: AugmentSettings | null): string {
  if (!a) return 'none';
  return `shift ±${a.shift} px, rotate ±${a.rotate}°${a.scale ? `, scale ±${Math.round(100 * a.scale)}%` : ''}${a.shear ? `, shear ±${a.shear}` : ''}${a.elastic ? `, elastic α ${a.elastic.alpha} px σ ${a.elastic.sigma} px` : ''}`;
}
