/**
 * The pure TypeScript matrix product: the fallback when WebAssembly is unavailable (or
 * NNLAB_KERNELS=js), and the reference the WebAssembly kernel is tested against.
 *
 * Like assembly/gemm.ts it computes C[i, j] = Σ_p A(i, p) · B(p, j) with strides, and it sums
 * every element in the same order, p = 0, 1, …, k-1, starting from 0: the two backends give
 * bit-for-bit the same results.
 *
 * Operands are all Float64Array (float64 arithmetic) or all Float32Array: then every product
 * and every sum is rounded to float32 (Math.fround), as the f32x4 kernels of assembly/ do, so
 * the float32 results are bit-for-bit the same on both backends too.
 */

/** The operand types of the kernels: one call's operands are all of one type. */
export type Floats = Float64Array | Float32Array;

/**
 * The signature both backends share. A(i, p) is a[i·aRow + p·aStep], B(p, j) is
 * b[p·bStep + j·bCol], and C (n×m, row-major) is overwritten; strides count elements.
 * All operands have the same type (see Floats). The three products of lib/matrix.ts are:
 *
 *     A·B  (A n×k, B k×m):  aRow = k, aStep = 1, bStep = m, bCol = 1
 *     Aᵀ·B (A k×n, B k×m):  aRow = 1, aStep = n, bStep = m, bCol = 1
 *     A·Bᵀ (A n×k, B m×k):  aRow = k, aStep = 1, bStep = 1, bCol = k
 */
export type Gemm = (
  n: number, m: number, k: number,
  a: Floats, aRow: number, aStep: number,
  b: Floats, bStep: number, bCol: number,
  c: Floats,
) => void;

/**
 * Register tiling: each pass over p updates a 2×4 block of C held in eight local variables,
 * so every value loaded from A is used four times and every value from B twice. Eight
 * accumulators plus six operands fit in the CPU's 16 vector registers; larger blocks spill
 * to the stack and get slower, not faster. (About 4 GFLOP/s here, against 1.1 for the naive
 * loop this replaced and 15 for the WebAssembly kernel on one thread.)
 */
export const gemmJs: Gemm = (n, m, k, a, aRow, aStep, b, bStep, bCol, c) => {
  // Dispatch first, so that each loop only ever sees one array type (V8 keeps it monomorphic).
  // That is why gemmJs64 and gemmJs32 are two copies of one loop, and must stay two: a single
  // loop taking the rounding as a parameter runs as fast as long as only one array type has
  // passed through it, but once float64 and float32 both have (one process training in both
  // number types), V8's type feedback for its element loads and the rounding call turns
  // polymorphic and it drops from 4.4 to 0.18 GFLOP/s (64×64×64 on Node 20). The same reasoning
  // applies to every *64 / *32 pair below.
  if (a instanceof Float32Array) gemmJs32(n, m, k, a, aRow, aStep, b as Float32Array, bStep, bCol, c as Float32Array);
  else gemmJs64(n, m, k, a, aRow, aStep, b as Float64Array, bStep, bCol, c as Float64Array);
};

function gemmJs64(n: number, m: number, k: number, a: Float64Array, aRow: number, aStep: number,
                  b: Float64Array, bStep: number, bCol: number, c: Float64Array): void {
  const n2 = n - (n % 2), m4 = m - (m % 4);
  for (let i = 0; i < n2; i += 2) {
    const ci = i * m;
    for (let j = 0; j < m4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let pa = i * aRow, pb = j * bCol;
      for (let p = 0; p < k; p++) {
        const a0 = a[pa], a1 = a[pa + aRow];
        const b0 = b[pb], b1 = b[pb + bCol], b2 = b[pb + 2 * bCol], b3 = b[pb + 3 * bCol];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        pa += aStep;
        pb += bStep;
      }
      c[ci + j] = c00; c[ci + j + 1] = c01; c[ci + j + 2] = c02; c[ci + j + 3] = c03;
      c[ci + m + j] = c10; c[ci + m + j + 1] = c11; c[ci + m + j + 2] = c12; c[ci + m + j + 3] = c13;
    }
  }
  // The edges the blocks did not cover: the last odd row, and the last m % 4 columns.
  for (let i = 0; i < n; i++) {
    for (let j = i < n2 ? m4 : 0; j < m; j++) {
      let s = 0;
      let pa = i * aRow, pb = j * bCol;
      for (let p = 0; p < k; p++) {
        s += a[pa] * b[pb];
        pa += aStep;
        pb += bStep;
      }
      c[i * m + j] = s;
    }
  }
}

