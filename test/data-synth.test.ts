import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { synthesizeCharacters, drawCharacter, loadSkeleton, DEFAULT_DIFFICULTY, DEFAULT_GENERATOR, GENERATORS } from '../lib/data/synth.js';
import { labDataFromSpec } from '../lib/experiments/data.js';
import { COURSE_CLASS_NAMES } from '../lib/data/classes.js';
import { Rng } from '../lib/nn/random.js';

describe('synthesizeCharacters', () => {
  it('lays samples out by class in course order, as binary 28x28 ink images', () => {
    const ds = synthesizeCharacters({ perClass: 3, seed: 1 });
    expect(ds.classNames).toEqual([...COURSE_CLASS_NAMES]);
    expect(ds.X.rows).toBe(36);
    expect(ds.X.cols).toBe(28 * 28);
    expect(Array.from(ds.y)).toEqual(Array.from({ length: 36 }, (_, i) => Math.floor(i / 3)));
    for (let i = 0; i < ds.X.rows; i++) {
      const row = Array.from(ds.X.row(i));
      expect(row.every((v) => v === 0 || v === 1)).toBe(true);
      // Thin strokes on paper: some ink, but far less than half the image.
      const ink = row.reduce((s, v) => s + v, 0);
      expect(ink).toBeGreaterThan(40);
      expect(ink).toBeLessThan(28 * 28 * 0.4);
    }
  });

  it('is deterministic by seed, sample by sample', () => {
    const a = synthesizeCharacters({ perClass: 4, seed: 42 });
    const b = synthesizeCharacters({ perClass: 4, seed: 42 });
    const c = synthesizeCharacters({ perClass: 4, seed: 43 });
    expect(Array.from(a.X.data)).toEqual(Array.from(b.X.data));
    expect(Array.from(a.X.data)).not.toEqual(Array.from(c.X.data));
    // Sample i of a class does not depend on how many samples are drawn.
    const small = synthesizeCharacters({ perClass: 2, seed: 42 });
    expect(Array.from(small.X.row(2))).toEqual(Array.from(a.X.row(4))); // class 1, sample 0
  });

  it('draws different handwriting for different samples, and the clean skeleton at difficulty 0', () => {
    const ds = synthesizeCharacters({ perClass: 5, seed: 3 });
    const rows = Array.from({ length: 5 }, (_, i) => ds.X.row(i).join(''));
    expect(new Set(rows).size).toBe(5);
    const clean = synthesizeCharacters({ perClass: 3, seed: 3, difficulty: 0 });
    expect(clean.X.row(0).join('')).toBe(clean.X.row(2).join(''));
  });

  it('keeps characters apart: a clean sample is nearer its own class than any other', () => {
    const clean = synthesizeCharacters({ perClass: 1, seed: 0, difficulty: 0 });
    const noisy = synthesizeCharacters({ perClass: 1, seed: 9, difficulty: DEFAULT_DIFFICULTY * 0.3 });
    const dist = (a: Float64Array, b: Float64Array) => a.reduce((s, v, k) => s + (v - b[k]) ** 2, 0);
    for (let c = 0; c < 12; c++) {
      const d = Array.from({ length: 12 }, (_, k) => dist(noisy.X.row(c), clean.X.row(k)));
      expect(d.indexOf(Math.min(...d))).toBe(c);
    }
  });

  it('reads the stroke medians with y pointing down the image', () => {
    // 由: its first stroke is the left vertical, drawn top to bottom.
    const first = loadSkeleton('由')[0];
    expect(first[first.length - 1][1]).toBeGreaterThan(first[0][1]);
    // 学: the three dots on top come first, so its first stroke lies in the upper half.
    expect(loadSkeleton('学')[0].every(([, y]) => y < 0)).toBe(true);
  });

  it('rejects bad arguments by name', () => {
    expect(() => synthesizeCharacters({ perClass: 0, seed: 1 })).toThrow(/perClass must be a positive integer, got 0/);
    expect(() => synthesizeCharacters({ perClass: 2, seed: NaN })).toThrow(/seed must be a finite number/);
    expect(() => synthesizeCharacters({ perClass: 2, seed: 1, difficulty: -1 })).toThrow(/difficulty must be a number ≥ 0, got -1/);
    expect(() => synthesizeCharacters({ perClass: 2, seed: 1, classNames: ['博', 'notachar'] })).toThrow(/no stroke data for character "notachar"/);
    expect(() => drawCharacter('', new Rng(1), 1)).toThrow(/no stroke data/);
  });
});

