/** Small seeded problems shared by the network, solver and float32 tests. */
import { Matrix, Rng, type LossKind } from '../lib/index.js';

/**
 * n random inputs of d features with targets for `loss`: labels in [0, c) for softmax, an n×c
 * matrix for MSE. Also returns the generator, for tests that draw more from it.
 */
export function problem(loss: LossKind, seed: number, n: number, d: number, c: number) {
  const rng = new Rng(seed);
  const X = rng.gaussianMatrix(n, d);
  const y = loss === 'softmax' ? Int32Array.from({ length: n }, () => rng.int(0, c - 1)) : rng.gaussianMatrix(n, c);
  return { X, y, rng };
}

/**
 * A 3-class problem: Gaussian blobs in 10 dimensions, sample i of class i mod 3. The centres are
 * drawn from the seed too, so two calls with different seeds give different problems: take
 * training and validation parts from one call when validation accuracy matters.
 */
export function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const centres = rng.gaussianMatrix(3, 10, 2);
  const X = new Matrix(n, 10);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 10; j++) X.set(i, j, centres.get(y[i], j) + rng.gaussian());
  }
  return { X, y };
}
