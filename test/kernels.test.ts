/**
 * The matrix-product kernels: the WebAssembly SIMD kernel and the pure TypeScript fallback
 * must both reproduce the textbook triple loop exactly (same summation order, so the same
 * bits), for every product form and for edge sizes that exercise each remainder tile.
 * Speed is measured by `nnlab bench`, never here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { adamJs, gemmJs, gemmNaive, type Adam, type Gemm } from '../lib/kernels/js.js';
import { adamWasm, allocResident, forceThreadSharing, gemmWasm, kernelThreads, residentUsage, wasmLoadError } from '../lib/kernels/wasm.js';
import { threadsWanted } from '../lib/kernels/parallel.js';
import { kernelBackend, setKernelBackend, type KernelBackend } from '../lib/kernels/index.js';
import { Matrix, adamUpdate, matmul, matmulNT, matmulTN, residentMatrix, toResident } from '../lib/matrix.js';
import { Rng } from '../lib/random.js';
import { hiddenLayerBackward, hiddenLayerForward } from '../lib/layer_utils.js';
import { FullyConnectedNet } from '../lib/fc_net.js';
import { Solver } from '../lib/solver.js';

type Form = 'NN' | 'TN' | 'NT';

/** Strides of the three product forms (see the Gemm type) and the stored shapes of A and B. */
function layout(form: Form, n: number, m: number, k: number) {
  switch (form) {
    case 'NN': return { aLen: n * k, bLen: k * m, aRow: k, aStep: 1, bStep: m, bCol: 1 };
    case 'TN': return { aLen: k * n, bLen: k * m, aRow: 1, aStep: n, bStep: m, bCol: 1 };
    case 'NT': return { aLen: n * k, bLen: m * k, aRow: k, aStep: 1, bStep: 1, bCol: k };
  }
}

function randomArray(rng: Rng, len: number): Float64Array {
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) x[i] = rng.gaussian();
  return x;
}

function product(g: Gemm, form: Form, n: number, m: number, k: number, a: Float64Array, b: Float64Array): Float64Array {
  const l = layout(form, n, m, k);
  const c = new Float64Array(n * m).fill(Number.NaN); // every element must be written
  g(n, m, k, a, l.aRow, l.aStep, b, l.bStep, l.bCol, c);
  return c;
}

/** Index and values of the first difference, for a readable failure. */
function firstDifference(x: Float64Array, y: Float64Array): string | null {
  if (x.length !== y.length) return `lengths ${x.length} vs ${y.length}`;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `element ${i}: ${x[i]} vs ${y[i]}`;
  return null;
}

// Sizes around the tile edges: 4×4 tiles with 1–3 leftover rows and columns (edge tiles,
// packed with zeros), k = 0 (an empty sum) and the layer sizes of the report.
const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13];
const FORMS: Form[] = ['NN', 'TN', 'NT'];

const backends: [string, Gemm | null][] = [['js', gemmJs], ['wasm', gemmWasm]];