/**
 * gemmJs on float32 operands: the same tiling, each product and each sum rounded to float32.
 * (A product of two float32 values is exact in float64, and a float64 sum of two float32
 * values rounded to float32 is the correctly rounded float32 sum, so Math.fround after each
 * operation gives exactly the f32x4.mul and f32x4.add of the WebAssembly kernel.)
 */
export function gemmJs32(n: number, m: number, k: number, a: Float32Array, aRow: number, aStep: number,
                         b: Float32Array, bStep: number, bCol: number, c: Float32Array): void {
  const f = Math.fround;
  const n2 = n - (n % 2), m4 = m - (m % 4);
  for (let i = 0; i < n2; i += 2) {
    const ci = i * m;
    for (let j = 0; j < m4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let pa = i * aRow, pb = j * bCol;
      for (let p = 0; p < k; p++) {
        const a0 = a[pa], a1 = a[pa + aRow];
        const b0 = b[pb], b1 = b[pb + bCol], b2 = b[pb + 2 * bCol], b3 = b[pb + 3 * bCol];
        c00 = f(c00 + f(a0 * b0)); c01 = f(c01 + f(a0 * b1)); c02 = f(c02 + f(a0 * b2)); c03 = f(c03 + f(a0 * b3));
        c10 = f(c10 + f(a1 * b0)); c11 = f(c11 + f(a1 * b1)); c12 = f(c12 + f(a1 * b2)); c13 = f(c13 + f(a1 * b3));
        pa += aStep;
        pb += bStep;
      }
      c[ci + j] = c00; c[ci + j + 1] = c01; c[ci + j + 2] = c02; c[ci + j + 3] = c03;
      c[ci + m + j] = c10; c[ci + m + j + 1] = c11; c[ci + m + j + 2] = c12; c[ci + m + j + 3] = c13;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = i < n2 ? m4 : 0; j < m; j++) {
      let s = 0;
      let pa = i * aRow, pb = j * bCol;
      for (let p = 0; p < k; p++) {
        s = f(s + f(a[pa] * b[pb]));
        pa += aStep;
        pb += bStep;
      }
      c[i * m + j] = s;
    }
  }
}

/**
 * The textbook triple loop, for tests: the definition both fast kernels must reproduce
 * exactly.
 */
export const gemmNaive: Gemm = (n, m, k, a, aRow, aStep, b, bStep, bCol, c) => {
  // float32 operands: every operation rounded to float32.
  const r = a instanceof Float32Array ? Math.fround : (x: number) => x;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s = r(s + r(a[i * aRow + p * aStep] * b[p * bStep + j * bCol]));
      c[i * m + j] = s;
    }
  }
};

/**
 * The Adam update of lib/optim.ts on flat arrays, in place: w (parameters), g (gradient),
 * m and v (moment estimates), with c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ. The WebAssembly version
 * (assembly/adam.ts) evaluates the same expression in the same order, so both give the same
 * bits.
 */
export type Adam = (
  w: Floats, g: Floats, m: Floats, v: Floats,
  lr: number, b1: number, b2: number, eps: number, c1: number, c2: number,
) => void;

export const adamJs: Adam = (w, g, m, v, lr, b1, b2, eps, c1, c2) => {
  if (w instanceof Float32Array) adamJs32(w, g as Float32Array, m as Float32Array, v as Float32Array, lr, b1, b2, eps, c1, c2);
  else adamJs64(w, g as Float64Array, m as Float64Array, v as Float64Array, lr, b1, b2, eps, c1, c2);
};

function adamJs64(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array,
                  lr: number, b1: number, b2: number, eps: number, c1: number, c2: number): void {
  for (let k = 0; k < w.length; k++) {
    m[k] = b1 * m[k] + (1 - b1) * g[k];
    v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
    w[k] -= (lr * (m[k] / c1)) / (Math.sqrt(v[k] / c2) + eps);
  }
}

/**
 * adamJs on float32 arrays: the hyperparameters rounded to float32 once (1 − β1 and 1 − β2
 * computed in float64 first, as the WebAssembly glue passes them), every operation rounded
 * to float32. Division and square root of float32 values computed in float64 and rounded
 * once are the correctly rounded float32 results, so this equals adam32 bit for bit.
 */
