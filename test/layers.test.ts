import { describe, it, expect } from 'vitest';
import {
  Matrix, Rng, relError, evalNumericalGradientArray, evalNumericalGradient,
  affineForward, affineBackward, reluForward, reluBackward, sigmoidForward, sigmoidBackward,
  tanhForward, tanhBackward, leakyReluForward, leakyReluBackward, batchnormForward, batchnormBackward,
  dropoutForward, dropoutBackward, softmaxLoss, mseLoss, hiddenLayerForward, hiddenLayerBackward,
  Activation, BatchnormParam, colSums,
} from '../lib/index.js';

const rng = new Rng(231);
const randn = (r: number, c: number, std = 1) => rng.gaussianMatrix(r, c, std);

describe('affine', () => {
  it('computes x·W + b', () => {
    const x = Matrix.from([[1, 2], [3, 4]]);
    const w = Matrix.from([[1, 0, -1], [2, 1, 0]]);
    const b = Matrix.rowVector([0.5, -0.5, 1]);
    expect(affineForward(x, w, b)[0].toArray()).toEqual([[5.5, 1.5, 0], [11.5, 3.5, -2]]);
  });

  it('backward matches numerical gradients (rel error <= 1e-8)', () => {
    const x = randn(10, 6), w = randn(6, 5), b = randn(1, 5), dout = randn(10, 5);
    const [, cache] = affineForward(x, w, b);
    const { dx, dw, db } = affineBackward(dout, cache);
    expect(relError(dx, evalNumericalGradientArray((xx) => affineForward(xx, w, b)[0], x, dout))).toBeLessThanOrEqual(1e-8);
    expect(relError(dw, evalNumericalGradientArray((ww) => affineForward(x, ww, b)[0], w, dout))).toBeLessThanOrEqual(1e-8);
    expect(relError(db, evalNumericalGradientArray((bb) => affineForward(x, w, bb)[0], b, dout))).toBeLessThanOrEqual(1e-8);
  });

  it('rejects mismatched shapes, naming the argument', () => {
    expect(() => affineForward(randn(2, 3), randn(4, 5), randn(1, 5))).toThrow(/x is 2x3 but w is 4x5/);
    expect(() => affineForward(randn(2, 4), randn(4, 5), randn(1, 3))).toThrow(/affineForward b: expected shape 1x5, got 1x3/);
  });
});

describe('activations', () => {
  const cases: [string, (x: Matrix) => [Matrix, any], (d: Matrix, c: any) => { dx: Matrix }][] = [
    ['relu', reluForward, reluBackward],
    ['sigmoid', sigmoidForward, sigmoidBackward],
    ['tanh', tanhForward, tanhBackward],
    ['leakyRelu', (x) => leakyReluForward(x, 0.1), leakyReluBackward],
  ];
  for (const [name, fwd, bwd] of cases) {
    it(`${name} backward matches numerical gradient (rel error <= 1e-8)`, () => {
      // Keep inputs away from ReLU's kink at 0, where the numerical derivative is undefined.
      const x = randn(8, 7).clone();
      for (let k = 0; k < x.data.length; k++) if (Math.abs(x.data[k]) < 1e-3) x.data[k] = 0.5;
      const dout = randn(8, 7);
      const { dx } = bwd(dout, fwd(x)[1]);
      expect(relError(dx, evalNumericalGradientArray((xx) => fwd(xx)[0], x, dout))).toBeLessThanOrEqual(1e-8);
    });
  }

  it('compute the right values', () => {
    const x = Matrix.from([[-2, 0, 3]]);
    expect(reluForward(x)[0].toArray()).toEqual([[0, 0, 3]]);
    expect(leakyReluForward(x, 0.1)[0].toArray()).toEqual([[-0.2, 0, 3]]);
    expect(sigmoidForward(Matrix.from([[0, -800, 800]]))[0].toArray()).toEqual([[0.5, 0, 1]]);
    expect(tanhForward(Matrix.from([[0.5]]))[0].get(0, 0)).toBeCloseTo(Math.tanh(0.5), 15);
  });
});

