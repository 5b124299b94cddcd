/**
 * Reads the course's handwritten-character dataset from disk.
 *
 * Layout: one folder per class, named by number (`1`..`12`), each holding images `1.bmp`,
 * `2.bmp`, …. Class folders are taken in numeric order and labelled 0..K−1; files are taken in
 * numeric order too (`2.bmp` before `10.bmp`), so a run is reproducible on any file system.
 * A folder's number is its class: folder n holds the n-th class of the dataset's list (the
 * course's twelve characters by default), so `0`, `13`, or `07` beside `7` are errors rather
 * than a silently renumbered class. Labels 0..K−1 follow the folders present; `classFolders`
 * says which folder each label came from, and that (not the label) is what a saved classifier
 * keeps to match folders at prediction time.
 *
 * Every image becomes one row of X with values in [0, 1] and **ink = 1**, whatever the file's
 * polarity: the course files are black ink on white paper, but a scan or an export may be the
 * other way round. 'auto' decides by evidence, not by the border alone (a crop from a 田字格
 * grid keeps a dark frame line on bright paper): paper covers most of a character image, so an
 * image whose pixels are mostly dark has dark paper and light ink. An image that is close to
 * half dark (heavy ink, a frame) says little on its own and follows the majority of the
 * confident images of its folder; ImageSet.polarity counts the decisions, so that the commands
 * can show them and warn when images disagree or were marginal.
 *
 * Bad input (a truncated or corrupt BMP, a file that is not an image, an image of the wrong size,
 * an empty or non-numeric class folder, a symbolic link that leads out of the data folder) throws
 * an error naming the file; with `skipBad` it becomes a warning instead and the file is left out.
 */
import { closeSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { Matrix } from '../nn/matrix.js';
import { bmpRowStride, decodeBmp, luminance, readBmpHeader, MAX_BMP_HEADER_BYTES } from './bmp.js';
import { COURSE_CLASS_NAMES, IMAGE_HEIGHT, IMAGE_WIDTH } from './classes.js';
import { openRegularFile } from '../util/io.js';
import { inkFromLuminance, type Polarity } from './preprocess.js';

export { darkShare, type Polarity } from './preprocess.js';

export interface LoadOptions {
  /** Names for the class folders in numeric order; default the course's twelve characters. */
  classNames?: readonly string[];
  polarity?: Polarity;
  /** Leave bad files and folders out with a warning instead of throwing. */
  skipBad?: boolean;
  width?: number;
  height?: number;
}

export interface ImageSet {
  /** N×(width·height), values in [0, 1], ink = 1. */
  X: Matrix;
  /** Path of each row's file. */
  files: string[];
  /** One line per skipped file or folder (only with skipBad). */
  warnings: string[];
  /** Number of files left out (only with skipBad). */
  skipped: number;
  /** How the images were read: see PolarityDecisions. */
  polarity: PolarityDecisions;
  width: number;
  height: number;
}

/** What the loader decided about the ink of a set of images. */
export interface PolarityDecisions {
  /** The --polarity asked for: with 'auto' the counts below are decisions, otherwise all one way. */
  mode: Polarity;
  /** Images read as dark ink on light paper, and as light ink on dark paper. */
  darkInk: number;
  lightInk: number;
  /** 'auto': images too close to half dark to decide alone, which followed the folder's majority. */
  marginal: number;
  /** 'auto': images decided confidently against the folder's majority (a mixed folder, or a mistake). */
  againstMajority: number;
}

/**
 * An image whose dark share is within this of ½ is marginal: 0.35..0.65 dark. Measured on 1200
 * generated characters (seed 1), ink covers at most 0.30 of the image at the default difficulty
 * and 0.49 at the largest; a 1-px frame adds 108 of 784 pixels (0.14) at 28×28.
 */
export const MARGINAL_POLARITY = 0.15;

export interface CharacterFolder extends ImageSet {
  y: Int32Array;
  classNames: string[];
  /** The class folder names in label order, e.g. ['1', '2', …, '12'] (a folder's number is its class). */
  classFolders: string[];
  /** Images per class, in label order. */
  classCounts: number[];
}

/** Files an operating system leaves in image folders; they are not part of the dataset. */
const SYSTEM_FILES = new Set(['thumbs.db', 'desktop.ini', '.ds_store']);

const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Throws unless `path` (after following symbolic links) lies strictly inside `root` (already a
 * real path): a link such as `13 -> .` or `1 -> /home` would otherwise read images from
 * somewhere else, or the same images twice, as if they were a class of their own.
 */
function checkInside(root: string, path: string): void {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (err) {
    throw new Error(`${path}: cannot be resolved: ${(err as Error).message}`);
  }
  if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new Error(`${path}: is a symbolic link to ${real}, which is not inside the data folder ${root}; copy the files in instead`);
  }
}

