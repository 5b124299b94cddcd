import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { encodeGrayBmp, EncodeOptions } from '../lib/data/bmp.js';
import { loadCharacterFolder, loadImageFolder, isLabelledFolder, readCharacterImage } from '../lib/data/loader.js';
import { COURSE_CLASS_NAMES } from '../lib/data/classes.js';

const W = 28, H = 28;

/** A distinct binary "character" per (class, index): a few ink rectangles. Returns ink (1 = ink). */
function inkPattern(cls: number, index: number): Uint8Array {
  const ink = new Uint8Array(W * H);
  for (let y = 4; y < 24; y++) {
    for (let x = 4; x < 24; x++) {
      const stroke = (x + cls) % 7 === 0 || (y + index) % 9 === 0 || x === y + cls;
      if (stroke) ink[y * W + x] = 1;
    }
  }
  return ink;
}

/** Writes ink as a BMP: dark ink on white by default, or light ink on black. */
function writeInk(path: string, ink: Uint8Array, options: EncodeOptions & { lightInk?: boolean } = {}): void {
  const gray = Uint8Array.from(ink, (v) => (options.lightInk ? (v ? 255 : 0) : v ? 0 : 255));
  writeFileSync(path, encodeGrayBmp({ width: W, height: H, gray }, options));
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'nnlab-loader-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function freshDir(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('loadCharacterFolder', () => {
  it('reads every bit depth, both polarities and both row orders to the same ink values', () => {
    const dir = freshDir('depths');
    const variants: (EncodeOptions & { lightInk?: boolean })[] = [];
    for (const bitsPerPixel of [1, 4, 8, 24, 32] as const) {
      for (const lightInk of [false, true]) {
        for (const topDown of [false, true]) variants.push({ bitsPerPixel, lightInk, topDown });
      }
    }
    variants.push({ bitsPerPixel: 1, paletteOrder: 'light-first' }, { bitsPerPixel: 8, paletteOrder: 'light-first', lightInk: true });
    mkdirSync(join(dir, '1'));
    variants.forEach((v, i) => writeInk(join(dir, '1', `${i + 1}.bmp`), inkPattern(0, i), v));

    const data = loadCharacterFolder(dir);
    expect(data.X.rows).toBe(variants.length);
    expect(data.polarity).toMatchObject({ darkInk: variants.filter((v) => !v.lightInk).length, lightInk: variants.filter((v) => v.lightInk).length });
    variants.forEach((v, i) => {
      const expected = Array.from(inkPattern(0, i));
      expect(Array.from(data.X.row(i)), `variant ${JSON.stringify(v)}`).toEqual(expected);
    });
  });

  it('sorts class folders and files numerically, labels 0..K-1 and names classes by folder number', () => {
    const dir = freshDir('order');
    for (const folder of ['10', '2', '1']) {
      mkdirSync(join(dir, folder));
      for (const file of ['10', '9', '1']) writeInk(join(dir, folder, `${file}.bmp`), inkPattern(Number(folder), Number(file)));
    }
    writeFileSync(join(dir, '1', 'Thumbs.db'), 'windows thumbnail cache');
    writeFileSync(join(dir, '.DS_Store'), 'mac folder settings');

    const data = loadCharacterFolder(dir);
    expect(data.classFolders).toEqual(['1', '2', '10']);
    expect(data.classNames).toEqual([COURSE_CLASS_NAMES[0], COURSE_CLASS_NAMES[1], COURSE_CLASS_NAMES[9]]);
    expect(Array.from(data.y)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(data.classCounts).toEqual([3, 3, 3]);
    expect(data.files.map((f) => relative(dir, f).split(sep).join('/'))).toEqual(['1/1.bmp', '1/9.bmp', '1/10.bmp', '2/1.bmp', '2/9.bmp', '2/10.bmp', '10/1.bmp', '10/9.bmp', '10/10.bmp']);
    expect(Array.from(data.X.row(2))).toEqual(Array.from(inkPattern(1, 10)));
    expect(Array.from(data.X.row(8))).toEqual(Array.from(inkPattern(10, 10)));

    expect(loadCharacterFolder(dir, { classNames: ['a', 'b', 'c'] }).classNames).toEqual(['a', 'b', 'c']);
    expect(() => loadCharacterFolder(dir, { classNames: ['a', 'b'] })).toThrow(/classNames has 2 names, but the data folder has 3 class folders/);
  });

  it('keeps grey levels, and lets an option override the polarity', () => {
    const dir = freshDir('grey');
    mkdirSync(join(dir, '1'));
    const gray = new Uint8Array(W * H).fill(255);
    gray[100] = 0;
    gray[101] = 51;
    writeFileSync(join(dir, '1', '1.bmp'), encodeGrayBmp({ width: W, height: H, gray }, { bitsPerPixel: 8 }));
    const auto = loadCharacterFolder(dir);
    expect(auto.X.get(0, 100)).toBe(1);
    expect(auto.X.get(0, 101)).toBeCloseTo(0.8, 12);
    expect(auto.X.get(0, 0)).toBe(0);
    const forced = loadCharacterFolder(dir, { polarity: 'light-ink' });
    expect(forced.X.get(0, 0)).toBe(1);
    expect(forced.X.get(0, 100)).toBe(0);
  });

  it('reads another image size when asked', () => {
    const dir = freshDir('size');
    mkdirSync(join(dir, '1'));
    writeFileSync(join(dir, '1', '1.bmp'), encodeGrayBmp({ width: 5, height: 3, gray: new Uint8Array(15).fill(255) }, { bitsPerPixel: 1 }));
    expect(loadCharacterFolder(dir, { width: 5, height: 3 }).X.cols).toBe(15);
    expect(() => loadCharacterFolder(dir)).toThrow(/1\.bmp: image is 5x3, expected 28x28/);
  });
});

