/**
 * Elementwise kernels of the training step, float64 and float32, with 128-bit SIMD (two
 * float64 or four float32 lanes per instruction) and scalar tails. The TypeScript references
 * (lib/kernels/js.ts: reluJs, reluBackwardJs, addRowVectorJs, colSumsJs, addL2GradientJs)
 * compute every value with the same operations in the same order, so both backends give the
 * same bits:
 *
 *     relu:          out[k] = x[k] > 0 ? x[k] : 0
 *     reluBackward:  dx[k]  = x[k] > 0 ? dout[k] : 0
 *     addRowVector:  c[i·m + j] = a[i·m + j] + v[j]
 *     colSums:       c[j] = (((0 + a[j]) + a[m + j]) + a[2m + j]) + …      (rows in order)
 *     addL2Gradient: dw[k] = dw[k] + reg·w[k], in float64 and rounded once to the element
 *                    type; returns Σ w[k]² in float64 as four partial sums s_r over k ≡ r
 *                    (mod 4), each in increasing k, combined as ((s0 + s1) + s2) + s3.
 *
 * The ReLU masks: `gt(x, 0)` is all ones exactly where x > 0 (false for NaN, −0, +0 and
 * −Infinity), and `x AND mask` is then x's own bits or all zero bits, i.e. +0: the ternary
 * above, bit for bit (unlike max(x, 0), which keeps NaN and −0).
 *
 * float32: every add is a float32 add, which is what JavaScript's double add of two float32
 * values rounded at the Float32Array store gives. addL2Gradient on float32 promotes to
 * float64 (exact), works in f64x2 and demotes once (round to nearest even, like Math.fround),
 * as JavaScript's `G[k] += reg * W[k]` on a Float32Array does.
 *
 * Each kernel is one generic function over the element type; the exports below instantiate
 * it for f64 (relu, …) and f32 (relu32, …), the naming of gemm/gemm32. Pointers are byte
 * offsets into memory chosen by the glue (lib/kernels/wasm.ts); an output may be the same
 * array as an input (relu in place, addRowVector with c = a): each element is read before
 * it is written.
 *
 * Measured (µs per call, one thread, best of several; js = lib/kernels/js.ts, wasm plain =
 * operands in ordinary Float64/32Arrays, so copied into module memory and the output back,
 * wasm resident = operands allocated by kernels.alloc/alloc32, used in place):
 *
 *                        float64: js  wasm plain  resident    float32: js  wasm plain  resident
 *     128×100 relu                22      10         3.2               30       5.7        1.6
 *             reluBackward        23      14         3.3               33       7.4        1.7
 *             addRowVector        14      10         2.9               31       5.5        1.6
 *             colSums             14       5.5       1.8               30       3.0        1.0
 *             addL2Gradient       11      15         3.9               18      11          5.0
 *      32×100 relu                 7.1     2.8       0.9                7.4     1.6        0.6
 *             reluBackward         8.3     3.9       1.0                8.4     2.2        0.7
 *             addRowVector         8.3     2.9       0.9                7.6     1.7        0.6
 *             colSums              6.9     1.6       0.6                7.5     0.9        0.3
 *             addL2Gradient        4.0     4.0       1.2                4.5     3.0        1.4
 *     784×100 addL2Gradient       97      88        22               110      63         29
 *
 * So the copies, not the arithmetic, are most of a plain call (copying into or out of the
 * shared module memory runs at ~28 GB/s: 3.5 µs per 100 KB). addL2Gradient is bound by its
 * two chains of dependent float64 adds (one add per four elements per chain, as defined),
 * ~4.5 cycles per four elements; the float32 version also converts (a 64-bit load and a
 * promote per pair rather than a shuffle, which was ~20% slower). The JavaScript ReLU is
 * slower still on fresh data than this table shows: with signs at random its branch is
 * mispredicted about half the time (78,400 elements: 420 µs, against 110 all positive).
 */

import { sigmoidOf, sigmoidPair, tanhOf, tanhPair } from './elementary';

