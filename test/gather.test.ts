/**
 * The minibatch gather (assembly/gather.ts, gatherRowsJs in lib/kernels/js.ts, and
 * StepWorkspace.gather behind the engine seam): the fast engine's minibatch equals the
 * reference engine's (Matrix.selectRows into a fresh matrix) bit for bit, on both backends and
 * both number types, for ragged shapes, a batch of one and a large batch, from a resident copy
 * and from the fallback when the resident area is full.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gatherRowsJs, type Floats, type GatherRows } from '../lib/kernels/js.js';
import { allocResident32, freeResident, gatherRowsWasm, residentUsage, wasmLoadError } from '../lib/kernels/wasm.js';
import { kernelBackend, setKernelBackend, wasmAvailable, type KernelBackend } from '../lib/kernels/index.js';
import { Matrix, type DType } from '../lib/nn/matrix.js';
import { referenceEngine } from '../lib/nn/engine.js';
import { FastEngine } from '../lib/fast/engine.js';
import { residentMatrix, toResident } from '../lib/kernels/resident.js';
import { Rng } from '../lib/nn/random.js';

const backends: KernelBackend[] = wasmAvailable() ? ['js', 'wasm'] : ['js'];
const DTYPES: DType[] = ['float64', 'float32'];

/** rows×cols Gaussian values (float64, so that a float32 gather also converts). */
function dataset(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const m = Matrix.zeros(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rng.gaussian() * 1e3;
  return m;
}

/** The first index where a and b differ in bits, or -1 (a typed-array toEqual is slow on 10⁵ elements). */
function firstDifference(a: Floats, b: Floats): number {
  if (a.constructor !== b.constructor || a.length !== b.length) return 0;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor(i / a.BYTES_PER_ELEMENT);
  return -1;
}

/** `count` row indices of a `rows`-row dataset, repeats allowed (the kernel must not assume a permutation). */
function indices(count: number, rows: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: count }, () => rng.int(0, rows - 1));
}

/** [dataset rows, cols, minibatch rows]: ragged widths, a batch of one, a whole permutation, a large batch. */
const SHAPES: [number, number, number][] = [[13, 7, 5], [9, 1, 1], [1, 3, 1], [40, 33, 40], [600, 784, 128], [257, 100, 97]];

describe('gatherRows kernels', () => {
  const impls: [string, GatherRows][] = [['js', gatherRowsJs]];
  if (gatherRowsWasm) impls.push(['wasm', gatherRowsWasm]);
  else it.skip(`wasm: ${wasmLoadError}`, () => {});

  for (const [name, gather] of impls) {
    it(`${name}: equals Matrix.selectRows bit for bit, resident and ordinary operands, both types`, () => {
      for (const [rows, cols, count] of SHAPES) {
        const X = dataset(rows, cols, rows * cols);
        const idx = count === rows ? new Rng(3).permutation(rows) : indices(count, rows, count);
        for (const dtype of DTYPES) {
          const expected = X.selectRows(idx, Matrix.zeros(count, cols, dtype));
          const plainSrc = dtype === 'float64' ? X : X.selectRows(Int32Array.from({ length: rows }, (_, i) => i), Matrix.zeros(rows, cols, 'float32'));
          const residentSrc = toResident(X, dtype);
          for (const src of [plainSrc, residentSrc]) {
            for (const out of [Matrix.zeros(count, cols, dtype), residentMatrix(count, cols, dtype)]) {
              out.data.fill(NaN); // every element must be written
              gather(src.data, cols, idx, out.data);
              expect(firstDifference(out.data, expected.data)).toBe(-1);
            }
          }
        }
      }
    });

    it(`${name}: a wider output keeps its other elements; zero rows write nothing`, () => {
      const X = toResident(dataset(6, 4, 1), 'float32');
      const out = residentMatrix(5, 4, 'float32');
      out.data.fill(7);
      gather(X.data, 4, Int32Array.of(5, 0), out.data);
      expect(Array.from(out.data.subarray(0, 8))).toEqual([...X.data.subarray(20, 24), ...X.data.subarray(0, 4)]);
      expect(Array.from(out.data.subarray(8))).toEqual(new Array(12).fill(7));
      gather(X.data, 4, new Int32Array(0), out.data);
      expect(Array.from(out.data.subarray(8))).toEqual(new Array(12).fill(7));
    });

    it(`${name}: bad arguments throw, naming them, before anything is read`, () => {
      const src = toResident(dataset(6, 4, 2), 'float32').data;
      const out = residentMatrix(3, 4, 'float32').data;
      expect(() => gather(src, 4, Int32Array.of(0, 6), out)).toThrow('gatherRows: rows[1] = 6 is not a row of src (0 to 5)');
      expect(() => gather(src, 4, Int32Array.of(-1), out)).toThrow('gatherRows: rows[0] = -1 is not a row of src (0 to 5)');
      expect(() => gather(src, 5, Int32Array.of(0), out)).toThrow('gatherRows: cols must be a positive integer dividing src.length = 24, got 5');
      expect(() => gather(src, 4, Int32Array.of(0, 1, 2, 3), out)).toThrow('gatherRows: out holds 12 values, fewer than rows.length × cols = 16');
      const out64: Floats = new Float64Array(12);
      expect(() => gather(src, 4, Int32Array.of(0), out64)).toThrow('gatherRows: src and out must have the same type, got Float32Array and Float64Array');
    });
  }
});

