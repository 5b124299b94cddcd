/**
 * Float64 matrix products for nnlab, compiled to WebAssembly with 128-bit SIMD
 * (`npm run build:wasm`, AssemblyScript). The TypeScript glue is lib/kernels/wasm.ts.
 *
 * One routine computes all three product forms the layers need,
 *
 *     C[i, j] = Σ_p A(i, p) · B(p, j)        (C is n×m, row-major, row stride m)
 *
 * because A·B, Aᵀ·B and A·Bᵀ differ only in the strides used to find A(i, p) and B(p, j):
 *
 *     A(i, p) at a + 8·(i·aRow + p·aStep)    B(p, j) at b + 8·(p·bStep + j·bCol)
 *
 * Every C[i, j] is accumulated in one register lane, p = 0, 1, …, k-1 in order, with a
 * separate multiply and add (WebAssembly SIMD has no fused multiply-add). So each element is
 * summed in exactly the order of the textbook triple loop, and the result is bit-for-bit the
 * same as the pure TypeScript kernels (lib/kernels/js.ts): switching backends never changes a
 * loss.
 *
 * Why these shapes: C is computed in tiles of 4 rows × 4 columns, held in 8 f64x2 registers.
 * Per step p the tile loads 2 vectors of B and 4 broadcast values of A and does 8 multiplies
 * and 8 adds. V8 gives WebAssembly about 15 vector registers; bigger tiles (3×6, 4×6) spill an
 * accumulator to the stack, and measured at about 10 GFLOP/s instead of 17.
 *
 * Memory is raw: the glue copies operands to byte offsets it chooses and passes pointers.
 * This module allocates nothing (it is built with the stub runtime).
 */

/** First byte the glue may use; everything below belongs to the compiler's static data. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * One tile of C: R rows (1–4) × 2·V columns (V = 1 or 2 vectors) or, with V = 0, a single
 * column held in scalars. R, V and contiguousB are compile-time constants at every call (the
 * function is inlined), so the unused accumulators and branches fold away.
 * contiguousB: B(p, j) and B(p, j+1) are adjacent (bCol = 8) and load as one vector;
 * otherwise (A·Bᵀ) each lane is loaded on its own.
 */
// @ts-ignore: decorator
@inline
function tile(R: i32, V: i32, contiguousB: bool, k: i32,
              pa: usize, aRow: usize, aStep: usize,
              pb: usize, bStep: usize, bCol: usize,
              pc: usize, cRow: usize): void {
  if (V == 0) {
    // The last odd column: plain f64 accumulators.
    let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
    let a0p = pa, a1p = pa + aRow, a2p = pa + 2 * aRow, a3p = pa + 3 * aRow;
    for (let p = 0; p < k; p++) {
      const bv = load<f64>(pb);
      s0 += load<f64>(a0p) * bv;
      if (R > 1) s1 += load<f64>(a1p) * bv;
      if (R > 2) s2 += load<f64>(a2p) * bv;
      if (R > 3) s3 += load<f64>(a3p) * bv;
      a0p += aStep; a1p += aStep; a2p += aStep; a3p += aStep; pb += bStep;
    }
    store<f64>(pc, s0);
    if (R > 1) store<f64>(pc + cRow, s1);
    if (R > 2) store<f64>(pc + 2 * cRow, s2);
    if (R > 3) store<f64>(pc + 3 * cRow, s3);
    return;
  }
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let a0p = pa, a1p = pa + aRow, a2p = pa + 2 * aRow, a3p = pa + 3 * aRow;
  for (let p = 0; p < k; p++) {
    let b0: v128, b1: v128;
    if (contiguousB) {
      b0 = v128.load(pb);
      b1 = V > 1 ? v128.load(pb, 16) : b0;
    } else {
      b0 = v128.load64_lane(pb + bCol, v128.load64_zero(pb), 1);
      b1 = V > 1 ? v128.load64_lane(pb + 3 * bCol, v128.load64_zero(pb + 2 * bCol), 1) : b0;
    }
    const a0 = v128.load64_splat(a0p);
    c00 = f64x2.add(c00, f64x2.mul(a0, b0));
    if (V > 1) c01 = f64x2.add(c01, f64x2.mul(a0, b1));
    if (R > 1) {
      const a1 = v128.load64_splat(a1p);
      c10 = f64x2.add(c10, f64x2.mul(a1, b0));
      if (V > 1) c11 = f64x2.add(c11, f64x2.mul(a1, b1));
    }
    if (R > 2) {
      const a2 = v128.load64_splat(a2p);
      c20 = f64x2.add(c20, f64x2.mul(a2, b0));
      if (V > 1) c21 = f64x2.add(c21, f64x2.mul(a2, b1));
    }
    if (R > 3) {
      const a3 = v128.load64_splat(a3p);
      c30 = f64x2.add(c30, f64x2.mul(a3, b0));
      if (V > 1) c31 = f64x2.add(c31, f64x2.mul(a3, b1));
    }
    a0p += aStep; a1p += aStep; a2p += aStep; a3p += aStep; pb += bStep;
  }
  v128.store(pc, c00);
  if (V > 1) v128.store(pc, c01, 16);
  if (R > 1) { v128.store(pc + cRow, c10); if (V > 1) v128.store(pc + cRow, c11, 16); }
  if (R > 2) { v128.store(pc + 2 * cRow, c20); if (V > 1) v128.store(pc + 2 * cRow, c21, 16); }
  if (R > 3) { v128.store(pc + 3 * cRow, c30); if (V > 1) v128.store(pc + 3 * cRow, c31, 16); }
}