export function adamJs32(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
                         lr: number, b1: number, b2: number, eps: number, c1: number, c2: number): void {
  const f = Math.fround;
  const flr = f(lr), fb1 = f(b1), f1b1 = f(1 - b1), fb2 = f(b2), f1b2 = f(1 - b2), feps = f(eps), fc1 = f(c1), fc2 = f(c2);
  for (let k = 0; k < w.length; k++) {
    const gk = g[k];
    const mk = f(f(fb1 * m[k]) + f(f1b1 * gk));
    const vk = f(f(fb2 * v[k]) + f(f(f1b2 * gk) * gk));
    m[k] = mk;
    v[k] = vk;
    w[k] = f(w[k] - f(f(flr * f(mk / fc1)) / f(f(Math.sqrt(f(vk / fc2))) + feps)));
  }
}

// ---------------------------------------------------------------------------------------------
// Elementwise kernels of the training step (assembly/elementwise.ts is the WebAssembly version;
// its header gives the definitions). Each is dispatched on the array type first, so that every
// loop sees one element type only, and each loop computes every value with the operations of
// the WebAssembly kernel in its order: on Float32Arrays, a double add of two float32 values
// stored to the array is the float32 add, and addL2Gradient's `G[k] + reg * W[k]` is float64
// arithmetic rounded once at the store, as the kernel's promote, f64x2 mul/add, demote.
// ---------------------------------------------------------------------------------------------

/** out[k] = x[k] > 0 ? x[k] : 0 for k < x.length (NaN and −0 give +0); out may be x. */
export type Relu = (x: Floats, out: Floats) => void;
/** dx[k] = x[k] > 0 ? dout[k] : 0 for k < x.length. */
export type ReluBackward = (x: Floats, dout: Floats, dx: Floats) => void;
/** c[i·m + j] = a[i·m + j] + v[j] for an n×m row-major a; c may be a. */
export type AddRowVector = (n: number, m: number, a: Floats, v: Floats, c: Floats) => void;
/** c[j] = Σ_i a[i·m + j], from 0, i = 0, 1, … in order (each partial sum of the element type). */
export type ColSums = (n: number, m: number, a: Floats, c: Floats) => void;
/**
 * dw[k] = dw[k] + reg·w[k] in place (float64 arithmetic, one rounding to the array type), and
 * returns Σ w[k]² in float64: four partial sums s_r of the k ≡ r (mod 4), each in increasing
 * k, combined as ((s0 + s1) + s2) + s3.
 */
export type AddL2Gradient = (dw: Floats, w: Floats, reg: number) => number;

export const reluJs: Relu = (x, out) => {
  if (x instanceof Float32Array) relu32(x, out as Float32Array);
  else relu64(x, out as Float64Array);
};
function relu64(x: Float64Array, out: Float64Array): void {
  for (let k = 0; k < x.length; k++) { const v = x[k]; out[k] = v > 0 ? v : 0; }
}
function relu32(x: Float32Array, out: Float32Array): void {
  for (let k = 0; k < x.length; k++) { const v = x[k]; out[k] = v > 0 ? v : 0; }
}

export const reluBackwardJs: ReluBackward = (x, dout, dx) => {
  if (x instanceof Float32Array) reluBackward32(x, dout as Float32Array, dx as Float32Array);
  else reluBackward64(x, dout as Float64Array, dx as Float64Array);
};
function reluBackward64(x: Float64Array, dout: Float64Array, dx: Float64Array): void {
  for (let k = 0; k < x.length; k++) dx[k] = x[k] > 0 ? dout[k] : 0;
}
function reluBackward32(x: Float32Array, dout: Float32Array, dx: Float32Array): void {
  for (let k = 0; k < x.length; k++) dx[k] = x[k] > 0 ? dout[k] : 0;
}

export const addRowVectorJs: AddRowVector = (n, m, a, v, c) => {
  if (a instanceof Float32Array) addRowVector32(n, m, a, v as Float32Array, c as Float32Array);
  else addRowVector64(n, m, a, v as Float64Array, c as Float64Array);
};
function addRowVector64(n: number, m: number, a: Float64Array, v: Float64Array, c: Float64Array): void {
  for (let i = 0, r = 0; i < n; i++, r += m) {
    for (let j = 0; j < m; j++) c[r + j] = a[r + j] + v[j];
  }
}
function addRowVector32(n: number, m: number, a: Float32Array, v: Float32Array, c: Float32Array): void {
  for (let i = 0, r = 0; i < n; i++, r += m) {
    for (let j = 0; j < m; j++) c[r + j] = a[r + j] + v[j];
  }
}

