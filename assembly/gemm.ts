/**
 * Float64 and float32 matrix products for nnlab, compiled to WebAssembly with 128-bit SIMD
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
 * Every C[i, j] is accumulated in one register lane, p = 0, 1, …, k-1 in order. So each
 * element is summed in exactly the order of the textbook triple loop. (Long sums are done KC
 * terms at a time, the running sum parked in C in between: a float64 stored and loaded back is
 * the same float64, so that changes no bit either.) Each step is madd (below), built two ways:
 *
 * - nnlab.wasm, numerics `exact`: a multiply, rounded, then an add, rounded (plain WebAssembly
 *   SIMD has no fused multiply-add). Bit for bit the pure TypeScript kernels (lib/kernels/js.ts):
 *   switching backends never changes a loss.
 * - nnlab-fused.wasm, numerics `fused`: relaxed_madd, one rounding per step where the start-up
 *   probe (lib/kernels/fused.ts) finds it fused. Bit for bit gemmFmaReference
 *   (lib/kernels/fma.ts, test/fused.test.ts). Measured on this shared 2-core machine under heavy
 *   load (load average ~14, so absolute figures are a quarter of the ones below; exact and
 *   fused interleaved in one process, median of 3): fused/exact GFLOP/s 1.06–1.33 for float32
 *   and 1.17–1.68 for float64 on one thread at the bench's shapes (32×784×100, 128×784×100,
 *   512³, all three forms), one float32 form at 0.93 (noise at this load).
 *   The tile is the same in both builds. Retuning it for FMA was measured first on the tile
 *   loop alone (packed operands in L1, k = 256, Node 24, best of 7): a fused step needs no
 *   register for the product, so wider tiles fit, but float32 gains nothing: 4×8 fused 50
 *   GFLOP/s (exact 39), 3×12 50, 5×8 49; the loop is already at ~85% of 2 FMA pipes × 4 lanes
 *   × 2 flops × ~3.7 GHz ≈ 59. Float64: 4×4 fused 23 GFLOP/s (exact 16), 3×6 25, 5×4 24.5,
 *   2×6 19: a 3×6 tile would give ~7% on the tile loop (ceiling ≈ 30), but needs 3-row A
 *   panels (packPanels is written for 4); not done.
 *
 * How it is fast: packing, then one branch-free inner loop.
 *
 * 1. Packing. Before the products, a block of B (KC rows × NC columns) is copied into a
 *    scratch area as panels of 4 columns, and a block of A (MC rows × KC columns) as panels
 *    of 4 rows, each panel laid out in the order the inner loop reads it:
 *
 *        B panel: B(p, j..j+3) for p = 0, 1, …      A panel: A(i..i+3, p) for p = 0, 1, …
 *
 *    So whatever the product form (transposed or not), the inner loop reads two sequential
 *    streams through two pointers with constant offsets, and the blocks are small enough to
 *    stay in cache while they are reused (a B panel, 8 KB, is read by every A panel of the
 *    block; an A block, up to 128 KB, by every B panel). Rows and columns past the edge of
 *    the matrix are packed as zeros, so the inner loop never has an edge case; their results
 *    are simply not stored.
 *
 * 2. The tile: 4 rows × 4 columns of C in 8 f64x2 accumulators. Per step p it loads 2
 *    vectors of B and broadcasts 4 values of A, and does 8 multiplies and 8 adds. Why this
 *    shape: V8 gives WebAssembly 15 vector registers, and its scheduler issues all of a step's
 *    loads before the arithmetic, so 8 accumulators + 2 B + 4 A + 1 product = 15 just fits.
 *    A 3×6 tile (9 accumulators, better on paper) needs 16 and spills an accumulator to the
 *    stack every step (measured ~10 GFLOP/s); loading A through an integer register to avoid
 *    the spill costs 6 extra shuffles per step (~15); unrolling the loop over p spills too.
 *    With two pointers per loop and the tile inlined into its caller (so V8 sees the constant
 *    step of the packed A panel), the loop body is 6 loads, 16 arithmetic instructions and
 *    5 others: about 22 GFLOP/s on this machine (AMD EPYC, ~3.7 GHz: mul and add pipes full
 *    would be ~29), against 16–17 for the same tile reading A and B in place (four row
 *    pointers for A, strided B, lane-by-lane loads for A·Bᵀ).
 *
 * 3. Float32 (gemm32): the same algorithm and the same tile code (generic over the element
 *    type) with f32x4 vectors, so the tile is 4 rows × 8 columns in the same 15 registers and
 *    does twice the arithmetic per instruction: 41–45 GFLOP/s single-threaded at the report's
 *    shapes and 512³ (float64: 21–22). Each C[i, j] is still summed in one lane, p in order,
 *    every product and sum rounded to float32, as gemmJs32 in lib/kernels/js.ts does. Tried
 *    and dropped: a 3×12 tile (9 accumulators; like the f64 3×6 it needs 16 registers and
 *    spills, ~12 GFLOP/s); KC = 384 or 512, MC = 32 or 128, NC = 256 (within noise). Kept: a
 *    one-vector-wide 4×4 tile for the last 4 columns when m ≡ 4 mod 8 (m = 100: +4–5%, against
 *    computing 8 columns into the edge buffer), and B read in place for C of ≤ 32 rows with
 *    only the last, narrower panel packed.
 *
 * 4. Numbers near underflow (gemm32, `exact` build). On Intel cores a float32 multiply with a
 *    subnormal operand or result takes a microcode assist (assembly/tiny.ts), and L2 leaves the
 *    weights of units that stopped firing at the edge of the subnormals. Packing notes the
 *    smallest nonzero magnitude of each A block and of each half (4 columns) of each B panel;
 *    a half whose products with the block may fall below 2⁻¹²⁶ has them formed in float64 and
 *    rounded to float32 (tileTiny32): the same bits. Measured (scripts/bench-products-underflow.mjs,
 *    Sapphire Rapids, one thread), 1024×784×100 with 3 of W's 100 columns subnormal: 5.7 ms
 *    against 34.0 (plain, no subnormal: 4.5); all 100: 24.8 against 728. B read in place (C
 *    of ≤ 32 rows) is sampled in two rows, B of A·Bᵀ not scanned (see gemm32). Neither the
 *    notes nor the detour happen where the load-time probe finds subnormals cheap
 *    (lib/kernels/subnormal.ts): on an AMD Zen 4, with the detour forced on, 1024×784×100
 *    with 3 columns subnormal took 5.15 ms against 3.69 without it.
 *
 * Memory is raw: the glue copies operands to byte offsets it chooses and passes pointers.
 * This module allocates nothing (it is built with the stub runtime). The packing scratch of
 * the first instance lies just below heapBase(); each helper thread's instance is given its
 * own area (setPackArea), since all instances share one memory.
 */