// @ts-ignore: decorator
@inline
function reluT<T>(n: i32, x: usize, out: usize): void {
  const E = <usize>sizeof<T>(), L = 16 / <i32>sizeof<T>();
  const zero = v128.splat<T>(<T>0);
  let k = 0;
  for (; k + 2 * L <= n; k += 2 * L) {
    const off = <usize>k * E;
    const v0 = v128.load(x + off), v1 = v128.load(x + off, 16);
    v128.store(out + off, v128.and(v0, v128.gt<T>(v0, zero)));
    v128.store(out + off, v128.and(v1, v128.gt<T>(v1, zero)), 16);
  }
  for (; k + L <= n; k += L) {
    const off = <usize>k * E;
    const v = v128.load(x + off);
    v128.store(out + off, v128.and(v, v128.gt<T>(v, zero)));
  }
  for (; k < n; k++) {
    const off = <usize>k * E;
    const v = load<T>(x + off);
    store<T>(out + off, v > <T>0 ? v : <T>0);
  }
}

// @ts-ignore: decorator
@inline
function reluBackwardT<T>(n: i32, x: usize, dout: usize, dx: usize): void {
  const E = <usize>sizeof<T>(), L = 16 / <i32>sizeof<T>();
  const zero = v128.splat<T>(<T>0);
  let k = 0;
  for (; k + 2 * L <= n; k += 2 * L) {
    const off = <usize>k * E;
    const m0 = v128.gt<T>(v128.load(x + off), zero), m1 = v128.gt<T>(v128.load(x + off, 16), zero);
    v128.store(dx + off, v128.and(v128.load(dout + off), m0));
    v128.store(dx + off, v128.and(v128.load(dout + off, 16), m1), 16);
  }
  for (; k + L <= n; k += L) {
    const off = <usize>k * E;
    v128.store(dx + off, v128.and(v128.load(dout + off), v128.gt<T>(v128.load(x + off), zero)));
  }
  for (; k < n; k++) {
    const off = <usize>k * E;
    store<T>(dx + off, load<T>(x + off) > <T>0 ? load<T>(dout + off) : <T>0);
  }
}

// @ts-ignore: decorator
@inline
function addRowVectorT<T>(n: i32, m: i32, a: usize, v: usize, c: usize): void {
  const E = <usize>sizeof<T>(), L = 16 / <i32>sizeof<T>();
  const row = <usize>m * E;
  for (let i = 0; i < n; i++) {
    const pa = a + <usize>i * row, pc = c + <usize>i * row;
    let j = 0;
    for (; j + 2 * L <= m; j += 2 * L) {
      const off = <usize>j * E;
      v128.store(pc + off, v128.add<T>(v128.load(pa + off), v128.load(v + off)));
      v128.store(pc + off, v128.add<T>(v128.load(pa + off, 16), v128.load(v + off, 16)), 16);
    }
    for (; j + L <= m; j += L) {
      const off = <usize>j * E;
      v128.store(pc + off, v128.add<T>(v128.load(pa + off), v128.load(v + off)));
    }
    for (; j < m; j++) {
      const off = <usize>j * E;
      store<T>(pc + off, load<T>(pa + off) + load<T>(v + off));
    }
  }
}

// @ts-ignore: decorator
@inline
function colSumsT<T>(n: i32, m: i32, a: usize, c: usize): void {
  const E = <usize>sizeof<T>(), L = 16 / <i32>sizeof<T>();
  const row = <usize>m * E;
  const zero = v128.splat<T>(<T>0);
  let j = 0;
  // Four vectors of columns at a time, summed down the rows in registers.
  for (; j + 4 * L <= m; j += 4 * L) {
    let s0 = zero, s1 = zero, s2 = zero, s3 = zero;
    let p = a + <usize>j * E;
    for (let i = 0; i < n; i++) {
      s0 = v128.add<T>(s0, v128.load(p));
      s1 = v128.add<T>(s1, v128.load(p, 16));
      s2 = v128.add<T>(s2, v128.load(p, 32));
      s3 = v128.add<T>(s3, v128.load(p, 48));
      p += row;
    }
    const pc = c + <usize>j * E;
    v128.store(pc, s0); v128.store(pc, s1, 16); v128.store(pc, s2, 32); v128.store(pc, s3, 48);
  }
  for (; j + L <= m; j += L) {
    let s = zero;
    let p = a + <usize>j * E;
    for (let i = 0; i < n; i++) { s = v128.add<T>(s, v128.load(p)); p += row; }
    v128.store(c + <usize>j * E, s);
  }
  for (; j < m; j++) {
    let s = <T>0;
    let p = a + <usize>j * E;
    for (let i = 0; i < n; i++) { s += load<T>(p); p += row; }
    store<T>(c + <usize>j * E, s);
  }
}

