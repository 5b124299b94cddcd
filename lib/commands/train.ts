/**
 * `nnlab train`: the report's classification experiments from the command line. Trains a fully
 * connected network on a course-layout folder (`--data DIR`) or on the built-in generated
 * dataset (`--synthetic`), with the report's baseline as the defaults.
 */
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { loadCharacterFolder, Polarity } from '../data/loader.js';
import { synthesizeCharacters, DEFAULT_DIFFICULTY, MAX_DIFFICULTY } from '../data/synth.js';
import { splitDataset, rowHash, Dataset, LabelledImages } from '../data/split.js';
import { trainClassifier, classifierAccuracy, CHARACTER_BASELINE, type TrainSettings } from '../data/train.js';
import type { FullyConnectedNet } from '../fc_net.js';
import { saveClassifier } from '../data/classifier.js';
import { COURSE_CLASS_NAMES, IMAGE_HEIGHT, IMAGE_WIDTH } from '../data/classes.js';
import { validateConfig } from '../fc_net.js';
import { checkWritable } from '../io.js';
import { checkActivation } from '../layer_utils.js';
import { UpdateRuleName } from '../optim.js';
import { deriveSeed } from '../random.js';
import { parseDifficulty, parseDType, parseInteger, parseHiddenDims, parseNumber } from './options.js';
import { DEFAULT_PER_CLASS, DEFAULT_TRAIN_DATA_SEED } from './data.js';

/** CLI spellings of the update rules. */
const OPTIMIZERS: Record<string, UpdateRuleName> = { adam: 'adam', sgd: 'sgd', sgd_momentum: 'sgdMomentum', rmsprop: 'rmsprop' };

interface TrainCliOptions {
  data?: string;
  synthetic?: boolean;
  perClass: string;
  difficulty: string;
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
  valFraction: string;
  seed: string;
  dtype: string;
  save?: string;
  json?: boolean;
}

/** Largest --augment values: a shift of half the image or more leaves blank images; a character turned past 45° is another picture. */
const MAX_AUGMENT_SHIFT = Math.ceil(Math.min(IMAGE_WIDTH, IMAGE_HEIGHT) / 2) - 1;
const MAX_AUGMENT_ROTATE = 45;

/** "shift=2,rotate=10" → {shift: 2, rotate: 10}; either key may be left out (0). */
export function parseAugment(text: string): { shift: number; rotate: number } {
  const result = { shift: 0, rotate: 0 };
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [key, value, extra] = part.split('=').map((s) => s.trim());
    if (extra !== undefined || value === undefined || (key !== 'shift' && key !== 'rotate')) {
      throw new Error(`--augment: expected shift=PIXELS,rotate=DEGREES (e.g. shift=2,rotate=10), got '${text}'`);
    }
    result[key] = key === 'shift'
      ? parseInteger('--augment shift', value, 0, MAX_AUGMENT_SHIFT)
      : parseNumber('--augment rotate', value, 0, MAX_AUGMENT_ROTATE);
  }
  return result;
}