import { subnormalPathOn, lowInF64, highInF64, joinAs32 } from './tiny';

/** Tile: MR rows × NR columns of C (see the header for why 4 × 4). */
const MR = 4, NR = 4;
/** Block sizes: KC steps of p, MC rows of A, NC columns of B packed at a time. */
const KC = 256, MC = 64, NC = 128;
/** The same for the float32 kernel (gemm32). */
const KC32 = 256, MC32 = 64, NC32 = 128;
/**
 * Bytes of packing scratch one thread needs: an A block, a B block and one edge tile, for
 * whichever kernel needs more (both use the same area; a thread runs one call at a time).
 */
const PACK_A_BYTES = MC * KC * 8 > MC32 * KC32 * 4 ? MC * KC * 8 : MC32 * KC32 * 4;
const PACK_B_BYTES = NC * KC * 8 > NC32 * KC32 * 4 ? NC * KC * 8 : NC32 * KC32 * 4;
const EDGE_BYTES = 128;
/** gemm32's smallest magnitude per half panel (4 columns) of a packed B block (see blockTiles32). */
const LEAST_BYTES = NC32 / 4 * 4;
/** Rows of C up to which B is read in place rather than packed (see gemm). */
const DIRECT_B_ROWS = 32;
const PACK_BYTES: usize = PACK_A_BYTES + PACK_B_BYTES + EDGE_BYTES + LEAST_BYTES;

/**
 * This instance's packing scratch. By default it is the PACK_BYTES just past the compiler's
 * static data (heapBase() reports the first byte after it); helper threads' instances, which
 * share the memory, are each given their own area by setPackArea.
 */
const DEFAULT_PACK_AREA: usize = (__heap_base + 63) & ~(<usize>63);
let packA: usize = DEFAULT_PACK_AREA;
let packB: usize = packA + PACK_A_BYTES;
let edgeTile: usize = packB + PACK_B_BYTES;
let packLeast: usize = edgeTile + EDGE_BYTES;

/** First byte the glue may use; everything below belongs to static data and packing scratch. */
export function heapBase(): usize {
  return DEFAULT_PACK_AREA + PACK_BYTES;
}

/** Bytes of packing scratch per thread (for the glue, which reserves one area per helper). */
export function packBytes(): usize {
  return PACK_BYTES;
}

/** Moves this instance's packing scratch to `at` (packBytes() bytes, 64-byte aligned). */
export function setPackArea(at: usize): void {
  packA = at;
  packB = at + PACK_A_BYTES;
  edgeTile = packB + PACK_B_BYTES;
  packLeast = edgeTile + EDGE_BYTES;
}

/**
 * c + a·b on each lane (T: f64 or f32), the one arithmetic step of every tile. Built twice
 * (scripts/build.mjs): without relaxed SIMD (nnlab.wasm, numerics `exact`) a multiply, rounded,
 * then an add, rounded; with it (nnlab-fused.wasm, numerics `fused`) relaxed_madd, which is one
 * fused multiply-add, rounded once, on every CPU where lib/kernels/fused.ts's probe says so.
 * The constant is known at compile time: each build holds only its own instruction.
 */