describe('matrix-product kernels', () => {
  it('the WebAssembly kernel is built and loads (run `npm run build` first)', () => {
    expect(wasmLoadError).toBeNull();
    expect(gemmWasm).not.toBeNull();
  });

  for (const [name, g] of backends) {
    it(`${name}: equals the naive triple loop bit for bit on edge sizes, all three forms`, () => {
      expect(g).not.toBeNull();
      const rng = new Rng(11);
      for (const form of FORMS) {
        for (const n of SIZES) {
          for (const m of SIZES) {
            for (const k of [0, 1, 2, 5, 17]) {
              const l = layout(form, n, m, k);
              const a = randomArray(rng, l.aLen), b = randomArray(rng, l.bLen);
              const diff = firstDifference(product(g!, form, n, m, k, a, b), product(gemmNaive, form, n, m, k, a, b));
              expect(diff, `${form} n=${n} m=${m} k=${k}`).toBeNull();
            }
          }
        }
      }
    });

    it(`${name}: equals the naive triple loop on the report's layer shapes and random shapes`, () => {
      expect(g).not.toBeNull();
      const rng = new Rng(12);
      const shapes: [number, number, number][] = [
        [32, 100, 784], [128, 50, 784], [784, 100, 32], [32, 784, 100], [32, 12, 100], [100, 12, 128], [1024, 12, 100],
      ];
      for (let t = 0; t < 12; t++) shapes.push([rng.int(1, 70), rng.int(1, 70), rng.int(1, 300)]);
      for (const [n, m, k] of shapes) {
        for (const form of FORMS) {
          const l = layout(form, n, m, k);
          const a = randomArray(rng, l.aLen), b = randomArray(rng, l.bLen);
          const diff = firstDifference(product(g!, form, n, m, k, a, b), product(gemmNaive, form, n, m, k, a, b));
          expect(diff, `${form} n=${n} m=${m} k=${k}`).toBeNull();
        }
      }
    });
  }

  it('wasm: large products are shared between threads as configured (NNLAB_THREADS, default 2 on a multi-core main thread)', () => {
    expect(kernelThreads).toBe(threadsWanted());
  });

  it('wasm: blocked products (long sums, many rows and columns, ragged edges) equal the naive loop, on one thread and shared', () => {
    // The kernel packs blocks of at most 256 steps of p × 64 rows of A × 128 columns of B and
    // parks running sums in C between blocks of p; B is read in place when C has ≤ 32 rows.
    // These shapes cross every block boundary, with edge tiles, in all three forms.
    expect(gemmWasm).not.toBeNull();
    const rng = new Rng(15);
    const shapes: [number, number, number][] = [[67, 133, 521], [5, 130, 600], [130, 6, 777], [32, 64, 300], [33, 64, 257], [32, 100, 784]];
    try {
      for (const shared of [false, true]) {
        forceThreadSharing(shared);
        for (const [n, m, k] of shapes) {
          for (const form of FORMS) {
            const l = layout(form, n, m, k);
            const a = randomArray(rng, l.aLen), b = randomArray(rng, l.bLen);
            const diff = firstDifference(product(gemmWasm!, form, n, m, k, a, b), product(gemmNaive, form, n, m, k, a, b));
            expect(diff, `${form} n=${n} m=${m} k=${k} shared=${shared}`).toBeNull();
          }
        }
      }
    } finally {
      forceThreadSharing(null);
    }
  });

  it('wasm: multi-megabyte operands, then small ones, agree (staging offsets and copies)', () => {
    expect(gemmWasm).not.toBeNull();
    const rng = new Rng(13);
    // 600×600 operands are 2.9 MB each; the small product after them reuses the same scratch.
    for (const [n, m, k] of [[600, 7, 600], [3, 600, 600], [5, 5, 5]] as const) {
      const a = randomArray(rng, n * k), b = randomArray(rng, k * m);
      expect(firstDifference(product(gemmWasm!, 'NN', n, m, k, a, b), product(gemmNaive, 'NN', n, m, k, a, b))).toBeNull();
    }
  });

  it('wasm: reads subarray views at their offset, not from the start of their buffer', () => {
    const rng = new Rng(14);
    const bigA = randomArray(rng, 100), bigB = randomArray(rng, 100);
    const a = bigA.subarray(7, 7 + 3 * 5), b = bigB.subarray(30, 30 + 5 * 4);
    const c = new Float64Array(40).fill(-1);
    const cView = c.subarray(10, 22);
    gemmWasm!(3, 4, 5, a, 5, 1, b, 4, 1, cView);
    expect(firstDifference(cView, product(gemmNaive, 'NN', 3, 4, 5, a, b))).toBeNull();
    expect(c[9]).toBe(-1);
    expect(c[22]).toBe(-1);
  });
});

describe('matmul, matmulTN, matmulNT on either backend', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  /** C[i, j] from the definition of each product, written against Matrix.get. */
  function definition(a: Matrix, b: Matrix, form: Form): Matrix {
    const n = form === 'TN' ? a.cols : a.rows;
    const m = form === 'NT' ? b.rows : b.cols;
    const k = form === 'TN' ? a.rows : a.cols;
    const c = new Matrix(n, m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += (form === 'TN' ? a.get(p, i) : a.get(i, p)) * (form === 'NT' ? b.get(j, p) : b.get(p, j));
        c.set(i, j, s);
      }
    }
    return c;
  }

  for (const backend of ['wasm', 'js'] as KernelBackend[]) {
    it(`${backend}: matches the definitions, with and without an out matrix`, () => {
      setKernelBackend(backend);
      expect(kernelBackend()).toBe(backend);
      const rng = new Rng(21);
      const a = rng.gaussianMatrix(7, 5), b = rng.gaussianMatrix(5, 6), bt = rng.gaussianMatrix(6, 5), at = rng.gaussianMatrix(7, 6);
      expect(matmul(a, b).data).toEqual(definition(a, b, 'NN').data);
      expect(matmulTN(a, at).data).toEqual(definition(a, at, 'TN').data);
      expect(matmulNT(a, bt).data).toEqual(definition(a, bt, 'NT').data);
      const out = Matrix.filled(7, 6, 123);
      expect(matmul(a, b, out)).toBe(out);
      expect(out.data).toEqual(definition(a, b, 'NN').data);
    });
  }

  it('refuses an out matrix that shares storage with an operand', () => {
    const a = Matrix.filled(3, 3, 1);
    expect(() => matmul(a, a, a)).toThrow(/share storage/);
    const big = new Float64Array(20);
    const view = new Matrix(3, 3, big.subarray(2, 11));
    const out = new Matrix(3, 3, big.subarray(9, 18));
    expect(() => matmulTN(view, a, out)).toThrow(/share storage/);
    // Adjacent but disjoint views are fine.
    expect(() => matmulTN(view, a, new Matrix(3, 3, big.subarray(11, 20)))).not.toThrow();
  });

  it('an empty inner dimension gives zeros; an unknown backend name is an error', () => {
    expect(matmul(new Matrix(2, 0), new Matrix(0, 3)).data).toEqual(new Float64Array(6));
    expect(() => setKernelBackend('gpu' as KernelBackend)).toThrow(/unknown kernel backend/);
  });
});

