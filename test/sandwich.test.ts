/**
 * The sandwich layer in one WebAssembly call each way (assembly/sandwich.ts, behind the engine
 * seam in lib/fast/sandwich.ts) bit for bit against the layer functions a reader learns from
 * (hiddenLayerForward/Backward of lib/nn/layer_utils.ts): the block alone on ragged shapes, a
 * whole network's loss and gradients, evaluation, and training on the fast engine against the
 * reference engine; both number types, both numerics modes (`fused` where this machine runs
 * it, always under CI), on this process's thread count and, in child processes, on one and two.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FullyConnectedNet, Matrix, Solver, type DType } from '../lib/index.js';
import type { Allocator } from '../lib/nn/matrix.js';
import { hiddenLayerBackward, hiddenLayerForward, type HiddenLayerParams } from '../lib/nn/layer_utils.js';
import { referenceEngine } from '../lib/nn/engine.js';
import { FastEngine } from '../lib/fast/engine.js';
import { EvalWorkspace } from '../lib/fast/eval_workspace.js';
import { fastHiddenLayer } from '../lib/fast/sandwich.js';
import { fusedUnavailableReason, kernelBackend, kernels, kernelThreadCount, numericsMode, setKernelBackend, setNumerics, wasmAvailable, type Numerics } from '../lib/kernels/index.js';
import { Rng } from '../lib/nn/random.js';
import { blobs } from './problems.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DTYPES: DType[] = ['float64', 'float32'];
/** `fused` too where this machine runs it; CI provides it, so there it is never left out. */
const MODES: Numerics[] = fusedUnavailableReason() === null || process.env.CI === 'true' ? ['exact', 'fused'] : ['exact'];
/** Resident storage, as the fast engine's arena and parameters have. */
const resident: Allocator = { take: (f32, length) => (f32 ? kernels.alloc32(length) : kernels.alloc(length)) };

/** A copy of m in resident storage that allocates resident storage too (as the fast engine's parameters and arena). */
function residentCopy(m: Matrix): Matrix {
  const r = new Matrix(m.rows, m.cols, m.dtype === 'float32' ? kernels.alloc32(m.size) : kernels.alloc(m.size), resident);
  r.data.set(m.data);
  return r;
}

/** A resident rows×cols matrix of Gaussian values (drawn in float64, rounded to dtype) with some exact zeros. */
function residentGaussian(rng: Rng, rows: number, cols: number, dtype: DType, zeros = 0): Matrix {
  const g = rng.gaussianMatrix(rows, cols).astype(dtype);
  for (let k = 0; k < zeros; k++) g.data[rng.int(0, g.size - 1)] = 0;
  return residentCopy(g);
}

/** Every value's bits (float32 values widen exactly), so that −0 ≠ +0 and every NaN is seen. */
function bits(m: Matrix): string {
  return Buffer.from(Float64Array.from(m.data).buffer).toString('hex');
}

/** Runs f in each numerics mode of MODES on the WebAssembly backend, then restores the mode. */
function inEachMode(f: (mode: Numerics) => void): void {
  const before = numericsMode();
  try {
    for (const mode of MODES) {
      expect(setNumerics(mode)).toBe(mode);
      f(mode);
    }
  } finally {
    setNumerics(before);
  }
}

const describeWasm = wasmAvailable().ok || process.env.CI === 'true' ? describe : describe.skip;

