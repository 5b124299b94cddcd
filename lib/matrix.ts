/**
 * A dense, row-major matrix of float64 (or float32) and the numeric kernels the layers need.
 *
 * Every loop that touches many numbers lives in this module, so that the kernels can be
 * made faster (blocked, SIMD, WebAssembly) without touching a single layer. Kernels take an
 * optional `out` argument: the training loop passes reusable workspaces to avoid allocating.
 *
 * float64 is the default and what gradient checks need. float32 is an optional training path:
 * the WebAssembly kernels then work on four numbers per instruction instead of two. A result
 * has the type of its operands (see Matrix.like), so a network whose parameters are float32
 * computes in float32 all the way through; the products refuse to mix the two types.
 */
import { kernels, type Floats } from './kernels/index.js';
import { checkMatrixSize } from './limits.js';

export type DType = 'float64' | 'float32';
/** The storage of a Matrix (the kernels' operand type, defined in lib/kernels/js.ts). */
export type { Floats };
export const DTYPES: readonly DType[] = ['float64', 'float32'];

/** A zero-filled array of `length` numbers of type `dtype`. */
export function floatsOf(dtype: DType, length: number): Floats {
  checkMatrixSize('floatsOf', 1, length);
  if (dtype === 'float64') return new Float64Array(length);
  if (dtype === 'float32') return new Float32Array(length);
  throw new Error(`dtype must be 'float64' or 'float32', got '${String(dtype)}'`);
}

/**
 * Where Matrix.like takes the storage of results computed from a matrix that carries one: a
 * training step's temporaries, or an update rule's state (see lib/step_workspace.ts). `take`
 * hands out `length` zeros of float32 or float64, or null when it has no room (Matrix.like
 * then allocates as usual).
 */
export interface Allocator {
  take(f32: boolean, length: number): Floats | null;
}

export class Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Element (i, j) is data[i * cols + j]. */
  readonly data: Floats;
  /**
   * Where the results computed from this matrix get their storage (null: ordinary arrays).
   * Matrix.like passes it on, so everything computed from a training step's minibatch lives
   * exactly as long as the step's own storage. A matrix made any other way has none.
   */
  readonly allocator: Allocator | null;

  constructor(rows: number, cols: number, data?: Floats, allocator: Allocator | null = null) {
    checkMatrixSize('Matrix', rows, cols);
    if (data !== undefined && data.length !== rows * cols) {
      throw new Error(`Matrix: data has ${data.length} elements, expected ${rows}x${cols} = ${rows * cols}`);
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data ?? new Float64Array(rows * cols);
    this.allocator = allocator;
  }

  static zeros(rows: number, cols: number, dtype: DType = 'float64'): Matrix {
    checkMatrixSize('Matrix', rows, cols);
    return new Matrix(rows, cols, floatsOf(dtype, rows * cols));
  }

  static filled(rows: number, cols: number, value: number, dtype: DType = 'float64'): Matrix {
    const m = Matrix.zeros(rows, cols, dtype);
    m.data.fill(value);
    return m;
  }

  /**
   * A zero matrix of the same number type as `m`, by default also of its shape. This is how
   * layers allocate their outputs: from m's allocator when it has one (and the result carries
   * it on), else from the garbage-collected heap.
   */
  static like(m: Matrix, rows = m.rows, cols = m.cols): Matrix {
    checkMatrixSize('Matrix.like', rows, cols);
    const f32 = m.data instanceof Float32Array;
    const data = m.allocator?.take(f32, rows * cols) ?? (f32 ? new Float32Array(rows * cols) : new Float64Array(rows * cols));
    return new Matrix(rows, cols, data, m.allocator);
  }

  /** 'float64' or 'float32': the type of the numbers in `data`. */
  get dtype(): DType {
    return this.data instanceof Float32Array ? 'float32' : 'float64';
  }

  /** This matrix if it already holds `dtype` numbers, else a converted copy (float32 rounds to nearest). */
  astype(dtype: DType): Matrix {
    if (dtype === this.dtype) return this;
    const m = Matrix.zeros(this.rows, this.cols, dtype);
    m.data.set(this.data);
    return m;
  }

  /** Builds a matrix from nested arrays, e.g. `Matrix.from([[1, 2], [3, 4]])`. */
  static from(rows: ArrayLike<ArrayLike<number>>): Matrix {
    const n = rows.length;
    const d = n > 0 ? rows[0].length : 0;
    const m = new Matrix(n, d);
    for (let i = 0; i < n; i++) {
      if (rows[i].length !== d) throw new Error(`Matrix.from: row ${i} has ${rows[i].length} values, expected ${d}`);
      for (let j = 0; j < d; j++) m.data[i * d + j] = rows[i][j];
    }
    return m;
  }

  /** A 1×n row vector. */
  static rowVector(values: ArrayLike<number>): Matrix {
    return new Matrix(1, values.length, Float64Array.from(values));
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  get size(): number {
    return this.rows * this.cols;
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, value: number): void {
    this.data[i * this.cols + j] = value;
  }

  /** Row i as a view (no copy). */
  row(i: number): Floats {
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  /**
   * The rows listed in `indices`, copied into a new matrix of the same type (minibatch
   * gathering), or into `out`, converting if `out` holds the other type.
   */
  selectRows(indices: ArrayLike<number>, out?: Matrix): Matrix {
    const c = this.cols;
    const res = out ?? Matrix.like(this, indices.length, c);
    checkShape('selectRows out', res, indices.length, c);
    // Converting float64 rows into float32 WebAssembly memory (a float32 net's minibatch), V8
    // converts element by element into the shared buffer: 128×784 values took ~330 µs, against
    // ~170 µs converting each row into an ordinary array first, then copying it over.
    const row = res.dtype === this.dtype ? null : floatsOf(res.dtype, c);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      const from = this.data.subarray(i * c, (i + 1) * c);
      if (row === null) res.data.set(from, k * c);
      else {
        row.set(from);
        res.data.set(row, k * c);
      }
    }
    return res;
  }

  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.row(i)));
    return out;
  }

  toString(): string {
    return `Matrix(${this.rows}x${this.cols})`;
  }
}

