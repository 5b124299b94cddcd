/**
 * `nnlab data synth`: writes the built-in handwritten-character dataset to disk in exactly the
 * course layout (DIR/1/1.bmp … DIR/12/620.bmp, 28×28 1-bit BMPs, black ink on white), so that
 * everything that reads the course dataset can be tried without it.
 *
 * The images are written into a temporary folder beside DIR and renamed into place at the end:
 * an interrupted run never leaves a half-filled dataset that looks complete.
 */
import { Command, Option } from 'commander';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, parse, resolve, sep } from 'node:path';
import { homedir } from 'node:os';
import { removeStaleTemporaries, escapeRegExp } from '../util/io.js';
import { performance } from 'node:perf_hooks';
import { synthesizeCharacters, DEFAULT_GENERATOR, GENERATORS, GENERATOR_VERSIONS, MAX_DIFFICULTY, type GeneratorVersion } from '../data/synth.js';
import { encodeGrayBmp } from '../data/bmp.js';
import { parseGeneratorAndDifficulty, parseInteger, parseSeed } from './options.js';
import { isLabelledFolder, loadCharacterFolder, loadImageFolder, type Polarity } from '../data/loader.js';
import { describeDataSummary, polarityWarnings, summarizeImages } from '../data/summary.js';

/**
 * Generator seeds. Sample i of a character depends only on (seed, character, i), so a folder
 * written with the seed a training run generates from would hold that run's own training
 * images: `data synth` defaults to a seed that no training uses by default (train --synthetic
 * generates from seed 1, the notebooks from seed 0).
 */
export const DEFAULT_SYNTH_SEED = 1000;
export const DEFAULT_TRAIN_DATA_SEED = 1;
export const DEFAULT_PER_CLASS = 620;

/** Written beside the class folders (a dotfile, so the loader skips it): how the data was made. */
export const SYNTH_MANIFEST = '.nnlab-synth.json';

export interface WriteSynthOptions {
  out: string;
  perClass: number;
  seed: number;
  generator: GeneratorVersion;
  difficulty: number;
  /** Replace a non-empty `out` folder. */
  force: boolean;
}