export function relu(n: i32, x: usize, out: usize): void { reluT<f64>(n, x, out); }
export function relu32(n: i32, x: usize, out: usize): void { reluT<f32>(n, x, out); }
export function reluBackward(n: i32, x: usize, dout: usize, dx: usize): void { reluBackwardT<f64>(n, x, dout, dx); }
export function reluBackward32(n: i32, x: usize, dout: usize, dx: usize): void { reluBackwardT<f32>(n, x, dout, dx); }
export function addRowVector(n: i32, m: i32, a: usize, v: usize, c: usize): void { addRowVectorT<f64>(n, m, a, v, c); }
export function addRowVector32(n: i32, m: i32, a: usize, v: usize, c: usize): void { addRowVectorT<f32>(n, m, a, v, c); }
export function colSums(n: i32, m: i32, a: usize, c: usize): void { colSumsT<f64>(n, m, a, c); }
export function colSums32(n: i32, m: i32, a: usize, c: usize): void { colSumsT<f32>(n, m, a, c); }

/**
 * addL2Gradient on n float64 elements (see the header): per four elements, w[k..k+1]² go to
 * the lanes (s0, s1) of one accumulator and w[k+2..k+3]² to (s2, s3) of the other.
 */
export function addL2Gradient(n: i32, dw: usize, w: usize, reg: f64): f64 {
  const vreg = f64x2.splat(reg);
  let s01 = f64x2.splat(0), s23 = f64x2.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const off = <usize>k << 3;
    const w01 = v128.load(w + off), w23 = v128.load(w + off, 16);
    s01 = f64x2.add(s01, f64x2.mul(w01, w01));
    s23 = f64x2.add(s23, f64x2.mul(w23, w23));
    v128.store(dw + off, f64x2.add(v128.load(dw + off), f64x2.mul(vreg, w01)));
    v128.store(dw + off, f64x2.add(v128.load(dw + off, 16), f64x2.mul(vreg, w23)), 16);
  }
  let s0 = f64x2.extract_lane(s01, 0), s1 = f64x2.extract_lane(s01, 1);
  let s2 = f64x2.extract_lane(s23, 0);
  const s3 = f64x2.extract_lane(s23, 1);
  // At most three elements left, k ≡ 0, 1, 2 (mod 4).
  for (let r = 0; k < n; k++, r++) {
    const off = <usize>k << 3;
    const x = load<f64>(w + off);
    if (r == 0) s0 += x * x; else if (r == 1) s1 += x * x; else s2 += x * x;
    store<f64>(dw + off, load<f64>(dw + off) + reg * x);
  }
  return ((s0 + s1) + s2) + s3;
}

/**
 * addL2Gradient on n float32 elements: each f32x4 of w and dw is promoted to two f64x2
 * (lanes 0–1 and 2–3, exact), dw + reg·w computed in float64 and demoted back; the squares
 * (exact in float64: 24-bit significands) are summed in float64 as for addL2Gradient.
 */
