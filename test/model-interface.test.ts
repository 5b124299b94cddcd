/**
 * The Solver trains any model with `params` and `loss(X, y)` (CS231n's solver.py contract), not
 * only FullyConnectedNet: here a linear least-squares model written in a few lines.
 */
import { describe, it, expect } from 'vitest';
import { Matrix, Rng, Solver, matmul, matmulTN, type Model, type Targets, type LossResult } from '../lib/index.js';

/** scores = X·W; loss = mean squared error over all entries; dW = Xᵀ·(2(XW − y)/(N·M)). */
class Linear implements Model {
  params: Record<string, Matrix>;
  constructor(inputs: number, outputs: number) {
    this.params = { W: Matrix.zeros(inputs, outputs) };
  }
  loss(X: Matrix): Matrix;
  loss(X: Matrix, y: Targets): LossResult;
  loss(X: Matrix, y?: Targets): Matrix | LossResult {
    const scores = matmul(X, this.params.W);
    if (y === undefined) return scores;
    const t = y as Matrix, count = scores.size;
    const d = Matrix.like(scores);
    let loss = 0;
    for (let k = 0; k < count; k++) {
      const e = scores.data[k] - t.data[k];
      loss += e * e;
      d.data[k] = (2 * e) / count;
    }
    return { loss: loss / count, grads: { W: matmulTN(X, d) } };
  }
}

describe('Solver and the Model interface', () => {
  it('trains a model that is not a FullyConnectedNet (params and loss only) to the exact solution', () => {
    const rng = new Rng(5);
    const X = rng.gaussianMatrix(200, 3);
    const Wtrue = Matrix.from([[1], [-2], [0.5]]);
    const y = matmul(X, Wtrue);
    const model = new Linear(3, 1);
    const solver = new Solver(model, { XTrain: X, yTrain: y, XVal: X, yVal: y }, {
      updateRule: 'adam', optimConfig: { learningRate: 0.05 }, batchSize: 20, numEpochs: 30,
    });
    expect(solver.metric).toBe('mse'); // from the target matrix
    solver.train();
    for (let i = 0; i < 3; i++) expect(model.params.W.data[i]).toBeCloseTo(Wtrue.data[i], 3);
    expect(solver.bestValMetric).toBeLessThan(1e-6);
  });
});
