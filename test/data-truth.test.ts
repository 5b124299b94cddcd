/**
 * Issue 26: the data path tells the truth. Each case is built from images made here (a frame
 * drawn on generated characters, an alpha BMP written byte by byte, a class folder of copies),
 * and each gave a wrong answer with exit 0, or a message hiding the cause, before the fix.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesizeCharacters } from '../lib/data/synth.js';
import { decodeBmp, encodeGrayBmp } from '../lib/data/bmp.js';
import { loadCharacterFolder } from '../lib/data/loader.js';
import { splitDataset } from '../lib/data/split.js';
import { polarityWarnings } from '../lib/data/summary.js';
import { trainClassifier, CHARACTER_BASELINE } from '../lib/recipe.js';
import { Matrix } from '../lib/nn/matrix.js';
import { loadLabData } from '../lib/experiments/data.js';
import { getProfile } from '../lib/experiments/profile.js';
import { runNnlab, runNnlabJson } from './cli-helpers.js';

const W = 28, H = 28;
const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(REPO, 'bin', 'nnlab.js');

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(join(tmpdir(), 'nnlab-truth-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** 0..255 grey levels of a generated character: black ink (0) on white paper (255). */
function grayOf(row: Float64Array): Uint8Array {
  return Uint8Array.from(row, (v) => (v > 0.5 ? 0 : 255));
}

/** A 1-px frame line around the image, as on a cell cropped from a 田字格 practice grid; dotted: every other pixel. */
function drawFrame(gray: Uint8Array, level: number, dotted: boolean): Uint8Array {
  const g = gray.slice();
  for (let k = 0; k < W; k++) {
    if (dotted && k % 2 === 1) continue;
    g[k] = g[(H - 1) * W + k] = g[k * W] = g[k * W + W - 1] = level;
  }
  return g;
}

/** A 32-bit BMP (bottom-up): ink opaque black, paper transparent (alpha 0), as drawing apps export. */
function alphaBmp(gray: Uint8Array, header: 40 | 108, paperAlpha = 0): Uint8Array {
  const infoSize = header, offset = 14 + infoSize, stride = W * 4, size = offset + stride * H;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42; bytes[1] = 0x4d;
  view.setUint32(2, size, true);
  view.setUint32(10, offset, true);
  view.setUint32(14, infoSize, true);
  view.setInt32(18, W, true);
  view.setInt32(22, H, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, 32, true);
  view.setUint32(30, header === 108 ? 3 : 0, true); // V4: BITFIELDS with an alpha mask; 40: plain 32-bit
  view.setUint32(34, stride * H, true);
  if (header === 108) {
    view.setUint32(54, 0x00ff0000, true);
    view.setUint32(58, 0x0000ff00, true);
    view.setUint32(62, 0x000000ff, true);
    view.setUint32(66, 0xff000000, true);
  }
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = offset + (H - 1 - y) * stride + 4 * x;
      const ink = gray[y * W + x] === 0;
      bytes[p] = bytes[p + 1] = bytes[p + 2] = 0; // transparent pixels keep black colour values
      bytes[p + 3] = ink ? 255 : paperAlpha;
    }
  }
  return bytes;
}

interface FolderSpec {
  perClass: number;
  /** Class folder numbers to write (default 1..12). */
  folders?: number[];
  /** The file of one image, from its grey levels. */
  encode?: (gray: Uint8Array, k: number) => Uint8Array;
  /** A class folder holding copies of its first image only. */
  copiesIn?: number;
  /** Write the images of these folders into one flat folder instead. */
  flat?: boolean;
  seed?: number;
}

/** Writes generated characters in the course layout (or flat) under tmp/name; returns the folder. */
function writeFolder(name: string, spec: FolderSpec): string {
  const dir = join(tmp, name);
  const data = synthesizeCharacters({ perClass: spec.perClass, seed: spec.seed ?? 1000 });
  const encode = spec.encode ?? ((g: Uint8Array) => encodeGrayBmp({ width: W, height: H, gray: g }, { bitsPerPixel: 1 }));
  for (const folder of spec.folders ?? Array.from({ length: 12 }, (_, k) => k + 1)) {
    const out = spec.flat ? dir : join(dir, String(folder));
    mkdirSync(out, { recursive: true });
    for (let i = 0; i < spec.perClass; i++) {
      const k = (folder - 1) * spec.perClass + (spec.copiesIn === folder ? 0 : i);
      writeFileSync(join(out, spec.flat ? `${folder}-${i + 1}.bmp` : `${i + 1}.bmp`), encode(grayOf(data.X.row(k)), i));
    }
  }
  return dir;
}