// @ts-ignore: decorator
@inline
function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(c, v128.mul<T>(a, b));
}

/**
 * The inner loop: a 4-row tile of C, two vectors wide (4 float64 or 8 float32 columns), from
 * k steps of a packed A panel (4 values per step) and a packed B panel (two vectors per step).
 * The tile starts from zero, or with `accumulate` from the values in C (the running sums of
 * the previous KC steps). No branch inside the loop. Generic over the element type: the same
 * 8 accumulators, 2 B vectors and 4 A broadcasts fill the 15 registers either way.
 * Inlined: as a separate function it measured 10–15% slower (V8 then knows neither stride).
 */
// @ts-ignore: decorator
@inline
function tile<T>(k: i32, pa: usize, aStep: usize, pb: usize, bStep: usize, pc: usize, cRow: usize, accumulate: bool): void {
  const E = sizeof<T>();
  let c00 = v128.splat<T>(<T>0), c01 = v128.splat<T>(<T>0);
  let c10 = v128.splat<T>(<T>0), c11 = v128.splat<T>(<T>0);
  let c20 = v128.splat<T>(<T>0), c21 = v128.splat<T>(<T>0);
  let c30 = v128.splat<T>(<T>0), c31 = v128.splat<T>(<T>0);
  if (accumulate) {
    c00 = v128.load(pc); c01 = v128.load(pc, 16);
    c10 = v128.load(pc + cRow); c11 = v128.load(pc + cRow, 16);
    c20 = v128.load(pc + 2 * cRow); c21 = v128.load(pc + 2 * cRow, 16);
    c30 = v128.load(pc + 3 * cRow); c31 = v128.load(pc + 3 * cRow, 16);
  }
  const end = pa + <usize>k * aStep;
  while (pa < end) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let x = v128.load_splat<T>(pa);
    c00 = madd<T>(x, b0, c00);
    c01 = madd<T>(x, b1, c01);
    x = v128.load_splat<T>(pa, E);
    c10 = madd<T>(x, b0, c10);
    c11 = madd<T>(x, b1, c11);
    x = v128.load_splat<T>(pa, 2 * E);
    c20 = madd<T>(x, b0, c20);
    c21 = madd<T>(x, b1, c21);
    x = v128.load_splat<T>(pa, 3 * E);
    c30 = madd<T>(x, b0, c30);
    c31 = madd<T>(x, b1, c31);
    pa += aStep; pb += bStep;
  }
  v128.store(pc, c00); v128.store(pc, c01, 16);
  v128.store(pc + cRow, c10); v128.store(pc + cRow, c11, 16);
  v128.store(pc + 2 * cRow, c20); v128.store(pc + 2 * cRow, c21, 16);
  v128.store(pc + 3 * cRow, c30); v128.store(pc + 3 * cRow, c31, 16);
}

/**
 * A tile at the bottom or right edge of C (rows × cols < 4 × 4): computed in full into a
 * small buffer (the padded rows and columns are zeros), then only the real part is copied.
 */
function edge<T>(rows: i32, cols: i32, k: i32, pa: usize, aStep: usize, pb: usize, bStep: usize, pc: usize, cRow: usize, accumulate: bool, tiny: bool = false): void {
  const t = edgeTile, E = sizeof<T>(), W = <usize>32 / E; // W columns: two vectors
  if (accumulate) {
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) {
      store<T>(t + (<usize>r * W + <usize>j) * E, load<T>(pc + <usize>r * cRow + <usize>j * E));
    }
  }
  if (sizeof<T>() == 4 && tiny) tileTiny32(true, true, k, pa, pb, bStep, t, 32, accumulate);
  else tile<T>(k, pa, aStep, pb, bStep, t, 32, accumulate);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) {
    store<T>(pc + <usize>r * cRow + <usize>j * E, load<T>(t + (<usize>r * W + <usize>j) * E));
  }
}

/**
 * Packs `count` lines of an operand (rows of A or columns of B), kc steps each, into panels
 * of 4 lines: line l of a panel, step p, goes to dst + 8·(4p + l), and panel q starts at
 * dst + 8·(q·4·kc). The value of line l at step p is at src + l·across + p·along. Missing
 * lines of the last panel are zeros.
 *
 *   A: lines = rows, across = aRow, along = aStep.     B: lines = columns, across = bCol, along = bStep.
 */
