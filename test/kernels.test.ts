/**
 * The matrix-product kernels: the WebAssembly SIMD kernel and the pure TypeScript fallback
 * must both reproduce the textbook triple loop exactly (same summation order, so the same
 * bits), for every product form and for edge sizes that exercise each remainder tile.
 * Speed is measured by `nnlab bench`, never here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { adamJs, adamJs32, gemmJs, gemmJs32, gemmNaive, type Adam, type Floats, type Gemm } from '../lib/kernels/js.js';
import {
  adamWasm, allocResident, allocResident32, forceThreadSharing, gemmWasm, kernelThreads, residentUsage, setSubnormalPath, subnormalPath,
  tableWasm, threadSharingStats, wasmLoadError,
} from '../lib/kernels/wasm.js';
import { tableJs, type TableKernels } from '../lib/kernels/table.js';
import { SUBNORMAL_COST_THRESHOLD } from '../lib/kernels/subnormal.js';
import { threadsWanted } from '../lib/kernels/jobs.js';
import { kernels, kernelBackend, setKernelBackend, type KernelBackend } from '../lib/kernels/index.js';
import { Matrix } from '../lib/nn/matrix.js';
import { adamUpdate, matmul, matmulNT, matmulTN } from '../lib/nn/ops.js';
import { residentMatrix, toResident } from '../lib/kernels/resident.js';
import { Rng } from '../lib/nn/random.js';
import { hiddenLayerBackward, hiddenLayerForward } from '../lib/nn/layer_utils.js';
import { FullyConnectedNet } from '../lib/nn/fc_net.js';
import { Solver } from '../lib/nn/solver.js';

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

/** Random A and B, stored as `form` has them, for an n×m product over k (random: randomArray or randomArray32). */
function operands<A extends Floats>(rng: Rng, form: Form, n: number, m: number, k: number,
                                    random: (rng: Rng, len: number) => A): [A, A] {
  const l = layout(form, n, m, k);
  return [random(rng, l.aLen), random(rng, l.bLen)];
}

/** C = the product by g, in the operands' type (float64 or float32). */
function product<A extends Floats>(g: Gemm, form: Form, n: number, m: number, k: number, a: A, b: A): A {
  const l = layout(form, n, m, k);
  const c = (a instanceof Float32Array ? new Float32Array(n * m) : new Float64Array(n * m)) as A;
  c.fill(Number.NaN); // every element must be written
  g(n, m, k, a, l.aRow, l.aStep, b, l.bStep, l.bCol, c);
  return c;
}

/** Index and values of the first difference, for a readable failure. */
function firstDifference(x: Floats, y: Floats): string | null {
  if (x.length !== y.length) return `lengths ${x.length} vs ${y.length}`;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `element ${i}: ${x[i]} vs ${y[i]}`;
  return null;
}

// Sizes around the tile edges: 4×4 tiles with 1–3 leftover rows and columns (edge tiles,
// packed with zeros), k = 0 (an empty sum) and the layer sizes of the report.
const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13];
const FORMS: Form[] = ['NN', 'TN', 'NT'];

const backends: [string, Gemm | null][] = [['js', gemmJs], ['wasm', gemmWasm]];

/**
 * Runs `body` with the float32 kernels' detour for values near underflow taken, then not
 * (assembly/tiny.ts; which one a machine takes depends on its CPU); then back to the default.
 */
function withAndWithoutDetour(body: (detour: boolean) => void): void {
  try {
    for (const detour of [true, false]) {
      setSubnormalPath(detour);
      expect(subnormalPath()).toMatchObject({ on: detour, forced: true });
      body(detour);
    }
  } finally {
    setSubnormalPath(null);
  }
}

/** Every form, with every n and m from `sizes` and every k from `ks` (in that nesting). */
function* edgeCases(sizes: number[], ks: number[]): Generator<[Form, number, number, number]> {
  for (const form of FORMS) for (const n of sizes) for (const m of sizes) for (const k of ks) yield [form, n, m, k];
}

/** Runs `body` with the WebAssembly kernels kept on one thread, then shared; then back to the default. */
function onOneThreadThenShared(body: (shared: boolean) => void): void {
  try {
    for (const shared of [false, true]) {
      forceThreadSharing(shared);
      body(shared);
    }
  } finally {
    forceThreadSharing(null);
  }
}

