/** When the Solver stops a run as diverged (lib/nn/solver.ts checks every minibatch's loss). */

/**
 * Training stops as diverged when a minibatch's loss is not finite, or larger than this many
 * times the run's first loss (taken as at least 1, so that a regression starting near 0 is
 * not stopped by ordinary noise). Adam at learning rates 1e-3..1e-1 on the built-in data stays
 * below 10× its first loss; runs at 10 and above passed 1e20.
 */
export const DIVERGENCE_FACTOR = 1e3;

/** Thrown by Solver.train when the loss diverges; says where, and suggests a smaller learning rate. */
export class DivergenceError extends Error {
  constructor(
    readonly loss: number,
    readonly epoch: number,
    readonly iteration: number,
    readonly iterationsPerEpoch: number,
    readonly learningRate: number | undefined,
    why: string,
  ) {
    super(
      `Solver.train: the loss became ${loss} at epoch ${epoch}, iteration ${iteration} of ${iterationsPerEpoch}${why} ` +
      `(learning rate ${learningRate}); the training diverged: try a smaller learning rate`,
    );
    this.name = 'DivergenceError';
  }
}
