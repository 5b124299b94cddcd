/**
 * The operations on matrices that the layers, the network and the update rules call. Each one
 * checks its arguments (shapes, number types), then hands the loop to the kernel table of
 * lib/kernels/ (WebAssembly SIMD when it loads, TypeScript otherwise, identical bits), so that
 * the kernels can be made faster without touching a layer. Three are inline loops here, being
 * cheap or rare: sumOfSquares, addScaledInPlace and argmaxRows. (The elementwise loops of
 * leaky ReLU, dropout and the losses are written out in lib/nn/layers.ts.)
 *
 * An optional `out` is where the result is written instead of a new matrix of the operand's
 * type (Matrix.like).
 */
import { Matrix, checkShape, checkSameDType } from './matrix.js';
import { kernels, type Floats } from '../kernels/index.js';

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
// The Adam update.
// ---------------------------------------------------------------------------------------------

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
 * One Adam step on every element, in place (the math, and the loop the kernel runs, are in
 * lib/nn/optim.ts):
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

/** Column sums of an n×m matrix as a 1×m row vector (the bias gradient), rows added in order. */
export function colSums(a: Matrix, out?: Matrix): Matrix {
  const c = output('colSums', out, 1, a.cols, a);
  checkSameDType('colSums', ['a', a], ['out', c]);
  kernels.colSums(a.rows, a.cols, a.data, c.data);
  return c;
}

/** Σ a[i, j]² (the L2 penalty). */
export function sumOfSquares(a: Matrix): number {
  const A = a.data;
  let s = 0;
  for (let k = 0; k < A.length; k++) s += A[k] * A[k];
  return s;
}

// ---------------------------------------------------------------------------------------------
// Activations: ReLU, sigmoid, tanh (lib/math/elementary.ts's functions), and their backward
// passes, which read the forward pass's input (ReLU) or output (sigmoid, tanh).
// ---------------------------------------------------------------------------------------------

/** The elementwise kernels of one activation: out[k] = f(a[k]), and dx[k] from (cached[k], dout[k]). */
type Elementwise = (n: number, a: Floats, out: Floats) => void;
type ElementwiseBackward = (n: number, cached: Floats, dout: Floats, out: Floats) => void;

/** `kernel` on every element of a, into out (a new matrix like a by default). */
function elementwise(name: string, kernel: Elementwise, a: Matrix, out?: Matrix): Matrix {
  const c = output(name, out, a.rows, a.cols, a);
  checkSameDType(name, ['a', a], ['out', c]);
  kernel(a.size, a.data, c.data);
  return c;
}

/** `kernel` on every element of what the forward pass cached (named in errors) and of dout, into out. */
function elementwiseBackward(name: string, kernel: ElementwiseBackward, [cachedName, cached]: [string, Matrix], dout: Matrix, out?: Matrix): Matrix {
  checkShape(`${name} dout`, dout, cached.rows, cached.cols);
  const c = output(name, out, cached.rows, cached.cols, cached);
  checkSameDType(name, [cachedName, cached], ['dout', dout], ['out', c]);
  kernel(cached.size, cached.data, dout.data, c.data);
  return c;
}

/** out = max(0, a) elementwise (a NaN gives 0): ReLU's forward pass. */
export function relu(a: Matrix, out?: Matrix): Matrix {
  return elementwise('relu', kernels.relu, a, out);
}

/** out = dout where x > 0, else 0, elementwise: ReLU's backward pass. */
export function reluBackward(x: Matrix, dout: Matrix, out?: Matrix): Matrix {
  return elementwiseBackward('reluBackward', kernels.reluBackward, ['x', x], dout, out);
}

/** out = sigmoid(a) elementwise. */
export function sigmoid(a: Matrix, out?: Matrix): Matrix {
  return elementwise('sigmoid', kernels.sigmoid, a, out);
}

/** out = dout · s · (1 − s) elementwise, s = sigmoid(x): the sigmoid's backward pass. */
export function sigmoidBackward(s: Matrix, dout: Matrix, out?: Matrix): Matrix {
  return elementwiseBackward('sigmoidBackward', kernels.sigmoidBackward, ['s', s], dout, out);
}

/** out = tanh(a) elementwise. */
export function tanh(a: Matrix, out?: Matrix): Matrix {
  return elementwise('tanh', kernels.tanh, a, out);
}

/** out = dout · (1 − t²) elementwise, t = tanh(x): tanh's backward pass. */
export function tanhBackward(t: Matrix, dout: Matrix, out?: Matrix): Matrix {
  return elementwiseBackward('tanhBackward', kernels.tanhBackward, ['t', t], dout, out);
}

// ---------------------------------------------------------------------------------------------
// Per-column statistics and the batchnorm passes (the math is in lib/nn/layers.ts).
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
