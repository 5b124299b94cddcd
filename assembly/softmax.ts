/**
 * The softmax cross-entropy loss and its gradient in one call: lib/nn/layers.ts's softmaxLoss
 * (the reference, which stays the code a reader learns from), ported line by line for a
 * training step's scores in WebAssembly memory. Per row i of the n×c scores S, labels y:
 *
 *     max = the largest S[i, j]                    (a strict >, left to right, from −Infinity)
 *     lse = ln(Σ_j exp(S[i, j] − max))             (the sum left to right, from 0)
 *     loss −= (S[i, y_i] − max) − lse
 *     G[i, j] = exp((S[i, j] − max) − lse) / n,  then  G[i, y_i] −= 1/n
 *
 * and the loss returned is loss / n. Everything is computed in float64 (a float32 score is
 * promoted exactly, as JavaScript reads a Float32Array) and G is rounded to the element type at
 * each store (f32.demote_f64 rounds to nearest even, as a Float32Array store does), so both
 * number types give the reference's bits. exp and ln are the ports of assembly/elementary.ts.
 * The labels (int32, at byte offset y) were checked by the glue (checkLabels) before the call.
 */
import { expStdlib, lnStdlib } from './elementary';

// @ts-ignore: decorator
@inline
function softmaxLossOf<T>(n: i32, c: i32, s: usize, y: usize, g: usize): f64 {
  const E = <usize>sizeof<T>();
  const fn = <f64>n;
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = <usize>i * <usize>c;
    const S = s + row * E, G = g + row * E;
    let max: f64 = -Infinity;
    for (let j = 0; j < c; j++) {
      const v = <f64>load<T>(S + <usize>j * E);
      if (v > max) max = v;
    }
    let sumExp: f64 = 0;
    for (let j = 0; j < c; j++) sumExp += expStdlib(<f64>load<T>(S + <usize>j * E) - max);
    const logSumExp = lnStdlib(sumExp);
    const label = <usize>load<i32>(y + (<usize>i << 2));
    loss -= <f64>load<T>(S + label * E) - max - logSumExp;
    for (let j = 0; j < c; j++) store<T>(G + <usize>j * E, <T>(expStdlib(<f64>load<T>(S + <usize>j * E) - max - logSumExp) / fn));
    store<T>(G + label * E, <T>(<f64>load<T>(G + label * E) - 1 / fn));
  }
  return loss / fn;
}

/** float64 scores at s, labels at y, the gradient written at g (may not be s); returns the loss. */
export function softmaxLoss(n: i32, c: i32, s: usize, y: usize, g: usize): f64 {
  return softmaxLossOf<f64>(n, c, s, y, g);
}

/** The same on float32 scores and gradient (the arithmetic in float64, see above). */
export function softmaxLoss32(n: i32, c: i32, s: usize, y: usize, g: usize): f64 {
  return softmaxLossOf<f32>(n, c, s, y, g);
}

/** exp and ln themselves, exported for test/softmax.test.ts's comparison with lib/math/elementary.ts. */
export { expStdlib, lnStdlib };