describeWasm('the sandwich layer in one call each way', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  // [N, D, M]: ragged (not multiples of 4 or 8), one row, one unit, and the report's narrow widths.
  const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 2], [7, 13, 9], [17, 3, 130], [64, 10, 10], [64, 30, 30], [33, 50, 50], [64, 50, 50], [64, 784, 10]];

  it('runs small blocks in one call on any thread count, large ones only on one thread', () => {
    setKernelBackend('wasm');
    expect(kernels.sandwichFits(64, 10, 10)).toBe(true);
    expect(kernels.sandwichFits(64, 784, 100)).toBe(kernelThreadCount() === 1);
  });

  it('forward and backward equal hiddenLayerForward/Backward bit for bit (shapes, dtypes, numerics modes)', () => {
    setKernelBackend('wasm');
    const rng = new Rng(27);
    inEachMode((mode) => {
      for (const dtype of DTYPES) {
        for (const [n, d, m] of SHAPES) {
          const what = `${mode} ${dtype} N=${n} D=${d} M=${m}`;
          const x = residentGaussian(rng, n, d, dtype, 3), dout = residentGaussian(rng, n, m, dtype, 2);
          const p: HiddenLayerParams = { w: residentGaussian(rng, d, m, dtype, 1), b: residentGaussian(rng, 1, m, dtype, 1), activation: 'relu' };
          const fast = fastHiddenLayer(x, p);
          expect(fast === null, what).toBe(!kernels.sandwichFits(n, d, m));
          if (fast === null) continue;
          const [out, cache] = hiddenLayerForward(x, p);
          expect(bits(fast[0]), what).toBe(bits(out));
          const withDx = hiddenLayerBackward(dout, cache), paramsOnly = hiddenLayerBackward(dout, cache, { inputGrad: false });
          const g = fast[1].withInputGrad(dout), gp = fast[1].paramsOnly(dout);
          expect([bits(g.dx), bits(g.dw), bits(g.db)], what).toEqual([bits(withDx.dx), bits(withDx.dw), bits(withDx.db)]);
          expect([bits(gp.dw), bits(gp.db), 'dx' in gp], what).toEqual([bits(paramsOnly.dw), bits(paramsOnly.db), false]);
          // A dout in ordinary memory: the kernel declines, the plain backward pass runs on the block's cache.
          const outside = fast[1].withInputGrad(dout.clone());
          expect([bits(outside.dx), bits(outside.dw), bits(outside.db)], `${what} dout outside`).toEqual([bits(withDx.dx), bits(withDx.dw), bits(withDx.db)]);
          expect(kernels.sandwichBackward!(n, d, m, dout.clone().data, fast[0].data, x.data, p.w.data, outside.dx.data, outside.dw.data, outside.db.data, null), what).toBe(false);
        }
      }
    });
  });

  it('declines what it does not compute (other activations, batchnorm, dropout, operands in ordinary memory, the TypeScript backend)', () => {
    setKernelBackend('wasm');
    const rng = new Rng(3);
    const x = residentGaussian(rng, 8, 5, 'float64'), w = residentGaussian(rng, 5, 6, 'float64'), b = residentGaussian(rng, 1, 6, 'float64');
    expect(fastHiddenLayer(x, { w, b, activation: 'relu' })).not.toBeNull();
    expect(fastHiddenLayer(x, { w, b, activation: 'tanh' })).toBeNull();
    expect(fastHiddenLayer(x, { w, b, activation: 'relu', dropout: { p: 0.5, mode: 'train', rng } })).toBeNull();
    expect(fastHiddenLayer(x, { w, b, activation: 'relu', batchnorm: { gamma: Matrix.filled(1, 6, 1), beta: new Matrix(1, 6), param: { mode: 'train' } } })).toBeNull();
    expect(fastHiddenLayer(x.clone(), { w, b, activation: 'relu' })).toBeNull();
    setKernelBackend('js');
    expect(fastHiddenLayer(x, { w, b, activation: 'relu' })).toBeNull();
  });

  it("a whole network's loss and gradients, and its evaluation scores, equal the plain blocks' bit for bit", () => {
    setKernelBackend('wasm');
    const rng = new Rng(8);
    inEachMode((mode) => {
      for (const dtype of DTYPES) {
        for (const hiddenDims of [[10, 10, 10], [13, 7], [30, 30, 30, 30]]) {
          const what = `${mode} ${dtype} ${hiddenDims.join('-')}`;
          const net = new FullyConnectedNet({ inputDim: 11, hiddenDims, outputDim: 5, reg: 0.01, seed: 2, dtype });
          for (const [k, v] of Object.entries(net.params)) net.params[k] = residentCopy(v);
          const X = residentGaussian(rng, 37, 11, dtype), y = Array.from({ length: 37 }, (_, i) => (i * 7) % 5);
          let ran = 0;
          const hiddenLayer = (x: Matrix, p: HiddenLayerParams) => {
            const r = fastHiddenLayer(x, p);
            if (r !== null) ran++;
            return r;
          };
          const plain = net.loss(X, y), fast = net.loss(X, y, undefined, { hiddenLayer });
          expect(ran, what).toBe(hiddenDims.length);
          expect(fast.loss, what).toBe(plain.loss);
          for (const k of Object.keys(plain.grads)) expect(bits(fast.grads[k]), `${what} ${k}`).toBe(bits(plain.grads[k]));
          // Evaluation in batches (the fast engine's workspace hands the model the one-call block).
          const scores: string[] = [];
          let offered = false;
          const scorer = { scores: (b: Matrix, o?: { checked?: boolean; hiddenLayer?: typeof hiddenLayer }) => (offered ||= o?.hiddenLayer !== undefined, net.scores(b, o)) };
          new EvalWorkspace().forEachBatch(scorer, X, { dtype, batchSize: 16, what: 'X' }, (s) => scores.push(bits(s)));
          expect(offered, what).toBe(true);
          expect(scores.join(''), what).toBe(bits(net.scores(X)));
        }
      }
    });
  });

  it('training on the fast engine equals the reference engine bit for bit, the blocks running in one call', () => {
    setKernelBackend('wasm');
    const train = blobs(70, 1), val = blobs(40, 2);
    const data = { XTrain: train.X, yTrain: train.y, XVal: val.X, yVal: val.y };
    /** The fast engine, counting the blocks it computed in one call. */
    class Counting extends FastEngine {
      ran = 0;
      override hiddenLayer(x: Matrix, p: HiddenLayerParams) {
        const r = super.hiddenLayer(x, p);
        if (r !== null) this.ran++;
        return r;
      }
    }
    inEachMode((mode) => {
      for (const dtype of DTYPES) {
        const run = (engine: 'reference' | 'fast') => {
          const net = new FullyConnectedNet({ inputDim: 10, hiddenDims: [12, 9, 7], outputDim: 3, reg: 0.01, seed: 4, dtype });
          const solver = new Solver(net, data, { updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 13, numEpochs: 3, numTrainSamples: 50, seed: 9 });
          const counting = new Counting();
          solver.engine = engine === 'reference' ? referenceEngine() : counting;
          solver.train();
          return {
            ran: counting.ran > 0,
            loss: solver.lossHistory, train: solver.trainMetricHistory, val: solver.valMetricHistory,
            params: Object.fromEntries(Object.entries(net.params).map(([k, m]) => [k, bits(m)])),
            predicted: Array.from(net.predict(val.X, 7)),
          };
        };
        const reference = run('reference'), fast = run('fast');
        expect(fast.ran, `${mode} ${dtype}`).toBe(true);
        expect({ ...fast, ran: false }, `${mode} ${dtype}`).toEqual(reference);
      }
    });
  });

  // The thread count is fixed when the kernels load: one and two threads in child processes, on
  // the built library (npm test builds first), with a first layer 784 wide whose products are
  // shared on two threads (so not fused there) and fused on one.
  for (const threads of ['1', '2']) {
    it(`NNLAB_THREADS=${threads}: the fast engine trains as the reference engine does, bit for bit`, () => {
      const dist = (p: string) => pathToFileURL(path.join(ROOT, 'dist', ...p.split('/'))).href;
      // A CommonJS script with dynamic imports: under --input-type=module the helper thread's
      // eval'd program would be read as a module too, and fails (it uses require).
      const script = `(async () => {
        const { FullyConnectedNet, Solver, Matrix } = await import(${JSON.stringify(dist('index.js'))});
        const { referenceEngine } = await import(${JSON.stringify(dist('nn/engine.js'))});
        const { FastEngine } = await import(${JSON.stringify(dist('fast/engine.js'))});
        const { Rng } = await import(${JSON.stringify(dist('nn/random.js'))});
        const { kernels, kernelThreadCount } = await import(${JSON.stringify(dist('kernels/index.js'))});
        const rng = new Rng(5);
        const X = rng.gaussianMatrix(200, 784), y = Int32Array.from({ length: 200 }, (_, i) => i % 4);
        const out = [];
        for (const dtype of ['float64', 'float32']) {
          const run = (engine) => {
            const net = new FullyConnectedNet({ inputDim: 784, hiddenDims: [10, 10], outputDim: 4, seed: 1, dtype });
            const s = new Solver(net, { XTrain: X, yTrain: y, XVal: X, yVal: y }, { updateRule: 'adam', batchSize: 64, numEpochs: 2, seed: 3, verbose: false });
            s.engine = engine;
            s.train();
            return JSON.stringify([s.lossHistory, s.valMetricHistory, Object.values(net.params).map((m) => Array.from(m.data))]);
          };
          out.push(run(referenceEngine()) === run(new FastEngine()));
        }
        console.log(JSON.stringify({ threads: kernelThreadCount(), firstLayerFused: kernels.sandwichFits(64, 784, 10), equal: out }));
      })();`;
      const r = spawnSync(process.execPath, ['-e', script], {
        encoding: 'utf8', env: { ...process.env, NNLAB_KERNELS: 'wasm', NNLAB_THREADS: threads },
      });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({ threads: Number(threads), firstLayerFused: threads === '1', equal: [true, true] });
    }, 60_000);
  }
});
