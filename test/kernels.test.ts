/**
 * The matrix-product kernels: the WebAssembly SIMD kernel and the pure TypeScript fallback
 * must both reproduce the textbook triple loop exactly (same summation order, so the same
 * bits), for every product form and for edge sizes that exercise each remainder tile.
 * Speed is measured by `nnlab bench`, never here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gemmJs, gemmNaive, type Gemm } from '../lib/kernels/js.js';
import { gemmWasm, wasmLoadError } from '../lib/kernels/wasm.js';
import { kernelBackend, setKernelBackend, type KernelBackend } from '../lib/kernels/index.js';
import { Matrix, matmul, matmulNT, matmulTN } from '../lib/matrix.js';
import { Rng } from '../lib/random.js';

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

// Sizes around the tile edges: 4-row tiles with 1–3 leftover rows, 4-column tiles with a
// 2-column and a 1-column remainder, k = 0 (an empty sum) and the layer sizes of the report.
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

  it('wasm: operands larger than the module memory make it grow, and later calls still agree', () => {
    expect(gemmWasm).not.toBeNull();
    const rng = new Rng(13);
    // 600×600 operands are 2.9 MB each, far beyond the module's initial 64 KB.
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
