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
import { reluBlockBackward, type HiddenLayerBackwardPass, type HiddenLayerParams } from '../nn/engine.js';
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
  // The outputs from the allocator the plain block's come from (x's: a step's or a batch's arena).
  const [z, out] = likeMany(x, [[n, m], [n, m]]);
  if (!forward(n, d, m, x.data, w.data, b.data, z.data, out.data)) return null;
  // This block's plain backward pass (hiddenLayerForward's cache of affine → ReLU), for a dout
  // the kernel cannot read in place or outputs the arena had no room for.
  const plain = reluBlockBackward(x, w, z);
  const readable = (dout: Matrix) => dout.rows === n && dout.cols === m && dout.dtype === x.dtype && kernels.inPlace(dout.data);
  return [out, {
    withInputGrad(dout) {
      if (!readable(dout)) return plain.withInputGrad(dout);
      const [dz, dw, db, dx] = likeMany(z, [[n, m], [d, m], [1, m], [n, d]]);
      const ran = backward(n, d, m, dout.data, z.data, x.data, w.data, dz.data, dw.data, db.data, dx.data);
      return ran ? { dx, dw, db } : plain.withInputGrad(dout);
    },
    paramsOnly(dout) {
      if (!readable(dout)) return plain.paramsOnly(dout);
      const [dz, dw, db] = likeMany(z, [[n, m], [d, m], [1, m]]);
      const ran = backward(n, d, m, dout.data, z.data, x.data, w.data, dz.data, dw.data, db.data, null);
      return ran ? { dw, db } : plain.paramsOnly(dout);
    },
  }];
}

/**
 * Zero matrices of these shapes from one allocation of like's allocator, each carrying it on:
 * an arena fills each allocation with zeros by a kernel call, and these are overwritten whole
 * anyway, so one call for all of them rather than one each.
 */
function likeMany(like: Matrix, shapes: [rows: number, cols: number][]): Matrix[] {
  const block = Matrix.like(like, 1, shapes.reduce((sum, [rows, cols]) => sum + rows * cols, 0));
  let at = 0;
  return shapes.map(([rows, cols]) => {
    const m = new Matrix(rows, cols, block.data.subarray(at, at + rows * cols), block.allocator);
    at += rows * cols;
    return m;
  });
}