describe('batchnorm', () => {
  it('train mode: per-feature mean 0 and std 1, then scaled by gamma and shifted by beta', () => {
    const x = randn(200, 3, 4);
    for (let k = 0; k < x.data.length; k++) x.data[k] += 7;
    const gamma = Matrix.rowVector([1, 2, 3]), beta = Matrix.rowVector([0, -1, 5]);
    const [out] = batchnormForward(x, gamma, beta, { mode: 'train' });
    const mean = colSums(out);
    for (let j = 0; j < 3; j++) mean.data[j] /= 200;
    for (let j = 0; j < 3; j++) {
      let v = 0;
      for (let i = 0; i < 200; i++) v += (out.get(i, j) - mean.data[j]) ** 2;
      expect(mean.data[j]).toBeCloseTo(beta.data[j], 10);
      expect(Math.sqrt(v / 200)).toBeCloseTo(gamma.data[j], 3);
    }
  });

  it('test mode uses the running statistics, which train mode updates with momentum', () => {
    const bn: BatchnormParam = { mode: 'train', momentum: 0.5 };
    const x = Matrix.from([[1, 10], [3, 30]]); // batch mean (2, 20), variance (1, 100)
    batchnormForward(x, Matrix.rowVector([1, 1]), Matrix.rowVector([0, 0]), bn);
    expect(Array.from(bn.runningMean!.data)).toEqual([1, 10]); // 0.5·0 + 0.5·mean
    expect(Array.from(bn.runningVar!.data)).toEqual([1, 50.5]); // 0.5·1 + 0.5·var
    bn.mode = 'test';
    const [out] = batchnormForward(Matrix.from([[2, 10]]), Matrix.rowVector([1, 1]), Matrix.rowVector([0, 0]), bn);
    expect(out.get(0, 0)).toBeCloseTo(1 / Math.sqrt(1 + 1e-5), 12);
    expect(out.get(0, 1)).toBeCloseTo(0, 12);
  });

  for (const mode of ['train', 'test'] as const) {
    it(`${mode}-mode backward matches numerical gradients (rel error <= 1e-7)`, () => {
      const x = randn(12, 5, 2), gamma = randn(1, 5), beta = randn(1, 5), dout = randn(12, 5);
      const param = (): BatchnormParam => ({ mode, runningMean: Matrix.rowVector([0.1, 0.2, 0.3, 0.4, 0.5]), runningVar: Matrix.rowVector([1, 2, 3, 4, 5]) });
      const fwd = (xx: Matrix, g: Matrix, b: Matrix) => batchnormForward(xx, g, b, param())[0];
      const { dx, dgamma, dbeta } = batchnormBackward(dout, batchnormForward(x, gamma, beta, param())[1]);
      expect(relError(dx, evalNumericalGradientArray((xx) => fwd(xx, gamma, beta), x, dout))).toBeLessThanOrEqual(1e-7);
      expect(relError(dgamma, evalNumericalGradientArray((g) => fwd(x, g, beta), gamma, dout))).toBeLessThanOrEqual(1e-7);
      expect(relError(dbeta, evalNumericalGradientArray((b) => fwd(x, gamma, b), beta, dout))).toBeLessThanOrEqual(1e-7);
    });
  }
});

describe('dropout', () => {
  it('drops about p of the units, scales survivors by 1/(1-p), is the identity at test time', () => {
    const x = Matrix.filled(100, 100, 2);
    const [out] = dropoutForward(x, { p: 0.3, mode: 'train', rng: new Rng(1) });
    const zeros = out.data.filter((v) => v === 0).length;
    expect(zeros / out.size).toBeGreaterThan(0.27);
    expect(zeros / out.size).toBeLessThan(0.33);
    expect(out.data.every((v) => v === 0 || Math.abs(v - 2 / 0.7) < 1e-12)).toBe(true);
    expect(dropoutForward(x, { p: 0.3, mode: 'test' })[0]).toBe(x);
  });

  it('is seeded, and backward matches the numerical gradient for a fixed mask', () => {
    const x = randn(6, 5), dout = randn(6, 5);
    const a = dropoutForward(x, { p: 0.5, mode: 'train', rng: new Rng(9) })[0];
    const b = dropoutForward(x, { p: 0.5, mode: 'train', rng: new Rng(9) })[0];
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const { dx } = dropoutBackward(dout, dropoutForward(x, { p: 0.5, mode: 'train', rng: new Rng(9) })[1]);
    const num = evalNumericalGradientArray((xx) => dropoutForward(xx, { p: 0.5, mode: 'train', rng: new Rng(9) })[0], x, dout);
    expect(relError(dx, num)).toBeLessThanOrEqual(1e-8);
  });

  it('rejects p outside [0, 1)', () => {
    expect(() => dropoutForward(randn(2, 2), { p: 1, mode: 'train', rng: new Rng(0) })).toThrow(/p must be in \[0, 1\), got 1/);
  });
});