export const colSumsJs: ColSums = (n, m, a, c) => {
  if (a instanceof Float32Array) colSums32(n, m, a, c as Float32Array);
  else colSums64(n, m, a, c as Float64Array);
};
function colSums64(n: number, m: number, a: Float64Array, c: Float64Array): void {
  c.fill(0, 0, m);
  for (let i = 0, r = 0; i < n; i++, r += m) {
    for (let j = 0; j < m; j++) c[j] += a[r + j];
  }
}
function colSums32(n: number, m: number, a: Float32Array, c: Float32Array): void {
  c.fill(0, 0, m);
  for (let i = 0, r = 0; i < n; i++, r += m) {
    for (let j = 0; j < m; j++) c[j] += a[r + j]; // rounded to float32 at every store
  }
}

export const addL2GradientJs: AddL2Gradient = (dw, w, reg) =>
  w instanceof Float32Array ? addL2Gradient32(dw as Float32Array, w, reg) : addL2Gradient64(dw as Float64Array, w, reg);

function addL2Gradient64(G: Float64Array, W: Float64Array, reg: number): number {
  const n = W.length;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
  for (; k + 3 < n; k += 4) {
    const x0 = W[k], x1 = W[k + 1], x2 = W[k + 2], x3 = W[k + 3];
    s0 += x0 * x0; s1 += x1 * x1; s2 += x2 * x2; s3 += x3 * x3;
    G[k] += reg * x0; G[k + 1] += reg * x1; G[k + 2] += reg * x2; G[k + 3] += reg * x3;
  }
  if (k < n) { const x = W[k]; s0 += x * x; G[k] += reg * x; k++; }
  if (k < n) { const x = W[k]; s1 += x * x; G[k] += reg * x; k++; }
  if (k < n) { const x = W[k]; s2 += x * x; G[k] += reg * x; }
  return ((s0 + s1) + s2) + s3;
}
function addL2Gradient32(G: Float32Array, W: Float32Array, reg: number): number {
  const n = W.length;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
  for (; k + 3 < n; k += 4) {
    const x0 = W[k], x1 = W[k + 1], x2 = W[k + 2], x3 = W[k + 3];
    s0 += x0 * x0; s1 += x1 * x1; s2 += x2 * x2; s3 += x3 * x3;
    G[k] += reg * x0; G[k + 1] += reg * x1; G[k + 2] += reg * x2; G[k + 3] += reg * x3;
  }
  if (k < n) { const x = W[k]; s0 += x * x; G[k] += reg * x; k++; }
  if (k < n) { const x = W[k]; s1 += x * x; G[k] += reg * x; k++; }
  if (k < n) { const x = W[k]; s2 += x * x; G[k] += reg * x; }
  return ((s0 + s1) + s2) + s3;
}

// ---------------------------------------------------------------------------------------------
// Batch normalisation kernels (assembly/batchnorm.ts is the WebAssembly version; its header
// gives the definitions). The loops are those of batchnormForward and batchnormBackward in
// lib/layers.ts: float64 arithmetic throughout, each value rounded once when it is stored into
// an array of the data type (a Float32Array store is the rounding). mean, variance, k,
// sumDxhat and sumDxhatXhat are Float64Arrays of length d whatever the data type; the other
// arrays are all Float64Array or all Float32Array. Outputs are overwritten (no need to zero
// them) and must not be inputs.
// ---------------------------------------------------------------------------------------------

/**
 * mean[j] = (Σ_i x[i·d+j]) / n, then variance[j] = (Σ_i (x[i·d+j] − mean[j])²) / n: float64
 * sums from 0, rows in order, the variance from the already divided mean. n = 0 gives NaN.
 */
export type ColumnMoments = (n: number, d: number, x: Floats, mean: Float64Array, variance: Float64Array) => void;
/**
 * xhat[i·d+j] = (x[i·d+j] − mean[j]) · invStd[j], then out[i·d+j] = xhat[i·d+j] · gamma[j] +
 * beta[j] from the stored (rounded) xhat; each in float64, rounded once at its store.
 */
export type BatchnormNormalize = (n: number, d: number, x: Floats, mean: Float64Array, invStd: Floats,
                                  gamma: Floats, beta: Floats, xhat: Floats, out: Floats) => void;
/** c[j] = Σ_i a[i·d+j]·b[i·d+j] as `c[j] += a·b` from 0, rows in order: each step rounded to the type. */
export type ColumnDot = (n: number, d: number, a: Floats, b: Floats, c: Floats) => void;
/**
 * dx[i·d+j] = k[j] · (((n · dout[i·d+j]) · gamma[j] − sumDxhat[j]) − xhat[i·d+j] · sumDxhatXhat[j]),
 * float64, rounded once at the store.
 */
export type BatchnormInputGrad = (n: number, d: number, dout: Floats, xhat: Floats, gamma: Floats,
                                  k: Float64Array, sumDxhat: Float64Array, sumDxhatXhat: Float64Array, dx: Floats) => void;

