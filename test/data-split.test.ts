import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { Matrix } from '../lib/nn/matrix.js';
import { splitDataset, findDuplicateGroups } from '../lib/data/split.js';

/** n images per class, each a distinct row of small integers; `copies` lists [from, to] rows to overwrite. */
function makeImages(numClasses: number, perClass: number, dim: number, copies: [number, number][] = []) {
  const N = numClasses * perClass;
  const X = new Matrix(N, dim);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    y[i] = Math.floor(i / perClass);
    for (let j = 0; j < dim; j++) X.set(i, j, ((i * 31 + j * 7) % 13) / 13 + (j === 0 ? i : 0));
  }
  for (const [from, to] of copies) X.row(to).set(X.row(from));
  return { X, y, classNames: Array.from({ length: numClasses }, (_, c) => `class${c}`) };
}

describe('splitDataset', () => {
  it('holds out the same fraction of every class', () => {
    const data = makeImages(4, 50, 6);
    const split = splitDataset(data, { valFraction: 0.2, seed: 1 });
    expect(split.XTrain.rows).toBe(160);
    expect(split.XVal.rows).toBe(40);
    for (let c = 0; c < 4; c++) expect(split.yVal.filter((v) => v === c).length).toBe(10);
    expect(split.duplicates).toBe(0);
    // Every input row is on exactly one side.
    expect([...split.trainIndices, ...split.valIndices].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('is deterministic by seed, and a different seed gives a different split', () => {
    const data = makeImages(3, 40, 5);
    const a = splitDataset(data, { valFraction: 0.25, seed: 7 });
    const b = splitDataset(data, { valFraction: 0.25, seed: 7 });
    const c = splitDataset(data, { valFraction: 0.25, seed: 8 });
    expect(Array.from(a.valIndices)).toEqual(Array.from(b.valIndices));
    expect(Array.from(a.XVal.data)).toEqual(Array.from(b.XVal.data));
    expect(Array.from(a.valIndices)).not.toEqual(Array.from(c.valIndices));
  });

  it('keeps exact duplicates on the same side and counts them', () => {
    // Row 0 is copied to rows 1, 2 and 3; row 10 to row 11 (4 extra copies in 2 groups).
    const copies: [number, number][] = [[0, 1], [0, 2], [0, 3], [10, 11]];
    const data = makeImages(2, 20, 4, copies);
    expect(findDuplicateGroups(data.X).filter((g) => g.length > 1)).toEqual([[0, 1, 2, 3], [10, 11]]);
    for (let seed = 0; seed < 30; seed++) {
      const split = splitDataset(data, { valFraction: 0.3, seed });
      expect(split.duplicates).toBe(4);
      expect(split.duplicateGroups).toBe(2);
      const val = new Set(split.valIndices);
      expect(new Set([0, 1, 2, 3].map((i) => val.has(i))).size).toBe(1);
      expect(new Set([10, 11].map((i) => val.has(i))).size).toBe(1);
    }
  });

  it('reports duplicates whose copies carry different labels', () => {
    const data = makeImages(2, 5, 3, [[0, 7]]); // row 7 is in class 1 but equals row 0 of class 0
    const split = splitDataset(data, { valFraction: 0.2, seed: 0 });
    expect(split.duplicates).toBe(1);
    expect(split.conflictingLabels).toBe(1);
  });

  it('centres both parts on the mean of the training part only', () => {
    const data = makeImages(2, 10, 3);
    const split = splitDataset(data, { valFraction: 0.5, seed: 3 });
    const trainMean = [0, 1, 2].map((j) => split.trainIndices.reduce((s, i) => s + data.X.get(i, j), 0) / split.trainIndices.length);
    expect(Array.from(split.mean)).toEqual(trainMean.map((v) => expect.closeTo(v, 12)));
    for (let j = 0; j < 3; j++) {
      let colSum = 0;
      for (let i = 0; i < split.XTrain.rows; i++) colSum += split.XTrain.get(i, j);
      expect(colSum).toBeCloseTo(0, 9);
      // Validation rows are the originals minus the training mean, not minus their own mean.
      expect(split.XVal.get(0, j)).toBeCloseTo(data.X.get(split.valIndices[0], j) - trainMean[j], 12);
    }
    // The input is left untouched.
    expect(data.X.get(0, 1)).toBe(makeImages(2, 10, 3).X.get(0, 1));
  });

  it('rejects bad arguments by name', () => {
    const data = makeImages(2, 5, 3);
    expect(() => splitDataset(data, { valFraction: 1, seed: 0 })).toThrow(/valFraction must be in \[0, 1\), got 1/);
    expect(() => splitDataset(data, { valFraction: -0.1, seed: 0 })).toThrow(/valFraction/);
    expect(() => splitDataset({ ...data, y: new Int32Array(3) }, { valFraction: 0.2, seed: 0 })).toThrow(/X has 10 rows but y has 3 labels/);
    expect(() => splitDataset({ ...data, y: new Int32Array(10).fill(5) }, { valFraction: 0.2, seed: 0 })).toThrow(/label y\[0\] = 5 is outside 0\.\.1/);
  });
});

/** sha256 of everything a two-way split returns (pixels, labels, mean, indices). */
function digestOf(d: ReturnType<typeof splitDataset>): string {
  const h = createHash('sha256');
  for (const a of [d.XTrain.data, d.yTrain, d.XVal.data, d.yVal, d.mean, d.trainIndices, d.valIndices]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

describe('splitDataset with a test set (testFraction)', () => {
  it('testFraction 0 (or absent) gives byte for byte the split of the two-way version, and an empty test part', () => {
    // Digests recorded from splitDataset before the test set existed (commit 6e3a5b6).
    const data = makeImages(5, 37, 6, [[0, 1], [0, 2], [40, 41]]);
    const recorded: Record<string, string> = {
      '0.2': '74ff0cb8f61d38406b7e540ec76ffc8c4f407ee7e067570f98a5129aaadb15f7',
      '0.3': '4d05596f32e69dd4fbd6adc398e70b22fa22cd20412445e7c28f5d727bd1cef7',
    };
    for (const [valFraction, digest] of Object.entries(recorded)) {
      const absent = splitDataset(data, { valFraction: Number(valFraction), seed: 11 });
      const zero = splitDataset(data, { valFraction: Number(valFraction), testFraction: 0, seed: 11 });
      expect(digestOf(absent)).toBe(digest);
      expect(digestOf(zero)).toBe(digest);
      expect([zero.XTest.rows, zero.XTest.cols, zero.yTest.length, zero.testIndices.length]).toEqual([0, 6, 0, 0]);
    }
  });

  it('holds out the test fraction of every class, and keeps validation as it was', () => {
    const data = makeImages(4, 50, 6);
    const two = splitDataset(data, { valFraction: 0.2, seed: 1 });
    const three = splitDataset(data, { valFraction: 0.2, testFraction: 0.3, seed: 1 });
    expect([three.XTrain.rows, three.XVal.rows, three.XTest.rows]).toEqual([100, 40, 60]);
    for (let c = 0; c < 4; c++) {
      expect(three.yVal.filter((v) => v === c).length).toBe(10);
      expect(three.yTest.filter((v) => v === c).length).toBe(15);
    }
    expect(Array.from(three.valIndices)).toEqual(Array.from(two.valIndices));
    // Every input row is on exactly one of the three sides, with its own label.
    const all = [...three.trainIndices, ...three.valIndices, ...three.testIndices].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(Array.from(three.yTest)).toEqual(Array.from(three.testIndices, (i) => data.y[i]));
  });

  it('keeps exact duplicates on one side of three', () => {
    const copies: [number, number][] = [[0, 1], [0, 2], [0, 3], [10, 11], [25, 26], [25, 27]];
    const data = makeImages(2, 20, 4, copies);
    const groups = [[0, 1, 2, 3], [10, 11], [25, 26, 27]];
    const sidesSeen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const split = splitDataset(data, { valFraction: 0.25, testFraction: 0.25, seed });
      const sideOf = (i: number) => (split.valIndices.includes(i) ? 'val' : split.testIndices.includes(i) ? 'test' : 'train');
      for (const g of groups) {
        expect(new Set(g.map(sideOf)).size).toBe(1);
        sidesSeen.add(sideOf(g[0]));
      }
    }
    // Over the seeds the groups land in each part, so the check above was not vacuous.
    expect([...sidesSeen].sort()).toEqual(['test', 'train', 'val']);
  });

  it('centres the test part on the training mean', () => {
    const data = makeImages(2, 10, 3);
    const split = splitDataset(data, { valFraction: 0.2, testFraction: 0.3, seed: 3 });
    for (let j = 0; j < 3; j++) {
      expect(split.XTest.get(0, j)).toBeCloseTo(data.X.get(split.testIndices[0], j) - split.mean[j], 12);
    }
    const trainMean = [0, 1, 2].map((j) => split.trainIndices.reduce((s, i) => s + data.X.get(i, j), 0) / split.trainIndices.length);
    expect(Array.from(split.mean)).toEqual(trainMean.map((v) => expect.closeTo(v, 12)));
  });

  it('rejects a test fraction out of range, or one that leaves nothing to train on', () => {
    const data = makeImages(2, 5, 3);
    expect(() => splitDataset(data, { valFraction: 0.2, testFraction: -0.1, seed: 0 })).toThrow(/testFraction must be in \[0, 1\), got -0.1/);
    expect(() => splitDataset(data, { valFraction: 0.2, testFraction: 1, seed: 0 })).toThrow(/testFraction must be in \[0, 1\)/);
    expect(() => splitDataset(data, { valFraction: 0.2, testFraction: 0.9, seed: 0 })).toThrow(/valFraction \+ testFraction must be below 1/);
    expect(() => splitDataset(data, { valFraction: 0.2, testFraction: NaN, seed: 0 })).toThrow(/testFraction/);
  });
});