describe('loadCharacterFolder on bad input', () => {
  /** A valid two-class folder with one bad thing added by `spoil`. */
  function spoiled(name: string, spoil: (dir: string) => void): string {
    const dir = freshDir(name);
    for (const c of ['1', '2']) {
      mkdirSync(join(dir, c));
      for (const f of [1, 2]) writeInk(join(dir, c, `${f}.bmp`), inkPattern(Number(c), f));
    }
    spoil(dir);
    return dir;
  }

  const good = () => encodeGrayBmp({ width: W, height: H, gray: new Uint8Array(W * H).fill(255) }, { bitsPerPixel: 1 });
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['truncated', (d) => writeFileSync(join(d, '2', '3.bmp'), good().subarray(0, 80)), /2[/\\]3\.bmp: truncated BMP/],
    ['corrupt', (d) => writeFileSync(join(d, '2', '3.bmp'), Uint8Array.from([0x42, 0x4d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])), /2[/\\]3\.bmp: (unsupported BMP info header|truncated)/],
    ['non-image', (d) => writeFileSync(join(d, '1', 'notes.txt'), 'not a picture'), /1[/\\]notes\.txt: not a BMP file/],
    ['empty file', (d) => writeFileSync(join(d, '1', '3.bmp'), ''), /1[/\\]3\.bmp: empty file/],
    ['wrong size', (d) => writeFileSync(join(d, '1', '3.bmp'), encodeGrayBmp({ width: 32, height: 32, gray: new Uint8Array(1024) })), /1[/\\]3\.bmp: image is 32x32, expected 28x28/],
    ['empty class folder', (d) => mkdirSync(join(d, '3')), /[/\\]3: class folder is empty/],
    ['non-numeric class folder', (d) => mkdirSync(join(d, 'extra')), /[/\\]extra: class folder name 'extra' is not a number/],
    ['stray file', (d) => writeFileSync(join(d, 'labels.csv'), 'a,b'), /labels\.csv: unexpected file in the data folder/],
  ];

  for (const [what, spoil, message] of cases) {
    it(`${what}: throws naming the file, or skips it with a warning under skipBad`, () => {
      const dir = spoiled(what.replace(/ /g, '-'), spoil);
      expect(() => loadCharacterFolder(dir)).toThrow(message);
      const data = loadCharacterFolder(dir, { skipBad: true });
      expect(data.X.rows).toBe(4);
      expect(data.warnings).toHaveLength(1);
      expect(data.warnings[0]).toMatch(message);
    });
  }

  it('counts every skipped file', () => {
    const dir = spoiled('many-bad', (d) => {
      writeFileSync(join(d, '1', '7.bmp'), 'junk');
      writeFileSync(join(d, '2', '8.bmp'), 'junk');
    });
    const data = loadCharacterFolder(dir, { skipBad: true });
    expect(data.skipped).toBe(2);
    expect(data.warnings).toHaveLength(2);
  });

  it('names a missing folder, a file given as folder, and a folder without class folders', () => {
    expect(() => loadCharacterFolder(join(root, 'no-such-folder'))).toThrow(/data folder .*no-such-folder does not exist/);
    const file = join(root, 'plain.txt');
    writeFileSync(file, 'x');
    expect(() => loadCharacterFolder(file)).toThrow(/plain\.txt is not a folder/);
    expect(() => loadCharacterFolder(freshDir('empty'))).toThrow(/no class folders found/);
  });
});

describe('flat image folders', () => {
  it('loads a folder of images in numeric order and tells it apart from a labelled folder', () => {
    const dir = freshDir('flat');
    for (const f of [3, 20, 1]) writeInk(join(dir, `${f}.bmp`), inkPattern(0, f), { bitsPerPixel: 8 });
    const images = loadImageFolder(dir);
    expect(images.files.map((f) => f.slice(dir.length + 1))).toEqual(['1.bmp', '3.bmp', '20.bmp']);
    expect(Array.from(images.X.row(2))).toEqual(Array.from(inkPattern(0, 20)));
    expect(isLabelledFolder(dir)).toBe(false);
    mkdirSync(join(dir, '1'));
    expect(isLabelledFolder(dir)).toBe(true);
  });

  it('readCharacterImage reports which way round the ink was', () => {
    const path = join(freshDir('single'), 'x.bmp');
    writeInk(path, inkPattern(1, 1), { lightInk: true, bitsPerPixel: 24 });
    const { pixels, lightInk } = readCharacterImage(path);
    expect(lightInk).toBe(true);
    expect(Array.from(pixels)).toEqual(Array.from(inkPattern(1, 1)));
  });
});
