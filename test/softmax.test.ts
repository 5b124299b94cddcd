/**
 * The softmax loss in one WebAssembly call (assembly/softmax.ts, behind Engine.softmaxLoss):
 * bit for bit lib/nn/layers.ts's softmaxLoss, the loss and every element of the gradient, in
 * both number types, on ragged shapes, a batch of one, a large batch and extreme scores; and
 * the ports of exp and log it uses (assembly/elementary.ts) bit for bit lib/math/elementary.ts's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { elementaryWasm, softmaxLossWasm, wasmLoadError } from '../lib/kernels/wasm.js';
import { kernelBackend, setKernelBackend, wasmAvailable, type KernelBackend } from '../lib/kernels/index.js';
import { exp, log } from '../lib/math/elementary.js';
import { Matrix, type DType, type Floats } from '../lib/nn/matrix.js';
import { softmaxLoss } from '../lib/nn/layers.js';
import { referenceEngine, softmaxLossOn } from '../lib/nn/engine.js';
import { FastEngine } from '../lib/fast/engine.js';
import { residentMatrix } from '../lib/kernels/resident.js';
import { StepArena } from '../lib/fast/arena.js';
import { Rng } from '../lib/nn/random.js';

const backends: KernelBackend[] = wasmAvailable() ? ['js', 'wasm'] : ['js'];
const DTYPES: DType[] = ['float64', 'float32'];
const wasmIt = wasmAvailable().ok ? it : it.skip;

const view = new Float64Array(1), word = new BigUint64Array(view.buffer);
/** The bits of a float64 (NaNs all alike: their payloads are not specified across engines). */
function bits(x: number): bigint {
  if (Number.isNaN(x)) return -1n;
  view[0] = x;
  return word[0];
}

/** The first index where a and b differ in bits, or -1. */
function firstDifference(a: Floats, b: Floats): number {
  if (a.constructor !== b.constructor || a.length !== b.length) return 0;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor(i / a.BYTES_PER_ELEMENT);
  return -1;
}

/** n×c scores of the given spread (×1000: many exps underflow, some to subnormals), and labels. */
function problem(n: number, c: number, spread: number, seed: number, dtype: DType): { scores: Matrix; y: Int32Array } {
  const rng = new Rng(seed);
  const scores = residentMatrix(n, c, dtype);
  for (let i = 0; i < scores.data.length; i++) scores.data[i] = rng.gaussian() * spread;
  if (c > 2) scores.data[Math.min(2, scores.data.length - 1)] = scores.data[0]; // a tie for the maximum
  return { scores, y: Int32Array.from({ length: n }, () => rng.int(0, c - 1)) };
}

/** [rows, classes, spread]: ragged, batch of one, one class, the report's 12 classes, large. */
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 12, 3], [7, 3, 1], [13, 5, 40], [128, 12, 4], [32, 12, 1000], [300, 100, 20], [3, 1000, 700],
];

describe('exp and log in WebAssembly', () => {
  wasmIt('give lib/math/elementary.ts\'s bits on edge cases and across their ranges', () => {
    const wasm = elementaryWasm!;
    const edges = [0, -0, 1, -1, 0.5, 2, Infinity, -Infinity, NaN, 709.78, 709.79, -708.39, -708.4, -720, -745.13, -745.14, -1000,
      2 ** -28, -(2 ** -28), 2 ** -29, 1e-9, -1e-9, 5e-324, 2.2250738585072014e-308, 1e-310, Number.MAX_VALUE, 1 + 2 ** -52, 1 - 2 ** -53];
    const rng = new Rng(7);
    const xs = [...edges];
    for (let i = 0; i < 25000; i++) {
      xs.push((rng.uniform() - 0.5) * 1500, rng.uniform() * 40 - 30, exp((rng.uniform() - 0.5) * 1400), 1 + (rng.uniform() - 0.5) * 1e-3);
    }
    let expWrong = 0, logWrong = 0;
    for (const x of xs) {
      if (bits(wasm.exp(x)) !== bits(exp(x))) expWrong++;
      if (bits(wasm.log(x)) !== bits(log(x))) logWrong++;
    }
    expect({ expWrong, logWrong }).toEqual({ expWrong: 0, logWrong: 0 });
  });
});

