/**
 * `nnlab predict`: applies a classifier saved by `nnlab train --save` to a folder of images.
 * A labelled folder (class folders, matched to the model's classes by name) gets an accuracy and a confusion matrix; a flat folder
 * of images gets one predicted character per file.
 */
import { Command, Option } from 'commander';
import { loadClassifier, classify, confusionMatrix, countTrainingImages, outputsForFolders, CharacterClassifier } from '../data/classifier.js';
import type { Matrix } from '../nn/matrix.js';
import { isLabelledFolder, loadCharacterFolder, loadImageFolder, Polarity, type ImageSet } from '../data/loader.js';
import { describeDataSummary, polarityWarnings, summarizeImages } from '../data/summary.js';

interface PredictCliOptions {
  model: string;
  data: string;
  json?: boolean;
  skipBad?: boolean;
  polarity: Polarity;
}

function reportWarnings(images: ImageSet): void {
  const { warnings, skipped } = images;
  for (const w of warnings.slice(0, 10)) process.stderr.write(`warning: ${w}\n`);
  if (warnings.length > 10) process.stderr.write(`warning: … and ${warnings.length - 10} more\n`);
  if (skipped > 0) process.stderr.write(`warning: skipped ${skipped} bad file(s) (--skip-bad)\n`);
  for (const w of polarityWarnings(images.polarity)) process.stderr.write(`warning: ${w}\n`);
}

/**
 * One prediction as --json gives it: `class` (the name), `folder` (the class folder that class
 * came from in training, e.g. "4") and `index` (the model's output). `label` is `index` under
 * its old name, deprecated: it is not the folder number for a model trained on some of the
 * folders, and goes in the next version.
 */
function predictionRecord(c: CharacterClassifier, file: string, index: number) {
  return { file, class: c.classNames[index], folder: c.classFolders[index], index, label: index };
}

/** Warns (naming the count) when some images are ones the model was trained on; returns the count. */
function warnTrainingImages(c: CharacterClassifier, X: Matrix): number {
  const seen = countTrainingImages(c, X);
  if (seen > 0) {
    process.stderr.write(`warning: ${seen} of ${X.rows} images are identical to images the model was trained on; its accuracy on them says little about new images\n`);
  }
  return seen;
}

/** Terminal columns taken by `s`: CJK characters are two columns wide. */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uff60]/.test(ch) ? 2 : 1;
  return w;
}

/** A fixed-width table: the first column left-aligned, the others right-aligned. */
function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => displayWidth(r[j]))));
  const pad = (cell: string, j: number) => {
    const fill = ' '.repeat(widths[j] - displayWidth(cell));
    return j === 0 ? cell + fill : fill + cell;
  };
  return rows.map((r) => r.map(pad).join('  ')).join('\n');
}

function predictLabelled(c: CharacterClassifier, opts: PredictCliOptions): void {
  const folder = loadCharacterFolder(opts.data, { width: c.width, height: c.height, skipBad: opts.skipBad, polarity: opts.polarity });
  reportWarnings(folder);
  const seenInTraining = warnTrainingImages(c, folder.X);
  // Folders are matched to the model's outputs by name: a folder holding some of the classes
  // is scored on those, and a folder the model never saw is an error, not a shifted label.
  const K = c.classNames.length;
  const outputOf = outputsForFolders(c, folder.classFolders, opts.data);
  const truth = Int32Array.from(folder.y, (label) => outputOf[label]);
  const predicted = classify(c, folder.X);
  const confusion = confusionMatrix(truth, predicted, K);
  const correct = confusion.reduce((s, row, t) => s + row[t], 0);
  const accuracy = correct / truth.length;
  const perClass = confusion.map((row, t) => {
    const total = row.reduce((s, v) => s + v, 0);
    return { class: c.classNames[t], folder: c.classFolders[t], total, correct: row[t], accuracy: total > 0 ? row[t] / total : null };
  });
  const dataSummary = summarizeImages(folder, { names: folder.classNames, folders: folder.classFolders });
  if (opts.json) {
    const predictions = folder.files.map((file, i) => ({ ...predictionRecord(c, file, predicted[i]), trueClass: c.classNames[truth[i]], trueFolder: c.classFolders[truth[i]] }));
    console.log(JSON.stringify({ accuracy, correct, total: truth.length, classNames: c.classNames, classFolders: c.classFolders, confusion, perClass, skipped: folder.skipped, seenInTraining, dataSummary, predictions }));
    return;
  }
  for (const line of describeDataSummary(dataSummary)) console.log(`data: ${line}`);
  console.log(`accuracy: ${(100 * accuracy).toFixed(1)}% (${correct} of ${truth.length} images)`);
  console.log('confusion matrix (rows: true class, columns: predicted class):');
  const header = ['', ...c.classNames, 'acc'];
  const rows = confusion.map((row, t) => [c.classNames[t], ...row.map(String), perClass[t].accuracy === null ? '-' : `${(100 * perClass[t].accuracy!).toFixed(0)}%`]);
  console.log(formatTable([header, ...rows]));
}

function predictFlat(c: CharacterClassifier, opts: PredictCliOptions): void {
  const images = loadImageFolder(opts.data, { width: c.width, height: c.height, skipBad: opts.skipBad, polarity: opts.polarity });
  reportWarnings(images);
  const seenInTraining = warnTrainingImages(c, images.X);
  const predicted = classify(c, images.X);
  const predictions = images.files.map((file, i) => predictionRecord(c, file, predicted[i]));
  const dataSummary = summarizeImages(images, null);
  if (opts.json) {
    console.log(JSON.stringify({ predictions, skipped: images.skipped, seenInTraining, dataSummary }));
    return;
  }
  // stdout keeps one "file<TAB>class" line per image for scripts; what the loader decided goes to stderr.
  for (const line of describeDataSummary(dataSummary)) process.stderr.write(`data: ${line}\n`);
  for (const p of predictions) console.log(`${p.file}\t${p.class}`);
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description('classify images with a model saved by `nnlab train --save`: accuracy and confusion matrix for a labelled folder (1..12), one class per file for a flat folder')
    .requiredOption('--model <file>', 'classifier JSON written by nnlab train --save')
    .requiredOption('--data <dir>', 'a course-layout folder, or a folder of images')
    .option('--skip-bad', 'skip unreadable or wrong-size images with a warning instead of stopping')
    .addOption(new Option('--polarity <p>', 'which way round the ink is').choices(['auto', 'dark-ink', 'light-ink']).default('auto'))
    .option('--json', 'print one JSON object on the last line')
    .action((opts: PredictCliOptions) => {
      const classifier = loadClassifier(opts.model);
      if (isLabelledFolder(opts.data)) predictLabelled(classifier, opts);
      else predictFlat(classifier, opts);
    });
}
