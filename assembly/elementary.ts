/**
 * exp, ln, expm1, tanh and sigmoid as lib/math/elementary.ts computes them
 * (@stdlib/math-base-special-exp, -ln and -expm1, versions pinned in package.json: fdlibm's
 * e_exp.c, e_log.c and s_expm1.c), ported line by line so that WebAssembly gives the same bits:
 * the same constants, the same operations in the same order (float64 `+ - * /` and trunc are
 * exactly specified in both languages, and there is no fused multiply-add in scalar
 * WebAssembly). The softmax loss (assembly/softmax.ts) needs exp and ln, the activations
 * (assembly/elementwise.ts) tanh and sigmoid. test/softmax.test.ts and
 * test/activations-kernel.test.ts compare them with the TypeScript ones on edge cases and 10⁵
 * arguments across their ranges. A change to any of these packages, or to tanh or sigmoid in
 * lib/math/elementary.ts, must change this file too (the tests fail until it does).
 */

const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const LOG2_E: f64 = 1.44269504088896338700e+00;
const EXP_OVERFLOW: f64 = 7.09782712893383973096e+02;
const EXP_UNDERFLOW: f64 = -7.45133219101941108420e+02;
const NEARZERO: f64 = 1.0 / 268435456.0; // 2⁻²⁸
const SMALLEST_NORMAL: f64 = 2.2250738585072014e-308;
const TWO52: f64 = 4503599627370496.0;
const TWO52_INV: f64 = 2.220446049250313e-16;
const TWO54: f64 = 1.80143985094819840000e+16;
const ONE_THIRD: f64 = 0.33333333333333333;

// @ts-ignore: decorator
@inline
function highWord(x: f64): u32 { return <u32>(reinterpret<u64>(x) >>> 32); }

// @ts-ignore: decorator
@inline
function withHighWord(x: f64, high: u32): f64 {
  return reinterpret<f64>((<u64>high << 32) | (reinterpret<u64>(x) & 0xffffffff));
}

/** @stdlib/math-base-special-exp's polyval_p.js (the x === 0 branch included). */
// @ts-ignore: decorator
@inline
function expPoly(x: f64): f64 {
  if (x == 0.0) return 0.16666666666666602;
  return 0.16666666666666602 + (x * (-0.0027777777777015593 + (x * (0.00006613756321437934 + (x * (-0.0000016533902205465252 + (x * 4.1381367970572385e-8)))))));
}

/** @stdlib/math-base-special-ldexp: frac · 2^e, subnormal results rounded by one multiply. */
// @ts-ignore: decorator
@inline
function ldexp(frac: f64, e: i32): f64 {
  if (e == 0 || frac == 0.0 || isNaN(frac) || !isFinite(frac)) return frac;
  if (Math.abs(frac) < SMALLEST_NORMAL) { // normalize
    frac = frac * TWO52;
    e += -52;
  }
  e += <i32>((highWord(frac) & 0x7ff00000) >>> 20) - 1023;
  if (e < -1074) return copysign<f64>(0.0, frac);
  if (e > 1023) return frac < 0.0 ? -Infinity : Infinity;
  let m: f64 = 1.0;
  if (e <= -1023) {
    e += 52;
    m = TWO52_INV;
  }
  const high = (highWord(frac) & 0x800fffff) | (<u32>(e + 1023) << 20);
  return m * withHighWord(frac, high);
}

/**
 * e^x: @stdlib/math-base-special-exp (main.js and expmulti.js). Inlined into the softmax loops:
 * the calls kept out-of-order execution from overlapping the independent exps of a row.
 */
// @ts-ignore: decorator
@inline
export function expStdlib(x: f64): f64 {
  if (isNaN(x) || x == Infinity) return x;
  if (x == -Infinity) return 0.0;
  if (x > EXP_OVERFLOW) return Infinity;
  if (x < EXP_UNDERFLOW) return 0.0;
  if (x > -NEARZERO && x < NEARZERO) return 1.0 + x;
  const k: f64 = x < 0.0 ? Math.trunc((LOG2_E * x) - 0.5) : Math.trunc((LOG2_E * x) + 0.5);
  const hi = x - (k * LN2_HI);
  const lo = k * LN2_LO;
  // expmulti(hi, lo, k)
  const r = hi - lo;
  const t = r * r;
  const c = r - (t * expPoly(t));
  const y = 1.0 - (lo - ((r * c) / (2.0 - c)) - hi);
  return ldexp(y, <i32>k);
}