/** Loads or generates the images and splits them; warnings go to stderr. */
function prepareDataset(opts: TrainCliOptions, seed: number): { dataset: Dataset; trainingImageHashes: string[]; classFolders: string[]; source: string; warnings: number } {
  if (opts.data !== undefined && opts.synthetic) throw new Error('give either --data DIR or --synthetic, not both');
  if (opts.data === undefined && !opts.synthetic) throw new Error('no data: give --data DIR (a course-layout folder) or --synthetic (the built-in dataset)');
  const valFraction = parseNumber('--val-fraction', opts.valFraction, 0);
  if (!(valFraction > 0 && valFraction < 1)) throw new Error(`--val-fraction: expected a number between 0 and 1, got '${opts.valFraction}'`);

  let images: LabelledImages;
  let classFolders: string[];
  let source: string;
  let warnings = 0;
  if (opts.data !== undefined) {
    const folder = loadCharacterFolder(opts.data, { skipBad: opts.skipBad, polarity: opts.polarity });
    for (const w of folder.warnings.slice(0, 10)) process.stderr.write(`warning: ${w}\n`);
    if (folder.warnings.length > 10) process.stderr.write(`warning: … and ${folder.warnings.length - 10} more\n`);
    if (folder.skipped > 0) process.stderr.write(`warning: skipped ${folder.skipped} bad file(s) (--skip-bad)\n`);
    warnings = folder.warnings.length;
    images = folder;
    classFolders = folder.classFolders;
    source = opts.data;
  } else {
    const perClass = parseInteger('--per-class', opts.perClass, 1);
    const difficulty = parseDifficulty('--difficulty', opts.difficulty);
    const dataSeed = parseInteger('--data-seed', opts.dataSeed);
    images = synthesizeCharacters({ perClass, seed: dataSeed, difficulty });
    classFolders = images.classNames.map((_, k) => String(k + 1)); // as `nnlab data synth` writes them
    source = `synthetic (per class ${perClass}, difficulty ${difficulty}, data seed ${dataSeed})`;
  }
  const dataset = splitDataset(images, { valFraction, seed: deriveSeed(seed, 'split') });
  if (dataset.conflictingLabels > 0) {
    process.stderr.write(`warning: ${dataset.conflictingLabels} identical image(s) appear under different classes\n`);
  }
  // For the classifier file (predict warns about images it was trained on); the raw images
  // themselves (46 MB for the full set) are not kept past the split.
  const trainingImageHashes = opts.save === undefined ? [] : Array.from(dataset.trainIndices, (i) => rowHash(images.X, i));
  return { dataset, trainingImageHashes, classFolders, source, warnings };
}

/** A progress bar over all minibatches, on an interactive terminal only. */
function trainingProgress(enabled: boolean, epochs: number) {
  if (!enabled || !process.stderr.isTTY) return null;
  const bar = new cliProgress.SingleBar({
    format: 'training [{bar}] epoch {epoch}/{epochs} | loss {loss} | train {trainAcc} | val {valAcc} | {duration_formatted}',
    stream: process.stderr,
    hideCursor: true,
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

function parsePositive(option: string, text: string): number {
  const v = parseNumber(option, text, 0);
  if (v === 0) throw new Error(`${option}: expected a number > 0, got '${text}'`);
  return v;
}

export function registerTrain(program: Command): void {
  describeTrainOptions(program.command('train')).action((opts: TrainCliOptions) => {
    // Every option is checked before the (possibly slow) data loading starts.
    const options = checkedTrainOptions(opts);
    const { dataset, trainingImageHashes, classFolders, source, warnings } = prepareDataset(opts, options.seed);
    const result = trainShowingProgress(dataset, options, !opts.json);
    const summary = trainingSummary(opts, options, dataset, result, warnings);
    if (opts.save) {
      saveClassifier(opts.save, {
        net: result.net, mean: dataset.mean, classNames: dataset.classNames, classFolders,
        trainingImageHashes,
        width: IMAGE_WIDTH, height: IMAGE_HEIGHT,
        training: { source, bestValAcc: result.bestValAcc, bestEpoch: result.bestEpoch, finalTrainAcc: result.finalTrainAcc, trainSize: summary.trainSize, valSize: summary.valSize, options: summary.options },
      });
    }
    if (opts.json) console.log(JSON.stringify(summary));
    else printTrainingReport(opts, options, dataset, result, source);
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
    .option('--difficulty <d>', `with --synthetic: strength of the handwriting distortions, 0 to ${MAX_DIFFICULTY}`, String(DEFAULT_DIFFICULTY))
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
    .option('--augment <spec>', 'random shift and rotation per training image, e.g. shift=2,rotate=10')
    .option('--val-fraction <f>', 'fraction of each class held out for validation', '0.2')
    .option('--seed <s>', 'random seed of the split, the initial weights and the minibatches', String(B.seed))
    .option('--dtype <type>', 'number type of the network: float64, or float32 (about twice as fast)', B.dtype)
    .option('--save <file>', 'write the trained classifier (network, mean image, class names) as JSON')
    .option('--json', 'print one JSON object with the results on the last line (no progress bar)');
}

/** The training options from the command line, each checked (the network size and --save's folder too). */
function checkedTrainOptions(opts: TrainCliOptions): TrainSettings {
  const seed = parseInteger('--seed', opts.seed);
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
    batchSize: parseInteger('--batch-size', opts.batchSize, 1),
    numEpochs: parseInteger('--epochs', opts.epochs, 1),
    augment: opts.augment === undefined ? null : parseAugment(opts.augment),
    seed,
    dtype: parseDType('--dtype', opts.dtype),
  };
  if (options.dropout >= 1) throw new Error(`--dropout: expected a probability below 1, got '${opts.dropout}'`);
  checkNetworkSize(options.hiddenDims);
  if (opts.save !== undefined) checkWritable('--save', opts.save);
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
        progress?.epoch(e.trainAcc, e.valAcc);
        if (logEpochs) console.log(`epoch ${e.epoch}/${e.numEpochs}: loss ${e.loss.toFixed(4)}, train ${pct(e.trainAcc)}, val ${pct(e.valAcc)} (${e.seconds.toFixed(1)} s)`);
      },
    });
    const history = trained.solver.valAccHistory;
    return {
      net: trained.net, seconds: trained.seconds, bestValAcc: trained.solver.bestValAcc, bestEpoch: trained.solver.bestEpoch,
      finalTrainAcc, finalValAcc: history[history.length - 1],
    };
  } finally {
    progress?.stop();
  }
}