/** Throws unless `m` is rows×cols; `what` names the argument in the message. */
export function checkShape(what: string, m: Matrix, rows: number, cols: number): void {
  if (m.rows !== rows || m.cols !== cols) {
    throw new Error(`${what}: expected shape ${rows}x${cols}, got ${m.rows}x${m.cols}`);
  }
}

/** Throws unless every value of `m` is finite; `what` names the argument in the message. */
export function checkFinite(what: string, m: Matrix): void {
  const d = m.data;
  if (allFinite(d)) return;
  for (let k = 0; k < d.length; k++) {
    if (!Number.isFinite(d[k])) {
      const i = Math.floor(k / m.cols);
      throw new Error(`${what}: expected finite values, found ${d[k]} at (${i}, ${k - i * m.cols})`);
    }
  }
}

/**
 * Whether every value is finite: the allFinite kernel (lib/kernels/elementwise.ts), on pieces
 * of at most FINITE_CHUNK values, so that a large dataset outside the kernels' memory is
 * copied in a piece at a time rather than whole.
 */
function allFinite(d: Floats): boolean {
  for (let s = 0; s < d.length; s += FINITE_CHUNK) {
    const piece = d.subarray(s, Math.min(s + FINITE_CHUNK, d.length));
    if (kernels.allFinite(piece.length, piece) === 0) return false;
  }
  return true;
}
const FINITE_CHUNK = 1 << 20;

