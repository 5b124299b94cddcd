/**
 * Evaluation's memory (lib/fast/eval_workspace.ts): the dataset checked and copied once, each batch a
 * view of the copy carrying the workspace's arena, the scores resident and reused; and none of
 * it changes a bit of the scores, the accuracy checks or the predictions, on either backend.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Matrix, FullyConnectedNet, Rng, Solver, argmaxRows, type Normalization } from '../lib/index.js';
import { toResident } from '../lib/kernels/resident.js';
import { EvalWorkspace } from '../lib/fast/eval_workspace.js';
import type { Scorer } from '../lib/nn/engine.js';
import { kernelBackend, kernels, setKernelBackend, wasmAvailable, type KernelBackend } from '../lib/kernels/index.js';
import { residentUsage } from '../lib/kernels/wasm.js';
import { problem } from './problems.js';

const D = 5, C = 4;
const initial = kernelBackend();
afterEach(() => setKernelBackend(initial));
const backends: KernelBackend[] = wasmAvailable().ok ? ['wasm', 'js'] : ['js'];

/** A trained-looking net (batchnorm statistics moved by a few steps) in `dtype`. */
function net(normalization: Normalization, dtype: 'float64' | 'float32', loss: 'softmax' | 'mse' = 'softmax'): FullyConnectedNet {
  const n = new FullyConnectedNet({ inputDim: D, hiddenDims: [6, 5], outputDim: C, normalization, dropout: 0.3, loss, seed: 3, dtype });
  const { X, y } = problem(loss, 9, 8, D, C);
  for (let s = 0; s < 3; s++) n.loss(X, y); // moves the running statistics
  return n;
}

/** The scores batch by batch as loss(X) computed them before evaluation had a workspace. */
function scoresByLoss(model: FullyConnectedNet, X: Matrix, idx: ArrayLike<number>, batchSize: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < idx.length; s += batchSize) {
    const batch = Array.from({ length: Math.min(batchSize, idx.length - s) }, (_, k) => idx[s + k]);
    out.push(...model.loss(X.selectRows(batch)).data);
  }
  return out;
}

function scoresByWorkspace(model: FullyConnectedNet, X: Matrix, rows: ArrayLike<number> | undefined, batchSize: number, ws = new EvalWorkspace()): number[] {
  const out: number[] = [];
  ws.forEachBatch(model, X, { dtype: model.config.dtype, batchSize, rows, what: 'X' }, (scores) => out.push(...scores.data));
  return out;
}