export function addL2Gradient32(n: i32, dw: usize, w: usize, reg: f64): f64 {
  const vreg = f64x2.splat(reg);
  let s01 = f64x2.splat(0), s23 = f64x2.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const off = <usize>k << 2;
    // Two float32 at a time loaded into the low half of a vector and promoted (a load rather
    // than a shuffle for the upper pair), and demoted results stored as one 64-bit lane.
    const w01 = f64x2.promote_low_f32x4(v128.load64_zero(w + off));
    const w23 = f64x2.promote_low_f32x4(v128.load64_zero(w + off, 8));
    const g01 = f64x2.promote_low_f32x4(v128.load64_zero(dw + off));
    const g23 = f64x2.promote_low_f32x4(v128.load64_zero(dw + off, 8));
    s01 = f64x2.add(s01, f64x2.mul(w01, w01));
    s23 = f64x2.add(s23, f64x2.mul(w23, w23));
    v128.store64_lane(dw + off, f32x4.demote_f64x2_zero(f64x2.add(g01, f64x2.mul(vreg, w01))), 0);
    v128.store64_lane(dw + off, f32x4.demote_f64x2_zero(f64x2.add(g23, f64x2.mul(vreg, w23))), 0, 8);
  }
  let s0 = f64x2.extract_lane(s01, 0), s1 = f64x2.extract_lane(s01, 1);
  let s2 = f64x2.extract_lane(s23, 0);
  const s3 = f64x2.extract_lane(s23, 1);
  for (let r = 0; k < n; k++, r++) {
    const off = <usize>k << 2;
    const x = <f64>load<f32>(w + off);
    if (r == 0) s0 += x * x; else if (r == 1) s1 += x * x; else s2 += x * x;
    store<f32>(dw + off, <f32>(<f64>load<f32>(dw + off) + reg * x));
  }
  return ((s0 + s1) + s2) + s3;
}

/**
 * zeros: out[k] = 0 for k < n, as one memory.fill. The arena (lib/fast/arena.ts) zeroes every
 * temporary it hands out, and TypedArray.fill on the shared module memory goes element by
 * element in V8: 12,800 float32 zeroed in 4.4–7.7 µs by fill against ~0.6 µs on an ordinary
 * array (M3 at batch 128 hands out ~80 such blocks a step: 4.5% of its epoch in fill).
 */
export function zeros(n: i32, out: usize): void { memory.fill(out, 0, <usize>n * 8); }
export function zeros32(n: i32, out: usize): void { memory.fill(out, 0, <usize>n * 4); }

/**
 * allFinite: 1 if every x[k], k < n, is finite, else 0. x·0 is ±0 for a finite x and NaN for
 * NaN or ±Infinity, and a sum with a NaN in it is NaN: the sums of x·0 in every lane and the
 * scalar tail are all non-NaN exactly when x is finite (the order of the sums cannot change
 * that, so the answer is the reference's, lib/kernels/elementwise.ts). 128×784 float32 values:
 * ~114 µs in JavaScript (~2× more once both number types have passed through the loop).
 */
// @ts-ignore: decorator
@inline
function allFiniteT<T>(n: i32, x: usize): i32 {
  const E = <usize>sizeof<T>(), L = 16 / <i32>sizeof<T>();
  const zero = v128.splat<T>(<T>0);
  let s0 = zero, s1 = zero;
  let k = 0;
  for (; k + 2 * L <= n; k += 2 * L) {
    const off = <usize>k * E;
    s0 = v128.add<T>(s0, v128.mul<T>(v128.load(x + off), zero));
    s1 = v128.add<T>(s1, v128.mul<T>(v128.load(x + off, 16), zero));
  }
  let t = <T>0;
  for (; k < n; k++) t += load<T>(x + <usize>k * E) * <T>0;
  const s = v128.add<T>(s0, s1);
  return !v128.any_true(v128.ne<T>(s, s)) && t == t ? 1 : 0;
}

export function allFinite(n: i32, x: usize): i32 { return allFiniteT<f64>(n, x); }
export function allFinite32(n: i32, x: usize): i32 { return allFiniteT<f32>(n, x); }