/** `out` after checking its shape, or a new rows×cols matrix of the type of `like`. */
function output(what: string, out: Matrix | undefined, rows: number, cols: number, like: Matrix): Matrix {
  if (out === undefined) return Matrix.like(like, rows, cols);
  checkShape(`${what} out`, out, rows, cols);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Matrix products. All three forms go to one strided kernel, C[i, j] = Σ_p A(i, p)·B(p, j),
// from lib/kernels/: WebAssembly SIMD when it loads, register-tiled TypeScript otherwise. Both
// sum each element in the order p = 0, 1, …, k-1 (as the textbook loop does), so results are
// identical whichever runs. The transposed forms only change the strides, never copy.
// ---------------------------------------------------------------------------------------------

/**
 * The kernels read their operands while writing C, so C must not share storage with them; and
 * one kernel call computes in one number type, so A, B and C must all hold the same one.
 */
function checkOperands(what: string, c: Matrix, a: Matrix, b: Matrix): void {
  if (overlaps(c.data, a.data) || overlaps(c.data, b.data)) throw new Error(`${what}: out must not share storage with an operand`);
  checkSameDType(what, ['A', a], ['B', b], ['out', c]);
}

/** Throws unless all the named matrices hold the same number type. */
export function checkSameDType(what: string, ...named: [string, Matrix][]): void {
  const [first, m0] = named[0];
  for (const [name, m] of named) {
    if (m.dtype !== m0.dtype) throw new Error(`${what}: ${first} is ${m0.dtype} but ${name} is ${m.dtype} (convert one with .astype())`);
  }
}

function overlaps(x: Floats, y: Floats): boolean {
  return x.buffer === y.buffer && x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/** C = A·B, A: n×k, B: k×m → C: n×m. */
export function matmul(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`matmul: inner dimensions differ, A is ${a.rows}x${a.cols}, B is ${b.rows}x${b.cols}`);
  const n = a.rows, k = a.cols, m = b.cols;
  const c = output('matmul', out, n, m, a);
  checkOperands('matmul', c, a, b);
  // A(i, p) = A[i·k + p], B(p, j) = B[p·m + j].
  kernels.gemm(n, m, k, a.data, k, 1, b.data, m, 1, c.data);
  return c;
}

/** C = Aᵀ·B, A: k×n, B: k×m → C: n×m (the weight gradient xᵀ·dout). */
export function matmulTN(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  if (a.rows !== b.rows) throw new Error(`matmulTN: row counts differ, A is ${a.rows}x${a.cols}, B is ${b.rows}x${b.cols}`);
  const k = a.rows, n = a.cols, m = b.cols;
  const c = output('matmulTN', out, n, m, a);
  checkOperands('matmulTN', c, a, b);
  // Aᵀ(i, p) = A[p·n + i]: step down a column of A.
  kernels.gemm(n, m, k, a.data, 1, n, b.data, m, 1, c.data);
  return c;
}

/** C = A·Bᵀ, A: n×k, B: m×k → C: n×m (the input gradient dout·Wᵀ). */
export function matmulNT(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  if (a.cols !== b.cols) throw new Error(`matmulNT: column counts differ, A is ${a.rows}x${a.cols}, B is ${b.rows}x${b.cols}`);
  const n = a.rows, k = a.cols, m = b.rows;
  const c = output('matmulNT', out, n, m, a);
  checkOperands('matmulNT', c, a, b);
  // Bᵀ(p, j) = B[j·k + p]: step along a row of B.
  kernels.gemm(n, m, k, a.data, k, 1, b.data, 1, k, c.data);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Resident matrices and the Adam update.
// ---------------------------------------------------------------------------------------------

/**
 * A zero matrix whose storage lives where the kernels compute (WebAssembly memory when that
 * backend is in use), so products and updates read and write it in place instead of copying
 * it in and out on every call. Meant for long-lived data touched every step: parameters and
 * optimiser state. It behaves as any Matrix, with one caveat: `data.buffer` is the kernels'
 * whole memory, so code that reads raw bytes must use data.byteOffset and data.byteLength.
 * Falls back to an ordinary matrix when the resident area is full or the backend is 'js'.
 */
export function residentMatrix(rows: number, cols: number, dtype: DType = 'float64'): Matrix {
  if (dtype !== 'float64' && dtype !== 'float32') floatsOf(dtype, 0); // throws, naming the bad dtype
  checkMatrixSize('residentMatrix', rows, cols);
  return new Matrix(rows, cols, dtype === 'float32' ? kernels.alloc32(rows * cols) : kernels.alloc(rows * cols));
}

/** A resident copy of `m` (see residentMatrix), converted to `dtype` (by default m's own). */
export function toResident(m: Matrix, dtype: DType = m.dtype): Matrix {
  const r = residentMatrix(m.rows, m.cols, dtype);
  r.data.set(m.data);
  return r;
}

export interface AdamHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Bias corrections 1 − β1ᵗ and 1 − β2ᵗ for step t. */
  c1: number;
  c2: number;
}

/**
 * One Adam step on every element, in place (the math is in lib/optim.ts):
 * m ← β1·m + (1 − β1)·dw; v ← β2·v + (1 − β2)·dw²; w ← w − lr·(m / c1) / (√(v / c2) + ε).
 */
export function adamUpdate(w: Matrix, dw: Matrix, m: Matrix, v: Matrix, h: AdamHyper): void {
  checkShape('adamUpdate dw', dw, w.rows, w.cols);
  checkShape('adamUpdate m', m, w.rows, w.cols);
  checkShape('adamUpdate v', v, w.rows, w.cols);
  checkSameDType('adamUpdate', ['w', w], ['dw', dw], ['m', m], ['v', v]);
  kernels.adam(w.data, dw.data, m.data, v.data, h.learningRate, h.beta1, h.beta2, h.epsilon, h.c1, h.c2);
}

// ---------------------------------------------------------------------------------------------
// Broadcasts and reductions.
// ---------------------------------------------------------------------------------------------

/**
 * out[i, j] = a[i, j] + v[0, j]: adds a 1×m row vector to every row of an n×m matrix (the bias
 * of an affine layer). `out` may be `a` itself.
 */
export function addRowVector(a: Matrix, v: Matrix, out?: Matrix): Matrix {
  checkShape('addRowVector v', v, 1, a.cols);
  const c = output('addRowVector', out, a.rows, a.cols, a);
  checkSameDType('addRowVector', ['a', a], ['v', v], ['out', c]);
  kernels.addRowVector(a.rows, a.cols, a.data, v.data, c.data);
  return c;
}

/** out[i, j] = a[i, j] * v[0, j]: scales every row by a 1×m row vector. */
export function mulRowVector(a: Matrix, v: Matrix, out?: Matrix): Matrix {
  checkShape('mulRowVector v', v, 1, a.cols);
  const c = output('mulRowVector', out, a.rows, a.cols, a);
  const A = a.data, V = v.data, C = c.data, m = a.cols;
  for (let i = 0; i < a.rows; i++) {
    const r = i * m;
    for (let j = 0; j < m; j++) C[r + j] = A[r + j] * V[j];
  }
  return c;
}

/** Column sums of an n×m matrix as a 1×m row vector (the bias gradient), rows added in order. */
export function colSums(a: Matrix, out?: Matrix): Matrix {
  const c = output('colSums', out, 1, a.cols, a);
  checkSameDType('colSums', ['a', a], ['out', c]);
  kernels.colSums(a.rows, a.cols, a.data, c.data);
  return c;
}

/** Column means of an n×m matrix as a 1×m row vector. */
export function colMeans(a: Matrix, out?: Matrix): Matrix {
  const c = colSums(a, out);
  const inv = 1 / a.rows;
  for (let j = 0; j < c.cols; j++) c.data[j] *= inv;
  return c;
}

/** Σ a[i, j]² (the L2 penalty). */
export function sumOfSquares(a: Matrix): number {
  const A = a.data;
  let s = 0;
  for (let k = 0; k < A.length; k++) s += A[k] * A[k];
  return s;
}

/** Σ a[i, j] · b[i, j]. */
export function dot(a: Matrix, b: Matrix): number {
  checkShape('dot b', b, a.rows, a.cols);
  const A = a.data, B = b.data;
  let s = 0;
  for (let k = 0; k < A.length; k++) s += A[k] * B[k];
  return s;
}

// ---------------------------------------------------------------------------------------------
// Elementwise maps.
// ---------------------------------------------------------------------------------------------

/** out = max(0, a) elementwise (a NaN gives 0): the positive part, ReLU's forward pass. */
export function positivePart(a: Matrix, out?: Matrix): Matrix {
  const c = output('positivePart', out, a.rows, a.cols, a);
  checkSameDType('positivePart', ['a', a], ['out', c]);
  kernels.relu(a.size, a.data, c.data);
  return c;
}

/** out = values where x > 0, else 0, elementwise: ReLU's backward pass (values = dout). */
export function wherePositive(x: Matrix, values: Matrix, out?: Matrix): Matrix {
  checkShape('wherePositive values', values, x.rows, x.cols);
  const c = output('wherePositive', out, x.rows, x.cols, x);
  checkSameDType('wherePositive', ['x', x], ['values', values], ['out', c]);
  kernels.reluBackward(x.size, x.data, values.data, c.data);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Per-column statistics and the batchnorm passes (the math is in lib/layers.ts).
// ---------------------------------------------------------------------------------------------

/**
 * Per-column mean and biased variance of an n×d matrix, in float64: μ_j = Σ_i x_ij / n, then
 * σ²_j = Σ_i (x_ij − μ_j)² / n (two passes, for accuracy), rows summed in order.
 */
export function columnMoments(x: Matrix): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(x.cols), variance = new Float64Array(x.cols);
  kernels.columnMoments(x.rows, x.cols, x.data, mean, variance);
  return { mean, variance };
}

/**
 * x̂_ij = (x_ij − mean_j)·invStd_j and out_ij = gamma_j·x̂_ij + beta_j for an n×d matrix x
 * (mean in float64; invStd, gamma, beta 1×d). Each value is computed in float64 and rounded
 * once to x's type, out from x̂ as stored.
 */
export function normalizeColumns(x: Matrix, mean: Float64Array, invStd: Matrix, gamma: Matrix, beta: Matrix): { xhat: Matrix; out: Matrix } {
  for (const [what, v] of [['invStd', invStd], ['gamma', gamma], ['beta', beta]] as const) checkShape(`normalizeColumns ${what}`, v, 1, x.cols);
  checkSameDType('normalizeColumns', ['x', x], ['invStd', invStd], ['gamma', gamma], ['beta', beta]);
  if (mean.length !== x.cols) throw new Error(`normalizeColumns: mean has ${mean.length} values, expected ${x.cols}`);
  const xhat = Matrix.like(x), out = Matrix.like(x);
  kernels.batchnormNormalize(x.rows, x.cols, x.data, mean, invStd.data, gamma.data, beta.data, xhat.data, out.data);
  return { xhat, out };
}

/** Σ_i a_ij · b_ij for each column j, as a 1×d row vector (rows in order; a and b are n×d). */
export function columnDot(a: Matrix, b: Matrix): Matrix {
  checkShape('columnDot b', b, a.rows, a.cols);
  checkSameDType('columnDot', ['a', a], ['b', b]);
  const c = Matrix.like(a, 1, a.cols);
  kernels.columnDot(a.rows, a.cols, a.data, b.data, c.data);
  return c;
}

/**
 * Train-mode batchnorm input gradient for n×d dout and x̂, from per-column factors (float64):
 * dx_ij = k_j · (n·dout_ij·gamma_j − sumDxhat_j − x̂_ij·sumDxhatXhat_j).
 */
export function batchnormInputGrad(dout: Matrix, xhat: Matrix, gamma: Matrix, k: Float64Array, sumDxhat: Float64Array, sumDxhatXhat: Float64Array): Matrix {
  checkShape('batchnormInputGrad dout', dout, xhat.rows, xhat.cols);
  checkShape('batchnormInputGrad gamma', gamma, 1, xhat.cols);
  checkSameDType('batchnormInputGrad', ['dout', dout], ['xhat', xhat], ['gamma', gamma]);
  const dx = Matrix.like(xhat);
  kernels.batchnormInputGrad(xhat.rows, xhat.cols, dout.data, xhat.data, gamma.data, k, sumDxhat, sumDxhatXhat, dx.data);
  return dx;
}

/** out = f(a) elementwise. */
export function map(a: Matrix, f: (x: number) => number, out?: Matrix): Matrix {
  const c = output('map', out, a.rows, a.cols, a);
  const A = a.data, C = c.data;
  for (let k = 0; k < A.length; k++) C[k] = f(A[k]);
  return c;
}

/** out = f(a, b) elementwise; a and b have the same shape. */
export function zip(a: Matrix, b: Matrix, f: (x: number, y: number) => number, out?: Matrix): Matrix {
  checkShape('zip b', b, a.rows, a.cols);
  const c = output('zip', out, a.rows, a.cols, a);
  const A = a.data, B = b.data, C = c.data;
  for (let k = 0; k < A.length; k++) C[k] = f(A[k], B[k]);
  return c;
}

/** out = a + b. */
export function add(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  checkShape('add b', b, a.rows, a.cols);
  const c = output('add', out, a.rows, a.cols, a);
  const A = a.data, B = b.data, C = c.data;
  for (let k = 0; k < A.length; k++) C[k] = A[k] + B[k];
  return c;
}

/** out = a - b. */
export function sub(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  checkShape('sub b', b, a.rows, a.cols);
  const c = output('sub', out, a.rows, a.cols, a);
  const A = a.data, B = b.data, C = c.data;
  for (let k = 0; k < A.length; k++) C[k] = A[k] - B[k];
  return c;
}

/** out = a ⊙ b (Hadamard product). */
export function mul(a: Matrix, b: Matrix, out?: Matrix): Matrix {
  checkShape('mul b', b, a.rows, a.cols);
  const c = output('mul', out, a.rows, a.cols, a);
  const A = a.data, B = b.data, C = c.data;
  for (let k = 0; k < A.length; k++) C[k] = A[k] * B[k];
  return c;
}

/** out = s · a. */
export function scale(a: Matrix, s: number, out?: Matrix): Matrix {
  const c = output('scale', out, a.rows, a.cols, a);
  const A = a.data, C = c.data;
  for (let k = 0; k < A.length; k++) C[k] = s * A[k];
  return c;
}

/** a += s · b, in place (accumulating gradients, e.g. the L2 term). */
export function addScaledInPlace(a: Matrix, b: Matrix, s: number): Matrix {
  checkShape('addScaledInPlace b', b, a.rows, a.cols);
  const A = a.data, B = b.data;
  for (let k = 0; k < A.length; k++) A[k] += s * B[k];
  return a;
}

/**
 * The L2 penalty 0.5·reg·ΣW² of one weight matrix, in one pass over W: adds its gradient
 * reg·W to dw in place (in float64, rounded once to dw's type) and returns ΣW². Reading W once
 * instead of twice (sumOfSquares, then addScaledInPlace) is what saves time. The sum is taken
 * as four running sums, of the elements k ≡ 0, 1, 2, 3 (mod 4), added together at the end: the
 * order two-lane SIMD sums in, which both backends follow so that they agree bit for bit. (It
 * differs from sumOfSquares's left-to-right order in the last bits only.)
 */
export function addL2Gradient(dw: Matrix, w: Matrix, reg: number): number {
  checkShape('addL2Gradient w', w, dw.rows, dw.cols);
  checkSameDType('addL2Gradient', ['dw', dw], ['w', w]);
  return kernels.addL2Gradient(w.size, dw.data, w.data, reg);
}

/** Index of the largest value in each row (class predictions from scores). */
export function argmaxRows(a: Matrix): Int32Array {
  const res = new Int32Array(a.rows);
  const A = a.data, m = a.cols;
  for (let i = 0; i < a.rows; i++) {
    let best = 0, bestVal = A[i * m];
    for (let j = 1; j < m; j++) {
      const v = A[i * m + j];
      if (v > bestVal) { bestVal = v; best = j; }
    }
    res[i] = best;
  }
  return res;
}
