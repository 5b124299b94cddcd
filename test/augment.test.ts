import { describe, it, expect } from 'vitest';
import { Matrix } from '../lib/nn/matrix.js';
import { Rng } from '../lib/nn/random.js';
import { makeAugment, transformImage } from '../lib/data/augment.js';

const W = 8, H = 6;
const image = Float64Array.from({ length: W * H }, (_, k) => ((k * 7) % 11) / 10);

describe('transformImage', () => {
  it('rotation 0 and shift 0 is the identity', () => {
    expect(Array.from(transformImage(image, W, H, 0, 0, 0, new Float64Array(W * H)))).toEqual(Array.from(image));
  });

  it('moves pixels by whole-pixel shifts, bringing in blank paper', () => {
    const out = transformImage(image, W, H, 2, -1, 0, new Float64Array(W * H));
    expect(out[1 * W + 5]).toBe(image[2 * W + 3]); // (x=5, y=1) came from (3, 2)
    expect(out[0]).toBe(0); // came from outside the frame
  });

  it('a shift of +1 then -1 restores the interior', () => {
    const there = transformImage(image, W, H, 1, 1, 0, new Float64Array(W * H));
    const back = transformImage(there, W, H, -1, -1, 0, new Float64Array(W * H));
    for (let y = 0; y < H - 1; y++) {
      for (let x = 0; x < W - 1; x++) expect(back[y * W + x]).toBe(image[y * W + x]);
    }
    expect(back[(H - 1) * W + 3]).toBe(0); // the last row fell off the edge and came back blank
  });

  it('rotates a quarter turn exactly about the centre of a square image', () => {
    const n = 5, sq = Float64Array.from({ length: 25 }, (_, k) => k);
    const out = transformImage(sq, n, n, 0, 0, 90, new Float64Array(25));
    // Clockwise on screen: the top row becomes the right column.
    for (let x = 0; x < n; x++) expect(out[x * n + (n - 1)]).toBeCloseTo(sq[x], 9);
    expect(out[12]).toBeCloseTo(12, 9);
  });
});

describe('makeAugment', () => {
  const mean = Float64Array.from({ length: W * H }, (_, k) => (k % 5) / 10);
  const batch = () => {
    const X = new Matrix(4, W * H);
    for (let i = 0; i < 4; i++) for (let k = 0; k < W * H; k++) X.data[i * W * H + k] = image[(k + i) % (W * H)] - mean[k];
    return X;
  };

  it('is the identity with shift 0 and rotate 0 (un-centre, re-centre)', () => {
    const augment = makeAugment({ shift: 0, rotate: 0, mean, width: W, height: H });
    const X = batch();
    const out = augment(X, new Rng(1));
    out.data.forEach((v, k) => expect(v).toBeCloseTo(X.data[k], 12));
  });

  it('gives the same batch for the same seed and a different one for another seed', () => {
    const augment = makeAugment({ shift: 2, rotate: 10, mean, width: W, height: H });
    const a = augment(batch(), new Rng(5));
    const b = augment(batch(), new Rng(5));
    const c = augment(batch(), new Rng(6));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    expect(a.rows).toBe(4);
  });

  it('shifts the ink, not the centred values: blank paper comes in as -mean', () => {
    const augment = makeAugment({ shift: 3, rotate: 0, mean, width: W, height: H });
    const X = new Matrix(200, W * H);
    for (let i = 0; i < 200; i++) X.row(i).set(mean.map((m) => 1 - m)); // all-ink images
    const out = augment(X, new Rng(2));
    // Every output pixel is either ink (1 - mean) or paper (0 - mean) once un-centred.
    for (let i = 0; i < out.rows; i++) {
      out.row(i).forEach((v, k) => expect([0, 1]).toContainEqual(Math.round((v + mean[k]) * 1e9) / 1e9));
    }
    // And some shifts really happened.
    expect(out.data.some((v, k) => Math.abs(v + mean[k % (W * H)]) < 1e-9)).toBe(true);
  });

  it('leaves the input and its labels untouched', () => {
    const augment = makeAugment({ shift: 2, rotate: 10, mean, width: W, height: H });
    const X = batch();
    const before = Array.from(X.data);
    const y = Int32Array.from([3, 1, 4, 1]);
    augment(X, new Rng(9));
    expect(Array.from(X.data)).toEqual(before);
    expect(Array.from(y)).toEqual([3, 1, 4, 1]);
  });

  it('rejects bad options by name', () => {
    expect(() => makeAugment({ shift: 1.5, rotate: 0, mean, width: W, height: H })).toThrow(/shift must be a whole number/);
    expect(() => makeAugment({ shift: 1, rotate: -3, mean, width: W, height: H })).toThrow(/rotate must be in \[0, 180\]/);
    expect(() => makeAugment({ shift: 1, rotate: 0, mean: new Float64Array(3), width: W, height: H })).toThrow(/mean has 3 values, expected 8x6/);
    const augment = makeAugment({ shift: 1, rotate: 0, mean, width: W, height: H });
    expect(() => augment(new Matrix(1, 5), new Rng(1))).toThrow(/X has 5 columns, expected 8x6 = 48/);
  });
});