/** @stdlib/math-base-special-ln's polyval_p.js and polyval_q.js. */
// @ts-ignore: decorator
@inline
function lnPolyP(x: f64): f64 {
  if (x == 0.0) return 0.3999999999940942;
  return 0.3999999999940942 + (x * (0.22222198432149784 + (x * 0.15313837699209373)));
}

// @ts-ignore: decorator
@inline
function lnPolyQ(x: f64): f64 {
  if (x == 0.0) return 0.6666666666666735;
  return 0.6666666666666735 + (x * (0.2857142874366239 + (x * (0.1818357216161805 + (x * 0.14798198605116586)))));
}

/** ln(x): @stdlib/math-base-special-ln. */
export function lnStdlib(x: f64): f64 {
  if (x == 0.0) return -Infinity;
  if (isNaN(x) || x < 0.0) return NaN;
  let hx = <i32>highWord(x);
  let k: i32 = 0;
  if (hx < 0x00100000) {
    k -= 54;
    x *= TWO54;
    hx = <i32>highWord(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  let i: i32 = (hx + 0x95f64) & 0x100000;
  x = withHighWord(x, <u32>(hx | (i ^ 0x3ff00000)));
  k += i >> 20;
  const f = x - 1.0;
  const fk = <f64>k;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0.0) {
      if (k == 0) return 0.0;
      return (fk * LN2_HI) + (fk * LN2_LO);
    }
    const R = f * f * (0.5 - (ONE_THIRD * f));
    if (k == 0) return f - R;
    return (fk * LN2_HI) - ((R - (fk * LN2_LO)) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  i = hx - 0x6147a;
  const w = z * z;
  const j: i32 = 0x6b851 - hx;
  const t1 = w * lnPolyP(w);
  const t2 = z * lnPolyQ(w);
  i |= j;
  const R = t2 + t1;
  if (i > 0) {
    const hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - (s * (hfsq + R)));
    return (fk * LN2_HI) - (hfsq - ((s * (hfsq + R)) + (fk * LN2_LO)) - f);
  }
  if (k == 0) return f - (s * (f - R));
  return (fk * LN2_HI) - (((s * (f - R)) - (fk * LN2_LO)) - f);
}

// expm1, tanh and sigmoid, for the activations' kernels.

const HALF_LN2: f64 = 3.46573590279972654709e-01; // 0x3FD62E42 0xFEFA39EF
const LN2_INV: f64 = 1.44269504088896338700e+00; // 1/ln(2), 0x3FF71547 0x652B82FE
const LN2X56: f64 = 3.88162421113569373274e+01; // 56·ln(2), 0x4043687A 0x9F1AF2B1
const LN2_HALFX3: f64 = 1.03972077083991796413e+00; // 1.5·ln(2), 0x3FF0A2B2 0x3F3BAB73
const TWO_M54_HIGH: i32 = 0x3c900000; // the high word of 2⁻⁵⁴

/** @stdlib/math-base-special-expm1's polyval_q.js (the x === 0 branch included). */
// @ts-ignore: decorator
@inline
function expm1Poly(x: f64): f64 {
  if (x == 0.0) return -0.03333333333333313;
  return -0.03333333333333313 + (x * (0.0015873015872548146 + (x * (-0.0000793650757867488 + (x * (0.000004008217827329362 + (x * -2.0109921818362437e-7)))))));
}

/**
 * e^x − 1: @stdlib/math-base-special-expm1 (fdlibm's s_expm1.c), line by line. stdlib's
 * `k |= 0` truncates toward zero like <i32>, and |k| ≤ 1024 here, so no wrap-around.
 */
// @ts-ignore: decorator
@inline
export function expm1Stdlib(x: f64): f64 {
  if (x == Infinity || isNaN(x)) return x;
  if (x == -Infinity) return -1.0;
  if (x == 0.0) return x; // ±0
  const sign = x < 0.0;
  let y = sign ? -x : x;
  if (y >= LN2X56) { // |x| ≥ 56·ln(2)
    if (sign) return -1.0;
    if (y >= EXP_OVERFLOW) return Infinity;
  }
  const hx = <i32>highWord(y);
  let k: i32 = 0, hi: f64, lo: f64, c: f64 = 0.0;
  if (y > HALF_LN2) { // argument reduction: x = k·ln(2) + (hi − lo)
    if (y < LN2_HALFX3) {
      if (sign) { hi = x + LN2_HI; lo = -LN2_LO; k = -1; } else { hi = x - LN2_HI; lo = LN2_LO; k = 1; }
    } else {
      k = sign ? <i32>((LN2_INV * x) - 0.5) : <i32>((LN2_INV * x) + 0.5);
      const t = <f64>k;
      hi = x - (t * LN2_HI); // exact
      lo = t * LN2_LO;
    }
    x = hi - lo;
    c = (hi - x) - lo;
  } else if (hx < TWO_M54_HIGH) {
    return x; // |x| < 2⁻⁵⁴
  }
  const halfX = 0.5 * x;
  const z = x * halfX;
  const r1 = 1.0 + (z * expm1Poly(z));
  let t = 3.0 - (r1 * halfX);
  let e = z * ((r1 - t) / (6.0 - (x * t)));
  if (k == 0) return x - ((x * e) - z);
  const twopk = reinterpret<f64>(<u64>(<u32>(1023 + k) << 20) << 32); // 2^k
  e = (x * (e - c)) - c;
  e -= z;
  if (k == -1) return (0.5 * (x - e)) - 0.5;
  if (k == 1) {
    if (x < -0.25) return -2.0 * (e - (x + 0.5));
    return 1.0 + (2.0 * (x - e));
  }
  if (k <= -2 || k > 56) { // exp(x) − 1 is then exp(x) to the precision kept
    y = 1.0 - (e - x);
    if (k == 1024) y = withHighWord(y, highWord(y) + (<u32>k << 20));
    else y *= twopk;
    return y - 1.0;
  }
  if (k < 20) {
    t = withHighWord(1.0, <u32>(0x3ff00000 - (0x200000 >> k))); // 1 − 2^−k
    y = t - (e - x);
  } else {
    t = withHighWord(1.0, <u32>((1023 - k) << 20)); // 2^−k
    y = x - (e + t);
    y += 1.0;
  }
  return y * twopk;
}

/** lib/math/elementary.ts's tanh (fdlibm's s_tanh.c on expm1): the same branches and operations. */
// @ts-ignore: decorator
@inline
export function tanhOf(x: f64): f64 {
  const ax = Math.abs(x);
  if (!(ax < 22.0)) return isNaN(x) ? x : x < 0.0 ? -1.0 : 1.0;
  if (ax < 2.7755575615628914e-17) return x; // 2⁻⁵⁵
  let z: f64;
  if (ax >= 1.0) {
    const t = expm1Stdlib(2.0 * ax);
    z = 1.0 - 2.0 / (t + 2.0);
  } else {
    const t = expm1Stdlib(-2.0 * ax);
    z = -t / (t + 2.0);
  }
  return x < 0.0 ? -z : z;
}

/** lib/math/elementary.ts's sigmoid: 1/(1 + e^−x) for x ≥ 0, e^x/(1 + e^x) otherwise (NaN too). */
// @ts-ignore: decorator
@inline
export function sigmoidOf(x: f64): f64 {
  if (x >= 0.0) return 1.0 / (1.0 + expStdlib(-x));
  const e = expStdlib(x);
  return e / (1.0 + e);
}

/** 2^k on two lanes for integral k in [−1022, 1023] held as f64x2 (exponent bits set directly). */
// @ts-ignore: decorator
@inline
function pow2Pair(k: v128): v128 {
  return i64x2.shl(i64x2.add(i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(k)), i64x2.splat(1023)), 52);
}

