/**
 * The memory of evaluation (scores, accuracy checks, predictions), in one place beside the
 * training step's (lib/fast/step_workspace.ts): what the forward passes over a whole dataset keep
 * where the kernels compute (WebAssembly memory, see lib/kernels/wasm.ts). The teaching files
 * never see it: the fast engine (lib/fast/engine.ts) hands it the model and the data, and it
 * calls `model.scores` on one batch after another, each batch carrying its arena.
 *
 * Why: one `loss(X)` call on a batch of 1024 used to scan X for non-finite values, copy X
 * into WebAssembly memory, allocate every output in the JavaScript heap and copy each one in
 * and out of the kernels: 2.5–6× NumPy's time at batch 1024, products included. Here:
 * - the dataset is checked for non-finite values and copied, in the model's number type, into
 *   resident memory once per pass, or once for all passes with `keep` (a dataset already resident
 *   in the right type is read in place), and each batch is a view of that copy;
 * - a listed subset of rows (the Solver's 1000-sample training-accuracy check) is gathered
 *   batch by batch into one resident buffer instead;
 * - a hidden block affine → ReLU small enough for one thread runs as one kernel call
 *   (lib/fast/sandwich.ts) instead of three, with no JavaScript between them;
 * - the batch carries the workspace's arena (lib/fast/arena.ts) as its allocator, so every output
 *   of the forward pass is resident too, and the same block is reused by every batch.
 *
 * What it owns, and how long each lives: the copy of the dataset it evaluates (for one pass; with
 * `keep`, until it evaluates another dataset or the workspace is dropped, for data that do not
 * change meanwhile), the gather buffer and the arena (for the workspace's life; the scores of a
 * batch until the next batch begins).
 */
import { Matrix, checkFinite, type DType } from '../nn/matrix.js';
import { residentMatrix, toResident } from '../kernels/resident.js';
import { StepArena } from './arena.js';
import { kernelProfile, kernels } from '../kernels/index.js';
import { checkBatchOptions, type BatchOptions, type Scorer } from '../nn/engine.js';
import { fastHiddenLayer } from './sandwich.js';

export class EvalWorkspace {
  private readonly arena = new StepArena();
  /** The dataset evaluated whole last time, and the copy of it the kernels read. */
  private held: { source: Matrix; dtype: DType; copy: Matrix } | null = null;
  /** Datasets already scanned for non-finite values. */
  private readonly checked = new WeakSet<Matrix>();
  /** Where listed rows are gathered, one batch at a time. */
  private gathered: Matrix | null = null;

  /**
   * Runs `model` on the rows of X in batches of at most `batchSize`, and after each batch calls
   * visit(scores, first), `first` being the position of the batch's first row among the rows
   * evaluated. The scores live in the workspace and are overwritten by the next batch: read
   * them during the visit.
   */
  forEachBatch(model: Scorer, X: Matrix, options: BatchOptions, visit: (scores: Matrix, first: number) => void): void {
    checkBatchOptions(X, options);
    const { batchSize, rows, upTo = X.rows } = options;
    const pass = () => {
      const count = rows?.length ?? upTo;
      for (let first = 0; first < count; first += batchSize) {
        const size = Math.min(batchSize, count - first);
        this.arena.reset(); // the previous batch's outputs are free again
        const batch = rows === undefined ? this.wholeRows(X, options, first, size) : this.listedRows(X, options, first, size);
        // Small hidden blocks in one kernel call each (lib/fast/sandwich.ts).
        visit(model.scores(new Matrix(batch.rows, batch.cols, batch.data, this.arena), { checked: true, hiddenLayer: fastHiddenLayer }), first);
      }
    };
    const profile = kernelProfile();
    try {
      if (profile === null) pass();
      else profile.evaluation(pass);
    } finally {
      if (options.keep !== true && this.held !== null) {
        if (this.held.copy !== this.held.source) kernels.free(this.held.copy.data);
        this.held = null;
      }
    }
  }

  /** Rows first..first+size−1 of X: a view of the held copy of X (made on first use). */
  private wholeRows(X: Matrix, options: BatchOptions, first: number, size: number): Matrix {
    const { dtype } = options;
    const h = this.held;
    let copy: Matrix;
    if (h !== null && h.source === X && h.dtype === dtype) copy = h.copy;
    else {
      if (h !== null && h.copy !== h.source) kernels.free(h.copy.data); // the previous dataset's copy
      this.held = null;
      this.checkOnce(X, options);
      copy = X.dtype === dtype && kernels.inPlace(X.data) ? X : toResident(X, dtype);
      this.held = { source: X, dtype, copy };
    }
    return new Matrix(size, X.cols, copy.data.subarray(first * X.cols, (first + size) * X.cols));
  }

  /** Listed rows first..first+size−1, gathered (and converted) into the resident buffer. */
  private listedRows(X: Matrix, options: BatchOptions, first: number, size: number): Matrix {
    const { dtype, batchSize, rows } = options;
    this.checkOnce(X, options);
    const g = this.gathered;
    if (g === null || g.rows < batchSize || g.cols !== X.cols || g.dtype !== dtype) this.gathered = residentMatrix(batchSize, X.cols, dtype);
    const buffer = this.gathered!;
    const out = new Matrix(size, X.cols, buffer.data.subarray(0, size * X.cols));
    const indices = Int32Array.from({ length: size }, (_, k) => rows![first + k]);
    return X.selectRows(indices, out);
  }

  /**
   * Gives back the workspace's memory (the dataset's copy, the gather buffer, the arena) now,
   * rather than when the workspace is garbage-collected (see kernels.free): the Solver does so
   * when training ends. Scores seen before must not be used any more; the workspace stays
   * usable and allocates anew.
   */
  release(): void {
    if (this.held !== null && this.held.copy !== this.held.source) kernels.free(this.held.copy.data);
    if (this.gathered !== null) kernels.free(this.gathered.data);
    this.held = this.gathered = null;
    this.arena.release();
  }

  /**
   * Throws, naming X as `what`, unless X is finite: once per pass, or once for all passes that
   * `keep` X (never when `checked`).
   */
  private checkOnce(X: Matrix, { what, checked, keep }: BatchOptions): void {
    if (checked === true || (keep === true && this.checked.has(X))) return;
    checkFinite(what, X);
    if (keep === true) this.checked.add(X);
  }
}
