/** The contract between the Solver and what it trains (lib/nn/solver.ts). */
import type { Matrix } from './matrix.js';
import type { LossResult, Params, StepOptions, Targets } from './fc_net.js';
import type { BatchnormParam } from './layers.js';
import type { Rng } from './random.js';

/**
 * What the Solver trains: any model with named parameters and a loss (CS231n's solver.py asks
 * the same). FullyConnectedNet is one; the optional members let the Solver check the data
 * against the model before training and keep the batchnorm statistics of the best epoch.
 */
export interface Model {
  /** The trainable parameters by name; the update rule writes new values into this map. */
  params: Params;
  /** Scores for X (test mode). */
  loss(X: Matrix): Matrix;
  /**
   * Scores for X in test mode, the forward pass alone (FullyConnectedNet has it); `checked`
   * says X needs no scan for non-finite values. Solver.evaluate uses it when present.
   */
  scores?(X: Matrix, options?: { checked?: boolean }): Matrix;
  /**
   * Loss and gradients for X and its targets (train mode). `rng` draws any randomness of the
   * step (dropout masks); `step.checked` says the data need no scan for non-finite values.
   */
  loss(X: Matrix, y: Targets, rng?: Rng, step?: StepOptions): LossResult;
  /** Throws unless `y` holds valid targets for `n` samples. */
  checkTargets?(what: string, y: Targets, n: number): void;
  /** The number of input columns, checked against the data. */
  readonly config?: { readonly inputDim: number };
  /** Batchnorm running statistics, restored with the best parameters. */
  readonly bnParams?: readonly BatchnormParam[];
}
