/**
 * The elementary functions of nnlab's numbers: exp, log, tanh, sigmoid, sin, cos and an integer
 * power, computed so that they give the same bits on every JavaScript engine.
 *
 * Why not Math.exp and friends: ECMAScript leaves their results "implementation-approximated".
 * V8 has changed them between releases (Math.pow, and so `**`, gives other bits on Node 24/26
 * than on Node 20/22), and another engine may differ again. A training run feeds these values
 * into every step, so one last bit of difference grows into another network. IEEE 754 on the
 * other hand fixes + − × ÷ and Math.sqrt to the correctly rounded result everywhere; every
 * function below is built from those and exact bit operations only:
 *
 *   exp, log, sin, cos  — the fdlibm algorithms (argument reduction, then a fixed polynomial), as
 *                         ported to JavaScript by stdlib (@stdlib/math-base-special-*: no Math.*
 *                         call inside, versions pinned in package.json). exp and log gave the same
 *                         bits as Node 20's Math.exp and Math.log on 10⁶ random arguments; sin and
 *                         cos use FreeBSD's newer kernels, and about 1% of arguments differ from
 *                         V8's in the last bit.
 *   tanh                — fdlibm's formula on top of stdlib's expm1 (the same bits as Node 20's
 *                         Math.tanh on 10⁶ random arguments).
 *   powInt              — base^n for an integer n by square-and-multiply in double-double
 *                         arithmetic (about 100 bits), rounded once at the end: correctly rounded
 *                         but in astronomically rare cases. Adam's bias correction needs β^t.
 *
 * Accuracy, measured against mpmath by scripts/elementary-accuracy.py on 10⁶ points each: exp,
 * log, sin and cos within 1 ulp of the correctly rounded value; powInt within 1 ulp for normal
 * results (1.46 where the result is subnormal); tanh (1.98) and sigmoid (2.15), which round more
 * than once, within 2.5. Changing any of them changes results: bump
 * NUMERICS_VERSION, which is part of every cache key and digest. exp, log, tanh and sigmoid
 * also have WebAssembly ports (assembly/elementary.ts, for the softmax and activation kernels)
 * that must change with them: test/softmax.test.ts and test/activations-kernel.test.ts compare
 * the two bit for bit.
 */
import stdlibCos from '@stdlib/math-base-special-cos';
import stdlibExp from '@stdlib/math-base-special-exp';
import stdlibExpm1 from '@stdlib/math-base-special-expm1';
import stdlibLn from '@stdlib/math-base-special-ln';
import stdlibSin from '@stdlib/math-base-special-sin';

/**
 * The version of nnlab's numerics: the elementary functions here and every kernel's order of
 * operations. Two machines with the same NUMERICS_VERSION (and numerics mode) give the same bits
 * for the same run; a change that alters any result on purpose bumps it.
 */
export const NUMERICS_VERSION = 2;

/** e^x. */
export const exp: (x: number) => number = stdlibExp;

/** The natural logarithm ln(x). */
export const log: (x: number) => number = stdlibLn;

/** sin(x), x in radians. */
export const sin: (x: number) => number = stdlibSin;

/** cos(x), x in radians. */
export const cos: (x: number) => number = stdlibCos;

/**
 * tanh(x) by fdlibm's s_tanh.c: for |x| ≥ 1, 1 − 2/(e^{2|x|} + 1); below 1, −t/(t + 2) with
 * t = e^{−2|x|} − 1 (expm1 keeps the small differences exact); ±1 from |x| ≥ 22, where
 * tanh rounds to 1; x itself below 2⁻⁵⁵.
 */
export function tanh(x: number): number {
  const ax = Math.abs(x);
  if (!(ax < 22)) return Number.isNaN(x) ? x : x < 0 ? -1 : 1; // also ±∞
  if (ax < 2.7755575615628914e-17) return x; // 2^-55: tanh(x) rounds to x (keeps −0)
  let z: number;
  if (ax >= 1) {
    const t = stdlibExpm1(2 * ax);
    z = 1 - 2 / (t + 2);
  } else {
    const t = stdlibExpm1(-2 * ax);
    z = -t / (t + 2);
  }
  return x < 0 ? -z : z;
}

/**
 * The logistic sigmoid 1/(1 + e^{−x}), written for each sign so that e^{…} never overflows:
 * for x < 0 it is e^x/(1 + e^x).
 */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + exp(-x));
  const e = exp(x);
  return e / (1 + e);
}

// Double-double arithmetic: a value is hi + lo with |lo| ≤ ½ulp(hi). Dekker's product of two
// doubles is exact as hi + lo (Veltkamp's split cuts each factor into two 26-bit halves, whose
// products are exact in a double).
const SPLITTER = 134217729; // 2^27 + 1

/** a·b as [hi, lo] with hi + lo exactly a·b (no overflow assumed). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  let t = SPLITTER * a;
  const aHi = t - (t - a), aLo = a - aHi;
  t = SPLITTER * b;
  const bHi = t - (t - b), bLo = b - bHi;
  return [p, ((aHi * bHi - p) + aHi * bLo + aLo * bHi) + aLo * bLo];
}

/** (aHi + aLo)·(bHi + bLo) in double-double. */
function ddMultiply(aHi: number, aLo: number, bHi: number, bLo: number): [number, number] {
  const [p, e] = twoProduct(aHi, bHi);
  const err = e + (aHi * bLo + aLo * bHi);
  const s = p + err;
  return [s, err - (s - p)];
}

/**
 * base^n for a non-negative integer n (n < 2⁵³): square-and-multiply in double-double, one
 * rounding at the end. Used for Adam's β^t, lrDecay^epoch and the step schedule's 0.1^k.
 * Within 1 ulp for normal results; subnormal ones lose the low half to underflow
 * (still the same bits everywhere: IEEE 754 fixes subnormal arithmetic too), which Adam never
 * notices, since 1 − β^t is then exactly 1.
 */
export function powInt(base: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`powInt: n must be a non-negative integer, got ${n}`);
  if (n === 0) return 1;
  if (Number.isNaN(base)) return NaN;
  const negative = base < 0 && n % 2 === 1;
  if (base === 0) return negative || (Object.is(base, -0) && n % 2 === 1) ? -0 : 0;
  let rHi = 1, rLo = 0, xHi = base, xLo = 0;
  for (let k = n; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) [rHi, rLo] = ddMultiply(rHi, rLo, xHi, xLo);
    if (k > 1) [xHi, xLo] = ddMultiply(xHi, xLo, xHi, xLo);
  }
  const r = rHi + rLo;
  // Past the largest double the splitting gives ∞ − ∞ = NaN: the result is ±∞.
  if (Number.isNaN(r)) return negative ? -Infinity : Infinity;
  return r;
}