describe('FullyConnectedNet.scores and EvalWorkspace', () => {
  it('give the scores of loss(X), bit for bit, whole or listed rows, any batch size, both backends', () => {
    for (const backend of backends) {
      setKernelBackend(backend);
      for (const normalization of ['none', 'batchnorm'] as Normalization[]) {
        for (const dtype of ['float64', 'float32'] as const) {
          const model = net(normalization, dtype);
          const { X } = problem('softmax', 4, 23, D, C);
          const all = Array.from({ length: 23 }, (_, i) => i);
          const listed = [5, 0, 22, 7, 7, 13, 2];
          expect(Array.from(model.scores(X).data)).toEqual(Array.from(model.loss(X).data));
          for (const batchSize of [1, 7, 1024]) {
            expect(scoresByWorkspace(model, X, undefined, batchSize)).toEqual(scoresByLoss(model, X, all, batchSize));
            expect(scoresByWorkspace(model, X, listed, batchSize)).toEqual(scoresByLoss(model, X, listed, batchSize));
          }
        }
      }
    }
    // And the backends agree with each other (float32 included).
    const per = backends.map((b) => { setKernelBackend(b); return scoresByWorkspace(net('batchnorm', 'float32'), problem('softmax', 4, 23, D, C).X, undefined, 7); });
    for (const s of per) expect(s).toEqual(per[0]);
  });

  it('copies and checks a dataset once, reads a resident one in place, and gives each batch the arena', () => {
    const seen: Matrix[] = [];
    const recorder: Scorer = { scores: (x, options) => { expect(options?.checked).toBe(true); seen.push(x); return Matrix.like(x, x.rows, 2); } };
    const { X } = problem('softmax', 4, 10, D, C);
    const ws = new EvalWorkspace();
    const options = { dtype: 'float64' as const, batchSize: 4, what: 'X', keep: true };
    ws.forEachBatch(recorder, X, options, () => {});
    ws.forEachBatch(recorder, X, options, () => {});
    expect(seen.map((b) => b.rows)).toEqual([4, 4, 2, 4, 4, 2]);
    expect(seen.every((b) => b.allocator !== null)).toBe(true);
    expect(seen[3].data.byteOffset).toBe(seen[0].data.byteOffset); // the second pass reads the same copy
    expect(seen[0].data.buffer).not.toBe(X.data.buffer);
    expect(Array.from(seen[1].data)).toEqual(Array.from(X.data.subarray(4 * D, 8 * D)));
    if (kernelBackend() === 'wasm') {
      const R = toResident(X);
      seen.length = 0;
      ws.forEachBatch(recorder, R, options, () => {});
      expect(seen[0].data.buffer).toBe(R.data.buffer); // read in place, not copied
      expect(seen[1].data.byteOffset).toBe(R.data.byteOffset + 4 * D * 8);
      expect(kernels.inPlace(seen[0].data)).toBe(true);
    }
    // Without keep, a pass sees the data as they are now (a copy per pass).
    seen.length = 0;
    X.set(0, 0, 42);
    ws.forEachBatch(recorder, X, { ...options, keep: false }, () => {});
    expect(seen[0].data[0]).toBe(42);
    X.set(0, 0, Number.NaN);
    expect(() => ws.forEachBatch(recorder, X, { ...options, keep: false }, () => {})).toThrow('X: expected finite values, found NaN at (0, 0)');
    X.set(0, 0, 1);
    // Converted to the model's number type on the way in.
    seen.length = 0;
    ws.forEachBatch(recorder, X, { ...options, dtype: 'float32' }, () => {});
    expect(seen[0].data).toBeInstanceOf(Float32Array);
    expect(seen[0].data[1]).toBe(Math.fround(X.data[1]));
  });

  it('keeps the scores of a net where the kernels compute them, reusing the storage from batch to batch', () => {
    const model = net('batchnorm', 'float32');
    const { X } = problem('softmax', 4, 20, D, C);
    const offsets: number[] = [], inPlace: boolean[] = [];
    new EvalWorkspace().forEachBatch(model, X, { dtype: 'float32', batchSize: 5, what: 'X' }, (scores) => {
      inPlace.push(kernels.inPlace(scores.data));
      offsets.push(scores.data.byteOffset);
    });
    // The first batch sizes the arena (its outputs are ordinary arrays), the others use it.
    expect(inPlace).toEqual([kernelBackend() === 'js', true, true, true]);
    expect(new Set(offsets.slice(1)).size).toBe(1);
  });

  it('names the argument when the data hold a non-finite value, and checks its options', () => {
    const model = net('none', 'float64');
    const { X } = problem('softmax', 4, 10, D, C);
    X.set(3, 2, Number.NaN);
    expect(() => model.predict(X)).toThrow('FullyConnectedNet.predict X: expected finite values, found NaN at (3, 2)');
    expect(() => new EvalWorkspace().forEachBatch(model, X, { dtype: 'float64', batchSize: 4, rows: [0, 1], what: 'Solver.evaluate X' }, () => {}))
      .toThrow('Solver.evaluate X: expected finite values, found NaN at (3, 2)');
    // Data checked where they entered (the Solver's, scanned by its constructor) are not scanned again.
    let batches = 0;
    new EvalWorkspace().forEachBatch(model, X, { dtype: 'float64', batchSize: 4, what: 'X', checked: true }, () => batches++);
    expect(batches).toBe(3);
    X.set(3, 2, 0);
    expect(() => new EvalWorkspace().forEachBatch(model, X, { dtype: 'float64', batchSize: 0, what: 'X' }, () => {})).toThrow('forEachBatch: batchSize must be a positive integer, got 0');
    expect(() => new EvalWorkspace().forEachBatch(model, X, { dtype: 'float64', batchSize: 4, upTo: 11, what: 'X' }, () => {})).toThrow('forEachBatch: upTo must be an integer from 0 to X.rows = 10, got 11');
    expect(() => model.scores(new Matrix(2, D + 1))).toThrow('FullyConnectedNet.scores: X has 6 columns, expected inputDim = 5');
  });
});

