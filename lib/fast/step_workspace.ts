/**
 * The memory of a training step, in one place: everything the Solver's step keeps where the
 * kernels compute (WebAssembly memory, see lib/kernels/wasm.ts) so that they read and write it
 * in place instead of copying it in and out on every call. The teaching files (layers,
 * layer_utils, fc_net, solver) never see it: the fast engine (lib/fast/engine.ts) asks it for
 * the step's input, which the Solver passes to `model.loss` like any other minibatch.
 *
 * What it owns, and how long each lives:
 * - the training set's resident copy, in the model's number type (until release(): the Solver's
 *   data do not change while it trains), from which each minibatch is gathered by one kernel
 *   call (assembly/gather.ts). Gathering in JavaScript converted the float64 rows into float32
 *   memory element by element on every step (Matrix.selectRows); now they are converted once.
 *   A training set already resident in that type is read in place; one that does not fit the
 *   resident area is gathered by Matrix.selectRows as before;
 * - the minibatch buffer: one resident matrix reused for the whole run, where each minibatch
 *   is gathered (two products read it every step: the first layer's forward pass and its
 *   weight gradient);
 * - the step arena (lib/fast/arena.ts): the step's input carries it as its allocator, so every
 *   matrix computed from the input (activations, caches, batchnorm gradients) takes its storage
 *   from it, and all of them are freed together when the next step begins (the gradients too:
 *   the update rules read them before the next step);
 * - the parameters themselves are moved into resident storage the first time a step sees them,
 *   and carry `residentStorage` as their allocator: what an update rule makes with Matrix.like(w)
 *   (its velocity or moment estimates, read and written every step) is resident too.
 */
import { Matrix, type Allocator, type DType } from '../nn/matrix.js';
import { residentMatrix, toResident } from '../kernels/resident.js';
import { StepArena } from './arena.js';
import { kernels } from '../kernels/index.js';

type Params = Record<string, Matrix>;

/** Long-lived resident storage (see residentMatrix), for what is made from a parameter. */
const residentStorage: Allocator = { take: (f32, length) => (f32 ? kernels.alloc32(length) : kernels.alloc(length)) };

export class StepWorkspace {
  private readonly arena = new StepArena();
  private batch: Matrix | null = null;
  /** Parameter matrices this workspace has made resident (a model may replace its parameters). */
  private readonly placed = new WeakSet<Matrix>();
  /** The training set gathered from last, and its copy the kernels read (null: no room for one). */
  private held: { source: Matrix; dtype: DType; copy: Matrix | null } | null = null;

  /**
   * The rows of X listed in `rows`, in that order, gathered into the minibatch buffer in type
   * `dtype` (see Engine.gather): one kernel call on the resident copy of X.
   */
  gather(X: Matrix, rows: Int32Array, dtype: DType): Matrix {
    const out = this.minibatch(rows.length, X.cols, dtype);
    const source = this.residentSource(X, dtype);
    if (source === null) return X.selectRows(rows, out);
    kernels.gatherRows(source.data, X.cols, rows, out.data);
    return out;
  }

  /**
   * X in `dtype` where the kernels read it in place: X itself if it is, else a copy made on
   * first use and kept until release(); null when the resident area has no room for the copy.
   */
  private residentSource(X: Matrix, dtype: DType): Matrix | null {
    const h = this.held;
    if (h !== null && h.source === X && h.dtype === dtype) return h.copy;
    this.release();
    let copy: Matrix | null = X.dtype === dtype && kernels.inPlace(X.data) ? X : toResident(X, dtype);
    if (!kernels.inPlace(copy.data)) copy = null; // toResident fell back to ordinary memory
    this.held = { source: X, dtype, copy };
    return copy;
  }

  /** Gives back the training set's copy now (the Solver's data may change once training ends). */
  release(): void {
    const h = this.held;
    if (h !== null && h.copy !== null && h.copy !== h.source) kernels.free(h.copy.data);
    this.held = null;
  }

  /**
   * Where to gather a minibatch of rows×cols values of type `dtype`: the leading rows of the
   * resident buffer (grown when a larger one is needed).
   */
  private minibatch(rows: number, cols: number, dtype: DType): Matrix {
    const b = this.batch;
    if (b === null || b.rows < rows || b.cols !== cols || b.dtype !== dtype) this.batch = residentMatrix(rows, cols, dtype);
    return leadingRows(this.batch!, rows);
  }

  /**
   * Starts a step on the minibatch X for a model with these parameters: frees the previous
   * step's temporaries, copies X into the minibatch buffer unless it was gathered there, and
   * returns the step's input: X, carrying the arena as its allocator. Everything computed from
   * it (the gradients too) is valid until the next call.
   */
  begin(X: Matrix, params: Params): Matrix {
    const dtype = Object.values(params)[0]?.dtype ?? X.dtype;
    let buffer = this.minibatch(X.rows, X.cols, dtype);
    if (X.data.buffer !== buffer.data.buffer || X.data.byteOffset !== buffer.data.byteOffset) buffer.data.set(X.data);
    else buffer = X;
    this.arena.reset();
    this.placeParams(params);
    return new Matrix(buffer.rows, buffer.cols, buffer.data, this.arena);
  }

  /** Moves every parameter not seen before into resident storage (same values, same type). */
  private placeParams(params: Params): void {
    for (const [k, m] of Object.entries(params)) {
      if (this.placed.has(m)) continue;
      const resident = toResident(m);
      const r = new Matrix(resident.rows, resident.cols, resident.data, residentStorage);
      this.placed.add(r);
      params[k] = r;
    }
  }
}

/** The first `rows` rows of m as a view (no copy): a short last minibatch in the batch buffer. */
function leadingRows(m: Matrix, rows: number): Matrix {
  return rows === m.rows ? m : new Matrix(rows, m.cols, m.data.subarray(0, rows * m.cols));
}