describe('Adam kernel', () => {
  /** lib/optim.ts's loop as it was written before the kernels existed: the definition. */
  function adamReference(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, lr: number, b1: number, b2: number, eps: number, t: number) {
    const c1 = 1 - Math.pow(b1, t), c2 = 1 - Math.pow(b2, t);
    for (let k = 0; k < w.length; k++) {
      m[k] = b1 * m[k] + (1 - b1) * g[k];
      v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
      w[k] -= (lr * (m[k] / c1)) / (Math.sqrt(v[k] / c2) + eps);
    }
  }

  const adams: [string, Adam | null][] = [['js', adamJs], ['wasm', adamWasm]];
  for (const [name, adam] of adams) {
    it(`${name}: 20 steps equal the reference loop bit for bit (odd and even lengths)`, () => {
      expect(adam).not.toBeNull();
      const rng = new Rng(31);
      for (const len of [1, 2, 7, 100, 1001]) {
        const w0 = randomArray(rng, len);
        const [w, m, v] = [w0.slice(), new Float64Array(len), new Float64Array(len)];
        const [wr, mr, vr] = [w0.slice(), new Float64Array(len), new Float64Array(len)];
        for (let t = 1; t <= 20; t++) {
          const g = randomArray(rng, len);
          const c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
          adam!(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, c1, c2);
          adamReference(wr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, t);
        }
        expect(firstDifference(w, wr), `w, length ${len}`).toBeNull();
        expect(firstDifference(m, mr), `m, length ${len}`).toBeNull();
        expect(firstDifference(v, vr), `v, length ${len}`).toBeNull();
      }
    });
  }

  it('late steps, where 1 − β1ᵗ (and later 1 − β2ᵗ) round to exactly 1, still equal the reference', () => {
    // The WebAssembly kernel leaves out the division by c1 = 1 (and c2 = 1) there: exact.
    const rng = new Rng(32);
    for (const t of [355, 356, 400, 40000]) {
      const c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
      const w0 = randomArray(rng, 51), m0 = randomArray(rng, 51), v0 = randomArray(rng, 51).map(Math.abs), g = randomArray(rng, 51);
      const [w, m, v] = [w0.slice(), m0.slice(), v0.slice()];
      const [wr, mr, vr] = [w0.slice(), m0.slice(), v0.slice()];
      adamWasm!(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, c1, c2);
      adamReference(wr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, t);
      expect(firstDifference(w, wr), `t = ${t}, c1 = ${c1}, c2 = ${c2}`).toBeNull();
    }
    expect(1 - Math.pow(0.9, 356)).toBe(1);
    expect(1 - Math.pow(0.999, 40000)).toBe(1);
  });

  it('wasm: a long update (split across threads when there are two) equals the reference', () => {
    const rng = new Rng(33);
    const len = 40001; // above the threshold for sharing, odd so that one chunk ends in a scalar
    const w0 = randomArray(rng, len), g = randomArray(rng, len);
    const [w, m, v] = [w0.slice(), new Float64Array(len), new Float64Array(len)];
    const [wr, mr, vr] = [w0.slice(), new Float64Array(len), new Float64Array(len)];
    adamWasm!(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9, 1 - 0.999);
    adamReference(wr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, 1);
    expect(firstDifference(w, wr)).toBeNull();
    expect(firstDifference(v, vr)).toBeNull();
  });

  it('adamUpdate checks shapes', () => {
    const w = new Matrix(2, 3);
    const h = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, c1: 0.1, c2: 0.001 };
    expect(() => adamUpdate(w, new Matrix(3, 2), new Matrix(2, 3), new Matrix(2, 3), h)).toThrow(/adamUpdate dw/);
  });
});