/**
 * The sigmoid and tanh activations, forward and backward, as lib/nn/layers.ts computes them:
 *
 *     sigmoid:          out[k] = sigmoid(x[k])           (lib/math/elementary.ts's, ported in
 *     tanh:             out[k] = tanh(x[k])               assembly/elementary.ts)
 *     sigmoidBackward:  dx[k]  = (dout[k]·s[k])·(1 − s[k])    s = the forward output
 *     tanhBackward:     dx[k]  = dout[k]·(1 − t[k]·t[k])      t = the forward output
 *
 * Everything in float64: a float32 element is promoted (exactly) and the result rounded once
 * to float32 at the store, as JavaScript does with `O[k] = sigmoid(X[k])` on Float32Arrays.
 * sigmoid and tanh run two lanes at a time on their common ranges (sigmoidPair and tanhPair in
 * assembly/elementary.ts), one lane at a time elsewhere; the backward passes are scalar loops.
 */
/** sigmoid on float64: two elements at a time (sigmoidPair), the last one alone. */
export function sigmoid(n: i32, x: usize, out: usize): void {
  let k = 0;
  for (; k + 2 <= n; k += 2) v128.store(out + (<usize>k << 3), sigmoidPair(v128.load(x + (<usize>k << 3))));
  if (k < n) store<f64>(out + (<usize>k << 3), sigmoidOf(load<f64>(x + (<usize>k << 3))));
}

/** sigmoid on float32: pairs promoted to float64 (exact) and demoted once (round to nearest even). */
export function sigmoid32(n: i32, x: usize, out: usize): void {
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const off = <usize>k << 2;
    const s = sigmoidPair(f64x2.promote_low_f32x4(v128.load64_zero(x + off)));
    v128.store64_lane(out + off, f32x4.demote_f64x2_zero(s), 0);
  }
  if (k < n) store<f32>(out + (<usize>k << 2), <f32>sigmoidOf(<f64>load<f32>(x + (<usize>k << 2))));
}

/** tanh on float64, as sigmoid (tanhPair). */
export function tanh(n: i32, x: usize, out: usize): void {
  let k = 0;
  for (; k + 2 <= n; k += 2) v128.store(out + (<usize>k << 3), tanhPair(v128.load(x + (<usize>k << 3))));
  if (k < n) store<f64>(out + (<usize>k << 3), tanhOf(load<f64>(x + (<usize>k << 3))));
}

/** tanh on float32, as sigmoid32. */
export function tanh32(n: i32, x: usize, out: usize): void {
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const off = <usize>k << 2;
    const t = tanhPair(f64x2.promote_low_f32x4(v128.load64_zero(x + off)));
    v128.store64_lane(out + off, f32x4.demote_f64x2_zero(t), 0);
  }
  if (k < n) store<f32>(out + (<usize>k << 2), <f32>tanhOf(<f64>load<f32>(x + (<usize>k << 2))));
}

// @ts-ignore: decorator
@inline
function sigmoidBackwardT<T>(n: i32, s: usize, dout: usize, dx: usize): void {
  const E = <usize>sizeof<T>();
  for (let k = 0; k < n; k++) {
    const off = <usize>k * E;
    const v = <f64>load<T>(s + off);
    store<T>(dx + off, <T>((<f64>load<T>(dout + off) * v) * (1.0 - v)));
  }
}

// @ts-ignore: decorator
@inline
function tanhBackwardT<T>(n: i32, t: usize, dout: usize, dx: usize): void {
  const E = <usize>sizeof<T>();
  for (let k = 0; k < n; k++) {
    const off = <usize>k * E;
    const v = <f64>load<T>(t + off);
    store<T>(dx + off, <T>(<f64>load<T>(dout + off) * (1.0 - v * v)));
  }
}

export function sigmoidBackward(n: i32, s: usize, dout: usize, dx: usize): void { sigmoidBackwardT<f64>(n, s, dout, dx); }
export function sigmoidBackward32(n: i32, s: usize, dout: usize, dx: usize): void { sigmoidBackwardT<f32>(n, s, dout, dx); }
export function tanhBackward(n: i32, t: usize, dout: usize, dx: usize): void { tanhBackwardT<f64>(n, t, dout, dx); }
export function tanhBackward32(n: i32, t: usize, dout: usize, dx: usize): void { tanhBackwardT<f32>(n, t, dout, dx); }
