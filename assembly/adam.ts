/**
 * The Adam update of lib/optim.ts as a WebAssembly SIMD loop, two float64 lanes at a time.
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
  // After about 355 steps β1ᵗ < 2⁻⁵⁴, so c1 = 1 − β1ᵗ rounds to exactly 1 and m / c1 = m: the
  // division can be left out with no change to any bit (likewise c2, after ~37,000 steps).
  // Division is the costliest operation here, so this saves about a fifth of the time.
  if (c1 == 1.0) {
    if (c2 == 1.0) adamLoop(true, true, n, w, g, m, v, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
    else adamLoop(true, false, n, w, g, m, v, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
  } else {
    adamLoop(false, false, n, w, g, m, v, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
  }
}

// @ts-ignore: decorator
@inline
function adamLoop(c1IsOne: bool, c2IsOne: bool, n: i32, w: usize, g: usize, m: usize, v: usize,
                  lr: f64, b1: f64, oneMinusB1: f64, b2: f64, oneMinusB2: f64,
                  eps: f64, c1: f64, c2: f64): void {
  const vlr = f64x2.splat(lr), vb1 = f64x2.splat(b1), v1b1 = f64x2.splat(oneMinusB1);
  const vb2 = f64x2.splat(b2), v1b2 = f64x2.splat(oneMinusB2), veps = f64x2.splat(eps);
  const vc1 = f64x2.splat(c1), vc2 = f64x2.splat(c2);
  let k = 0;
  for (; k + 2 <= n; k += 2) {
    const off = <usize>k << 3;
    const gk = v128.load(g + off);
    const mk = f64x2.add(f64x2.mul(vb1, v128.load(m + off)), f64x2.mul(v1b1, gk));
    const vk = f64x2.add(f64x2.mul(vb2, v128.load(v + off)), f64x2.mul(f64x2.mul(v1b2, gk), gk));
    v128.store(m + off, mk);
    v128.store(v + off, vk);
    const mhat = c1IsOne ? mk : f64x2.div(mk, vc1);
    const vhat = c2IsOne ? vk : f64x2.div(vk, vc2);
    const step = f64x2.div(f64x2.mul(vlr, mhat), f64x2.add(f64x2.sqrt(vhat), veps));
    v128.store(w + off, f64x2.sub(v128.load(w + off), step));
  }
  if (k < n) {
    // The odd last element, in scalars.
    const off = <usize>k << 3;
    const gk = load<f64>(g + off);
    const mk = b1 * load<f64>(m + off) + oneMinusB1 * gk;
    const vk = b2 * load<f64>(v + off) + oneMinusB2 * gk * gk;
    store<f64>(m + off, mk);
    store<f64>(v + off, vk);
    store<f64>(w + off, load<f64>(w + off) - (lr * (mk / c1)) / (Math.sqrt(vk / c2) + eps));
  }
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
  if (c1 == 1.0) {
    if (c2 == 1.0) adamLoop32(true, true, n, w, g, m, v, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
    else adamLoop32(true, false, n, w, g, m, v, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
  } else {
    adamLoop32(false, false, n, w, g, m, v, lr, b1, oneMinusB1, b2, oneMinusB2, eps, c1, c2);
  }
}

// @ts-ignore: decorator
@inline
function adamLoop32(c1IsOne: bool, c2IsOne: bool, n: i32, w: usize, g: usize, m: usize, v: usize,
                    lr: f32, b1: f32, oneMinusB1: f32, b2: f32, oneMinusB2: f32,
                    eps: f32, c1: f32, c2: f32): void {
  const vlr = f32x4.splat(lr), vb1 = f32x4.splat(b1), v1b1 = f32x4.splat(oneMinusB1);
  const vb2 = f32x4.splat(b2), v1b2 = f32x4.splat(oneMinusB2), veps = f32x4.splat(eps);
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const off = <usize>k << 2;
    const gk = v128.load(g + off);
    const mk = f32x4.add(f32x4.mul(vb1, v128.load(m + off)), f32x4.mul(v1b1, gk));
    const vk = f32x4.add(f32x4.mul(vb2, v128.load(v + off)), f32x4.mul(f32x4.mul(v1b2, gk), gk));
    v128.store(m + off, mk);
    v128.store(v + off, vk);
    const mhat = c1IsOne ? mk : f32x4.div(mk, vc1);
    const vhat = c2IsOne ? vk : f32x4.div(vk, vc2);
    const step = f32x4.div(f32x4.mul(vlr, mhat), f32x4.add(f32x4.sqrt(vhat), veps));
    v128.store(w + off, f32x4.sub(v128.load(w + off), step));
  }
  for (; k < n; k++) {
    // The last n % 4 elements, in scalars.
    const off = <usize>k << 2;
    const gk = load<f32>(g + off);
    const mk = b1 * load<f32>(m + off) + oneMinusB1 * gk;
    const vk = b2 * load<f32>(v + off) + oneMinusB2 * gk * gk;
    store<f32>(m + off, mk);
    store<f32>(v + off, vk);
    store<f32>(w + off, load<f32>(w + off) - (lr * (mk / c1)) / (Mathf.sqrt(vk / c2) + eps));
  }
}