describe('Engine.gather: the fast engine equals the reference engine', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  for (const backend of backends) {
    it(`${backend}: every shape and type, the same bits, the copy kept between calls and given back by release()`, () => {
      setKernelBackend(backend);
      for (const [rows, cols, count] of SHAPES) {
        const X64 = dataset(rows, cols, rows + cols);
        const X32 = X64.selectRows(Int32Array.from({ length: rows }, (_, i) => i), Matrix.zeros(rows, cols, 'float32'));
        for (const X of [X64, X32]) {
          for (const dtype of DTYPES) {
            const engine = new FastEngine();
            for (let step = 0; step < 3; step++) {
              const idx = indices(step === 2 ? Math.max(1, count - 3) : count, rows, step); // a short last minibatch too
              const expected = referenceEngine().gather(X, idx, dtype);
              const got = engine.gather(X, idx, dtype);
              expect(got.dtype).toBe(dtype);
              expect([got.rows, got.cols]).toEqual([idx.length, cols]);
              expect(firstDifference(got.data, expected.data)).toBe(-1);
            }
            engine.release();
          }
        }
      }
    });
  }

  it.runIf(wasmAvailable().ok)('wasm: the training set is copied once, in the model type, and the copy freed by release()', () => {
    setKernelBackend('wasm');
    const X = dataset(300, 50, 5);
    const engine = new FastEngine();
    engine.gather(X, indices(10, 300, 1), 'float32'); // makes the minibatch buffer and the copy
    const held = residentUsage().used;
    for (let step = 0; step < 5; step++) engine.gather(X, indices(10, 300, step), 'float32');
    expect(residentUsage().used).toBe(held); // no new copy per step
    engine.release();
    expect(held - residentUsage().used).toBeGreaterThanOrEqual(300 * 50 * 4);
  });

  it.runIf(wasmAvailable().ok)('wasm: with the resident area full, the minibatch is gathered by selectRows, the same bits', () => {
    setKernelBackend('wasm');
    const X = dataset(200, 30, 6);
    const engine = new FastEngine();
    const first = indices(16, 200, 1);
    engine.gather(X, first, 'float32'); // the minibatch buffer, while there is room
    engine.release(); // the copy goes, the buffer stays
    const filler: Float32Array[] = [];
    for (let size = 1 << 22; size >= 16; size >>= 1) {
      for (let b = allocResident32(size); b !== null; b = allocResident32(size)) filler.push(b);
    }
    try {
      expect(residentUsage().total - residentUsage().used).toBeLessThan(200 * 30 * 4);
      for (let step = 0; step < 3; step++) {
        const idx = indices(16, 200, step + 10);
        expect(firstDifference(engine.gather(X, idx, 'float32').data, referenceEngine().gather(X, idx, 'float32').data)).toBe(-1);
      }
    } finally {
      for (const b of filler) freeResident(b);
      engine.release();
    }
  });
});