function packPanels(count: i32, kc: i32, src: usize, across: usize, along: usize, dst: usize): void {
  for (let q = 0; q < count; q += 4) {
    const live = min(4, count - q);
    const s = src + <usize>q * across;
    if (live == 4 && across == 8) {
      // The 4 values of a step are adjacent (A in Aᵀ·B, B in A·B and Aᵀ·B): copy 2 vectors.
      let at = s;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(at)); v128.store(dst, v128.load(at, 16), 16);
        at += along; dst += 32;
      }
    } else if (live == 4 && along == 8) {
      // Each line is contiguous (A in A·B and A·Bᵀ, B in A·Bᵀ): load 2 steps of each line as
      // one vector and transpose 2×2 blocks.
      let s0 = s, s1 = s + across, s2 = s + 2 * across, s3 = s + 3 * across;
      let p = 0;
      for (; p + 2 <= kc; p += 2) {
        const l0 = v128.load(s0), l1 = v128.load(s1), l2 = v128.load(s2), l3 = v128.load(s3);
        v128.store(dst, v128.shuffle<f64>(l0, l1, 0, 2));
        v128.store(dst, v128.shuffle<f64>(l2, l3, 0, 2), 16);
        v128.store(dst, v128.shuffle<f64>(l0, l1, 1, 3), 32);
        v128.store(dst, v128.shuffle<f64>(l2, l3, 1, 3), 48);
        s0 += 16; s1 += 16; s2 += 16; s3 += 16; dst += 64;
      }
      if (p < kc) {
        store<f64>(dst, load<f64>(s0)); store<f64>(dst, load<f64>(s1), 8);
        store<f64>(dst, load<f64>(s2), 16); store<f64>(dst, load<f64>(s3), 24);
        dst += 32;
      }
    } else {
      // Any strides, or the last, partial panel.
      for (let p = 0; p < kc; p++) {
        for (let l = 0; l < 4; l++) {
          store<f64>(dst + <usize>l * 8, l < live ? load<f64>(s + <usize>l * across + <usize>p * along) : 0.0);
        }
        dst += 32;
      }
    }
  }
}

/**
 * C[i, j] = Σ_p A(i, p) · B(p, j) for i < n, j < m, p < k. Strides are in elements. C is
 * overwritten; its row stride is cStride, or m when cStride is 0 (a thread that
 * computes a band of C's columns passes the stride of the whole C).
 */
