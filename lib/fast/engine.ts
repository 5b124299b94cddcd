/**
 * The fast engine: the Engine contract of lib/nn/engine.ts with memory kept where the kernels
 * compute (WebAssembly memory, see lib/kernels/wasm.ts). A training step goes through a
 * StepWorkspace (minibatch buffer, step arena, resident parameters), evaluation through an
 * EvalWorkspace (the dataset's resident copy, batch arena). Same results as referenceEngine,
 * bit for bit (test/engine.test.ts); only where the numbers are stored differs.
 *
 * `defaultEngine` is the one place that chooses what the Solver and predict run on.
 */
import { Matrix, type DType } from '../nn/matrix.js';
import { kernels } from '../kernels/index.js';
import type { Engine, Scorer, BatchOptions, HiddenLayerBackwardPass, HiddenLayerParams, OptimConfig, UpdateRuleName } from '../nn/engine.js';
import { StepWorkspace } from './step_workspace.js';
import { EvalWorkspace } from './eval_workspace.js';
import { fastHiddenLayer } from './sandwich.js';
import { adamAll } from './adam_all.js';

export class FastEngine implements Engine {
  private readonly step = new StepWorkspace();
  private readonly evaluation = new EvalWorkspace();

  gather(X: Matrix, rows: Int32Array, dtype: DType): Matrix {
    return this.step.gather(X, rows, dtype);
  }

  stepInput(X: Matrix, params: Record<string, Matrix>): Matrix {
    return this.step.begin(X, params);
  }

  /**
   * One kernel call (assembly/softmax.ts) on a step's scores, which live in the step arena; null
   * where the kernel does not run (the TypeScript backend, scores in ordinary memory, labels
   * that are not classes), and the reference runs instead (see Engine.softmaxLoss).
   */
  softmaxLoss(scores: Matrix, y: ArrayLike<number>): { loss: number; dscores: Matrix } | null {
    const fused = kernels.softmaxLoss;
    if (fused === null || !kernels.inPlace(scores.data)) return null;
    const dscores = Matrix.like(scores); // from the scores' allocator: the step arena
    if (!kernels.inPlace(dscores.data)) return null;
    const loss = fused(scores.rows, scores.cols, scores.data, y, dscores.data);
    return loss === null ? null : { loss, dscores };
  }

  /** A small affine → ReLU block in one kernel call each way (lib/fast/sandwich.ts); else null. */
  hiddenLayer(x: Matrix, p: HiddenLayerParams): [Matrix, HiddenLayerBackwardPass] | null {
    return fastHiddenLayer(x, p);
  }

  /** The rule 'adam' on every parameter in one kernel call (lib/fast/adam_all.ts); false for any other rule. */
  updateAll(rule: UpdateRuleName, params: Record<string, Matrix>, grads: Record<string, Matrix>, configs: Record<string, OptimConfig>): boolean {
    return rule === 'adam' && adamAll(params, grads, configs);
  }

  forEachBatch(model: Scorer, X: Matrix, options: BatchOptions, visit: (scores: Matrix, first: number) => void): void {
    this.evaluation.forEachBatch(model, X, options, visit);
  }

  release(): void {
    this.evaluation.release();
    this.step.release();
  }
}

/** The engine every Solver and every predict call runs on. */
export function defaultEngine(): Engine {
  return new FastEngine();
}
