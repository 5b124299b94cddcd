/**
 * The fast engine's hidden block (Engine.hiddenLayer, lib/nn/engine.ts): a block affine → ReLU
 * without batchnorm or dropout, forward in one WebAssembly call and backward in one
 * (assembly/sandwich.ts), on resident memory (a training step's arena and parameters, an
 * evaluation batch's arena). The same bits as hiddenLayerForward/Backward of
 * lib/nn/layer_utils.ts, which stay the code a reader learns from (test/sandwich.test.ts).
 *
 * Why: a block of a deep narrow network (15 layers of 10 units, batch 64) does a few µs of
 * arithmetic per kernel, and the JavaScript around each of its seven kernel calls (argument
 * checks, allocation, staging) cost as much again.
 *
 * Where it does not run it returns null, and the plain block runs: the TypeScript backend,
 * another activation, batchnorm or dropout, operands outside the kernels' memory, or products
 * large enough to be shared between threads (kernels.sandwichFits); all of these are seen before
 * anything is allocated. (A step whose arena is full, the first one of a run, gets its outputs
 * in ordinary memory: then the kernel declines too, and the plain block runs on them.)
 */
import { Matrix } from '../nn/matrix.js';
import { reluBlockBackward, type HiddenLayerBackwardPass, type HiddenLayerParamGrads, type HiddenLayerParams } from '../nn/engine.js';
import { kernels } from '../kernels/index.js';

/** x: N×D through the block p → [out: N×M, its backward pass], or null (see the header). */
export function fastHiddenLayer(x: Matrix, p: HiddenLayerParams): [Matrix, HiddenLayerBackwardPass] | null {
  const { w, b } = p;
  const { sandwichForward: forward, sandwichBackward: backward } = kernels;
  if (forward === null || backward === null || p.activation !== 'relu' || p.batchnorm !== undefined || p.dropout !== undefined) return null;
  // A bad shape or mixed types: the plain block throws the error that names them.
  if (x.cols !== w.rows || b.rows !== 1 || b.cols !== w.cols || x.dtype !== w.dtype || b.dtype !== w.dtype) return null;
  const n = x.rows, d = x.cols, m = w.cols;
  if (!kernels.sandwichFits(n, d, m) || !kernels.inPlace(x.data) || !kernels.inPlace(w.data) || !kernels.inPlace(b.data)) return null;
  // Each output from the allocator the plain block's would come from (x's: a step's or a batch's arena).
  const z = Matrix.like(x, n, m), out = Matrix.like(z);
  if (!forward(n, d, m, x.data, w.data, b.data, z.data, out.data)) return null;
  // This block's plain backward pass (hiddenLayerForward's cache of affine → ReLU), for a dout
  // the kernel cannot read in place or outputs the arena had no room for.
  const plain = reluBlockBackward(x, w, z);
  const readable = (dout: Matrix) => dout.rows === n && dout.cols === m && dout.dtype === x.dtype && kernels.inPlace(dout.data);
  /** dW and db, and dx into `dx` unless it is null, in one call; null where the call does not run. */
  const gradients = (dout: Matrix, dx: Matrix | null): HiddenLayerParamGrads | null => {
    const dz = Matrix.like(z), dw = Matrix.like(x, d, m), db = Matrix.like(dz, 1, m);
    return backward(n, d, m, dout.data, z.data, x.data, w.data, dz.data, dw.data, db.data, dx === null ? null : dx.data) ? { dw, db } : null;
  };
  return [out, {
    withInputGrad(dout) {
      if (!readable(dout)) return plain.withInputGrad(dout);
      const dx = Matrix.like(z, n, d);
      const g = gradients(dout, dx);
      return g === null ? plain.withInputGrad(dout) : { dx, ...g };
    },
    paramsOnly: (dout) => (readable(dout) ? gradients(dout, null) : null) ?? plain.paramsOnly(dout),
  }];
}