const plainBmp = (g: Uint8Array) => encodeGrayBmp({ width: W, height: H, gray: g }, { bitsPerPixel: 1 });
const invertedBmp = (g: Uint8Array) => plainBmp(Uint8Array.from(g, (v) => 255 - v));

describe('polarity by evidence (case 1)', () => {
  it('reads a framed and a dotted-frame set as dark ink, exactly as --polarity dark-ink does', () => {
    for (const dotted of [false, true]) {
      const dir = writeFolder(dotted ? 'dotted' : 'framed', { perClass: 6, encode: (g) => plainBmp(drawFrame(g, 0, dotted)) });
      const auto = loadCharacterFolder(dir);
      const explicit = loadCharacterFolder(dir, { polarity: 'dark-ink' });
      expect(auto.polarity).toMatchObject({ mode: 'auto', darkInk: 72, lightInk: 0, againstMajority: 0 });
      expect(Array.from(auto.X.data)).toEqual(Array.from(explicit.X.data));
    }
  });

  it('reads light ink on dark paper with a light frame line as light ink', () => {
    const dir = writeFolder('framed-inverted', { perClass: 4, encode: (g) => invertedBmp(drawFrame(g, 0, false)) });
    const auto = loadCharacterFolder(dir);
    expect(auto.polarity).toMatchObject({ darkInk: 0, lightInk: 48 });
    expect(Array.from(auto.X.data)).toEqual(Array.from(loadCharacterFolder(dir, { polarity: 'light-ink' }).X.data));
  });

  it('warns when images disagree with the folder\'s majority, and when decisions were marginal', () => {
    const mixed = writeFolder('mixed', { perClass: 4, encode: (g, i) => (i === 0 ? invertedBmp(g) : plainBmp(g)) });
    const folder = loadCharacterFolder(mixed);
    expect(folder.polarity).toMatchObject({ darkInk: 36, lightInk: 12, againstMajority: 12 });
    expect(polarityWarnings(folder.polarity).join('\n')).toMatch(/12 image\(s\) look the other way round from the folder's majority/);
    const framed = loadCharacterFolder(join(tmp, 'framed'));
    expect(framed.polarity.marginal).toBeGreaterThan(0); // a frame makes some images close to half dark
    expect(polarityWarnings(framed.polarity).join('\n')).toMatch(/close to half dark .* read like the folder's majority/);
  });

  it('a model scores on a framed set within 2 points of --polarity dark-ink, and train/predict print the decisions', async () => {
    const model = join(tmp, 'model.json');
    const trained = await runNnlab('train', '--synthetic', '--per-class', '100', '--epochs', '8', '--save', model);
    expect(trained.stdout.join('\n')).toMatch(/images per class \(training \/ validation \/ test\):\n.*博 \(folder 1\) 80\/20\/0/);
    for (const name of ['framed', 'dotted']) {
      const auto = await runNnlabJson('predict', '--model', model, '--data', join(tmp, name), '--json');
      const dark = await runNnlabJson('predict', '--model', model, '--data', join(tmp, name), '--polarity', 'dark-ink', '--json');
      expect(Math.abs(auto.accuracy - dark.accuracy)).toBeLessThanOrEqual(0.02);
      expect(auto.accuracy).toBeGreaterThan(0.2); // the model learned something: a real comparison, not 0 against 0
      expect(auto.dataSummary.polarity).toMatchObject({ mode: 'auto', darkInk: 72, lightInk: 0 });
    }
    const shown = await runNnlab('predict', '--model', model, '--data', join(tmp, 'framed'));
    expect(shown.stdout.join('\n')).toMatch(/data: polarity \(auto.*\): 72 read as dark ink on light paper, 0 as light ink/);
  });
});

describe('the notebooks show what the loader decided', () => {
  it('loadLabData (the banner of startLab, the notebooks\' first cell) carries the summary and its lines', () => {
    const lab = loadLabData({ ...getProfile('quick'), maxPerClass: null }, { dir: join(tmp, 'framed') });
    expect(lab.summary.classes[2]).toEqual({ class: '笃', folder: '3', train: 5, validation: 1, test: 0 });
    const text = lab.summaryLines.join('\n');
    expect(text).toMatch(/polarity \(auto.*\): 72 read as dark ink on light paper, 0 as light ink/);
    expect(text).toMatch(/warning: polarity: \d+ image\(s\) are close to half dark/);
    expect(text).toMatch(/duplicates: none/);
  });
});

describe('32-bit BMP with alpha (case 2)', () => {
  it('composites transparent paper over white, for a plain 32-bit and a V4 BITFIELDS header', () => {
    const gray = new Uint8Array(W * H).fill(255);
    gray[0] = 0;
    for (const header of [40, 108] as const) {
      const { rgb } = decodeBmp(alphaBmp(gray, header), `alpha-${header}`);
      expect(Array.from(rgb.subarray(0, 3))).toEqual([0, 0, 0]); // opaque black ink
      expect(Array.from(rgb.subarray(3, 6))).toEqual([255, 255, 255]); // transparent black paper → white
      // Half transparent black over white: 255·(255 − 128)/255 = 127.
      expect(Array.from(decodeBmp(alphaBmp(gray, header, 128)).rgb.subarray(3, 6))).toEqual([127, 127, 127]);
    }
  });

  it('leaves a 32-bit image whose alpha byte is 0 everywhere as it is (opaque)', () => {
    const bytes = alphaBmp(new Uint8Array(W * H).fill(255), 40);
    for (let p = 54; p < bytes.length; p += 4) { bytes[p] = bytes[p + 1] = bytes[p + 2] = 200; bytes[p + 3] = 0; }
    expect(Array.from(decodeBmp(bytes).rgb.subarray(0, 6))).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('loads a folder of alpha exports as the same ink values as the 1-bit originals', () => {
    const alpha = loadCharacterFolder(writeFolder('alpha', { perClass: 3, encode: (g) => alphaBmp(g, 40) }));
    const plain = loadCharacterFolder(writeFolder('plain', { perClass: 3 }));
    expect(alpha.X.rows).toBe(36);
    expect(Array.from(alpha.X.data)).toEqual(Array.from(plain.X.data));
  });
});

/** n rows per class, all distinct; `copies` rows of class 0 made identical to its row 0. */
function labelled(numClasses: number, perClass: number, copies = 0) {
  const X = new Matrix(numClasses * perClass, 4);
  const y = new Int32Array(numClasses * perClass);
  for (let i = 0; i < y.length; i++) {
    y[i] = Math.floor(i / perClass);
    X.set(i, 0, i);
    X.set(i, 1, (i * 7) % 5);
  }
  for (let i = 1; i < copies; i++) X.row(i).set(X.row(0));
  return { X, y, classNames: Array.from({ length: numClasses }, (_, c) => `c${c}`) };
}

describe('the split keeps every class in every part (cases 3 and 4)', () => {
  it('leaves ordinary data split exactly as before (indices recorded with the split before issue 26)', () => {
    // Generated characters with 6 copies in groups of 2 and 3 (as in real data): the split's
    // row indices depend only on which rows are identical, not on the pixel values themselves.
    const recorded: [number, number, string][] = [
      [0.2, 0, '1bec84f0c696e73cc243f685a6233339c1e84dc3a6489ba4ae2dae2fa7abf146'],
      [0.2, 0.1, 'abd857b156e67372bfd7191ffcdd5c406a137779dcc73201eec4894a6625f6db'],
      [0.05, 0.05, '7d9de1a4b73c3ac271185495f3ea64e89f8360864037f2b818120574b0f685f7'],
    ];
    for (const [valFraction, testFraction, digest] of recorded) {
      const data = synthesizeCharacters({ perClass: 100, seed: 1 });
      for (const [from, to] of [[0, 1], [150, 151], [150, 152], [420, 425], [999, 1000], [1100, 1101]]) data.X.row(to).set(data.X.row(from));
      const s = splitDataset(data, { valFraction, testFraction, seed: 5 });
      expect(s.duplicates).toBe(6);
      const h = createHash('sha256');
      for (const a of [s.trainIndices, s.valIndices, s.testIndices]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      expect(h.digest('hex')).toBe(digest);
    }
  });

  it('keeps a group of copies larger than the validation quota in training', () => {
    const data = labelled(2, 20, 8); // class 0: 8 copies of one image and 12 others; quota round(0.2·20) = 4
    let flagged = 0;
    for (let seed = 0; seed < 20; seed++) {
      const s = splitDataset(data, { valFraction: 0.2, seed });
      const train = new Set(s.trainIndices);
      expect([0, 1, 2, 3, 4, 5, 6, 7].every((i) => train.has(i))).toBe(true);
      expect(s.yVal.filter((v) => v === 0).length).toBe(4);
      flagged += s.duplicateHandling.keptInTrainTooLarge;
    }
    expect(flagged).toBeGreaterThan(0);
  });

  it('stops, naming the class and the counts, when a class folder holds copies of one image', async () => {
    const dir = writeFolder('copies', { perClass: 10, copiesIn: 3 });
    const folder = loadCharacterFolder(dir);
    expect(() => splitDataset(folder, { valFraction: 0.2, seed: 0 })).toThrow(
      /class 笃 \(folder 3\) has no validation image: its 10 image\(s\), which are only 1 distinct image\(s\) .* split as 10 training \/ 0 validation \/ 0 test/,
    );
    await expect(runNnlab('train', '--data', dir, '--epochs', '1')).rejects.toThrow(/class 笃 \(folder 3\) has no validation image/);
  });

  it('names the option, the class and the rounding when a fraction rounds to no image', async () => {
    expect(() => splitDataset(labelled(2, 30), { valFraction: 0.2, testFraction: 0.01, seed: 0, optionNames: { testFraction: '--test-fraction' } }))
      .toThrow(/--test-fraction 0\.01 gives class c0 no test image: it has 30 image\(s\) and round\(0\.01 × 30\) = 0/);
    await expect(runNnlab('train', '--synthetic', '--per-class', '30', '--test-fraction', '0.01', '--epochs', '1')).rejects.toThrow(/--test-fraction 0\.01 gives class 博 \(folder 1\)|--test-fraction 0\.01 gives class 博/);
    await expect(runNnlab('train', '--synthetic', '--per-class', '30', '--val-fraction', '0.01', '--epochs', '1')).rejects.toThrow(/--val-fraction 0\.01 gives class 博.* round\(0\.01 × 30\) = 0/);
    await expect(runNnlab('train', '--synthetic', '--per-class', '1', '--epochs', '1')).rejects.toThrow(/--val-fraction 0\.2 gives class 博.* round\(0\.2 × 1\) = 0/);
  });

  it('train --synthetic --difficulty 0 gives the reason instead of "the training part is empty"', async () => {
    await expect(runNnlab('train', '--synthetic', '--difficulty', '0', '--per-class', '10', '--epochs', '1'))
      .rejects.toThrow(/only 1 distinct image.*--difficulty 0 draws every image of a character alike/);
  });
});

describe('options that do not apply are refused (case 5)', () => {
  it('names the option and what it needs', async () => {
    const dir = join(tmp, 'plain');
    for (const [option, value] of [['--per-class', '5'], ['--difficulty', '2'], ['--data-seed', '3']]) {
      await expect(runNnlab('train', '--data', dir, option, value)).rejects.toThrow(new RegExp(`^${option} needs --synthetic`));
    }
    await expect(runNnlab('train', '--synthetic', '--polarity', 'light-ink')).rejects.toThrow(/^--polarity needs --data DIR/);
    await expect(runNnlab('train', '--synthetic', '--skip-bad')).rejects.toThrow(/^--skip-bad needs --data DIR/);
    await expect(runNnlab('train', '--synthetic', '--augment', 'shift=2,shift=5')).rejects.toThrow(/--augment: 'shift' is given more than once/);
  });
});

describe('degenerate setups are refused before training (case 6)', () => {
  it('refuses a data folder with one class', async () => {
    const dir = writeFolder('one-class', { perClass: 10, folders: [5] });
    const run = runNnlab('train', '--data', dir, '--epochs', '1');
    await expect(run).rejects.toThrow(/1 class \(folder 5\); a classifier needs at least 2 classes/);
  });

  it('refuses batchnorm with a batch of 1, and merges a last minibatch of 1 into the one before', async () => {
    await expect(runNnlab('train', '--synthetic', '--per-class', '30', '--batchnorm', '--batch-size', '1')).rejects.toThrow(/--batch-size 1 with --batchnorm/);
    const r = await runNnlabJson('train', '--synthetic', '--per-class', '30', '--batchnorm', '--batch-size', '41', '--epochs', '1', '--json');
    expect(r.lastBatch).toMatch(/288 = 7 × 41 \+ 1.*merged into the one before \(42 images\)/);
    const data = { ...labelled(2, 15), mean: new Float64Array(4), width: 2, height: 2, numClasses: 2 };
    const split = { XTrain: data.X, yTrain: data.y, XVal: data.X, yVal: data.y };
    const sizes: number[] = [];
    for (const normalization of ['batchnorm', 'none'] as const) {
      trainClassifier({ ...CHARACTER_BASELINE, normalization, batchSize: 29, numEpochs: 1 }, { ...data, ...split }, {
        onIteration: (i) => sizes.push(i.iterationsPerEpoch),
      });
    }
    expect(sizes).toEqual([1, 2, 2]); // 30 rows: one batch of 30 with batchnorm, 29 + 1 without
  });
});

describe('predict --json names what it gives (case 7)', () => {
  it('gives class, folder and index; label is the index (deprecated)', async () => {
    const dir = writeFolder('no3', { perClass: 12, folders: [1, 2, 4, 5] });
    const model = join(tmp, 'no3.json');
    await runNnlab('train', '--data', dir, '--epochs', '30', '--save', model, '--json');
    const flat = writeFolder('flat4', { perClass: 12, folders: [4], flat: true });
    const r = await runNnlabJson('predict', '--model', model, '--data', flat, '--json');
    const folders = ['1', '2', '4', '5'], names = ['博', '学', '志', '切'];
    for (const p of r.predictions) {
      expect(p.folder).toBe(folders[p.index]);
      expect(p.class).toBe(names[p.index]);
      expect(p.label).toBe(p.index);
    }
    // Most images of folder 4 are predicted as folder 4, whose output index is 2, not 4.
    expect(r.predictions.filter((p: { folder: string; index: number }) => p.folder === '4' && p.index === 2).length).toBeGreaterThan(6);
  });
});

describe('paths and the terminal (case 8)', () => {
  it('npm run nnlab resolves relative paths against INIT_CWD, the folder npm was run from', () => {
    const root = join(tmp, 'npm-root'), user = join(root, 'notebooks');
    mkdirSync(user, { recursive: true });
    const run = (lifecycle: string) => spawnSync(process.execPath, [BIN, 'data', 'synth', '--out', `chars-${lifecycle}`, '--per-class', '1'], {
      cwd: root, env: { ...process.env, INIT_CWD: user, npm_lifecycle_event: lifecycle }, encoding: 'utf8',
    });
    expect(run('nnlab').status).toBe(0);
    expect(existsSync(join(user, 'chars-nnlab', '12', '1.bmp'))).toBe(true);
    expect(existsSync(join(root, 'chars-nnlab'))).toBe(false);
    // Under another script (npm test) INIT_CWD says nothing about the child's paths.
    expect(run('test').status).toBe(0);
    expect(existsSync(join(root, 'chars-test', '12', '1.bmp'))).toBe(true);
  });

  it.skipIf(process.platform !== 'linux' || spawnSync('script', ['--version']).status !== 0)(
    'Ctrl-C during train on a terminal leaves the cursor visible and stops at once',
    async () => {
      // `script` gives nnlab a pseudo-terminal, so the progress bar is drawn; SIGINT goes to node, as Ctrl-C does.
      const child = spawn('script', ['-qfec', `"${process.execPath}" "${BIN}" train --synthetic --per-class 100 --epochs 500`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '', sent = false;
      const childrenOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      child.stdout.on('data', (d) => {
        out += d;
        if (sent || !out.includes('training [')) return;
        sent = true;
        let pid = child.pid!;
        for (let kids = childrenOf(pid); kids.length > 0; kids = childrenOf(pid)) pid = kids[0];
        process.kill(pid, 'SIGINT');
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(sent).toBe(true);
      expect(code).toBe(130); // interrupted, not run to the end
      const hidden = out.split('\x1b[?25l').length - 1, shown = out.split('\x1b[?25h').length - 1;
      expect(hidden).toBeLessThanOrEqual(shown);
    },
    // Starting nnlab and making the data takes most of it: 59 s seen at load average 22 (not a timed test).
    180_000,
  );
});