/** The real path of a data folder (symbolic links resolved), or the error listDirectory would give. */
function realFolder(dir: string, what: string): string {
  listDirectory(dir, what); // the clear error for a missing folder or a file
  return realpathSync(dir);
}

function listDirectory(dir: string, what: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${what} ${dir} does not exist`);
    if (code === 'ENOTDIR') throw new Error(`${what} ${dir} is not a folder`);
    throw new Error(`${what} ${dir} cannot be read: ${(err as Error).message}`);
  }
  return entries.filter((name) => !name.startsWith('.') && !SYSTEM_FILES.has(name.toLowerCase())).sort(naturalOrder);
}

/**
 * The class number of folder `name`: a positive whole number, leading zeros allowed (`07` is
 * class 7). Returns null for anything else.
 */
function classNumber(name: string): number | null {
  return /^\d+$/.test(name) && Number(name) >= 1 ? Number(name) : null;
}

/** True when `dir` holds class folders (the labelled layout) rather than images directly. */
export function isLabelledFolder(dir: string): boolean {
  return listDirectory(dir, 'data folder').some((name) => /^\d+$/.test(name) && isDirectory(join(dir, name)));
}

/**
 * Reads one character image as a row of ink values. Throws an error naming `path` for anything
 * that is not a width×height BMP. `darkShare` is the image's evidence for 'auto' (see below);
 * alone, 'auto' reads an image with more dark pixels than light ones as light ink.
 */
export function readCharacterImage(
  path: string,
  options: { width?: number; height?: number; polarity?: Polarity } = {},
): { pixels: Float64Array; lightInk: boolean; darkShare: number } {
  const width = options.width ?? IMAGE_WIDTH, height = options.height ?? IMAGE_HEIGHT;
  const bytes = readImageFile(path, width, height);
  if (bytes.length === 0) throw new Error(`${path}: empty file, expected a BMP image`);
  const image = decodeBmp(bytes, path, { width, height });
  return inkFromLuminance(luminance(image), options.polarity);
}

/**
 * The bytes of an image file, read whole only when its size is plausible for a width×height
 * BMP: a larger file gets its headers read, so that a 40000×40000 image fails with its size
 * (or the file with its length) before hundreds of megabytes are read.
 */
function readImageFile(path: string, width: number, height: number): Uint8Array {
  let fd: number, size: number;
  try {
    ({ fd, size } = openRegularFile(path)); // a FIFO or a device is refused before it is read
  } catch (err) {
    throw new Error(`${path}: cannot be read: ${(err as Error).message}`);
  }
  try {
    // Headers, palette and 32-bit rows, plus room for a gap before the pixels or trailing bytes.
    const plausible = MAX_BMP_HEADER_BYTES + bmpRowStride(width, 32) * height + 65536;
    if (size <= plausible) return readFileSync(fd);
    const head = new Uint8Array(MAX_BMP_HEADER_BYTES);
    const got = readSync(fd, head, 0, head.length, 0);
    const header = readBmpHeader(head.subarray(0, got), path);
    if (header.width !== width || header.height !== height) throw new Error(`${path}: image is ${header.width}x${header.height}, expected ${width}x${height}`);
    throw new Error(`${path}: file is ${size} bytes, more than a ${width}x${height} BMP takes (at most ${plausible})`);
  } catch (err) {
    if ((err as Error).message.startsWith(path)) throw err;
    throw new Error(`${path}: cannot be read: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/** Collects images into an ImageSet, turning per-file errors into warnings when `skipBad` is set. */
class ImageCollector {
  readonly rows: Float64Array[] = [];
  readonly files: string[] = [];
  readonly warnings: string[] = [];
  /** Per row: read as light ink, and the dark share it was decided on. */
  readonly lightInk: boolean[] = [];
  readonly darkShares: number[] = [];
  skipped = 0;

  constructor(private readonly options: LoadOptions) {}

  /** Reads `path`, which must lie inside the data folder `root`; returns false if it was skipped. */
  add(path: string, root: string): boolean {
    try {
      checkInside(root, path);
      const { pixels, lightInk, darkShare } = readCharacterImage(path, this.options);
      this.rows.push(pixels);
      this.files.push(path);
      this.lightInk.push(lightInk);
      this.darkShares.push(darkShare);
      return true;
    } catch (err) {
      this.problem((err as Error).message);
      this.skipped++;
      return false;
    }
  }

  /** Throws `message`, or records it as a warning with skipBad. */
  problem(message: string): void {
    if (!this.options.skipBad) throw new Error(message);
    this.warnings.push(message);
  }

  /**
   * With 'auto', a marginal image (dark share within MARGINAL_POLARITY of ½) takes the majority
   * decision of the confident ones, and is turned over (ink = 1 − ink) if that differs.
   */
  private decidePolarity(): PolarityDecisions {
    const mode = this.options.polarity ?? 'auto';
    const marginal = (k: number) => Math.abs(this.darkShares[k] - 0.5) < MARGINAL_POLARITY;
    let confidentLight = 0, confidentDark = 0, marginalCount = 0;
    this.rows.forEach((_, k) => {
      if (mode !== 'auto') return;
      if (marginal(k)) marginalCount++;
      else if (this.lightInk[k]) confidentLight++;
      else confidentDark++;
    });
    const majorityLight = confidentLight > confidentDark;
    if (mode === 'auto' && confidentLight + confidentDark > 0) {
      this.rows.forEach((row, k) => {
        if (!marginal(k) || this.lightInk[k] === majorityLight) return;
        for (let j = 0; j < row.length; j++) row[j] = 1 - row[j];
        this.lightInk[k] = majorityLight;
      });
    }
    const lightInk = this.lightInk.filter(Boolean).length;
    return {
      mode, darkInk: this.rows.length - lightInk, lightInk, marginal: marginalCount,
      againstMajority: Math.min(confidentLight, confidentDark),
    };
  }

  finish(): ImageSet {
    const width = this.options.width ?? IMAGE_WIDTH, height = this.options.height ?? IMAGE_HEIGHT;
    const polarity = this.decidePolarity();
    const X = new Matrix(this.rows.length, width * height);
    this.rows.forEach((row, i) => X.data.set(row, i * width * height));
    return { X, files: this.files, warnings: this.warnings, skipped: this.skipped, polarity, width, height };
  }
}

/** Loads a labelled folder in the course layout (class folders 1..K of numbered BMPs). */
export function loadCharacterFolder(dir: string, options: LoadOptions = {}): CharacterFolder {
  const collector = new ImageCollector(options);
  const root = realFolder(dir, 'data folder');
  const classFolders = findClassFolders(dir, root, options, collector);
  if (classFolders.length === 0) throw new Error(`${dir}: no class folders found, expected subfolders named 1, 2, 3, … holding .bmp images`);

  const classNames = classNamesFor(dir, classFolders, options.classNames);
  const labels: number[] = [];
  const classCounts: number[] = [];
  classFolders.forEach((folder, label) => {
    const folderPath = join(dir, folder);
    const files = listDirectory(folderPath, 'class folder');
    let count = 0;
    for (const file of files) {
      if (collector.add(join(folderPath, file), root)) {
        labels.push(label);
        count++;
      }
    }
    if (files.length === 0) collector.problem(`${folderPath}: class folder is empty, expected .bmp images`);
    classCounts.push(count);
  });

  const images = collector.finish();
  if (images.X.rows === 0) throw new Error(`${dir}: no readable images found${images.warnings.length ? ` (${images.warnings.length} problems, first: ${images.warnings[0]})` : ''}`);
  return { ...images, y: Int32Array.from(labels), classNames, classFolders, classCounts };
}

/**
 * The class folders of `dir` in numeric order, each checked: a folder (not a file), a class
 * number, inside the data folder, and not a second spelling of a number already seen.
 */
function findClassFolders(dir: string, root: string, options: LoadOptions, collector: ImageCollector): string[] {
  const byNumber = new Map<number, string>();
  for (const name of listDirectory(dir, 'data folder')) {
    const path = join(dir, name);
    if (!isDirectory(path)) {
      collector.problem(`${path}: unexpected file in the data folder, expected only class folders named 1, 2, 3, …`);
      continue;
    }
    const n = classNumber(name);
    if (n === null) {
      collector.problem(/^\d+$/.test(name)
        ? `${path}: class folder '${name}' is not a class number; classes are numbered from 1`
        : `${path}: class folder name '${name}' is not a number, expected folders named 1, 2, 3, …`);
      continue;
    }
    try {
      checkInside(root, path);
    } catch (err) {
      collector.problem((err as Error).message);
      continue;
    }
    const earlier = byNumber.get(n);
    if (earlier !== undefined) {
      // Not a skippable problem: which of the two holds class n is anyone's guess.
      throw new Error(`${path}: class folders '${earlier}' and '${name}' both name class ${n}; merge or rename one`);
    }
    byNumber.set(n, name);
  }
  const numbers = [...byNumber.keys()].sort((a, b) => a - b);
  // With the default list (the course's), folder 13 is no class of it, not a thirteenth character.
  const outside = options.classNames === undefined ? numbers.find((n) => n > COURSE_CLASS_NAMES.length) : undefined;
  if (outside !== undefined) {
    throw new Error(`${join(dir, byNumber.get(outside)!)}: class folder ${outside} is outside the dataset's classes 1..${COURSE_CLASS_NAMES.length} (${COURSE_CLASS_NAMES.join(' ')})`);
  }
  return numbers.map((n) => byNumber.get(n)!);
}

/** Loads every image of a flat folder (no class folders), e.g. new samples to classify. */
export function loadImageFolder(dir: string, options: LoadOptions = {}): ImageSet {
  const collector = new ImageCollector(options);
  const root = realFolder(dir, 'image folder');
  for (const name of listDirectory(dir, 'image folder')) {
    const path = join(dir, name);
    if (isDirectory(path)) {
      collector.problem(`${path}: unexpected folder among the images`);
      continue;
    }
    collector.add(path, root);
  }
  const images = collector.finish();
  if (images.X.rows === 0) throw new Error(`${dir}: no readable images found`);
  return images;
}

/**
 * Class names for the folders in label order. An explicit list must name every folder present;
 * by default folder n gets the course's n-th character.
 */
function classNamesFor(dir: string, classFolders: string[], names: readonly string[] | undefined): string[] {
  if (names !== undefined) {
    if (names.length !== classFolders.length) {
      throw new Error(`classNames has ${names.length} names, but the data folder has ${classFolders.length} class folders (${classFolders.join(', ')}) in ${dir}`);
    }
    return [...names];
  }
  return classFolders.map((folder) => COURSE_CLASS_NAMES[Number(folder) - 1]);
}
