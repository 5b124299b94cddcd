import { tinyLanes32, times32InF64, over32InF64, sqrt32InF64, subnormalPathOn } from './tiny';

/**
 * The Adam update of lib/nn/optim.ts as a WebAssembly SIMD loop, two float64 lanes at a time
 * (adam32 below: four float32 lanes; both are the one generic loop adamLoop<T>).
 *
 * Adam's cost is its divisions and square root (three divides and one sqrt per parameter:
 * about 20 cycles each, which no amount of loop tuning in JavaScript hides). f64x2.div and
 * f64x2.sqrt do two lanes in about the time of one, and IEEE 754 rounds them exactly like
 * the scalar operations, so with the expression written in the same order as optim.ts the
 * result is bit-for-bit the same:
 *
 *     m ← β1·m + (1 − β1)·g
 *     v ← β2·v + ((1 − β2)·g)·g
 *     w ← w − (lr·(m / c1)) / (√(v / c2) + ε),   c1 = 1 − β1ᵗ, c2 = 1 − β2ᵗ
 *
 * The caller passes 1 − β1 and 1 − β2 as computed in JavaScript, so no constant is rounded
 * differently here.
 */
export function adam(n: i32, w: usize, g: usize, m: usize, v: usize,
                     lr: f64, b1: f64, oneMinusB1: f64, b2: f64, oneMinusB2: f64,
                     eps: f64, c1: f64, c2: f64): void {
  adamOf<f64>(n, w, g, m, v, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
}

/**
 * The same update on float32 arrays, four lanes at a time: every operation rounds to float32,
 * and the hyperparameters arrive as float32 (the glue's float64 values, rounded once at the
 * call). lib/kernels/js.ts's adamJs32 does the same with Math.fround after each operation.
 * In float32, c1 = 1 − β1ᵗ rounds to 1 after ~160 steps (β1 = 0.9), c2 after ~17,000.
 */
export function adam32(n: i32, w: usize, g: usize, m: usize, v: usize,
                       lr: f32, b1: f32, oneMinusB1: f32, b2: f32, oneMinusB2: f32,
                       eps: f32, c1: f32, c2: f32): void {
  adamOf<f32>(n, w, g, m, v, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
}

/**
 * adam (adam32) on every parameter of a model in one call: `count` entries of a descriptor
 * table at byte offset `table`, each ADAM_ENTRY_INTS int32 values (elements, then the byte
 * offsets of w, g, m, v), with one set of hyperparameters and one c1, c2 for all. Each entry
 * runs exactly the loop adam runs on it, so the bits are those of one adam call per parameter;
 * what goes is the JavaScript between the calls (staging, the call itself), which on a small
 * layer costs more than its update.
 */
export function adamAll(count: i32, table: usize,
                        lr: f64, b1: f64, oneMinusB1: f64, b2: f64, oneMinusB2: f64,
                        eps: f64, c1: f64, c2: f64): void {
  for (let i = 0; i < count; i++) {
    const e = table + <usize>i * ADAM_ENTRY_INTS * 4;
    adamOf<f64>(load<i32>(e), load<u32>(e, 4), load<u32>(e, 8), load<u32>(e, 12), load<u32>(e, 16),
                lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
  }
}

/** adamAll on float32 parameters (adam32's loop on each entry). */
export function adamAll32(count: i32, table: usize,
                          lr: f32, b1: f32, oneMinusB1: f32, b2: f32, oneMinusB2: f32,
                          eps: f32, c1: f32, c2: f32): void {
  for (let i = 0; i < count; i++) {
    const e = table + <usize>i * ADAM_ENTRY_INTS * 4;
    adamOf<f32>(load<i32>(e), load<u32>(e, 4), load<u32>(e, 8), load<u32>(e, 12), load<u32>(e, 16),
                lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
  }
}

/** int32 values per entry of adamAll's table: n, w, g, m, v (lib/kernels/wasm.ts writes it). */
const ADAM_ENTRY_INTS: i32 = 5;

/**
 * Both kernels, for T = f64 (two lanes) or f32 (four): the generic v128 operations compile to
 * exactly the f64x2 or f32x4 instructions, so each export is the same code as if written out.
 */
// @ts-ignore: decorator
@inline
function adamOf<T>(n: i32, w: usize, g: usize, m: usize, v: usize,
                   lr: T, b1: T, oneMinusB1: T, b2: T, oneMinusB2: T, eps: T, c1: T, c2: T): void {
  // After about 355 steps β1ᵗ < 2⁻⁵⁴, so c1 = 1 − β1ᵗ rounds to exactly 1 and m / c1 = m: the
  // division can be left out with no change to any bit (likewise c2, after ~37,000 steps).
  // Division is the costliest operation here, so this saves about a fifth of the time.
  if (c1 == <T>1) {
    if (c2 == <T>1) adamLoop<T>(true, true, n, w, g, m, v, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
    else adamLoop<T>(true, false, n, w, g, m, v, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
  } else {
    adamLoop<T>(false, false, n, w, g, m, v, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
  }
}

// @ts-ignore: decorator
@inline
function adamLoop<T>(c1IsOne: bool, c2IsOne: bool, n: i32, w: usize, g: usize, m: usize, v: usize,
                     lr: T, b1: T, oneMinusB1: T, b2: T, oneMinusB2: T, eps: T, c1: T, c2: T): void {
  const lanes = 16 / sizeof<T>();
  const vlr = v128.splat<T>(lr), vb1 = v128.splat<T>(b1), v1b1 = v128.splat<T>(oneMinusB1);
  const vb2 = v128.splat<T>(b2), v1b2 = v128.splat<T>(oneMinusB2), veps = v128.splat<T>(eps);
  const vc1 = v128.splat<T>(c1), vc2 = v128.splat<T>(c2);
  // float32 lanes near underflow take the detour where this instance does (assembly/tiny.ts).
  const checkTiny = sizeof<T>() == 4 && subnormalPathOn();
  let k = 0;
  for (; k + lanes <= n; k += lanes) {
    const off = <usize>k * sizeof<T>();
    const gk = v128.load(g + off), m0 = v128.load(m + off), v0 = v128.load(v + off);
    if (checkTiny && nearUnderflow32(m0)) {
      adamQuad32TinyM(c1IsOne, c2IsOne, w + off, gk, m + off, m0, v + off, v0,
                      <f32>lr, <f32>b1, <f32>oneMinusB1, <f32>b2, <f32>oneMinusB2, <f32>eps, <f32>c1, <f32>c2);
      continue;
    }
    const mk = v128.add<T>(v128.mul<T>(vb1, m0), v128.mul<T>(v1b1, gk));
    const vk = v128.add<T>(v128.mul<T>(vb2, v0), v128.mul<T>(v128.mul<T>(v1b2, gk), gk));
    v128.store(m + off, mk);
    v128.store(v + off, vk);
    const mhat = c1IsOne ? mk : v128.div<T>(mk, vc1);
    const vhat = c2IsOne ? vk : v128.div<T>(vk, vc2);
    const step = v128.div<T>(v128.mul<T>(vlr, mhat), v128.add<T>(v128.sqrt<T>(vhat), veps));
    v128.store(w + off, v128.sub<T>(v128.load(w + off), step));
  }
  for (; k < n; k++) {
    // The last n % lanes elements, in scalars.
    const off = <usize>k * sizeof<T>();
    const gk = load<T>(g + off);
    const mk = b1 * load<T>(m + off) + oneMinusB1 * gk;
    const vk = b2 * load<T>(v + off) + oneMinusB2 * gk * gk;
    store<T>(m + off, mk);
    store<T>(v + off, vk);
    store<T>(w + off, load<T>(w + off) - (lr * (mk / c1)) / (sqrt<T>(vk / c2) + eps));
  }
}

/**
 * Whether any lane of m (float32) is nonzero and below 2⁻⁵⁰ in magnitude: then β1·m, lr·m̂ or
 * the step's quotient may have a subnormal operand or result, and take the slow path that
 * assembly/tiny.ts describes. Adam makes such m in the ordinary course: a ReLU
 * unit that stopped firing gets zero gradients, so its m shrinks by β1 every step into the
 * subnormal range and stays at the smallest subnormal (β1 times it rounds back to it). After 20
 * epochs of the report's grid net 784-100-12 on the bench's workload, 95% of W1's m were
 * subnormal, and Adam took half of the job's time.
 * The common loop checks only m, in four vector instructions: a lane whose m is at least 2⁻⁵⁰
 * keeps β1·m, lr·m̂ and the step normal (with β1 above 1/2 and lr above 2⁻⁷⁰). A lasting tiny g
 * or v comes with a tiny m (once the gradients stop, m decays a hundred times faster than v),
 * and adamQuad32TinyM checks them there. The checks choose the speed, never the bits.
 */
// @ts-ignore: decorator
@inline
function nearUnderflow32(m: v128): bool {
  return v128.any_true(tinyLanes32(m));
}

/**
 * adam32's update of the four float32 elements at w, m, v (gradient gk, moments m0, v0), with
 * the operations that may meet a subnormal computed in float64 and rounded to float32 (the sums
 * stay float32: they take no slow path). Where m is tiny, so may the gradient be (L2's share of
 * it, on weights that decay into the subnormals) and v: when a lane of g or v is tiny too, every
 * product, quotient and square root goes through float64; otherwise only those that touch m
 * (β1·m, m / c1, lr·m̂ and the step's quotient), which costs less. float32's subnormals are
 * normal numbers in float64, so none of these operations takes the slow path (nearUnderflow32).
 * The bits are those of the float32 operations: a product of two float32 values is exact in
 * float64, and a float64 quotient or square root of float32 values rounded to float32 is the
 * correctly rounded float32 result (53 ≥ 2·24 + 2 bits; adamJs32 in lib/kernels/js.ts relies on
 * the same). Not inlined, so that the loop of the common case stays as small as without it.
 */
function adamQuad32TinyM(c1IsOne: bool, c2IsOne: bool, w: usize, gk: v128, m: usize, m0: v128, v: usize, v0: v128,
                         lr: f32, b1: f32, oneMinusB1: f32, b2: f32, oneMinusB2: f32, eps: f32, c1: f32, c2: f32): void {
  if (v128.any_true(v128.or(tinyLanes32(gk), tinyLanes32(v0)))) {
    adamQuad32InF64(true, c1IsOne, c2IsOne, w, gk, m, m0, v, v0, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
  } else {
    adamQuad32InF64(false, c1IsOne, c2IsOne, w, gk, m, m0, v, v0, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
  }
}

/** adamQuad32TinyM's two variants: `all` (a constant at each call) for every operation in float64. */
// @ts-ignore: decorator
@inline
function adamQuad32InF64(all: bool, c1IsOne: bool, c2IsOne: bool, w: usize, gk: v128, m: usize, m0: v128, v: usize, v0: v128,
                         lr: f32, b1: f32, oneMinusB1: f32, b2: f32, oneMinusB2: f32, eps: f32, c1: f32, c2: f32): void {
  const mk = f32x4.add(times32InF64(f32x4.splat(b1), m0), times32(all, f32x4.splat(oneMinusB1), gk));
  const vk = f32x4.add(times32(all, f32x4.splat(b2), v0), times32(all, times32(all, f32x4.splat(oneMinusB2), gk), gk));
  v128.store(m, mk);
  v128.store(v, vk);
  const mhat = c1IsOne ? mk : over32InF64(mk, f32x4.splat(c1));
  const vhat = c2IsOne ? vk : (all ? over32InF64(vk, f32x4.splat(c2)) : f32x4.div(vk, f32x4.splat(c2)));
  const root = all ? sqrt32InF64(vhat) : f32x4.sqrt(vhat);
  const step = over32InF64(times32InF64(f32x4.splat(lr), mhat), f32x4.add(root, f32x4.splat(eps)));
  v128.store(w, f32x4.sub(v128.load(w), step));
}

/** a·b in float32: through float64 with `inF64` (a constant at each call), else f32x4.mul. */
// @ts-ignore: decorator
@inline
function times32(inF64: bool, a: v128, b: v128): v128 {
  return inF64 ? times32InF64(a, b) : f32x4.mul(a, b);
}
