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

/**
 * a·b for four float32 lanes, each product formed in float64 and rounded to float32: exactly
 * f32x4.mul(a, b), without its slow path for subnormals.
 */
// @ts-ignore: decorator
@inline
export function times32InF64(a: v128, b: v128): v128 {
  const low = f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b));
  const high = f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<i64>(a, a, 1, 1)), f64x2.promote_low_f32x4(v128.shuffle<i64>(b, b, 1, 1)));
  return v128.shuffle<i64>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 2);
}

/** x / y for four float32 lanes, formed in float64 and rounded to float32: exactly f32x4.div(x, y). */
// @ts-ignore: decorator
@inline
export function over32InF64(x: v128, y: v128): v128 {
  const low = f64x2.div(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(y));
  const high = f64x2.div(f64x2.promote_low_f32x4(v128.shuffle<i64>(x, x, 1, 1)), f64x2.promote_low_f32x4(v128.shuffle<i64>(y, y, 1, 1)));
  return v128.shuffle<i64>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 2);
}

/** √x for four float32 lanes, formed in float64 and rounded to float32: exactly f32x4.sqrt(x). */
// @ts-ignore: decorator
@inline
export function sqrt32InF64(x: v128): v128 {
  const low = f64x2.sqrt(f64x2.promote_low_f32x4(x));
  const high = f64x2.sqrt(f64x2.promote_low_f32x4(v128.shuffle<i64>(x, x, 1, 1)));
  return v128.shuffle<i64>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 2);
}