describe('the softmax loss kernel', () => {
  if (!softmaxLossWasm) it.skip(`wasm: ${wasmLoadError}`, () => {});
  else {
    it('equals layers.softmaxLoss bit for bit: loss and gradient, both types, every shape', () => {
      for (const [n, c, spread] of SHAPES) {
        for (const dtype of DTYPES) {
          const { scores, y } = problem(n, c, spread, n * c, dtype);
          const expected = softmaxLoss(scores, y);
          const dscores = residentMatrix(n, c, dtype);
          dscores.data.fill(NaN); // every element must be written
          const loss = softmaxLossWasm(n, c, scores.data, y, dscores.data);
          expect(bits(loss)).toBe(bits(expected.loss));
          expect(firstDifference(dscores.data, expected.dscores.data)).toBe(-1);
        }
      }
    });

    it('a non-finite score gives a NaN loss, as the reference; where it cannot run it computes nothing and says null', () => {
      const { scores, y } = problem(4, 3, 1, 1, 'float32');
      scores.data[4] = Infinity;
      const dscores = residentMatrix(4, 3, 'float32');
      expect(Number.isNaN(softmaxLoss(scores, y).loss)).toBe(true);
      expect(Number.isNaN(softmaxLossWasm(4, 3, scores.data, y, dscores.data)!)).toBe(true);
      dscores.data.fill(5);
      expect(softmaxLossWasm(4, 3, new Float32Array(12), y, dscores.data)).toBeNull(); // scores not resident
      expect(softmaxLossWasm(4, 3, scores.data, y, new Float32Array(12))).toBeNull(); // dscores not resident
      expect(softmaxLossWasm(5, 3, scores.data, y, dscores.data)).toBeNull(); // 5 rows asked, 4×3 given
      expect(softmaxLossWasm(4, 3, scores.data, Int32Array.of(0, 1, 3, 0), dscores.data)).toBeNull(); // 3 is not a class
      expect(softmaxLossWasm(4, 3, scores.data, [0, 1, -1, 0], dscores.data)).toBeNull();
      expect(softmaxLossWasm(4, 3, scores.data, [0, 1, 0.5, 0], dscores.data)).toBeNull();
      expect(Array.from(dscores.data)).toEqual(new Array(12).fill(5));
    });
  }
});

describe('Engine.softmaxLoss: the fast engine equals the reference engine', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  for (const backend of backends) {
    it(`${backend}: a step's scores (from the step arena) and ordinary ones, both types, every shape; labels checked alike`, () => {
      setKernelBackend(backend);
      const fast = new FastEngine(), reference = referenceEngine();
      const arena = new StepArena();
      for (const [n, c, spread] of SHAPES) {
        for (const dtype of DTYPES) {
          const { scores, y } = problem(n, c, spread, n + c, dtype);
          // As in a training step: the scores carry the arena, so the gradient is resident too and the kernel runs.
          const step = new Matrix(n, c, scores.data, arena);
          for (let k = 0; k < 3; k++) Matrix.like(step); // the arena grows to what a step asked for at its next reset
          arena.reset();
          const ordinary = new Matrix(n, c, scores.data.slice());
          // The kernel runs on a step's scores on WebAssembly, nowhere else (then the reference does).
          expect(fast.softmaxLoss(step, y) !== null).toBe(backend === 'wasm');
          expect(fast.softmaxLoss(ordinary, y)).toBeNull();
          for (const s of [step, ordinary]) {
            const expected = reference.softmaxLoss(s, y)!;
            const got = softmaxLossOn(fast)(s, y);
            expect(bits(got.loss)).toBe(bits(expected.loss));
            expect(firstDifference(got.dscores.data, expected.dscores.data)).toBe(-1);
          }
        }
      }
      const { scores } = problem(3, 4, 1, 2, 'float32');
      const step = new Matrix(3, 4, scores.data, arena);
      arena.reset();
      expect(fast.softmaxLoss(step, Int32Array.of(0, 4, 1))).toBeNull();
      expect(() => softmaxLossOn(fast)(step, Int32Array.of(0, 4, 1))).toThrow('softmaxLoss y: label at index 1 is 4, expected an integer in [0, 3]');
      expect(() => softmaxLossOn(fast)(step, Int32Array.of(0, 1))).toThrow('softmaxLoss y: expected 3 labels (one per row), got 2');
    });
  }
});