/**
 * One panel of C: all n rows × 2·V columns (V as in tile), in 4-row tiles plus a 1–3 row
 * remainder.
 */
// @ts-ignore: decorator
@inline
function colPanel(V: i32, contiguousB: bool, n: i32, k: i32,
               a: usize, aRow: usize, aStep: usize,
               pb: usize, bStep: usize, bCol: usize,
               pc: usize, cRow: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) tile(4, V, contiguousB, k, a + <usize>i * aRow, aRow, aStep, pb, bStep, bCol, pc + <usize>i * cRow, cRow);
  const rest = n - i;
  const pa = a + <usize>i * aRow; pc += <usize>i * cRow;
  if (rest == 3) tile(3, V, contiguousB, k, pa, aRow, aStep, pb, bStep, bCol, pc, cRow);
  else if (rest == 2) tile(2, V, contiguousB, k, pa, aRow, aStep, pb, bStep, bCol, pc, cRow);
  else if (rest == 1) tile(1, V, contiguousB, k, pa, aRow, aStep, pb, bStep, bCol, pc, cRow);
}
// @ts-ignore: decorator
@inline
function gemmImpl(contiguousB: bool, n: i32, m: i32, k: i32,
                  a: usize, aRow: usize, aStep: usize,
                  b: usize, bStep: usize, bCol: usize, c: usize): void {
  const cRow = <usize>m << 3;
  // Column panels outside, row tiles inside: the panel of B (k rows × 4 columns) is reused
  // by every row tile while it is still in cache. (Rows outside measured 10–25% slower on
  // the 32×784·784×100 forward product, which sweeps all of B once per 4 rows.)
  let j = 0;
  for (; j + 4 <= m; j += 4) colPanel(2, contiguousB, n, k, a, aRow, aStep, b + <usize>j * bCol, bStep, bCol, c + (<usize>j << 3), cRow);
  if (m - j >= 2) { colPanel(1, contiguousB, n, k, a, aRow, aStep, b + <usize>j * bCol, bStep, bCol, c + (<usize>j << 3), cRow); j += 2; }
  if (m - j == 1) colPanel(0, contiguousB, n, k, a, aRow, aStep, b + <usize>j * bCol, bStep, bCol, c + (<usize>j << 3), cRow);
}

/**
 * C[i, j] = Σ_p A(i, p) · B(p, j) for i < n, j < m, p < k. Strides are in elements; either
 * bCol = 1 (A·B and Aᵀ·B: rows of B are contiguous) or bStep = 1 (A·Bᵀ). C is overwritten.
 */
export function gemm(n: i32, m: i32, k: i32,
                     a: usize, aRow: i32, aStep: i32,
                     b: usize, bStep: i32, bCol: i32, c: usize): void {
  const aRow8 = <usize>aRow << 3, aStep8 = <usize>aStep << 3;
  const bStep8 = <usize>bStep << 3, bCol8 = <usize>bCol << 3;
  if (bCol == 1) gemmImpl(true, n, m, k, a, aRow8, aStep8, b, bStep8, bCol8, c);
  else gemmImpl(false, n, m, k, a, aRow8, aStep8, b, bStep8, bCol8, c);
}