describe('resident matrices (WebAssembly memory, used in place)', () => {
  it('are zero-filled, disjoint views of the module memory, and products on them agree', () => {
    const before = residentUsage().arrays;
    const x = allocResident(37)!, y = allocResident(5)!;
    expect(x).not.toBeNull();
    expect(x.length).toBe(37);
    expect(Array.from(x).every((e) => e === 0)).toBe(true);
    expect(x.buffer).toBe(y.buffer);
    expect(y.byteOffset >= x.byteOffset + x.byteLength || x.byteOffset >= y.byteOffset + y.byteLength).toBe(true);
    expect(residentUsage().arrays).toBe(before + 2);

    const rng = new Rng(41);
    const a = toResident(rng.gaussianMatrix(9, 13)), b = residentMatrix(13, 6), plainB = rng.gaussianMatrix(13, 6);
    b.data.set(plainB.data);
    const c = residentMatrix(9, 6);
    // Resident A, B and C (no copies), then mixed: every combination computes the same.
    matmul(a, b, c);
    const expected = new Float64Array(9 * 6);
    gemmNaive(9, 6, 13, a.data, 13, 1, plainB.data, 6, 1, expected);
    expect(firstDifference(c.data, expected)).toBeNull();
    expect(firstDifference(matmul(a, plainB).data, expected)).toBeNull();
    expect(firstDifference(matmul(a.clone(), b).data, expected)).toBeNull();
  });

  it('the Adam kernel updates resident state in place', () => {
    const w = toResident(Matrix.from([[1, -2, 3]])), dw = Matrix.from([[0.5, 0.5, -1]]);
    const m = residentMatrix(1, 3), v = residentMatrix(1, 3);
    const wr = w.data.slice(), mr = new Float64Array(3), vr = new Float64Array(3);
    adamUpdate(w, dw, m, v, { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, c1: 1 - 0.9, c2: 1 - 0.999 });
    adamJs(wr, dw.data, mr, vr, 0.1, 0.9, 0.999, 1e-8, 1 - 0.9, 1 - 0.999);
    expect(firstDifference(w.data, wr)).toBeNull();
    expect(firstDifference(m.data, mr)).toBeNull();
    expect(w.get(0, 0)).toBeCloseTo(0.9, 6); // the first Adam step moves each weight by lr against the gradient sign
  });
});

describe('training with the kernels', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  it('the first layer skips dx and leaves dw, db unchanged', () => {
    const rng = new Rng(51);
    const x = rng.gaussianMatrix(6, 9);
    const [, cache] = hiddenLayerForward(x, { w: rng.gaussianMatrix(9, 5), b: rng.gaussianMatrix(1, 5), activation: 'relu' });
    const dout = rng.gaussianMatrix(6, 5);
    const full = hiddenLayerBackward(dout, cache);
    const params = hiddenLayerBackward(dout, cache, false);
    expect('dx' in params).toBe(false);
    expect(params.dw.data).toEqual(full.dw.data);
    expect(params.db.data).toEqual(full.db.data);
  });

  it('an Adam training run gives the same losses, bit for bit, on both backends', () => {
    const rng = new Rng(52);
    const X = rng.uniformMatrix(90, 20), y = Int32Array.from({ length: 90 }, (_, i) => i % 4);
    const losses = (backend: KernelBackend) => {
      setKernelBackend(backend);
      const model = new FullyConnectedNet({ inputDim: 20, hiddenDims: [13, 7], outputDim: 4, normalization: 'batchnorm', reg: 1e-3, seed: 1 });
      const solver = new Solver(model, { XTrain: X, yTrain: y, XVal: X, yVal: y }, {
        updateRule: 'adam', optimConfig: { learningRate: 1e-2 }, batchSize: 16, numEpochs: 3, seed: 2,
      });
      solver.train();
      return solver.lossHistory;
    };
    const wasm = losses('wasm'), js = losses('js');
    expect(wasm.length).toBe(18);
    expect(wasm).toEqual(js);
    expect(wasm[wasm.length - 1]).toBeLessThan(wasm[0]);
  });
});