/** Generates the dataset and writes it; returns the number of images and the seconds taken. */
function writeSyntheticDataset(o: WriteSynthOptions): { images: number; classes: number; seconds: number } {
  const t0 = performance.now();
  const out = checkOutFolder(o.out, o.force);
  const data = synthesizeCharacters({ perClass: o.perClass, seed: o.seed, difficulty: o.difficulty, generator: o.generator });
  const { width, height } = data;
  const dim = width * height;

  mkdirSync(dirname(out), { recursive: true });
  removeStaleTemporaries(dirname(out), new RegExp(`^\\.${escapeRegExp(basename(out))}\\.(?:tmp|old)-(\\d+)-\\d+$`));
  const stamp = `${process.pid}-${Date.now()}`;
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${stamp}`);
  try {
    mkdirSync(tmp);
    const gray = new Uint8Array(dim);
    for (let c = 0; c < data.classNames.length; c++) {
      const classDir = join(tmp, String(c + 1));
      mkdirSync(classDir);
      for (let i = 0; i < o.perClass; i++) {
        const row = data.X.row(c * o.perClass + i);
        for (let k = 0; k < dim; k++) gray[k] = row[k] > 0.5 ? 0 : 255; // black ink on white paper
        writeFileSync(join(classDir, `${i + 1}.bmp`), encodeGrayBmp({ width, height, gray }, { bitsPerPixel: 1 }));
      }
    }
    const manifest = {
      generator: 'nnlab data synth', source: 'hanzi-writer-data stroke medians',
      seed: o.seed, perClass: o.perClass, generatorVersion: o.generator, difficulty: o.difficulty, classNames: data.classNames, width, height,
    };
    writeFileSync(join(tmp, SYNTH_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    replaceFolder(tmp, out, stamp);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { images: data.X.rows, classes: data.classNames.length, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The absolute path of `--out`, once it is safe to write: never empty, the file-system root,
 * the home folder, the working folder or a folder above it (an empty path resolves to the
 * working folder, and `--force` used to empty it); an existing folder must be empty, or one
 * an earlier `nnlab data synth` wrote (it holds SYNTH_MANIFEST) when `force` is set.
 */
function checkOutFolder(given: string, force: boolean): string {
  if (given.trim() === '') throw new Error('--out: expected a folder to create, got an empty path');
  const out = resolve(given);
  const protectedFolders = [parse(out).root, homedir(), process.cwd()];
  const holds = (p: string) => out === p || (p + sep).startsWith(out + sep); // p is out or lies inside it
  if (protectedFolders.some(holds)) {
    throw new Error(`--out ${given}: refusing to write the dataset into ${out} (the root, home or working folder, or one above it); give a new folder such as ./chars`);
  }
  if (!existsSync(out)) return out;
  if (!statSync(out).isDirectory()) throw new Error(`--out ${given} exists and is not a folder`);
  if (readdirSync(out).length === 0) return out;
  if (!force) throw new Error(`--out ${given} is not empty; use --force to replace it`);
  if (!existsSync(join(out, SYNTH_MANIFEST))) {
    throw new Error(`--out ${given} was not written by nnlab data synth (it has no ${SYNTH_MANIFEST}); --force replaces only such a folder: choose another --out or remove it yourself`);
  }
  return out;
}

/** Puts the finished folder `from` at `to`, moving any old `to` aside first and deleting it after. */
function replaceFolder(from: string, to: string, stamp: string): void {
  if (!existsSync(to)) {
    renameSync(from, to);
    return;
  }
  const old = join(dirname(to), `.${basename(to)}.old-${stamp}`);
  renameSync(to, old);
  try {
    renameSync(from, to);
  } catch (err) {
    renameSync(old, to); // put the old data back rather than leave nothing
    throw err;
  }
  rmSync(old, { recursive: true, force: true });
}

export function registerData(program: Command): void {
  const data = program.command('data').description('datasets for the character-classification task');
  data
    .command('synth')
    .description('write the built-in handwritten dataset (12 characters, generated from hanzi-writer-data strokes) as 1-bit BMPs in the course layout DIR/1/1.bmp … DIR/12/N.bmp')
    .requiredOption('--out <dir>', 'folder to create')
    .option('--per-class <n>', 'images per character', String(DEFAULT_PER_CLASS))
    .option('--seed <s>', `random seed of the generator (default ${DEFAULT_SYNTH_SEED}: a seed training never uses by default, unlike train --synthetic's data seed ${DEFAULT_TRAIN_DATA_SEED} and the notebooks' 0, so predict on these images tests on new ones)`, String(DEFAULT_SYNTH_SEED))
    .option('--generator <n>', `generator version, ${GENERATOR_VERSIONS.join(' or ')} (${DEFAULT_GENERATOR}, the default, is calibrated to the course's real data; 1 is the easier data of earlier releases)`, String(DEFAULT_GENERATOR))
    .option('--difficulty <d>', `strength of the handwriting distortions, 0 (clean font skeleton) to ${MAX_DIFFICULTY} (default: the generator's, ${GENERATOR_VERSIONS.map((v) => `${GENERATORS[v].defaultDifficulty} for ${v}`).join(', ')})`)
    .option('--force', 'replace the folder if an earlier `nnlab data synth` wrote it (never any other folder)')
    .action((opts: { out: string; perClass: string; seed: string; generator: string; difficulty?: string; force?: boolean }) => {
      const r = writeSyntheticDataset({
        out: opts.out,
        perClass: parseInteger('--per-class', opts.perClass, 1),
        seed: parseSeed('--seed', opts.seed),
        ...parseGeneratorAndDifficulty(opts.generator, opts.difficulty),
        force: opts.force === true,
      });
      console.log(`wrote ${r.images} images (${r.classes} classes × ${r.images / r.classes}) to ${opts.out} in ${r.seconds.toFixed(1)} s`);
    });
  data
    .command('check')
    .description('read a folder as train and predict would and say what the loader decided: images per class, duplicates, polarity, skipped files')
    .requiredOption('--data <dir>', 'a course-layout folder (class folders 1..12), or a folder of images')
    .option('--skip-bad', 'skip unreadable or wrong-size images with a warning instead of stopping')
    .addOption(new Option('--polarity <p>', 'which way round the ink is').choices(['auto', 'dark-ink', 'light-ink']).default('auto'))
    .option('--json', 'print one JSON object on the last line')
    .action((opts: { data: string; skipBad?: boolean; polarity: Polarity; json?: boolean }) => {
      const options = { skipBad: opts.skipBad, polarity: opts.polarity };
      let summary;
      if (isLabelledFolder(opts.data)) {
        const folder = loadCharacterFolder(opts.data, options);
        summary = summarizeImages(folder, { names: folder.classNames, folders: folder.classFolders });
      } else {
        summary = summarizeImages(loadImageFolder(opts.data, options), null);
      }
      for (const w of polarityWarnings(summary.polarity)) process.stderr.write(`warning: ${w}\n`);
      if (opts.json) console.log(JSON.stringify(summary));
      else for (const line of describeDataSummary(summary)) console.log(line);
    });
}