export const columnMomentsJs: ColumnMoments = (n, d, x, mean, variance) => {
  if (x instanceof Float32Array) columnMoments32(n, d, x, mean, variance);
  else columnMoments64(n, d, x, mean, variance);
};
function columnMoments64(n: number, d: number, X: Float64Array, mean: Float64Array, variance: Float64Array): void {
  mean.fill(0, 0, d);
  variance.fill(0, 0, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) { const c = X[i * d + j] - mean[j]; variance[j] += c * c; }
  }
  for (let j = 0; j < d; j++) variance[j] /= n;
}
function columnMoments32(n: number, d: number, X: Float32Array, mean: Float64Array, variance: Float64Array): void {
  mean.fill(0, 0, d);
  variance.fill(0, 0, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) { const c = X[i * d + j] - mean[j]; variance[j] += c * c; }
  }
  for (let j = 0; j < d; j++) variance[j] /= n;
}

export const batchnormNormalizeJs: BatchnormNormalize = (n, d, x, mean, invStd, gamma, beta, xhat, out) => {
  if (x instanceof Float32Array) {
    batchnormNormalize32(n, d, x, mean, invStd as Float32Array, gamma as Float32Array, beta as Float32Array,
                         xhat as Float32Array, out as Float32Array);
  } else {
    batchnormNormalize64(n, d, x, mean, invStd as Float64Array, gamma as Float64Array, beta as Float64Array,
                         xhat as Float64Array, out as Float64Array);
  }
};
function batchnormNormalize64(n: number, d: number, X: Float64Array, mean: Float64Array, S: Float64Array,
                              G: Float64Array, B: Float64Array, H: Float64Array, O: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const r = i * d;
    for (let j = 0; j < d; j++) {
      H[r + j] = (X[r + j] - mean[j]) * S[j];
      O[r + j] = H[r + j] * G[j] + B[j];
    }
  }
}
function batchnormNormalize32(n: number, d: number, X: Float32Array, mean: Float64Array, S: Float32Array,
                              G: Float32Array, B: Float32Array, H: Float32Array, O: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const r = i * d;
    for (let j = 0; j < d; j++) {
      H[r + j] = (X[r + j] - mean[j]) * S[j];
      O[r + j] = H[r + j] * G[j] + B[j]; // x̂ as stored, rounded to float32
    }
  }
}

export const columnDotJs: ColumnDot = (n, d, a, b, c) => {
  if (a instanceof Float32Array) columnDot32(n, d, a, b as Float32Array, c as Float32Array);
  else columnDot64(n, d, a, b as Float64Array, c as Float64Array);
};
function columnDot64(n: number, d: number, A: Float64Array, B: Float64Array, C: Float64Array): void {
  C.fill(0, 0, d);
  for (let i = 0; i < n; i++) {
    const r = i * d;
    for (let j = 0; j < d; j++) C[j] += A[r + j] * B[r + j];
  }
}
function columnDot32(n: number, d: number, A: Float32Array, B: Float32Array, C: Float32Array): void {
  C.fill(0, 0, d);
  for (let i = 0; i < n; i++) {
    const r = i * d;
    for (let j = 0; j < d; j++) C[j] += A[r + j] * B[r + j]; // float64 product and sum, rounded at the store
  }
}

export const batchnormInputGradJs: BatchnormInputGrad = (n, d, dout, xhat, gamma, k, s1, s2, dx) => {
  if (dout instanceof Float32Array) {
    batchnormInputGrad32(n, d, dout, xhat as Float32Array, gamma as Float32Array, k, s1, s2, dx as Float32Array);
  } else {
    batchnormInputGrad64(n, d, dout, xhat as Float64Array, gamma as Float64Array, k, s1, s2, dx as Float64Array);
  }
};
function batchnormInputGrad64(n: number, d: number, D: Float64Array, H: Float64Array, G: Float64Array,
                              k: Float64Array, s1: Float64Array, s2: Float64Array, DX: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const r = i * d;
    for (let j = 0; j < d; j++) DX[r + j] = k[j] * (n * D[r + j] * G[j] - s1[j] - H[r + j] * s2[j]);
  }
}
function batchnormInputGrad32(n: number, d: number, D: Float32Array, H: Float32Array, G: Float32Array,
                              k: Float64Array, s1: Float64Array, s2: Float64Array, DX: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const r = i * d;
    for (let j = 0; j < d; j++) DX[r + j] = k[j] * (n * D[r + j] * G[j] - s1[j] - H[r + j] * s2[j]);
  }
}