describe('matrix-product kernels', () => {
  it('the WebAssembly kernel is built and loads (run `npm run build` first)', () => {
    expect(wasmLoadError).toBeNull();
    expect(gemmWasm).not.toBeNull();
  });

  for (const [name, g] of backends) {
    it(`${name}: equals the naive triple loop bit for bit on edge sizes, all three forms`, () => {
      expect(g).not.toBeNull();
      const rng = new Rng(11);
      for (const [form, n, m, k] of edgeCases(SIZES, [0, 1, 2, 5, 17])) {
        const [a, b] = operands(rng, form, n, m, k, randomArray);
        const diff = firstDifference(product(g!, form, n, m, k, a, b), product(gemmNaive, form, n, m, k, a, b));
        expect(diff, `${form} n=${n} m=${m} k=${k}`).toBeNull();
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
          const [a, b] = operands(rng, form, n, m, k, randomArray);
          const diff = firstDifference(product(g!, form, n, m, k, a, b), product(gemmNaive, form, n, m, k, a, b));
          expect(diff, `${form} n=${n} m=${m} k=${k}`).toBeNull();
        }
      }
    });
  }

  it('wasm: large products are shared between threads as configured (NNLAB_THREADS, default 2 on a multi-core main thread)', () => {
    expect(kernelThreads).toBe(threadsWanted());
  });

  it('wasm: a helper thread, when there is one, starts and takes chunks of shared products (its program runs)', async () => {
    if (kernelThreads < 2) return;
    const rng = new Rng(41);
    const a = toResident(rng.gaussianMatrix(256, 300)), b = toResident(rng.gaussianMatrix(300, 200));
    forceThreadSharing(true);
    try {
      const before = threadSharingStats()!.helperChunks;
      // Up to 20 s for the helper to get a core on a busy machine; the main thread never waits for it.
      for (let t0 = Date.now(); threadSharingStats()!.helperChunks === before && Date.now() - t0 < 20000;) {
        for (let i = 0; i < 20; i++) matmul(a, b);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(threadSharingStats()!.helperChunks).toBeGreaterThan(before);
    } finally {
      forceThreadSharing(null);
    }
  }, 30000);

  it('wasm: blocked products (long sums, many rows and columns, ragged edges) equal the naive loop, on one thread and shared', () => {
    // The kernel packs blocks of at most 256 steps of p × 64 rows of A × 128 columns of B and
    // parks running sums in C between blocks of p; B is read in place when C has ≤ 32 rows.
    // These shapes cross every block boundary, with edge tiles, in all three forms.
    expect(gemmWasm).not.toBeNull();
    const rng = new Rng(15);
    const shapes: [number, number, number][] = [[67, 133, 521], [5, 130, 600], [130, 6, 777], [32, 64, 300], [33, 64, 257], [32, 100, 784]];
    onOneThreadThenShared((shared) => {
      for (const [n, m, k] of shapes) {
        for (const form of FORMS) {
          const [a, b] = operands(rng, form, n, m, k, randomArray);
          const diff = firstDifference(product(gemmWasm!, form, n, m, k, a, b), product(gemmNaive, form, n, m, k, a, b));
          expect(diff, `${form} n=${n} m=${m} k=${k} shared=${shared}`).toBeNull();
        }
      }
    });
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

/** Adam's w, m and v for a test: copies of w0, and of m0 and v0 or zeros. */
function adamState<A extends Floats>(w0: A, m0?: A, v0?: A): [A, A, A] {
  const zeros = () => w0.slice().fill(0) as A;
  return [w0.slice() as A, (m0?.slice() as A | undefined) ?? zeros(), (v0?.slice() as A | undefined) ?? zeros()];
}

/** w, m and v equal the reference ones bit for bit. */
function expectSameState(state: Floats[], reference: Floats[], label: string): void {
  ['w', 'm', 'v'].forEach((name, i) => expect(firstDifference(state[i], reference[i]), `${name}, ${label}`).toBeNull());
}

describe('Adam kernel', () => {
  /** lib/nn/optim.ts's loop as it was written before the kernels existed: the definition. */
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
        const [w, m, v] = adamState(w0), [wr, mr, vr] = adamState(w0);
        for (let t = 1; t <= 20; t++) {
          const g = randomArray(rng, len);
          const c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
          adam!(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, c1, c2);
          adamReference(wr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, t);
        }
        expectSameState([w, m, v], [wr, mr, vr], `length ${len}`);
      }
    });
  }

  it('late steps, where 1 − β1ᵗ (and later 1 − β2ᵗ) round to exactly 1, still equal the reference', () => {
    // The WebAssembly kernel leaves out the division by c1 = 1 (and c2 = 1) there: exact.
    const rng = new Rng(32);
    for (const t of [355, 356, 400, 40000]) {
      const c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
      const w0 = randomArray(rng, 51), m0 = randomArray(rng, 51), v0 = randomArray(rng, 51).map(Math.abs), g = randomArray(rng, 51);
      const [w, m, v] = adamState(w0, m0, v0), [wr, mr, vr] = adamState(w0, m0, v0);
      adamWasm!(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, c1, c2);
      adamReference(wr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, t);
      expectSameState([w, m, v], [wr, mr, vr], `t = ${t}, c1 = ${c1}, c2 = ${c2}`);
    }
    expect(1 - Math.pow(0.9, 356)).toBe(1);
    expect(1 - Math.pow(0.999, 40000)).toBe(1);
  });

  it('wasm: a long update (split across threads when there are two) equals the reference', () => {
    const rng = new Rng(33);
    const len = 40001; // above the threshold for sharing, odd so that one chunk ends in a scalar
    const w0 = randomArray(rng, len), g = randomArray(rng, len);
    const [w, m, v] = adamState(w0), [wr, mr, vr] = adamState(w0);
    adamWasm!(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9, 1 - 0.999);
    adamReference(wr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, 1);
    expectSameState([w, m, v], [wr, mr, vr], `length ${len}`);
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
    const params = hiddenLayerBackward(dout, cache, { inputGrad: false });
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

// ---------------------------------------------------------------------------------------------
// Float32: gemm32 and adam32 in assembly/, gemmJs32 and adamJs32 in lib/kernels/js.ts.
// ---------------------------------------------------------------------------------------------

function randomArray32(rng: Rng, len: number): Float32Array {
  return Float32Array.from(randomArray(rng, len));
}

/** The definition in float32: each product and each sum rounded to float32, p in order. */
function naive32(form: Form, n: number, m: number, k: number, a: Float32Array, b: Float32Array): Float32Array {
  const l = layout(form, n, m, k);
  const c = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = Math.fround(0);
      for (let p = 0; p < k; p++) s = Math.fround(s + Math.fround(a[i * l.aRow + p * l.aStep] * b[p * l.bStep + j * l.bCol]));
      c[i * m + j] = s;
    }
  }
  return c;
}

describe('float32 matrix-product kernels', () => {
  // The float32 tile is 4 rows × 8 columns: sizes around multiples of 4 and 8.
  const SIZES32 = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17];

  const backends32: [string, Gemm | null][] = [['js', gemmJs], ['wasm', gemmWasm]];
  for (const [name, g] of backends32) {
    it(`${name}: equals the float32 triple loop bit for bit on edge sizes, all three forms`, () => {
      expect(g).not.toBeNull();
      const rng = new Rng(61);
      for (const [form, n, m, k] of edgeCases(SIZES32, [0, 1, 3, 8, 19])) {
        const [a, b] = operands(rng, form, n, m, k, randomArray32);
        const diff = firstDifference(product(g!, form, n, m, k, a, b), naive32(form, n, m, k, a, b));
        expect(diff, `${form} n=${n} m=${m} k=${k}`).toBeNull();
      }
    });
  }

  it('float32 arithmetic really is float32: the result differs from the float64 sum rounded once', () => {
    const rng = new Rng(62);
    const [n, m, k] = [8, 16, 300];
    const a = randomArray32(rng, n * k), b = randomArray32(rng, k * m);
    const c32 = product(gemmWasm!, 'NN', n, m, k, a, b);
    const c64 = product(gemmNaive, 'NN', n, m, k, Float64Array.from(a), Float64Array.from(b));
    expect(firstDifference(c32, Float32Array.from(c64))).not.toBeNull();
    // …and is close to it (relative to the size of the terms summed).
    for (let i = 0; i < n * m; i++) expect(Math.abs(c32[i] - c64[i])).toBeLessThan(1e-5 * k);
  });

  it('wasm: blocked products and the report shapes equal js and the float32 loop, on one thread and shared', () => {
    // Blocks: at most 256 steps of p × 64 rows of A × 128 columns of B; B is read in place
    // when C has ≤ 32 rows and B's columns are adjacent, except a last panel of < 8 columns.
    expect(gemmWasm).not.toBeNull();
    const rng = new Rng(63);
    const shapes: [number, number, number][] = [
      [67, 133, 521], [5, 130, 600], [130, 6, 777], [32, 64, 300], [33, 64, 257], [32, 100, 784],
      [128, 100, 784], [784, 100, 32], [32, 784, 100], [1, 1, 1], [31, 37, 513], [64, 129, 256],
    ];
    for (let t = 0; t < 8; t++) shapes.push([rng.int(1, 90), rng.int(1, 150), rng.int(1, 600)]);
    onOneThreadThenShared((shared) => {
      for (const [n, m, k] of shapes) {
        for (const form of FORMS) {
          const [a, b] = operands(rng, form, n, m, k, randomArray32);
          const wasm = product(gemmWasm!, form, n, m, k, a, b);
          const label = `${form} n=${n} m=${m} k=${k} shared=${shared}`;
          expect(firstDifference(wasm, product(gemmJs, form, n, m, k, a, b)), label).toBeNull();
          expect(firstDifference(wasm, naive32(form, n, m, k, a, b)), label).toBeNull();
        }
      }
    });
  });

  it('wasm: operands near underflow (subnormal and tiny values, products below 2⁻¹²⁶) equal the float32 loop bit for bit', () => {
    // assembly/gemm.ts forms a packed block's products in float64 (tileTiny32) when a product
    // of its smallest magnitudes may be subnormal: weights decayed by L2 (whole columns of B),
    // single subnormals, tiny rows of A, and products of two tiny normals below 2⁻¹²⁶.
    expect(gemmWasm).not.toBeNull();
    const rng = new Rng(67);
    const shapes: [number, number, number][] = [[67, 133, 521], [5, 130, 600], [130, 6, 777], [33, 100, 784], [128, 100, 50], [40, 12, 100], [31, 37, 513]];
    const makeTiny = (x: Float32Array, lines: number, along: number, every: number, scale: number) => {
      for (let l = 0; l < lines; l += every) for (let p = 0; p < along; p++) x[l * along + p] = Math.fround(x[l * along + p] * scale);
      return x;
    };
    withAndWithoutDetour((detour) => onOneThreadThenShared((shared) => {
      for (const [n, m, k] of shapes) {
        const cases: [string, (a: Float32Array, b: Float32Array) => void][] = [
          ['subnormal columns of B', (_a, b) => { for (let i = 0; i < b.length; i += 7) b[i] = Math.fround(b[i] * 2 ** -135); }],
          ['single subnormals in A and B', (a, b) => { a[a.length >> 1] = 2 ** -149; b[b.length - 1] = -3 * 2 ** -149; }],
          ['tiny rows times tiny values (normal operands, subnormal products)', (a, b) => { makeTiny(a, 1, a.length, 1, 2 ** -70); makeTiny(b, 1, b.length, 1, 2 ** -60); }],
          ['a few tiny values among ordinary ones', (a, b) => { makeTiny(a, a.length, 1, 11, 2 ** -90); makeTiny(b, b.length, 1, 13, 2 ** -60); }],
        ];
        for (const [what, spoil] of cases) {
          for (const form of FORMS) {
            const [a, b] = operands(rng, form, n, m, k, randomArray32);
            spoil(a, b);
            const label = `${what}: ${form} n=${n} m=${m} k=${k} shared=${shared} detour=${detour}`;
            expect(firstDifference(product(gemmWasm!, form, n, m, k, a, b), naive32(form, n, m, k, a, b)), label).toBeNull();
          }
        }
      }
    }));
  });

  it('wasm: two threads and one give the same bits (large shapes, every form)', () => {
    const rng = new Rng(64);
    try {
      for (const [n, m, k] of [[128, 100, 784], [784, 100, 128], [40, 784, 100], [100, 300, 64]] as const) {
        for (const form of FORMS) {
          const [a, b] = operands(rng, form, n, m, k, randomArray32);
          forceThreadSharing(false);
          const one = product(gemmWasm!, form, n, m, k, a, b);
          forceThreadSharing(true);
          const two = product(gemmWasm!, form, n, m, k, a, b);
          expect(firstDifference(one, two), `${form} n=${n} m=${m} k=${k}`).toBeNull();
        }
      }
    } finally {
      forceThreadSharing(null);
    }
  });

  it('the float32 product is close to the float64 product of the same values', () => {
    const rng = new Rng(65);
    for (const [n, m, k] of [[32, 100, 784], [100, 12, 128]] as const) {
      for (const form of FORMS) {
        const [a, b] = operands(rng, form, n, m, k, randomArray);
        const c64 = product(gemmWasm!, form, n, m, k, a, b);
        const c32 = product(gemmWasm!, form, n, m, k, Float32Array.from(a), Float32Array.from(b));
        // Errors of ~k rounding steps of 2⁻²⁴ on terms of size ~1: compare with √k (the size of the sum).
        const scale = Math.sqrt(k);
        for (let i = 0; i < n * m; i++) expect(Math.abs(c32[i] - c64[i]) / scale, `${form} element ${i}`).toBeLessThan(1e-5);
      }
    }
  });

  it('gemmJs32 is what gemmJs runs on Float32Array operands; mixed staging of resident and plain float32 arrays agrees', () => {
    const rng = new Rng(66);
    const [n, m, k] = [9, 13, 21];
    const a = randomArray32(rng, n * k), b = randomArray32(rng, k * m);
    const expected = naive32('NN', n, m, k, a, b);
    const c = new Float32Array(n * m);
    gemmJs32(n, m, k, a, k, 1, b, m, 1, c);
    expect(firstDifference(c, expected)).toBeNull();
    const ra = allocResident32(n * k)!, rb = allocResident32(k * m)!, rc = allocResident32(n * m)!;
    ra.set(a); rb.set(b);
    for (const [x, y, z] of [[ra, rb, rc], [a, rb, rc], [ra, b, new Float32Array(n * m)], [ra, rb, new Float32Array(n * m)]]) {
      z.fill(Number.NaN);
      gemmWasm!(n, m, k, x, k, 1, y, m, 1, z);
      expect(firstDifference(z, expected)).toBeNull();
    }
  });
});

describe('float32 Adam kernel', () => {
  const adams32: [string, Adam | null][] = [['js', adamJs], ['wasm', adamWasm]];
  for (const [name, adam] of adams32) {
    it(`${name}: 20 steps equal adamJs32 bit for bit (lengths around the 4-lane vectors) and stay float32`, () => {
      expect(adam).not.toBeNull();
      const rng = new Rng(71);
      for (const len of [1, 2, 3, 4, 5, 7, 100, 1001]) {
        const w0 = randomArray32(rng, len);
        const [w, m, v] = adamState(w0), [wr, mr, vr] = adamState(w0);
        for (let t = 1; t <= 20; t++) {
          const g = randomArray32(rng, len);
          const c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
          adam!(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, c1, c2);
          adamJs32(wr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, c1, c2);
        }
        expectSameState([w, m, v], [wr, mr, vr], `length ${len}`);
      }
    });
  }

  it('adamJs32 rounds each operation to float32 and stays close to the float64 update', () => {
    const rng = new Rng(72);
    const len = 200;
    const w0 = randomArray32(rng, len), g = randomArray32(rng, len);
    const w = w0.slice(), m = new Float32Array(len), v = new Float32Array(len);
    adamJs32(w, g, m, v, 1e-2, 0.9, 0.999, 1e-8, 1 - 0.9, 1 - 0.999);
    const w64 = Float64Array.from(w0), m64 = new Float64Array(len), v64 = new Float64Array(len);
    adamJs(w64, Float64Array.from(g), m64, v64, 1e-2, 0.9, 0.999, 1e-8, 1 - 0.9, 1 - 0.999);
    for (let i = 0; i < len; i++) {
      expect(Math.abs(w[i] - w64[i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(w64[i])));
      // One element by hand: the float32 formula, rounding after each operation.
      const f = Math.fround;
      const mk = f(f(f(0.9) * 0) + f(f(1 - 0.9) * g[i]));
      expect(m[i]).toBe(mk);
    }
  });

  it('wasm: late steps, where c1 and c2 round to exactly 1 in float32, still equal adamJs32', () => {
    // In float32, 1 − 0.9ᵗ rounds to 1 from t ≈ 160 and 1 − 0.999ᵗ from t ≈ 17,000; the kernel
    // then leaves out the divisions.
    const rng = new Rng(73);
    for (const t of [150, 170, 400, 20000]) {
      const c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
      const w0 = randomArray32(rng, 51), m0 = randomArray32(rng, 51), v0 = randomArray32(rng, 51).map(Math.abs), g = randomArray32(rng, 51);
      const [w, m, v] = adamState(w0, m0, v0), [wr, mr, vr] = adamState(w0, m0, v0);
      adamWasm!(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, c1, c2);
      adamJs32(wr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, c1, c2);
      expectSameState([w, m, v], [wr, mr, vr], `t = ${t}, c1 = ${c1}, c2 = ${c2}`);
    }
    expect(Math.fround(1 - Math.pow(0.9, 170))).toBe(1);
    expect(Math.fround(1 - Math.pow(0.999, 20000))).toBe(1);
  });

  it('wasm: moments near underflow (units whose gradients stopped) equal adamJs32 bit for bit', () => {
    // assembly/adam.ts computes β1·m, m / c1, lr·m̂ and the step's quotient in float64 wherever a
    // lane's m is below 2⁻⁵⁰ (nearUnderflow32): subnormal m, tiny normal m, m on both sides of
    // 2⁻⁵⁰, zero, beside ordinary lanes of the same vector; gradients zero (a dead unit) or not.
    const rng = new Rng(75);
    const smallest = 2 ** -149, normalMin = 2 ** -126, threshold = 2 ** -50;
    const special = [smallest, 2 * smallest, 3 * smallest, 4 * smallest, 5 * smallest, 1e-40, 1e-39, normalMin,
      1.5 * normalMin, 1e-30, threshold * (1 - 2 ** -23), threshold, threshold * (1 + 2 ** -23), 0, 1e-4, 0.3];
    withAndWithoutDetour((detour) => { for (const len of [3, 4, 7, 16, 1001]) {
      const m0 = Float32Array.from({ length: len }, (_, i) => (i % 3 === 2 ? -1 : 1) * special[(i * 7) % special.length]);
      const v0 = Float32Array.from({ length: len }, (_, i) => (i % 5 === 0 ? 1e-20 : 1e-6 * (1 + (i % 11))));
      const w0 = randomArray32(rng, len);
      for (const t of [5, 400]) { // c1 ≠ 1 (the division by c1 is done), then c1 = 1
        const c1 = 1 - Math.pow(0.9, t), c2 = 1 - Math.pow(0.999, t);
        const [w, m, v] = adamState(w0, m0, v0), [wr, mr, vr] = adamState(w0, m0, v0);
        for (let step = 0; step < 200; step++) {
          // Half the lanes get no gradient (their m decays into the subnormals and stays there).
          // Some of the others get subnormal gradients (L2's share on a weight decayed that far).
          const g = Float32Array.from(randomArray32(rng, len), (x, i) => (i % 2 === 0 || step > 100 ? 0 : x * (i % 7 === 3 ? 1e-42 : 1e-3)));
          adamWasm!(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, c1, c2);
          adamJs32(wr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, c1, c2);
        }
        expectSameState([w, m, v], [wr, mr, vr], `length ${len}, t = ${t}, detour = ${detour}`);
        // The run did reach the case: an m stuck at the smallest subnormal (β1 times it rounds back).
        expect(Array.from(m).some((x) => Math.abs(x) === smallest), `length ${len}`).toBe(true);
      }
    } });
  });

  it('the detour for values near underflow is taken where the load-time probe found subnormals slow, unless forced', () => {
    // lib/kernels/subnormal.ts: a subnormal multiply cost about 75 times a normal one on an
    // Intel Sapphire Rapids, 0.8–2.1 times on an AMD Zen 4; SUBNORMAL_COST_THRESHOLD lies between.
    const found = subnormalPath();
    expect(found.forced).toBe(process.env.NNLAB_SUBNORMAL_PATH === 'on' || process.env.NNLAB_SUBNORMAL_PATH === 'off');
    expect(found.costRatio).toBeGreaterThan(0);
    if (!found.forced) expect(found.on).toBe(found.costRatio! >= SUBNORMAL_COST_THRESHOLD);
    try {
      setSubnormalPath(!found.on);
      expect(subnormalPath()).toEqual({ on: !found.on, costRatio: found.costRatio, forced: true });
    } finally {
      setSubnormalPath(null);
    }
    if (!found.forced) expect(subnormalPath()).toEqual(found);
  });

  it('wasm: a long update, one thread and shared, equals adamJs32 (resident and plain arrays)', () => {
    const rng = new Rng(74);
    const len = 40003; // above the threshold for sharing; n % 4 = 3, so a chunk ends in scalars
    const w0 = randomArray32(rng, len), g = randomArray32(rng, len);
    const [wr, mr, vr] = adamState(w0);
    adamJs32(wr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9, 1 - 0.999);
    onOneThreadThenShared((shared) => {
      const [w, m, v] = adamState(w0);
      adamWasm!(w, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9, 1 - 0.999);
      expectSameState([w, m, v], [wr, mr, vr], `shared=${shared}`);
      const [rw, rm, rv] = [allocResident32(len)!, allocResident32(len)!, allocResident32(len)!];
      rw.set(w0);
      adamWasm!(rw, g, rm, rv, 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9, 1 - 0.999);
      expectSameState([rw, rm, rv], [wr, mr, vr], `resident, shared=${shared}`);
    });
  });
});

describe('resident float32 arrays', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  it('are zero-filled views of the module memory, disjoint from float64 ones, and their blocks are reused', () => {
    const before = residentUsage().arrays;
    const x = allocResident32(37)!, y = allocResident(5)!, z = allocResident32(1)!;
    expect(x).toBeInstanceOf(Float32Array);
    expect(x.length).toBe(37);
    expect(Array.from(x).every((e) => e === 0)).toBe(true);
    expect(x.buffer).toBe(y.buffer);
    expect(x.byteOffset % 64).toBe(0);
    const spans = [x, y, z].map((a) => [a.byteOffset, a.byteOffset + a.byteLength]);
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) {
      expect(spans[i][1] <= spans[j][0] || spans[j][1] <= spans[i][0]).toBe(true);
    }
    expect(residentUsage().arrays).toBe(before + 3);
    x.fill(1);
    expect(y.every((e) => e === 0) && z[0] === 0).toBe(true);
  });

  it('kernels.alloc32 gives Float32Arrays on both backends, and kernels.gemm/adam take them', () => {
    for (const backend of ['wasm', 'js'] as KernelBackend[]) {
      setKernelBackend(backend);
      const rng = new Rng(81);
      const [n, m, k] = [5, 11, 19];
      const a = kernels.alloc32(n * k), b = kernels.alloc32(k * m), c = kernels.alloc32(n * m);
      expect(a).toBeInstanceOf(Float32Array);
      a.set(randomArray32(rng, n * k)); b.set(randomArray32(rng, k * m));
      kernels.gemm(n, m, k, a, k, 1, b, m, 1, c);
      expect(firstDifference(c, naive32('NN', n, m, k, a, b)), backend).toBeNull();
      const w = kernels.alloc32(9), g = randomArray32(rng, 9), mm = kernels.alloc32(9), v = kernels.alloc32(9);
      const wr = w.slice(), mr = mm.slice(), vr = v.slice();
      kernels.adam(w, g, mm, v, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001);
      adamJs32(wr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, 0.1, 0.001);
      expect(firstDifference(w, wr), backend).toBeNull();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Elementwise kernels: relu, reluBackward, addRowVector, colSums, addL2Gradient.
// ---------------------------------------------------------------------------------------------

type DT = 'f64' | 'f32';
/** Where a test array lives: ordinary JavaScript memory, or resident in the module memory. */
type Home = 'plain' | 'resident';

const SPECIALS = [Number.NaN, -0, 0, Infinity, -Infinity, 5e-324, -5e-324, 1e-45, -1e-45, 1, -1];

/** Gaussian values with the special ones sprinkled in (about one in eight) when `specials`. */
function values(rng: Rng, len: number, specials: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    out.push(specials && rng.int(0, 7) === 0 ? SPECIALS[rng.int(0, SPECIALS.length - 1)] : rng.gaussian());
  }
  return out;
}

function makeArray(dt: DT, home: Home, data: ArrayLike<number>): Floats {
  const len = data.length;
  const x = home === 'resident'
    ? (dt === 'f32' ? allocResident32(len) : allocResident(len)) ?? (dt === 'f32' ? new Float32Array(len) : new Float64Array(len))
    : (dt === 'f32' ? new Float32Array(len) : new Float64Array(len));
  // allocResident gives null for length 0: an ordinary empty array then.
  if (home === 'resident' && len > 0) expect(x.buffer).toBe(allocResident(1)!.buffer);
  x.set(data);
  return x;
}

const EW_LENGTHS = [0, 1, 3, 5, 17, 12800 + 3];
/** n×m shapes for the row-vector kernels: empty, single, odd, the report's layers. */
const EW_SHAPES: [number, number][] = [[0, 5], [5, 0], [1, 1], [3, 5], [7, 17], [2, 3], [128, 100], [32, 100], [33, 12], [5, 31], [129, 101]];

const r32 = Math.fround, r64 = (x: number) => x;
const rounder = (dt: DT) => (dt === 'f32' ? r32 : r64);

/** The sum of addL2Gradient, in its defined order, written independently of the kernels. */
function l2SumDefined(w: ArrayLike<number>): number {
  const s = [0, 0, 0, 0];
  for (let k = 0; k < w.length; k++) s[k % 4] += w[k] * w[k];
  return ((s[0] + s[1]) + s[2]) + s[3];
}

// The streaming kernels on each backend (lib/kernels/table.ts); tableWasm is null only when the
// module did not load, which 'the WebAssembly versions load' reports.
const wasmTable = tableWasm ?? tableJs;
const ewBackends: (readonly [string, TableKernels])[] = [['js', tableJs], ['wasm', wasmTable]];

describe('elementwise kernels', () => {
  it('the WebAssembly versions load', () => {
    expect(tableWasm).not.toBeNull();
  });

  for (const dt of ['f64', 'f32'] as DT[]) {
    for (const [name, k] of ewBackends) {
      it(`${name} ${dt}: relu and reluBackward equal the ternary bit for bit (NaN, ±0, ±Infinity, odd lengths, in place)`, () => {
        const rng = new Rng(dt === 'f32' ? 201 : 202);
        for (const len of EW_LENGTHS) {
          for (const home of ['plain', 'resident'] as Home[]) {
            const xs = values(rng, len, true), ds = values(rng, len, true);
            const x = makeArray(dt, home, xs), d = makeArray(dt, home, ds);
            const X = x.slice(), D = d.slice(); // the values as stored (float32: rounded)
            const want = X.map((v) => (v > 0 ? v : 0)), wantDx = X.map((v, i) => (v > 0 ? D[i] : 0));
            const out = makeArray(dt, home, new Array(len).fill(7));
            k.relu(x.length, x, out);
            expect(firstDifference(out, want), `relu len=${len} ${home}`).toBeNull();
            expect(firstDifference(x, X), 'relu leaves x alone').toBeNull();
            const dx = makeArray(dt, home, new Array(len).fill(7));
            k.reluBackward(x.length, x, d, dx);
            expect(firstDifference(dx, wantDx), `reluBackward len=${len} ${home}`).toBeNull();
            expect(firstDifference(d, D), 'reluBackward leaves dout alone').toBeNull();
            // In place: dx written over dout, then relu of x into x itself.
            k.reluBackward(x.length, x, d, d);
            expect(firstDifference(d, wantDx), `reluBackward into dout len=${len} ${home}`).toBeNull();
            k.relu(x.length, x, x);
            expect(firstDifference(x, want), `relu in place len=${len} ${home}`).toBeNull();
          }
        }
      });

      it(`${name} ${dt}: addRowVector and colSums equal the naive loops bit for bit (odd shapes, in place, mixed homes)`, () => {
        const rng = new Rng(dt === 'f32' ? 203 : 204);
        const r = rounder(dt);
        for (const [n, m] of EW_SHAPES) {
          for (const homes of [['plain', 'plain'], ['resident', 'resident'], ['plain', 'resident'], ['resident', 'plain']] as Home[][]) {
            const a = makeArray(dt, homes[0], values(rng, n * m, false)), v = makeArray(dt, homes[1], values(rng, m, false));
            const A = a.slice(), V = v.slice();
            const want = A.map((x, i) => r(x + V[i % m]));
            const c = makeArray(dt, homes[1], new Array(n * m).fill(Number.NaN));
            k.addRowVector(n, m, a, v, c);
            expect(firstDifference(c, want), `addRowVector ${n}×${m} ${homes}`).toBeNull();
            expect(firstDifference(a, A), 'addRowVector leaves a alone').toBeNull();

            const sums = V.slice().fill(0);
            for (let j = 0; j < m; j++) {
              let s = 0;
              for (let i = 0; i < n; i++) s = r(s + A[i * m + j]);
              sums[j] = s;
            }
            const cs = makeArray(dt, homes[1], new Array(m).fill(Number.NaN));
            k.colSums(n, m, a, cs);
            expect(firstDifference(cs, sums), `colSums ${n}×${m} ${homes}`).toBeNull();

            k.addRowVector(n, m, a, v, a); // in place
            expect(firstDifference(a, want), `addRowVector in place ${n}×${m} ${homes}`).toBeNull();
          }
        }
      });

      it(`${name} ${dt}: addL2Gradient adds reg·w in float64 rounded once, and sums w² as four partial sums by k mod 4`, () => {
        const rng = new Rng(dt === 'f32' ? 205 : 206);
        for (const len of [...EW_LENGTHS, 2, 4, 6, 7, 8, 784 * 100]) {
          for (const home of ['plain', 'resident'] as Home[]) {
            const w = makeArray(dt, home, values(rng, len, false)), dw = makeArray(dt, home, values(rng, len, false));
            const W = w.slice(), G = dw.slice();
            const reg = 0.1 + rng.uniform();
            const want = G.map((g, i) => g + reg * W[i]); // float64 ops, rounded once by the typed array
            const s = k.addL2Gradient(w.length, dw, w, reg);
            expect(firstDifference(dw, want), `dw len=${len} ${home}`).toBeNull();
            expect(firstDifference(w, W), 'leaves w alone').toBeNull();
            expect(Object.is(s, l2SumDefined(W)), `sum len=${len}: ${s} vs ${l2SumDefined(W)}`).toBe(true);
            let seq = 0;
            for (let i = 0; i < len; i++) seq += W[i] * W[i];
            // Both orders are within (len − 1)·2⁻⁵³ of the exact sum of these positive terms
            // (1e-15 relative holds for short arrays only: at 78,400 terms the sequential sum
            // itself is off by ~1e-14).
            expect(Math.abs(s - seq)).toBeLessThanOrEqual(Math.max(1e-15, 2 * len * 2 ** -53) * seq);
          }
        }
      });
    }

    for (const [name, k] of ewBackends) {
      it(`${name} ${dt}: allFinite is 1 exactly when no value is NaN or ±Infinity (any position, lengths around the vectors, resident and plain)`, () => {
        const rng = new Rng(dt === 'f32' ? 209 : 210);
        for (const len of [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 784 + 3]) {
          for (const home of ['plain', 'resident'] as Home[]) {
            const base = values(rng, len, false).map((v) => v * 1e30); // large but finite in float32 too
            if (dt === 'f32') base.forEach((v, i) => { base[i] = Math.fround(v) === Infinity || Math.fround(v) === -Infinity ? 1 : v; });
            expect(k.allFinite(len, makeArray(dt, home, base)), `finite len=${len} ${home}`).toBe(1);
            for (const bad of [Number.NaN, Infinity, -Infinity]) {
              for (const at of new Set([0, len - 1, len >> 1, len - 2].filter((i) => i >= 0 && i < len))) {
                const x = base.slice();
                x[at] = bad;
                expect(k.allFinite(len, makeArray(dt, home, x)), `${bad} at ${at} of ${len} ${home}`).toBe(0);
              }
            }
          }
        }
        // Only the first n values count.
        expect(k.allFinite(2, makeArray(dt, 'plain', [1, 2, Number.NaN]))).toBe(1);
      });

      it(`${name} ${dt}: zeros zeroes exactly the first n values, resident and plain`, () => {
        for (const home of ['plain', 'resident'] as Home[]) {
          for (const len of [1, 3, 4, 5, 17, 12803]) {
            const x = makeArray(dt, home, new Array(len + 2).fill(7));
            k.zeros(len, x.subarray(1, len + 1));
            expect(Array.from(x), `len=${len} ${home}`).toEqual([7, ...new Array(len).fill(0), 7]);
          }
        }
      });
    }

    it(`${dt}: wasm and js agree bit for bit on the same random inputs, resident and plain, through the kernels binding`, () => {
      const initial = kernelBackend();
      try {
        const rng = new Rng(dt === 'f32' ? 207 : 208);
        const [n, m] = [129, 101];
        const xs = values(rng, n * m, true), ds = values(rng, n * m, true), vs = values(rng, m, false);
        const results: Record<string, Floats[]> = {};
        const sums: Record<string, number> = {};
        for (const backend of ['js', 'wasm'] as KernelBackend[]) {
          setKernelBackend(backend);
          const alloc = (len: number) => (dt === 'f32' ? kernels.alloc32(len) : kernels.alloc(len));
          const x = alloc(n * m), d = alloc(n * m), v = alloc(m);
          x.set(xs); d.set(ds); v.set(vs);
          const out = alloc(n * m), dx = alloc(n * m), c = alloc(n * m), cs = alloc(m);
          kernels.relu(x.length, x, out);
          kernels.reluBackward(x.length, x, d, dx);
          kernels.addRowVector(n, m, out, v, c);
          kernels.colSums(n, m, dx, cs);
          const dw = dt === 'f32' ? Float32Array.from(ds) : Float64Array.from(ds);
          // Finite values for the L2 term (the specials include infinities).
          const w = dt === 'f32' ? Float32Array.from(vs) : Float64Array.from(vs);
          sums[backend] = kernels.addL2Gradient(w.length, dw.subarray(0, m), w, 1e-3);
          results[backend] = [out, dx, c, cs, dw];
        }
        results.js.forEach((x, i) => expect(firstDifference(results.wasm[i], x), `output ${i}`).toBeNull());
        expect(Object.is(sums.js, sums.wasm)).toBe(true);
      } finally {
        setKernelBackend(initial);
      }
    });
  }

  it('wasm: an output longer than what is written keeps its other elements; subarray views are read at their offset', () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const c = new Float64Array(5).fill(9);
    wasmTable.colSums(2, 3, a, c);
    expect(Array.from(c)).toEqual([5, 7, 9, 9, 9]);
    const big = Float32Array.from([-1, 2, -3, 4, 5, -6]);
    const out = new Float32Array(6).fill(8);
    wasmTable.relu(3, big.subarray(2, 5), out.subarray(1, 4));
    expect(Array.from(out)).toEqual([8, 0, 4, 5, 8, 8]);
  });
});

// ---------------------------------------------------------------------------------------------
// Batch normalisation kernels: columnMoments, batchnormNormalize, columnDot, batchnormInputGrad.
// ---------------------------------------------------------------------------------------------

/** A float64 per-feature array (mean, variance, k, Σdx̂, Σdx̂x̂), plain or resident. */
function makeF64(home: Home, data: ArrayLike<number>): Float64Array {
  return makeArray('f64', home, data) as Float64Array;
}

const bnBackends = ewBackends;

/** [data home, per-feature float64 home] */
const BN_HOMES: Home[][] = [['plain', 'plain'], ['resident', 'resident'], ['plain', 'resident'], ['resident', 'plain']];

describe('batch normalisation kernels', () => {
  it('the WebAssembly versions load', () => {
    expect(tableWasm).not.toBeNull();
  });

  for (const dt of ['f64', 'f32'] as DT[]) {
    const r = rounder(dt);
    for (const [name, k] of bnBackends) {
      it(`${name} ${dt}: columnMoments and batchnormNormalize equal the scalar definitions bit for bit (odd shapes, mixed homes)`, () => {
        const rng = new Rng(dt === 'f32' ? 301 : 302);
        for (const [n, d] of EW_SHAPES) {
          for (const [home, fhome] of BN_HOMES) {
            for (const specials of [false, true]) {
              // Values away from 0 so that the variance is not tiny; specials put NaN and ±Infinity in some columns.
              const x = makeArray(dt, home, values(rng, n * d, specials).map((v) => 3 + 2 * v));
              const X = x.slice();
              const mean = makeF64(fhome, new Array(d).fill(Number.NaN)), variance = makeF64(fhome, new Array(d).fill(Number.NaN));
              k.columnMoments(n, d, x, mean, variance);
              const M: number[] = [], V: number[] = [];
              for (let j = 0; j < d; j++) {
                let s = 0;
                for (let i = 0; i < n; i++) s = s + X[i * d + j];
                const m = s / n;
                let v = 0;
                for (let i = 0; i < n; i++) { const c = X[i * d + j] - m; v = v + c * c; }
                M.push(m); V.push(v / n);
              }
              const tag = `${n}×${d} ${home}/${fhome} specials=${specials}`;
              expect(firstDifference(mean, Float64Array.from(M)), `mean ${tag}`).toBeNull();
              expect(firstDifference(variance, Float64Array.from(V)), `variance ${tag}`).toBeNull();
              expect(firstDifference(x, X), 'columnMoments leaves x alone').toBeNull();

              const invStd = makeArray(dt, home, V.map((v) => 1 / Math.sqrt(v + 1e-5)));
              const gamma = makeArray(dt, home, values(rng, d, false)), beta = makeArray(dt, home, values(rng, d, false));
              const S = invStd.slice(), G = gamma.slice(), B = beta.slice();
              const xhat = makeArray(dt, home, new Array(n * d).fill(Number.NaN)), out = makeArray(dt, home, new Array(n * d).fill(Number.NaN));
              k.batchnormNormalize(n, d, x, mean, invStd, gamma, beta, xhat, out);
              const H = X.slice(), O = X.slice();
              for (let i = 0; i < n; i++) {
                for (let j = 0; j < d; j++) {
                  const h = r((X[i * d + j] - M[j]) * S[j]);
                  H[i * d + j] = h;
                  O[i * d + j] = r(h * G[j] + B[j]);
                }
              }
              expect(firstDifference(xhat, H), `xhat ${tag}`).toBeNull();
              expect(firstDifference(out, O), `out ${tag}`).toBeNull();
              expect(firstDifference(x, X), 'batchnormNormalize leaves x alone').toBeNull();
            }
          }
        }
      });

      it(`${name} ${dt}: columnDot and batchnormInputGrad equal the scalar definitions bit for bit (odd shapes, mixed homes)`, () => {
        const rng = new Rng(dt === 'f32' ? 303 : 304);
        for (const [n, d] of EW_SHAPES) {
          for (const [home, fhome] of BN_HOMES) {
            const a = makeArray(dt, home, values(rng, n * d, false)), b = makeArray(dt, home, values(rng, n * d, false));
            const A = a.slice(), Bv = b.slice();
            const c = makeArray(dt, home, new Array(d).fill(Number.NaN));
            k.columnDot(n, d, a, b, c);
            const C = c.slice();
            for (let j = 0; j < d; j++) {
              let s = 0;
              for (let i = 0; i < n; i++) s = r(s + A[i * d + j] * Bv[i * d + j]);
              C[j] = s;
            }
            const tag = `${n}×${d} ${home}/${fhome}`;
            expect(firstDifference(c, C), `columnDot ${tag}`).toBeNull();
            expect(firstDifference(a, A), 'columnDot leaves a alone').toBeNull();

            // dout = a, xhat = b; the per-feature factors as batchnormBackward forms them.
            const gamma = makeArray(dt, home, values(rng, d, false));
            const G = gamma.slice();
            const s1v = values(rng, d, false), s2v = values(rng, d, false), kv = values(rng, d, false).map((v) => Math.abs(v) / n);
            const kk = makeF64(fhome, kv), s1 = makeF64(fhome, s1v), s2 = makeF64(fhome, s2v);
            const dx = makeArray(dt, home, new Array(n * d).fill(Number.NaN));
            k.batchnormInputGrad(n, d, a, b, gamma, kk, s1, s2, dx);
            const DX = A.slice();
            for (let i = 0; i < n; i++) {
              for (let j = 0; j < d; j++) {
                const t = ((n * A[i * d + j]) * G[j] - s1v[j]) - Bv[i * d + j] * s2v[j];
                DX[i * d + j] = r(kv[j] * t);
              }
            }
            expect(firstDifference(dx, DX), `batchnormInputGrad ${tag}`).toBeNull();
            expect(firstDifference(a, A), 'batchnormInputGrad leaves dout alone').toBeNull();
          }
        }
      });
    }

    it(`${dt}: wasm and js agree bit for bit on a batchnorm forward and backward step, resident and plain, through the kernels binding`, () => {
      const initial = kernelBackend();
      try {
        for (const [n, d] of [[128, 100], [32, 100], [7, 17], [1, 1], [129, 101]]) {
          const rng = new Rng(305 + n + d);
          const xs = values(rng, n * d, false).map((v) => 1 + 3 * v), ds = values(rng, n * d, false);
          const gs = values(rng, d, false), bs = values(rng, d, false);
          const results: Record<string, Floats[]> = {};
          for (const backend of ['js', 'wasm', 'wasm-plain'] as const) {
            setKernelBackend(backend === 'js' ? 'js' : 'wasm');
            const alloc = backend === 'wasm-plain'
              ? (len: number) => (dt === 'f32' ? new Float32Array(len) : new Float64Array(len))
              : (len: number) => (dt === 'f32' ? kernels.alloc32(len) : kernels.alloc(len));
            const alloc64 = backend === 'wasm-plain' ? (len: number) => new Float64Array(len) : (len: number) => kernels.alloc(len);
            const x = alloc(n * d), dout = alloc(n * d), gamma = alloc(d), beta = alloc(d);
            x.set(xs); dout.set(ds); gamma.set(gs); beta.set(bs);
            const mean = alloc64(d), variance = alloc64(d);
            kernels.columnMoments(n, d, x, mean, variance);
            const invStd = alloc(d);
            for (let j = 0; j < d; j++) invStd[j] = 1 / Math.sqrt(variance[j] + 1e-5);
            const xhat = alloc(n * d), out = alloc(n * d);
            kernels.batchnormNormalize(n, d, x, mean, invStd, gamma, beta, xhat, out);
            const dbeta = alloc(d), dgamma = alloc(d);
            kernels.colSums(n, d, dout, dbeta);
            kernels.columnDot(n, d, dout, xhat, dgamma);
            const s1 = alloc64(d), s2 = alloc64(d), kk = alloc64(d);
            for (let j = 0; j < d; j++) { s1[j] = gamma[j] * dbeta[j]; s2[j] = gamma[j] * dgamma[j]; kk[j] = invStd[j] / n; }
            const dx = alloc(n * d);
            kernels.batchnormInputGrad(n, d, dout, xhat, gamma, kk, s1, s2, dx);
            results[backend] = [mean, variance, xhat, out, dgamma, dx];
          }
          for (const other of ['wasm', 'wasm-plain']) {
            results.js.forEach((x, i) => expect(firstDifference(results[other][i], x), `${other} ${n}×${d} output ${i}`).toBeNull());
          }
        }
      } finally {
        setKernelBackend(initial);
      }
    });
  }

  it('float32 columnDot rounds the float64 sum once per step (not a float32 product then a float32 add), as `C[j] += A·B` does', () => {
    const rng = new Rng(309);
    const [n, d] = [128, 100];
    const a = Float32Array.from(values(rng, n * d, false)), b = Float32Array.from(values(rng, n * d, false));
    const c = new Float32Array(d);
    wasmTable.columnDot(n, d, a, b, c);
    let differs = 0;
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s = Math.fround(s + Math.fround(a[i * d + j] * b[i * d + j]));
      if (!Object.is(s, c[j])) differs++;
    }
    // The products of float32 values are exact in float64; rounding them to float32 first changes some sums.
    expect(differs).toBeGreaterThan(0);
  });
});
