/**
 * Fused multiply-add in TypeScript, x·y + z rounded once (to nearest, ties to even), and the
 * product that uses it: the reference the `fused` WebAssembly products (nnlab-fused.wasm, see
 * lib/kernels/fused.ts) are tested against, bit for bit. Slow (a few dozen operations per step):
 * for tests only, never on the training path (the TypeScript backend runs `exact`, see
 * lib/kernels/index.ts).
 */
import type { Gemm } from './js.js';

/**
 * fmaf: x·y + z for float32 x, y, z, rounded once to float32. As musl's fmaf (src/math/fmaf.c):
 * the product of two float32 values is exact in float64 (48 bits), so only the sum needs care.
 * Rounding the float64 sum s = RN(p + z) to float32 is wrong only when s falls exactly on a
 * midpoint between two float32 values while p + z itself was not on it (double rounding). Here
 * the sum's rounding error t is computed exactly (TwoSum) and, in that case, the float32
 * neighbour on t's side is taken. musl finds the midpoint from the bit pattern of a normal
 * float32; this test (s halfway between its two float32 neighbours) covers subnormal results too.
 */
export function fmaf(x: number, y: number, z: number): number {
  const p = x * y; // exact: two 24-bit significands
  const s = p + z;
  if (!Number.isFinite(s)) return Math.fround(s);
  const bb = s - p;
  const t = (p - (s - bb)) + (z - bb); // p + z = s + t exactly (TwoSum)
  const r = Math.fround(s);
  if (t === 0 || !Number.isFinite(r)) return r;
  // s is a midpoint exactly when its mirror image about r, 2s − r (exact: Sterbenz), is the
  // float32 on its other side.
  const o = 2 * s - r;
  if (o === r || Math.fround(o) !== o) return r;
  return t > 0 ? Math.max(r, o) : Math.min(r, o);
}

/** a + b = s + t exactly (Knuth's TwoSum; no overflow). */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b, bb = s - a;
  return [s, (a - (s - bb)) + (b - bb)];
}

/** Veltkamp's split: a = hi + lo, each with at most 26 significant bits. */
function split(a: number): [number, number] {
  const g = 134217729 * a; // 2^27 + 1
  const hi = g - (g - a);
  return [hi, a - hi];
}

const bits = new Float64Array(1);
const bitsU = new BigUint64Array(bits.buffer);

/**
 * RO(a + b): a + b rounded to odd (truncated, then the last bit set if inexact), emulated with
 * round-to-nearest: s = RN(a + b) with its exact error t; when t ≠ 0 and s's last bit is even,
 * s moves one unit toward t (the neighbour on t's side is then the odd one).
 */
function addRoundToOdd(a: number, b: number): number {
  const [s, t] = twoSum(a, b);
  if (t === 0) return s;
  bits[0] = s;
  if ((bitsU[0] & 1n) === 1n) return s;
  // |s| grows by one unit when t has s's sign, shrinks otherwise (s ≠ 0 here, since t ≠ 0).
  bitsU[0] += (t > 0) === (s > 0) ? 1n : -1n;
  return bits[0];
}

/**
 * fma: x·y + z for float64, rounded once. Boldo and Melquiond's emulation ("Emulation of FMA and
 * correctly rounded sums: proved algorithms using rounding to odd", IEEE Trans. Computers 57(4),
 * 2008, algorithm 5.4): x·y = uh + ul exactly (Dekker's product with Veltkamp's split),
 * z + uh = th + tl exactly (TwoSum), v = RO(tl + ul), result RN(th + v). Proved correctly rounded
 * when nothing overflows and the partial products do not underflow; outside that range (huge
 * operands, a product below 2⁻⁹⁶⁸, non-finite values) it throws rather than give a wrong bit.
 */
export function fma(x: number, y: number, z: number): number {
  const p = x * y;
  if (!Number.isFinite(p) || !Number.isFinite(z) || Math.abs(x) >= 2 ** 995 || Math.abs(y) >= 2 ** 995 ||
      Math.abs(z) >= 2 ** 1021 || (p !== 0 && Math.abs(p) < 2 ** -968)) {
    throw new RangeError(`fma(${x}, ${y}, ${z}): outside the range where the emulation is exact`);
  }
  if (p === 0) {
    if (x !== 0 && y !== 0) throw new RangeError(`fma(${x}, ${y}, ${z}): the product underflows to 0`);
    return p + z; // x or y is ±0: exactly the rounded sum, signed zeros as IEEE 754 says
  }
  const [xh, xl] = split(x), [yh, yl] = split(y);
  const ul = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl; // x·y = p + ul exactly (Dekker)
  const [th, tl] = twoSum(z, p);
  return th + addRoundToOdd(tl, ul);
}

/**
 * The product of lib/kernels/js.ts's Gemm signature with fused multiply-adds, in the order of
 * the `fused` kernels of assembly/gemm.ts: every C[i, j] starts from 0 and takes
 * s = fma(A(i, p), B(p, j), s) for p = 0, 1, …, k-1 (fmaf on float32 operands).
 */
export const gemmFmaReference: Gemm = (n, m, k, a, aRow, aStep, b, bStep, bCol, c) => {
  const madd = a instanceof Float32Array ? fmaf : fma;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s = madd(a[i * aRow + p * aStep], b[p * bStep + j * bCol], s);
      c[i * m + j] = s;
    }
  }
};