export function gemm(n: i32, m: i32, k: i32,
                     a: usize, aRow: i32, aStep: i32,
                     b: usize, bStep: i32, bCol: i32, c: usize, cStride: i32): void {
  const aRow8 = <usize>aRow << 3, aStep8 = <usize>aStep << 3;
  const bStep8 = <usize>bStep << 3, bCol8 = <usize>bCol << 3;
  const cRow = <usize>(cStride > 0 ? cStride : m) << 3;
  if (k <= 0) {
    // An empty sum: C = 0.
    for (let i = 0; i < n; i++) memory.fill(c + <usize>i * cRow, 0, <usize>m << 3);
    return;
  }
  // When C has few rows, each B panel is used by few tiles and packing B costs more than it
  // saves: B is then read in place if its 4 values per step are adjacent (A·B, Aᵀ·B) and no
  // edge panel would read past its last column. (A is always packed: in place it measured
  // slower, even for Aᵀ·B where its 4 values per step are adjacent too.)
  const directB = bCol == 1 && m % NR == 0 && n <= DIRECT_B_ROWS;
  for (let j0 = 0; j0 < m; j0 += NC) {
    const nc = min(NC, m - j0);
    // k in equal blocks of at most KC steps (784 = 4 × 196, not 3 × 256 + 16).
    const blocks = (k + KC - 1) / KC, step = (k + blocks - 1) / blocks;
    for (let p0 = 0; p0 < k; p0 += step) {
      const kc = min(step, k - p0);
      const accumulate = p0 > 0;
      const b0 = b + <usize>p0 * bStep8 + <usize>j0 * bCol8;
      if (!directB) packPanels(nc, kc, b0, bCol8, bStep8, packB);
      for (let i0 = 0; i0 < n; i0 += MC) {
        const mc = min(MC, n - i0);
        const a0 = a + <usize>i0 * aRow8 + <usize>p0 * aStep8;
        packPanels(mc, kc, a0, aRow8, aStep8, packA);
        // Each B panel stays in the L1 cache while all A panels of the block pass by.
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = directB ? b0 + (<usize>jr << 3) : packB + <usize>jr * kc * 8;
          const bs: usize = directB ? bStep8 : NR * 8;
          const cols = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const pa = packA + <usize>ir * kc * 8;
            const pc = c + <usize>(i0 + ir) * cRow + (<usize>(j0 + jr) << 3);
            const rows = min(MR, mc - ir);
            if (rows == MR && cols == NR) tile<f64>(kc, pa, MR * 8, pb, bs, pc, cRow, accumulate);
            else edge<f64>(rows, cols, kc, pa, MR * 8, pb, bs, pc, cRow, accumulate);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Float32: the same algorithm with f32x4 vectors. The tile is again 4 rows × 2 vectors, now 8
// columns; A panels are 4 rows, B panels 8 columns.
// ---------------------------------------------------------------------------------------------

/** Columns of the float32 tile (two f32x4 vectors). */
const NR32 = 8;

/**
 * packPanels for float32, `width` lines per panel (4 for A, 8 for B): line l of panel q, step
 * p, goes to dst + 4·(q·width·kc + width·p + l). Missing lines of the last panel are zeros.
 * Returns the smallest nonzero magnitude packed (f32.MAX_VALUE if none), and when `least` is
 * not 0 also writes it for each group of 4 lines (half a B panel) to least[0], least[1], …
 * (see blockTiles32). Only in the `exact` build (TINY_PATH) and where the instance takes the
 * detour (subnormalPathOn, assembly/tiny.ts); else it returns MAX_VALUE and writes nothing.
 */
function packPanels32(count: i32, kc: i32, src: usize, across: usize, along: usize, dst: usize, width: i32, least: usize): f32 {
  // Whether to note magnitudes: in the `exact` build, where this instance takes the detour.
  const scan = TINY_PATH && subnormalPathOn();
  const rowBytes = <usize>width << 2;
  // Smallest nonzero magnitudes as their bits less one (zero wraps round to the top).
  let all: u32 = 0xffffffff;
  for (let q = 0; q < count; q += width) {
    const live = min(width, count - q);
    const s = src + <usize>q * across;
    // Per group of 4 lines of this panel: lanes (vector branches) and scalars.
    let g0 = i32x4.splat(-1), g1 = i32x4.splat(-1);
    let h0: u32 = 0xffffffff, h1: u32 = 0xffffffff;
    if (live == width && across == 4) {
      // The values of a step are adjacent (A in Aᵀ·B, B in A·B and Aᵀ·B): vector copies.
      let at = s;
      if (width == 4) {
        for (let p = 0; p < kc; p++) {
          const v = v128.load(at);
          if (scan) g0 = i32x4.min_u(g0, magnitudeBitsLessOne(v));
          v128.store(dst, v); at += along; dst += 16;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const v0 = v128.load(at), v1 = v128.load(at, 16);
          if (scan) { g0 = i32x4.min_u(g0, magnitudeBitsLessOne(v0)); g1 = i32x4.min_u(g1, magnitudeBitsLessOne(v1)); }
          v128.store(dst, v0); v128.store(dst, v1, 16);
          at += along; dst += 32;
        }
      }
    } else if (live == width && along == 4) {
      // Each line is contiguous (A in A·B and A·Bᵀ, B in A·Bᵀ): 4 lines × 4 steps at a time,
      // loaded as 4 vectors and transposed.
      for (let g = 0; g < width; g += 4) {
        let s0 = s + <usize>g * across, s1 = s0 + across, s2 = s1 + across, s3 = s2 + across;
        let d = dst + (<usize>g << 2);
        let lanes = i32x4.splat(-1), scalars: u32 = 0xffffffff;
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const l0 = v128.load(s0), l1 = v128.load(s1), l2 = v128.load(s2), l3 = v128.load(s3);
          if (scan) {
            lanes = i32x4.min_u(lanes, i32x4.min_u(i32x4.min_u(magnitudeBitsLessOne(l0), magnitudeBitsLessOne(l1)),
                                                   i32x4.min_u(magnitudeBitsLessOne(l2), magnitudeBitsLessOne(l3))));
          }
          const t0 = v128.shuffle<f32>(l0, l1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(l2, l3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(l0, l1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(l2, l3, 2, 6, 3, 7);
          v128.store(d, v128.shuffle<f64>(t0, t1, 0, 2));
          v128.store(d + rowBytes, v128.shuffle<f64>(t0, t1, 1, 3));
          v128.store(d + 2 * rowBytes, v128.shuffle<f64>(t2, t3, 0, 2));
          v128.store(d + 3 * rowBytes, v128.shuffle<f64>(t2, t3, 1, 3));
          s0 += 16; s1 += 16; s2 += 16; s3 += 16; d += 4 * rowBytes;
        }
        for (; p < kc; p++) {
          const x0 = load<f32>(s0), x1 = load<f32>(s1), x2 = load<f32>(s2), x3 = load<f32>(s3);
          if (scan) scalars = min(min(scalars, bitsLessOne(x0)), min(min(bitsLessOne(x1), bitsLessOne(x2)), bitsLessOne(x3)));
          store<f32>(d, x0); store<f32>(d, x1, 4); store<f32>(d, x2, 8); store<f32>(d, x3, 12);
          s0 += 4; s1 += 4; s2 += 4; s3 += 4; d += rowBytes;
        }
        if (g == 0) { g0 = lanes; h0 = scalars; } else { g1 = lanes; h1 = scalars; }
      }
      dst += <usize>kc * rowBytes;
    } else {
      // Any strides, or the last, partial panel.
      for (let p = 0; p < kc; p++) {
        for (let l = 0; l < width; l++) {
          const x = l < live ? load<f32>(s + <usize>l * across + <usize>p * along) : f32(0);
          if (scan) { if (l < 4) h0 = min(h0, bitsLessOne(x)); else h1 = min(h1, bitsLessOne(x)); }
          store<f32>(dst + (<usize>l << 2), x);
        }
        dst += rowBytes;
      }
    }
    if (scan) {
      const m0 = min(h0, leastLane(g0)), m1 = min(h1, leastLane(g1));
      all = min(all, min(m0, m1));
      if (least != 0) {
        const at = least + (<usize>(q / width) << 3);
        store<f32>(at, magnitudeOf(m0)); store<f32>(at, magnitudeOf(m1), 4);
      }
    }
  }
  return magnitudeOf(all);
}

/** The smallest of four lanes of bits-less-one values (unsigned). */
// @ts-ignore: decorator
@inline
function leastLane(x: v128): u32 {
  const two = i32x4.min_u(x, v128.shuffle<i64>(x, x, 1, 0));
  return min(<u32>i32x4.extract_lane(two, 0), <u32>i32x4.extract_lane(two, 1));
}

/** The magnitude whose bits less one are `bits`; f32.MAX_VALUE for none (only zeros). */
// @ts-ignore: decorator
@inline
function magnitudeOf(bits: u32): f32 {
  return bits == 0xffffffff ? f32.MAX_VALUE : reinterpret<f32>(bits + 1);
}

/** |x|'s bits less one, for four float32 lanes: zero wraps round to 2³² − 1, the largest. */
// @ts-ignore: decorator
@inline
function magnitudeBitsLessOne(x: v128): v128 {
  return i32x4.sub(v128.and(x, i32x4.splat(0x7fffffff)), i32x4.splat(1));
}

/** magnitudeBitsLessOne for one value. */
// @ts-ignore: decorator
@inline
function bitsLessOne(x: f32): u32 {
  return (reinterpret<u32>(x) & 0x7fffffff) - 1;
}

/**
 * Whether a block's products may meet a subnormal: an operand is subnormal, or the product of
 * the smallest nonzero magnitudes of A and B (each product is at least that, or zero) is below
 * float32's smallest normal 2⁻¹²⁶. Computed in float64, where that product is exact.
 */
// @ts-ignore: decorator
@inline
function mayUnderflow32(leastA: f32, leastB: f32): bool {
  const normalMin: f64 = 1.1754943508222875e-38; // 2⁻¹²⁶
  return <f64>leastA < normalMin || <f64>leastB < normalMin || <f64>leastA * <f64>leastB < normalMin;
}

/**
 * A 4-row tile one f32x4 vector wide: the last 4 columns of a float32 C whose width is 4 more
 * than a multiple of 8 (m = 100, say), written in place instead of through edge(). With `tiny`
 * (a constant at each call) its products are formed in float64, as tileTiny32's.
 */
// @ts-ignore: decorator
@inline
function halfTile32(tiny: bool, k: i32, pa: usize, pb: usize, bStep: usize, pc: usize, cRow: usize, accumulate: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  if (accumulate) {
    c0 = v128.load(pc); c1 = v128.load(pc + cRow); c2 = v128.load(pc + 2 * cRow); c3 = v128.load(pc + 3 * cRow);
  }
  const end = pa + <usize>k * 16;
  while (pa < end) {
    const b0 = v128.load(pb);
    const lo = tiny ? lowInF64(b0) : b0, hi = tiny ? highInF64(b0) : b0;
    c0 = stepOfHalf(tiny, pa, b0, lo, hi, c0);
    c1 = stepOfHalf(tiny, pa + 4, b0, lo, hi, c1);
    c2 = stepOfHalf(tiny, pa + 8, b0, lo, hi, c2);
    c3 = stepOfHalf(tiny, pa + 12, b0, lo, hi, c3);
    pa += 16; pb += bStep;
  }
  v128.store(pc, c0); v128.store(pc + cRow, c1); v128.store(pc + 2 * cRow, c2); v128.store(pc + 3 * cRow, c3);
}

/**
 * tile<f32> with the products of one or both of its 4-column halves formed in float64 and
 * rounded to float32 (assembly/tiny.ts): the same bits, for a half whose products may meet a
 * subnormal, where f32x4.mul would take its slow path. Only in the `exact` build (TINY_PATH).
 * tiny0 and tiny1 are constants at each call, so each variant is its own loop. The same tile
 * and order of operations; per step a tiny half's B vector is widened once (two f64x2) and each
 * A value once. A tiny half costs about five times a plain one
 * (scripts/bench-products-underflow.mjs).
 */
// @ts-ignore: decorator
@inline
function tileTiny32(tiny0: bool, tiny1: bool, k: i32, pa: usize, pb: usize, bStep: usize, pc: usize, cRow: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (accumulate) {
    c00 = v128.load(pc); c01 = v128.load(pc, 16);
    c10 = v128.load(pc + cRow); c11 = v128.load(pc + cRow, 16);
    c20 = v128.load(pc + 2 * cRow); c21 = v128.load(pc + 2 * cRow, 16);
    c30 = v128.load(pc + 3 * cRow); c31 = v128.load(pc + 3 * cRow, 16);
  }
  const end = pa + <usize>k * 16;
  while (pa < end) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    const b0lo = tiny0 ? lowInF64(b0) : b0, b0hi = tiny0 ? highInF64(b0) : b0;
    const b1lo = tiny1 ? lowInF64(b1) : b1, b1hi = tiny1 ? highInF64(b1) : b1;
    c00 = stepOfHalf(tiny0, pa, b0, b0lo, b0hi, c00); c01 = stepOfHalf(tiny1, pa, b1, b1lo, b1hi, c01);
    c10 = stepOfHalf(tiny0, pa + 4, b0, b0lo, b0hi, c10); c11 = stepOfHalf(tiny1, pa + 4, b1, b1lo, b1hi, c11);
    c20 = stepOfHalf(tiny0, pa + 8, b0, b0lo, b0hi, c20); c21 = stepOfHalf(tiny1, pa + 8, b1, b1lo, b1hi, c21);
    c30 = stepOfHalf(tiny0, pa + 12, b0, b0lo, b0hi, c30); c31 = stepOfHalf(tiny1, pa + 12, b1, b1lo, b1hi, c31);
    pa += 16; pb += bStep;
  }
  v128.store(pc, c00); v128.store(pc, c01, 16);
  v128.store(pc + cRow, c10); v128.store(pc + cRow, c11, 16);
  v128.store(pc + 2 * cRow, c20); v128.store(pc + 2 * cRow, c21, 16);
  v128.store(pc + 3 * cRow, c30); v128.store(pc + 3 * cRow, c31, 16);
}

/**
 * One step of one row of a 4-column half: c + A(row, p)·b, the A value at pa; with `tiny` the
 * products formed in float64 (b's halves widened, lo and hi), else as madd<f32>.
 */
// @ts-ignore: decorator
@inline
function stepOfHalf(tiny: bool, pa: usize, b: v128, lo: v128, hi: v128, c: v128): v128 {
  if (tiny) return f32x4.add(c, products32(f64x2.splat(<f64>load<f32>(pa)), lo, hi));
  return madd<f32>(v128.load32_splat(pa), b, c);
}

/**
 * x·b for one float32 vector b given as its float64 halves (lo: lanes 0–1, hi: 2–3) and x a
 * float32 value widened to float64 in both lanes: four float32 products, each exact in float64
 * and rounded once to float32.
 */
// @ts-ignore: decorator
@inline
function products32(x: v128, lo: v128, hi: v128): v128 {
  return joinAs32(f64x2.mul(x, lo), f64x2.mul(x, hi));
}

/**
 * Whether gemm32 forms a block's products in float64 when its packed operands hold a value near
 * underflow (tileTiny32). Not in the `fused` build: there a step is one fused multiply-add, and
 * a float64 product plus a float32 sum, rounded twice, is not always it.
 */
const TINY_PATH: bool = !ASC_FEATURE_RELAXED_SIMD;

/**
 * gemm for float32 operands: the same arguments (strides in 4-byte elements) and the same
 * order of operations, each product and each sum rounded to float32.
 */
export function gemm32(n: i32, m: i32, k: i32,
                       a: usize, aRow: i32, aStep: i32,
                       b: usize, bStep: i32, bCol: i32, c: usize, cStride: i32): void {
  const aRow4 = <usize>aRow << 2, aStep4 = <usize>aStep << 2;
  const bStep4 = <usize>bStep << 2, bCol4 = <usize>bCol << 2;
  const cRow = <usize>(cStride > 0 ? cStride : m) << 2;
  if (k <= 0) {
    for (let i = 0; i < n; i++) memory.fill(c + <usize>i * cRow, 0, <usize>m << 2);
    return;
  }
  // B in place when C has few rows and its 8 values per step are adjacent; a last panel of
  // fewer than 8 columns is still packed (reading it in place would read past B's rows).
  const directB = bCol == 1 && n <= DIRECT_B_ROWS;
  // Whether B's magnitudes are noted (assembly/tiny.ts). Not in A·Bᵀ: there the layers pass
  // dout·Wᵀ, whose sum runs over W's units, and a unit that stopped firing brings its tiny
  // weights together with its gradients of exactly zero, products of zero with no slow path;
  // counting them measured 1.3× slower M3 training epochs (batch 32). Only the speed depends
  // on this choice, never the bits.
  const scanB = bCol == 1;
  // Whether tiny products go through float64 at all: the `exact` build, on a CPU where the
  // detour pays (assembly/tiny.ts's routeTiny).
  const tinyPath = TINY_PATH && subnormalPathOn();
  for (let j0 = 0; j0 < m; j0 += NC32) {
    const nc = min(NC32, m - j0);
    const fullCols = nc & ~(NR32 - 1);
    const blocks = (k + KC32 - 1) / KC32, step = (k + blocks - 1) / blocks;
    for (let p0 = 0; p0 < k; p0 += step) {
      const kc = min(step, k - p0);
      const accumulate = p0 > 0;
      const b0 = b + <usize>p0 * bStep4 + <usize>j0 * bCol4;
      // The smallest nonzero magnitudes of the packed B panels, per 4 columns (at packLeast).
      // B read in place (C has at most 32 rows there, and a full scan would cost a visible part
      // of the product) is sampled: its first and last rows of the block (sampleLeast32). B of
      // A·Bᵀ is not scanned, and counts as having none (see scanB).
      if (!directB) packPanels32(nc, kc, b0, bCol4, bStep4, packB, NR32, scanB ? packLeast : 0);
      else if (tinyPath) sampleLeast32(fullCols, kc, b0, bStep4);
      if (directB && fullCols < nc) packPanels32(nc - fullCols, kc, b0 + (<usize>fullCols << 2), bCol4, bStep4, packB + <usize>fullCols * kc * 4, NR32, packLeast + (<usize>(fullCols / NR32) << 3));
      for (let i0 = 0; i0 < n; i0 += MC32) {
        const mc = min(MC32, n - i0);
        const a0 = a + <usize>i0 * aRow4 + <usize>p0 * aStep4;
        const leastA = packPanels32(mc, kc, a0, aRow4, aStep4, packA, MR, 0);
        blockTiles32(tinyPath, leastA, scanB, mc, nc, kc, fullCols, directB, b0, bStep4, c + <usize>i0 * cRow + (<usize>j0 << 2), cRow, accumulate);
      }
    }
  }
}

/**
 * For B read in place: the smallest nonzero magnitude of each half panel (4 columns) of the
 * first `cols` columns, in the block's first and last rows only, to packLeast. A sample, not a
 * scan: the columns that L2 decays are those of units that stopped firing, tiny in every row.
 * It chooses the speed of the block's tiles, never their bits.
 */
function sampleLeast32(cols: i32, kc: i32, b0: usize, bStep4: usize): void {
  const last = b0 + <usize>(kc - 1) * bStep4;
  for (let j = 0; j < cols; j += 4) {
    const off = <usize>j << 2;
    const least = i32x4.min_u(magnitudeBitsLessOne(v128.load(b0 + off)), magnitudeBitsLessOne(v128.load(last + off)));
    store<f32>(packLeast + (<usize>(j >> 2) << 2), magnitudeOf(leastLane(least)));
  }
}

/**
 * The tiles of one packed block of gemm32 (mc rows of A by nc columns of B, kc steps), C's
 * corner at ci. A 4-column half of a B panel whose products with this A block may meet a
 * subnormal (mayUnderflow32 of the smallest magnitudes: leastA, and the half's at packLeast)
 * has its products formed in float64 (tileTiny32); the others run the plain tile.
 */
function blockTiles32(tinyPath: bool, leastA: f32, scannedB: bool, mc: i32, nc: i32, kc: i32, fullCols: i32, directB: bool, b0: usize, bStep4: usize,
                      ci: usize, cRow: usize, accumulate: bool): void {
  // Each B panel stays in the L1 cache while all A panels of the block pass by.
  for (let jr = 0; jr < nc; jr += NR32) {
    const inPlace = directB && jr < fullCols;
    const pb = inPlace ? b0 + (<usize>jr << 2) : packB + <usize>jr * kc * 4;
    const bs: usize = inPlace ? bStep4 : NR32 * 4;
    const cols = min(NR32, nc - jr);
    const least = packLeast + (<usize>(jr / NR32) << 3);
    const tiny0 = tinyPath && mayUnderflow32(leastA, scannedB ? load<f32>(least) : f32.MAX_VALUE);
    const tiny1 = tinyPath && mayUnderflow32(leastA, scannedB ? load<f32>(least, 4) : f32.MAX_VALUE);
    for (let ir = 0; ir < mc; ir += MR) {
      const pa = packA + <usize>ir * kc * 4;
      const pc = ci + <usize>ir * cRow + (<usize>jr << 2);
      const rows = min(MR, mc - ir);
      if (rows == MR && cols == NR32) {
        if (!tiny0 && !tiny1) tile<f32>(kc, pa, MR * 4, pb, bs, pc, cRow, accumulate);
        else if (tiny0 && tiny1) tileTiny32(true, true, kc, pa, pb, bs, pc, cRow, accumulate);
        else if (tiny0) tileTiny32(true, false, kc, pa, pb, bs, pc, cRow, accumulate);
        else tileTiny32(false, true, kc, pa, pb, bs, pc, cRow, accumulate);
      } else if (rows == MR && cols == 4) {
        if (tiny0) halfTile32(true, kc, pa, pb, bs, pc, cRow, accumulate);
        else halfTile32(false, kc, pa, pb, bs, pc, cRow, accumulate);
      } else edge<f32>(rows, cols, kc, pa, MR * 4, pb, bs, pc, cRow, accumulate, tiny0 || tiny1);
    }
  }
}
