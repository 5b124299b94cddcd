/**
 * An opt-in profile of where the kernels' time goes: milliseconds and calls per category
 * (products, Adam, the streaming elementwise and batchnorm passes, the minibatch gather of
 * lib/fast/step_workspace.ts and the softmax loss) plus the evaluation passes
 * (accuracy checks, predictions: see lib/fast/eval_workspace.ts), which are timed as a whole.
 *
 * Off by default, and then free: lib/kernels/index.ts hands lib/nn/ops.ts the kernels
 * themselves, and only while a profile is switched on (profileKernels) a copy of them whose
 * every function reads the clock before and after the call. The switch is explicit, and one
 * profile at a time: `nnlab bench` turns it on around the epochs it profiles.
 *
 * A sandwich layer's call (a hidden block's products and elementwise passes in one, see
 * lib/fast/sandwich.ts) counts as products, which are most of its time.
 *
 * A kernel that runs inside an evaluation pass counts as evaluation only, so the categories
 * never overlap and their sum is the time the kernels and the evaluations took; the rest of
 * an epoch is JavaScript between the kernels (bookkeeping, the update rule's loop over the
 * parameters; the softmax loss and gathering minibatches too on the reference engine or the
 * TypeScript backend, which run lib/nn/layers.ts's softmaxLoss and Matrix.selectRows).
 */
import { performance } from 'node:perf_hooks';

export type KernelCategory = 'products' | 'adam' | 'elementwise';
export type ProfileCategory = KernelCategory | 'evaluation';
export const PROFILE_CATEGORIES: readonly ProfileCategory[] = ['products', 'adam', 'elementwise', 'evaluation'];

export class KernelProfile {
  /** Milliseconds spent in each category. */
  readonly ms: Record<ProfileCategory, number> = { products: 0, adam: 0, elementwise: 0, evaluation: 0 };
  /** Calls of each category (for evaluation: passes). */
  readonly calls: Record<ProfileCategory, number> = { products: 0, adam: 0, elementwise: 0, evaluation: 0 };
  /** Nesting depth of evaluation passes: kernels inside one count as evaluation. */
  private evaluating = 0;

  /** Runs f, a kernel call of `category`, and adds its time (unless inside an evaluation). */
  kernel<T>(category: KernelCategory, f: () => T): T {
    if (this.evaluating > 0) return f();
    const t0 = performance.now();
    try {
      return f();
    } finally {
      this.ms[category] += performance.now() - t0;
      this.calls[category]++;
    }
  }

  /** Runs f, an evaluation pass, and adds its whole time to 'evaluation'. */
  evaluation<T>(f: () => T): T {
    if (this.evaluating > 0) return f();
    const t0 = performance.now();
    this.evaluating++;
    try {
      return f();
    } finally {
      this.evaluating--;
      this.ms.evaluation += performance.now() - t0;
      this.calls.evaluation++;
    }
  }
}
