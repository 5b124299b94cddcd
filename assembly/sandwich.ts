/**
 * The sandwich layer (lib/nn/layer_utils.ts: affine → ReLU, no batchnorm, no dropout) forward
 * and backward, each in one call, so that no JavaScript runs between its kernels. The layer
 * functions stay the reference; these calls are the very kernels they call (this module's gemm
 * and the elementwise exports), in the same order on the same operands, so every value is the
 * same bits as theirs, in both number types and in both builds (nnlab-fused.wasm's gemm is its
 * fused one: a call on that instance runs the products of the `fused` numerics mode).
 *
 *   forward (x: n×d, W: d×m, b: 1×m):   z = x·W;  z += b (row by row);  out = relu(z)
 *   backward (dout: n×m, z, x, W):      dz = dout where z > 0, else 0;
 *                                        dx = dz·Wᵀ (when dx ≠ 0);  dW = xᵀ·dz;  db = colSums(dz)
 *
 * which is affineForward (matmul, then addRowVector in place), reluForward, then reluBackward
 * and affineBackward (matmulNT, matmulTN, colSums) of lib/nn/layers.ts and lib/nn/ops.ts, with
 * the strides ops.ts passes. The products are never shared between threads here: the glue
 * (lib/kernels/wasm.ts) sends a block here only when none of its products is large enough to
 * be shared. Pointers are byte offsets of resident arrays; outputs must not overlap inputs.
 */
import { gemm, gemm32 } from './gemm';
import { addRowVector, addRowVector32, colSums, colSums32, relu, relu32, reluBackward, reluBackward32 } from './elementwise';

/** z = x·W + b, out = relu(z) on float64 operands (z is kept: the backward pass reads it). */
export function sandwichForward(n: i32, d: i32, m: i32, x: usize, w: usize, b: usize, z: usize, out: usize): void {
  gemm(n, m, d, x, d, 1, w, m, 1, z, m);
  addRowVector(n, m, z, b, z);
  relu(n * m, z, out);
}

/** The same on float32 operands. */
export function sandwichForward32(n: i32, d: i32, m: i32, x: usize, w: usize, b: usize, z: usize, out: usize): void {
  gemm32(n, m, d, x, d, 1, w, m, 1, z, m);
  addRowVector32(n, m, z, b, z);
  relu32(n * m, z, out);
}

/**
 * The backward pass on float64 operands: dz (n×m scratch the caller provides), then dx (n×d,
 * skipped when dx is 0: the first layer's), dW (d×m) and db (1×m).
 */
export function sandwichBackward(n: i32, d: i32, m: i32, dout: usize, z: usize, x: usize, w: usize,
                                 dz: usize, dw: usize, db: usize, dx: usize): void {
  reluBackward(n * m, z, dout, dz);
  if (dx != 0) gemm(n, d, m, dz, m, 1, w, 1, m, dx, d);
  gemm(d, m, n, x, 1, d, dz, m, 1, dw, m);
  colSums(n, m, dz, db);
}

/** The same on float32 operands. */
export function sandwichBackward32(n: i32, d: i32, m: i32, dout: usize, z: usize, x: usize, w: usize,
                                   dz: usize, dw: usize, db: usize, dx: usize): void {
  reluBackward32(n * m, z, dout, dz);
  if (dx != 0) gemm32(n, d, m, dz, m, 1, w, 1, m, dx, d);
  gemm32(d, m, n, x, 1, d, dz, m, 1, dw, m);
  colSums32(n, m, dz, db);
}