describe('generator versions', () => {
  const sha = (ds: { X: { data: Float64Array } }) => createHash('sha256').update(new Uint8Array(ds.X.data.buffer, ds.X.data.byteOffset, ds.X.data.byteLength)).digest('hex');

  it('version 1 draws exactly the images it drew before versions existed', () => {
    // Recorded with the generator as it was before version 2 (one table, no versions): a
    // published version never changes its images, so cached runs and old records stay true.
    expect(sha(synthesizeCharacters({ perClass: 5, seed: 1, generator: 1 }))).toBe('bba025a0496cdc68718055e1cb1c182e70d157f2bffefe5481d4212b4f87ec50');
  });

  it('version 2 draws the images it was calibrated on (docs/calibration.md): a change is a version 3', () => {
    // Recorded when version 2 was calibrated; the same on Node 20, 22, 24 and 26.
    expect(sha(synthesizeCharacters({ perClass: 5, seed: 1, generator: 2 }))).toBe('f11a2fed10ceb1e5810013720661a810697120881bd43e63133382cf40a53698');
  });

  it('the default is the calibrated version 2, which draws other images than version 1', () => {
    expect(DEFAULT_GENERATOR).toBe(2);
    expect(sha(synthesizeCharacters({ perClass: 5, seed: 1 }))).toBe(sha(synthesizeCharacters({ perClass: 5, seed: 1, generator: 2 })));
    expect(sha(synthesizeCharacters({ perClass: 5, seed: 1, generator: 2 }))).not.toBe(sha(synthesizeCharacters({ perClass: 5, seed: 1, generator: 1 })));
    expect(DEFAULT_DIFFICULTY).toBe(GENERATORS[2].defaultDifficulty);
  });

  it('rejects an unknown version by name, in the generator and in a queue job\'s spec', () => {
    expect(() => synthesizeCharacters({ perClass: 1, seed: 1, generator: 3 as never })).toThrow(/synthesizeCharacters: generator must be one of the generator versions 1, 2, got 3/);
    expect(() => labDataFromSpec({ kind: 'synthetic', generator: 0 as never, perClass: 2, valFraction: 0.5, testFraction: 0, seed: 0 })).toThrow(/generator must be one of the generator versions 1, 2, got 0/);
  });

  it('the version is part of the built-in data\'s spec and fingerprint', () => {
    const spec = { kind: 'synthetic' as const, perClass: 4, valFraction: 0.25, testFraction: 0, seed: 0 };
    const one = labDataFromSpec({ ...spec, generator: 1 }), two = labDataFromSpec({ ...spec, generator: 2 });
    expect(one.spec?.generator).toBe(1);
    expect(two.spec?.generator).toBe(2);
    expect(one.fingerprint).not.toBe(two.fingerprint);
    expect(labDataFromSpec({ ...spec, generator: 2 }).fingerprint).toBe(two.fingerprint);
  });

  it('draws the same bits in a worker thread (the built module) as here', async () => {
    const built = path.resolve(import.meta.dirname, '..', 'dist', 'data', 'synth.js');
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(pathToFileURL(built).href)}).then((m) => {
        const out = [1, 2].map((generator) => Array.from(m.synthesizeCharacters({ perClass: 3, seed: 5, generator }).X.data));
        parentPort.postMessage(out);
      });`;
    const fromWorker = await new Promise<number[][]>((resolve, reject) => {
      const w = new Worker(code, { eval: true });
      w.once('message', (m) => { resolve(m); void w.terminate(); });
      w.once('error', reject);
    });
    for (const [i, generator] of ([1, 2] as const).entries()) {
      expect(fromWorker[i]).toEqual(Array.from(synthesizeCharacters({ perClass: 3, seed: 5, generator }).X.data));
    }
  });
});
