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
 * All operands have the same type (see Floats). The three products of lib/nn/ops.ts are:
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
 * The Adam update of lib/nn/optim.ts on flat arrays, in place: w (parameters), g (gradient),
 * m and v (moment estimates), with c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ. The WebAssembly version
 * (assembly/adam.ts) evaluates the same expression in the same order, so both give the same
 * bits.
 */
export type Adam = (
  w: Floats, g: Floats, m: Floats, v: Floats,
  lr: number, b1: number, b2: number, eps: number, c1: number, c2: number,
) => void;

/** One parameter's operands of an Adam update (see Adam): w, its gradient g, its moments m and v. */
export interface AdamOperands { w: Floats; g: Floats; m: Floats; v: Floats }

/**
 * Adam (the same update, same bits) on every parameter of a list in one kernel call, with one
 * set of hyperparameters: true when done; false, with nothing changed, where it cannot run
 * (operands not all resident, of one type, of matching lengths), and then the caller runs Adam
 * per parameter. The WebAssembly backend has it (assembly/adam.ts's adamAll).
 */
export type AdamAll = (
  params: readonly AdamOperands[],
  lr: number, b1: number, b2: number, eps: number, c1: number, c2: number,
) => boolean;

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

/**
 * Gathers the rows of src (a dataset of `cols` columns) listed in `rows`, in that order, into
 * out: out[k·cols + j] = src[rows[k]·cols + j]. src and out have the same type (a copy, no
 * conversion: the same bits on both backends, see assembly/gather.ts). Throws, naming the
 * argument, unless every index is a row of src and out holds them all.
 */
export type GatherRows = (src: Floats, cols: number, rows: Int32Array, out: Floats) => void;

export const gatherRowsJs: GatherRows = (src, cols, rows, out) => {
  checkGather(src, cols, rows, out);
  for (let k = 0; k < rows.length; k++) out.set(src.subarray(rows[k] * cols, (rows[k] + 1) * cols), k * cols);
};

/** The checks of gatherRows, shared by both backends (a wrong index must never read past src). */
export function checkGather(src: Floats, cols: number, rows: Int32Array, out: Floats): void {
  if (!Number.isInteger(cols) || cols < 1 || src.length % cols !== 0) throw new Error(`gatherRows: cols must be a positive integer dividing src.length = ${src.length}, got ${cols}`);
  if (src.constructor !== out.constructor) throw new Error(`gatherRows: src and out must have the same type, got ${src.constructor.name} and ${out.constructor.name}`);
  if (out.length < rows.length * cols) throw new Error(`gatherRows: out holds ${out.length} values, fewer than rows.length × cols = ${rows.length * cols}`);
  const count = src.length / cols;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    if (i < 0 || i >= count) throw new Error(`gatherRows: rows[${k}] = ${i} is not a row of src (0 to ${count - 1})`);
  }
}

/**
 * The softmax cross-entropy loss of an n×c block of scores with its gradient, in one call: the
 * loss of lib/nn/layers.ts's softmaxLoss, its gradient written to dscores, the same bits
 * (assembly/softmax.ts). WebAssembly only, on resident arrays: its reference is softmaxLoss
 * itself, which runs wherever this does not (see softmaxLossOn in lib/nn/engine.ts). Returns
 * null, having computed nothing, when it cannot run: scores or dscores not resident or shorter
 * than n×c, or labels that are not n integers in [0, c) (the reference then says which).
 */
export type SoftmaxLoss = (n: number, c: number, scores: Floats, labels: ArrayLike<number>, dscores: Floats) => number | null;

/**
 * The sandwich layer's forward pass in one call (assembly/sandwich.ts): z = x·W + b, out =
 * relu(z), for x n×d, W d×m, b 1×m, all of one number type and resident (a step's or an
 * evaluation batch's arena, resident parameters). Returns false, having done nothing, where it
 * does not run: an operand in ordinary memory or too short, mixed number types, or products
 * large enough to be shared between threads (one WebAssembly call runs on one thread; those
 * blocks keep their separate, shareable calls). The products are those of the numerics mode.
 * Outputs must not share storage with inputs (the caller's are fresh arena matrices).
 */
export type SandwichForward = (n: number, d: number, m: number, x: Floats, w: Floats, b: Floats, z: Floats, out: Floats) => boolean;
/**
 * Its backward pass in one call: dz = dout where z > 0 (else 0), dx = dz·Wᵀ (dx null: not
 * computed, the first layer's), dW = xᵀ·dz, db = colSums(dz); false where it does not run.
 */
export type SandwichBackward = (n: number, d: number, m: number, dout: Floats, z: Floats, x: Floats, w: Floats,
  dz: Floats, dw: Floats, db: Floats, dx: Floats | null) => boolean;
/** The sandwich layer's calls, and whether a block of these dimensions runs in them (see lib/kernels/wasm.ts). */
export interface SandwichKernels { fits(n: number, d: number, m: number): boolean; forward: SandwichForward; backward: SandwichBackward }