describe('losses', () => {
  it('softmaxLoss: about log(C) for small random scores, gradient matches (<= 1e-8)', () => {
    // A small batch keeps dscores (∝ 1/N) well above the rounding noise of the numerical check.
    const scores = randn(8, 10, 1e-3);
    const y = Int32Array.from({ length: 8 }, () => rng.int(0, 9));
    const { loss, dscores } = softmaxLoss(scores, y);
    expect(loss).toBeCloseTo(Math.log(10), 2);
    expect(relError(dscores, evalNumericalGradient((s) => softmaxLoss(s, y).loss, scores))).toBeLessThanOrEqual(1e-8);
  });

  it('softmaxLoss is numerically stable for huge scores', () => {
    const { loss, dscores } = softmaxLoss(Matrix.from([[1000, 0, -1000]]), [0]);
    expect(loss).toBeCloseTo(0, 12);
    expect(dscores.data.every(Number.isFinite)).toBe(true);
  });

  it('softmaxLoss rejects labels out of range, naming the index', () => {
    expect(() => softmaxLoss(randn(3, 4), [0, 4, 1])).toThrow(/label at index 1 is 4, expected an integer in \[0, 3\]/);
    expect(() => softmaxLoss(randn(3, 4), [0, 1])).toThrow(/expected 3 labels/);
  });

  it('mseLoss: mean of squared errors, gradient matches (<= 1e-8)', () => {
    const p = Matrix.from([[1, 2], [3, 4]]), t = Matrix.from([[0, 2], [5, 4]]);
    expect(mseLoss(p, t).loss).toBe((1 + 4) / 4);
    const pred = randn(7, 3), target = randn(7, 3);
    const { dpred } = mseLoss(pred, target);
    expect(relError(dpred, evalNumericalGradient((pp) => mseLoss(pp, target).loss, pred))).toBeLessThanOrEqual(1e-8);
  });
});

describe('sandwich layer', () => {
  for (const activation of ['relu', 'sigmoid', 'tanh', 'leakyRelu'] as Activation[]) {
    for (const norm of [false, true]) {
      it(`affine → ${norm ? 'batchnorm → ' : ''}${activation}: backward matches numerical gradients`, () => {
        const x = randn(6, 4), w = randn(4, 5, 0.5), b = randn(1, 5), gamma = randn(1, 5), beta = randn(1, 5), dout = randn(6, 5);
        const f = (xx: Matrix, ww: Matrix, bb: Matrix) => hiddenLayerForward(xx, {
          w: ww, b: bb, activation, batchnorm: norm ? { gamma, beta, param: { mode: 'train' } } : undefined,
        })[0];
        const g = hiddenLayerBackward(dout, hiddenLayerForward(x, {
          w, b, activation, batchnorm: norm ? { gamma, beta, param: { mode: 'train' } } : undefined,
        })[1]);
        // A composed block accumulates rounding from each stage, so it gets 10× the per-layer budget.
        const tol = norm ? 1e-6 : 1e-7;
        expect(relError(g.dx, evalNumericalGradientArray((xx) => f(xx, w, b), x, dout))).toBeLessThanOrEqual(tol);
        expect(relError(g.dw, evalNumericalGradientArray((ww) => f(x, ww, b), w, dout))).toBeLessThanOrEqual(tol);
        if (!norm) expect(relError(g.db, evalNumericalGradientArray((bb) => f(x, w, bb), b, dout))).toBeLessThanOrEqual(tol);
      });
    }
  }
});