/**
 * sigmoidOf on the two lanes of x, the same bits (test/activations-kernel.test.ts): both of its
 * branches take e = e^z with z = −|x|, and in the common case, −708 ≤ z ≤ −2⁻²⁸ on both lanes,
 * expStdlib is one straight path, computed here in f64x2 with the same operations in the same
 * order (f64x2 arithmetic is IEEE 754 lane by lane, and never fused):
 * - expPoly's `t == 0` branch gives what its polynomial gives at t = +0;
 * - ldexp(y, k) is y·2^k: y is in [0.5, 2) and k ≥ −1021, so the result is normal and the
 *   multiply by the power of two is exact, as setting the exponent is.
 * Any other lane (near 0, beyond −708, NaN) sends the pair to sigmoidOf one lane at a time.
 * Two lanes and no branch per element: about 4× the speed of the scalar loop on arguments of
 * random sign (scripts/bench-activations.mjs kernels).
 */
// @ts-ignore: decorator
@inline
export function sigmoidPair(x: v128): v128 {
  const z = f64x2.neg(f64x2.abs(x));
  const common = v128.and(f64x2.le(z, f64x2.splat(-NEARZERO)), f64x2.ge(z, f64x2.splat(-708.0)));
  if (!i64x2.all_true(common)) {
    const a = sigmoidOf(f64x2.extract_lane(x, 0)), b = sigmoidOf(f64x2.extract_lane(x, 1));
    return f64x2.replace_lane(f64x2.splat(a), 1, b);
  }
  const k = f64x2.trunc(f64x2.sub(f64x2.mul(f64x2.splat(LOG2_E), z), f64x2.splat(0.5)));
  const hi = f64x2.sub(z, f64x2.mul(k, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(k, f64x2.splat(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let p = f64x2.mul(t, f64x2.splat(4.1381367970572385e-8));
  p = f64x2.mul(t, f64x2.add(f64x2.splat(-0.0000016533902205465252), p));
  p = f64x2.mul(t, f64x2.add(f64x2.splat(0.00006613756321437934), p));
  p = f64x2.mul(t, f64x2.add(f64x2.splat(-0.0027777777777015593), p));
  p = f64x2.add(f64x2.splat(0.16666666666666602), p);
  const c = f64x2.sub(r, f64x2.mul(t, p));
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2.0), c));
  const y = f64x2.sub(f64x2.splat(1.0), f64x2.sub(f64x2.sub(lo, q), hi));
  const e = f64x2.mul(y, pow2Pair(k)); // ldexp(y, k)
  const one = f64x2.splat(1.0);
  return f64x2.div(v128.bitselect(one, e, f64x2.ge(x, f64x2.splat(0.0))), f64x2.add(one, e));
}

/**
 * tanhOf on the two lanes of x, the same bits (test/activations-kernel.test.ts), for
 * 2⁻⁵⁵ ≤ |x| < 22 on both lanes (else tanhOf lane by lane). tanhOf takes expm1(X) with
 * X = 2|x| ≥ 2 or X = −2|x| in (−2, −2⁻⁵⁴]; on those arguments expm1Stdlib's paths are:
 * - k = 0 (|X| ≤ ln2/2), k = −1 (|X| < 1.5·ln2) or k = trunc(X/ln2 ± 0.5): one reduction
 *   hi = X − k·ln2_hi, lo = k·ln2_lo serves all three (for k = 0 it gives hi = X, lo = c = 0,
 *   for k = −1 hi = X + LN2_HI and lo = −LN2_LO, as the special cases write them);
 * - then one of five return formulas, by k: 0, −1, ≤ −2 or > 56, < 20, ≥ 20 (k = 1 and 1024
 *   cannot occur here). All five are computed and the lane's own is selected.
 */
// @ts-ignore: decorator
@inline
export function tanhPair(x: v128): v128 {
  const ax = f64x2.abs(x);
  const common = v128.and(f64x2.ge(ax, f64x2.splat(2.7755575615628914e-17)), f64x2.lt(ax, f64x2.splat(22.0)));
  if (!i64x2.all_true(common)) {
    const a = tanhOf(f64x2.extract_lane(x, 0)), b = tanhOf(f64x2.extract_lane(x, 1));
    return f64x2.replace_lane(f64x2.splat(a), 1, b);
  }
  const one = f64x2.splat(1.0), two = f64x2.splat(2.0), zero = f64x2.splat(0.0);
  const big = f64x2.ge(ax, one); // tanhOf's branch: expm1(2|x|), else expm1(−2|x|)
  const X = v128.bitselect(f64x2.mul(two, ax), f64x2.mul(f64x2.splat(-2.0), ax), big);
  const y = f64x2.abs(X);
  // expm1Stdlib's k: 0, −1 (only for X < 0), or rounded X/ln2.
  const kRounded = f64x2.trunc(v128.bitselect(
    f64x2.add(f64x2.mul(f64x2.splat(LN2_INV), X), f64x2.splat(0.5)),
    f64x2.sub(f64x2.mul(f64x2.splat(LN2_INV), X), f64x2.splat(0.5)), big));
  const reduced = f64x2.gt(y, f64x2.splat(HALF_LN2));
  const k = v128.and(v128.bitselect(kRounded, f64x2.splat(-1.0), f64x2.ge(y, f64x2.splat(LN2_HALFX3))), reduced);
  const hi = f64x2.sub(X, f64x2.mul(k, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(k, f64x2.splat(LN2_LO));
  const xr = f64x2.sub(hi, lo);
  const c = f64x2.sub(f64x2.sub(hi, xr), lo);
  const halfX = f64x2.mul(f64x2.splat(0.5), xr);
  const z = f64x2.mul(xr, halfX);
  let q = f64x2.mul(z, f64x2.splat(-2.0109921818362437e-7));
  q = f64x2.mul(z, f64x2.add(f64x2.splat(0.000004008217827329362), q));
  q = f64x2.mul(z, f64x2.add(f64x2.splat(-0.0000793650757867488), q));
  q = f64x2.mul(z, f64x2.add(f64x2.splat(0.0015873015872548146), q));
  q = f64x2.add(f64x2.splat(-0.03333333333333313), q);
  const r1 = f64x2.add(one, f64x2.mul(z, q));
  const t = f64x2.sub(f64x2.splat(3.0), f64x2.mul(r1, halfX));
  const e = f64x2.mul(z, f64x2.div(f64x2.sub(r1, t), f64x2.sub(f64x2.splat(6.0), f64x2.mul(xr, t))));
  const e2 = f64x2.sub(f64x2.sub(f64x2.mul(xr, f64x2.sub(e, c)), c), z);
  const twopk = pow2Pair(k), twomk = pow2Pair(f64x2.neg(k));
  const r0 = f64x2.sub(xr, f64x2.sub(f64x2.mul(xr, e), z)); // k = 0
  const rm1 = f64x2.sub(f64x2.mul(f64x2.splat(0.5), f64x2.sub(xr, e2)), f64x2.splat(0.5)); // k = −1
  const rExp = f64x2.sub(f64x2.mul(f64x2.sub(one, f64x2.sub(e2, xr)), twopk), one); // k ≤ −2 or k > 56
  const rLow = f64x2.mul(f64x2.sub(f64x2.sub(one, twomk), f64x2.sub(e2, xr)), twopk); // 2 ≤ k < 20
  const rHigh = f64x2.mul(f64x2.add(f64x2.sub(xr, f64x2.add(e2, twomk)), one), twopk); // 20 ≤ k ≤ 56
  let em1 = v128.bitselect(rLow, rHigh, f64x2.lt(k, f64x2.splat(20.0)));
  em1 = v128.bitselect(rExp, em1, v128.or(f64x2.le(k, f64x2.splat(-2.0)), f64x2.gt(k, f64x2.splat(56.0))));
  em1 = v128.bitselect(rm1, em1, f64x2.eq(k, f64x2.splat(-1.0)));
  em1 = v128.bitselect(r0, em1, f64x2.eq(k, zero));
  // tanhOf from expm1: 1 − 2/(t + 2) for |x| ≥ 1, −t/(t + 2) below; the sign of x.
  const d = f64x2.add(em1, two);
  const zt = v128.bitselect(f64x2.sub(one, f64x2.div(two, d)), f64x2.div(f64x2.neg(em1), d), big);
  return v128.bitselect(f64x2.neg(zt), zt, f64x2.lt(x, zero));
}
