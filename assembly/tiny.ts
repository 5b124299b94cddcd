/**
 * Numbers near underflow, for the float32 kernels that route them around the slow path.
 *
 * Why: on Intel cores a float32 SIMD multiply or divide whose operand or result is subnormal
 * (below 2⁻¹²⁶) takes a microcode assist. Measured on a Sapphire Rapids with a one-off loop:
 * f32x4.mul about 9 ns per element with subnormal operands or results, against 0.12; f32x4.add,
 * and conversions between float32 and float64, take none. WebAssembly cannot flush subnormals
 * to zero. Training makes them: Adam's m of a unit that stopped firing (assembly/adam.ts), and
 * weights that L2 decays to zero (assembly/gemm.ts). A float32 product of two float32 values
 * formed in float64 (exact there) and rounded to float32 is the float32 product, bit for bit,
 * and float32's subnormals are normal numbers in float64: so the kernels form the products
 * that may meet a subnormal that way, with the same bits and no assist.
 *
 * tinyLanes32's threshold, 2⁻⁵⁰, is Adam's (assembly/adam.ts): a lane below it in magnitude (and
 * not zero) counts as near underflow there. gemm32 bounds its products by the smallest
 * magnitudes of its operands instead (mayUnderflow32 in assembly/gemm.ts).
 */

/**
 * Whether the kernels route near-underflow values around the slow path (gemm32, adam32): on
 * until lib/kernels/wasm.ts sets it per instance from a measurement at load (subnormalCost32
 * below, lib/kernels/subnormal.ts), since the detour costs time on a CPU without the slow path
 * (an AMD Zen 4: a subnormal f32x4.mul 0.8–2.1 times a normal one). Only the speed depends on
 * it, never the bits.
 */
let routeTiny: bool = true;

/** Turns the detour on (1) or off (0) in this instance (see routeTiny). */
export function setSubnormalPath(on: i32): void {
  routeTiny = on != 0;
}

/** Whether this instance takes the detour (see routeTiny). */
// @ts-ignore: decorator
@inline
export function subnormalPathOn(): bool {
  return routeTiny;
}

/**
 * The probe behind routeTiny: `reps` passes of f32x4.mul of the `vectors` float32 vectors at
 * `at` by `factor`, into four independent sums (so that the loop is bound by the multiplies'
 * throughput, where an assist shows, not by one chain of additions). The caller times it on
 * normal and on subnormal values. Returns a lane of the sum, so that nothing is optimised away.
 */
export function subnormalCost32(at: usize, vectors: i32, reps: i32, factor: f32): f32 {
  const f = f32x4.splat(factor);
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i + 4 <= vectors; i += 4) {
      const p = at + (<usize>i << 4);
      s0 = f32x4.add(s0, f32x4.mul(v128.load(p), f));
      s1 = f32x4.add(s1, f32x4.mul(v128.load(p, 16), f));
      s2 = f32x4.add(s2, f32x4.mul(v128.load(p, 32), f));
      s3 = f32x4.add(s3, f32x4.mul(v128.load(p, 48), f));
    }
  }
  return f32x4.extract_lane(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)), 0);
}

/** The bits of 2⁻⁵⁰, less one. */
const TINY_BITS_LESS_ONE: i32 = 0x26800000 - 1;

/**
 * A lane mask: all ones where 0 < |x| < 2⁻⁵⁰ (four float32 lanes). With a = |x|'s bits,
 * a + (2³¹ − 1) wraps a = 0 to the top and 1..2³¹−1 to −2³¹..−2, so one signed comparison with
 * (2⁻⁵⁰'s bits − 1) − 2³¹ finds 0 < a < 2⁻⁵⁰'s bits: four vector instructions.
 */
// @ts-ignore: decorator
@inline
export function tinyLanes32(x: v128): v128 {
  const a = v128.and(x, i32x4.splat(0x7fffffff));
  return i32x4.lt_s(i32x4.add(a, i32x4.splat(0x7fffffff)), i32x4.splat(TINY_BITS_LESS_ONE - 0x80000000));
}

/** Lanes 0–1 of four float32 lanes, widened to float64 (exactly). */
// @ts-ignore: decorator
@inline
export function lowInF64(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}

/** Lanes 2–3 of four float32 lanes, widened to float64 (exactly). */
// @ts-ignore: decorator
@inline
export function highInF64(x: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<i64>(x, x, 1, 1));
}

/** Four float32 lanes from two float64 pairs (lanes 0–1, then 2–3), each rounded once to float32. */
// @ts-ignore: decorator
@inline
export function joinAs32(low: v128, high: v128): v128 {
  return v128.shuffle<i64>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 2);
}

/**
 * a·b for four float32 lanes, each product formed in float64 and rounded to float32: exactly
 * f32x4.mul(a, b), without its slow path for subnormals.
 */
// @ts-ignore: decorator
@inline
export function times32InF64(a: v128, b: v128): v128 {
  return joinAs32(f64x2.mul(lowInF64(a), lowInF64(b)), f64x2.mul(highInF64(a), highInF64(b)));
}

/** x / y for four float32 lanes, formed in float64 and rounded to float32: exactly f32x4.div(x, y). */
// @ts-ignore: decorator
@inline
export function over32InF64(x: v128, y: v128): v128 {
  return joinAs32(f64x2.div(lowInF64(x), lowInF64(y)), f64x2.div(highInF64(x), highInF64(y)));
}

/** √x for four float32 lanes, formed in float64 and rounded to float32: exactly f32x4.sqrt(x). */
// @ts-ignore: decorator
@inline
export function sqrt32InF64(x: v128): v128 {
  return joinAs32(f64x2.sqrt(lowInF64(x)), f64x2.sqrt(highInF64(x)));
}
