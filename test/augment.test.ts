import { describe, it, expect } from 'vitest';
import { Matrix } from '../lib/nn/matrix.js';
import { Rng } from '../lib/nn/random.js';
import { makeAugment, transformImage, elasticField, warpImage, gaussianKernel } from '../lib/data/augment.js';
import { validateSettings, CHARACTER_BASELINE } from '../lib/recipe.js';
import { parseAugment } from '../lib/commands/train.js';
import { exp } from '../lib/math/elementary.js';

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

describe('elastic distortion (Simard et al. 2003)', () => {
  const rms = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);

  it('warpImage: a zero field copies the image bit for bit; whole and half pixels by hand', () => {
    const zero = new Float64Array(W * H);
    expect(Array.from(warpImage(image, W, H, zero, zero, new Float64Array(W * H)))).toEqual(Array.from(image));
    const row = [0, 1, 0.5, 0];
    const one = new Float64Array(4).fill(1), half = new Float64Array(4).fill(0.5), none = new Float64Array(4);
    // Output pixel x reads the input at x + dx: dx = 1 moves the picture one pixel left, paper comes in on the right.
    expect(Array.from(warpImage(row, 4, 1, one, none, new Float64Array(4)))).toEqual([1, 0.5, 0, 0]);
    expect(Array.from(warpImage(row, 4, 1, half, none, new Float64Array(4)))).toEqual([0.5, 0.75, 0.25, 0]);
    // Down: a 1×3 column read half a pixel lower.
    expect(Array.from(warpImage([0, 1, 0.5], 1, 3, new Float64Array(3), new Float64Array(3).fill(0.5), new Float64Array(3)))).toEqual([0.5, 0.75, 0.25]);
  });

  it('gaussianKernel: exp(-k²/2σ²) normalised, cut at 4σ or at the image', () => {
    const k = gaussianKernel(1, 27);
    expect(k.length).toBe(9);
    const raw = Array.from({ length: 9 }, (_, i) => exp(-((i - 4) ** 2) / 2));
    const sum = raw.reduce((a, b) => a + b, 0);
    k.forEach((v, i) => expect(v).toBe(raw[i] / sum));
    expect(gaussianKernel(20, 5).length).toBe(11);
  });

  it('elasticField by hand on a 3×1 image: uniform draws, smoothed with zeros outside, times alpha', () => {
    const rng = new Rng(7), copy = new Rng(7);
    const dx = new Float64Array(3), dy = new Float64Array(3);
    elasticField(rng, 3, 1, { alpha: 2, sigma: 1 }, dx, dy);
    const u = Array.from({ length: 6 }, () => copy.uniformIn(-1, 1));
    const w = (k: number) => exp(-(k * k) / 2);
    const S = w(-2) + w(-1) + w(0) + w(1) + w(2);
    const [k0, k1, k2] = [w(0) / S, w(1) / S, w(2) / S];
    // Along x over the three pixels, then along y over the single row (only the centre weight, k0).
    const smoothed = (a: number[]) => [k0 * a[0] + k1 * a[1] + k2 * a[2], k1 * a[0] + k0 * a[1] + k1 * a[2], k2 * a[0] + k1 * a[1] + k0 * a[2]].map((v) => k0 * v * 2);
    smoothed(u.slice(0, 3)).forEach((v, i) => expect(dx[i]).toBeCloseTo(v, 14));
    smoothed(u.slice(3)).forEach((v, i) => expect(dy[i]).toBeCloseTo(v, 14));
    expect(u.every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  it('is deterministic by seed; alpha 0 is the identity; a wider sigma moves less', () => {
    const size = 28 * 28;
    const field = (seed: number, alpha: number, sigma: number) => {
      const dx = new Float64Array(size), dy = new Float64Array(size);
      elasticField(new Rng(seed), 28, 28, { alpha, sigma }, dx, dy);
      return { dx, dy };
    };
    expect(Array.from(field(3, 34, 4).dx)).toEqual(Array.from(field(3, 34, 4).dx));
    expect(Array.from(field(3, 34, 4).dx)).not.toEqual(Array.from(field(4, 34, 4).dx));
    const still = field(3, 0, 4);
    expect(still.dx.every((v) => v === 0) && still.dy.every((v) => v === 0)).toBe(true);
    const [narrow, paper, wide] = [1, 4, 50].map((s) => rms(field(3, 1, s).dx));
    expect(narrow).toBeGreaterThan(paper);
    expect(paper).toBeGreaterThan(wide);
    expect(wide).toBeLessThan(0.01); // a 50-pixel Gaussian averages the noise away: almost nothing moves
    // The paper's setting (α 34, σ 4) moves pixels by about a pixel or two, not by the whole image.
    const typical = rms(field(3, 34, 4).dx);
    expect(typical).toBeGreaterThan(0.5);
    expect(typical).toBeLessThan(4);
  });

  it('makeAugment with elastic: same seed same batch, alpha 0 the identity, ink stays in [0, 1]', () => {
    const mean = new Float64Array(W * H).fill(0.25);
    const X = new Matrix(3, W * H);
    for (let i = 0; i < 3; i++) for (let k = 0; k < W * H; k++) X.data[i * W * H + k] = image[(k + 2 * i) % (W * H)] - mean[k];
    const a = makeAugment({ shift: 1, rotate: 5, elastic: { alpha: 8, sigma: 2 }, mean, width: W, height: H });
    expect(Array.from(a(X, new Rng(1)).data)).toEqual(Array.from(a(X, new Rng(1)).data));
    const out = a(X, new Rng(1));
    expect(Array.from(out.data)).not.toEqual(Array.from(makeAugment({ shift: 1, rotate: 5, mean, width: W, height: H })(X, new Rng(1)).data));
    out.data.forEach((v, k) => {
      const ink = v + mean[k % (W * H)];
      expect(ink).toBeGreaterThanOrEqual(-1e-12);
      expect(ink).toBeLessThanOrEqual(1 + 1e-12);
    });
    const still = makeAugment({ shift: 0, rotate: 0, elastic: { alpha: 0, sigma: 4 }, mean, width: W, height: H })(X, new Rng(2));
    still.data.forEach((v, k) => expect(v).toBeCloseTo(X.data[k], 12));
  });

  it('rejects bad elastic settings by name, in makeAugment, the training settings and --augment', () => {
    const mean = new Float64Array(W * H);
    expect(() => makeAugment({ shift: 0, rotate: 0, elastic: { alpha: -1, sigma: 4 }, mean, width: W, height: H })).toThrow(/makeAugment: elastic.alpha must be a displacement scale in \[0, 100\] pixels.*got -1/);
    expect(() => makeAugment({ shift: 0, rotate: 0, elastic: { alpha: 34, sigma: 0 }, mean, width: W, height: H })).toThrow(/makeAugment: elastic.sigma must be a smoothing width above 0.*got 0/);
    expect(() => validateSettings({ ...CHARACTER_BASELINE, augment: { shift: 2, rotate: 10, elastic: { alpha: 34, sigma: NaN } } })).toThrow(/settings: augment.elastic.sigma/);
    expect(() => validateSettings({ ...CHARACTER_BASELINE, augment: { shift: 2, rotate: 10, elastic: { alpha: 500, sigma: 4 } } })).toThrow(/settings: augment.elastic.alpha .*got 500/);
    expect(parseAugment('shift=2,elastic=34')).toEqual({ shift: 2, rotate: 0, elastic: { alpha: 34, sigma: 4 } });
    expect(parseAugment('elastic=20,sigma=5')).toEqual({ shift: 0, rotate: 0, elastic: { alpha: 20, sigma: 5 } });
    expect(() => parseAugment('sigma=5')).toThrow(/--augment: sigma=5 smooths the elastic distortion, which needs elastic=ALPHA/);
    expect(() => parseAugment('elastic=34,sigma=0')).toThrow(/--augment sigma: expected a smoothing width above 0/);
    expect(() => parseAugment('elastic=101')).toThrow(/--augment elastic/);
  });
});