describe('predict and the accuracy checks through the workspace', () => {
  it('predict gives the argmax of loss(X), and evaluate the figures of the per-batch loss(X) loop, bit for bit', () => {
    for (const loss of ['softmax', 'mse'] as const) {
      for (const dtype of ['float64', 'float32'] as const) {
        const model = net('batchnorm', dtype, loss);
        const { X, y } = problem(loss, 5, 30, D, C);
        if (loss === 'softmax') expect(Array.from(model.predict(X, 7))).toEqual(Array.from(argmaxRows(model.loss(X))));
        const solver = new Solver(model, { XTrain: X, yTrain: y, XVal: X, yVal: y }, { batchSize: 10 });
        const expected = (idx: number[]) => {
          let total = 0;
          for (let s = 0; s < idx.length; s += 7) {
            const batch = idx.slice(s, s + 7);
            const scores = model.loss(X.selectRows(batch));
            if (loss === 'softmax') {
              const pred = argmaxRows(scores);
              batch.forEach((i, k) => { if (pred[k] === (y as Int32Array)[i]) total++; });
            } else {
              const T = (y as Matrix).selectRows(batch).data;
              for (let k = 0; k < scores.data.length; k++) total += (scores.data[k] - T[k]) ** 2 / scores.cols;
            }
          }
          return total / idx.length;
        };
        expect(solver.evaluate(X, y, null, undefined, 7)).toBe(expected(Array.from({ length: 30 }, (_, i) => i)));
        const idx = Array.from(new Rng(42).permutation(30).subarray(0, 12));
        expect(solver.evaluate(X, y, 12, new Rng(42), 7)).toBe(expected(idx));
      }
    }
  });
});

describe('giving memory back', () => {
  it('kernels.free returns a block at once (twice, or an ordinary array: ignored); release() returns a workspace\'s copy, buffer and arena', () => {
    if (kernelBackend() !== 'wasm') return;
    const start = residentUsage().used;
    const a = kernels.alloc(1000);
    expect(residentUsage().used).toBeGreaterThan(start);
    kernels.free(a);
    kernels.free(a);
    kernels.free(new Float64Array(3));
    expect(residentUsage().used).toBe(start);

    const model = net('none', 'float32');
    const { X } = problem('softmax', 4, 40, D, C);
    const ws = new EvalWorkspace();
    const before = residentUsage().used;
    for (let pass = 0; pass < 2; pass++) ws.forEachBatch(model, X, { dtype: 'float32', batchSize: 16, what: 'X', keep: true }, () => {});
    ws.forEachBatch(model, X, { dtype: 'float32', batchSize: 16, rows: [1, 2, 3], what: 'X', keep: true }, () => {});
    expect(residentUsage().used).toBeGreaterThan(before);
    ws.release();
    expect(residentUsage().used).toBe(before);
    // Still usable afterwards; a pass without keep leaves no copy behind.
    const scores: number[] = [];
    ws.forEachBatch(model, X, { dtype: 'float32', batchSize: 64, what: 'X' }, (s) => scores.push(...s.data));
    expect(scores).toEqual(Array.from(model.loss(X).data));
    ws.release();
    expect(residentUsage().used).toBe(before);
  });
});