/** What --json prints, and the classifier file's record of how it was trained. */
function trainingSummary(opts: TrainCliOptions, options: TrainSettings, dataset: Dataset, result: TrainOutcome, warnings: number) {
  return {
    bestValAcc: result.bestValAcc,
    bestEpoch: result.bestEpoch,
    finalTrainAcc: result.finalTrainAcc,
    finalValAcc: result.finalValAcc,
    epochs: options.numEpochs,
    seconds: result.seconds,
    trainSize: dataset.XTrain.rows,
    valSize: dataset.XVal.rows,
    duplicates: dataset.duplicates,
    classes: dataset.classNames.length,
    data: opts.data ?? 'synthetic',
    warnings,
    options: { ...options, augment: options.augment },
    saved: opts.save ?? null,
  };
}

/** The human-readable result: data, network, training settings, accuracies. */
function printTrainingReport(opts: TrainCliOptions, o: TrainSettings, dataset: Dataset, result: TrainOutcome, source: string): void {
  console.log(`data:       ${source}`);
  console.log(`            ${dataset.XTrain.rows} training / ${dataset.XVal.rows} validation images, ${dataset.classNames.length} classes (${dataset.classNames.join(' ')}), ${dataset.duplicates} exact duplicate(s)`);
  console.log(`network:    ${dataset.XTrain.cols}-${o.hiddenDims.join('-')}-${dataset.classNames.length}, ${o.activation}${o.normalization === 'batchnorm' ? ', batchnorm' : ''}${o.dropout > 0 ? `, dropout ${o.dropout}` : ''}, reg ${o.reg}`);
  console.log(`training:   ${opts.optimizer} lr ${o.learningRate}${o.lrDecay !== 1 ? ` (×${o.lrDecay}/epoch)` : ''}, batch ${o.batchSize}, ${o.numEpochs} epochs, augmentation ${o.augment ? `shift ±${o.augment.shift} px, rotate ±${o.augment.rotate}°` : 'none'}, seed ${o.seed}`);
  console.log(`best validation accuracy: ${pct(result.bestValAcc)} (epoch ${result.bestEpoch})`);
  console.log(`final training accuracy:  ${pct(result.finalTrainAcc)}`);
  console.log(`time:                     ${result.seconds.toFixed(1)} s`);
  if (opts.save) console.log(`saved classifier to ${opts.save}`);
}
