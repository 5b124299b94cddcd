/**
 * The sigmoid and tanh kernels (assembly/elementwise.ts, on the ports of expm1, tanh and sigmoid
 * in assembly/elementary.ts): bit for bit lib/math/elementary.ts's functions and the layers'
 * formulas, in both number types, on edge cases, 10⁵ random arguments of several magnitudes,
 * ragged lengths, in place, in ordinary and in module memory; and the expm1 port bit for bit
 * @stdlib's expm1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import stdlibExpm1 from '@stdlib/math-base-special-expm1';
import { allocResident, allocResident32, elementaryWasm, tableWasm, wasmLoadError } from '../lib/kernels/wasm.js';
import { tableJs, type TableKernels } from '../lib/kernels/table.js';
import { kernelBackend, setKernelBackend, wasmAvailable } from '../lib/kernels/index.js';
import { sigmoid, tanh } from '../lib/math/elementary.js';
import { Matrix, type DType, type Floats } from '../lib/nn/matrix.js';
import { sigmoidBackward, sigmoidForward, tanhBackward, tanhForward } from '../lib/nn/layers.js';
import { Rng } from '../lib/nn/random.js';

const LN2 = 0.6931471805599453;
/** Every branch of expm1, tanh and sigmoid and the edges between them, from each side. */
const EDGES = [
  0, -0, 5e-324, -5e-324, 1e-310, -1e-310, 2.2250738585072014e-308, 1e-45, -1e-45, 1e-20, -1e-20,
  2 ** -55, 2 ** -55 * (1 - 2 ** -53), -(2 ** -55), 2 ** -54, 2 ** -54 * (1 - 2 ** -53), -(2 ** -54), 2 ** -28, -(2 ** -28),
  0.25, -0.25, 0.5 * LN2, 0.34657359027997264, 0.3465735902799727, -0.3465735902799727, 1.5 * LN2, 1.0397207708399179, -1.0397207708399179,
  1, -1, 1 - 2 ** -53, 1 + 2 ** -52, -(1 - 2 ** -53), 0.5, -0.5, 2, -2, 11, -11,
  20, -20, 20 * LN2, 19.5 * LN2, 56 * LN2, 38.816242111356935, -38.816242111356935, 57 * LN2, 21.9, -21.9, 22 - 2 ** -48, 22, -22, 22.5, 30, -30,
  36, -36, 37, -37, 45, -45, 709.4, 709.5, 709.7, 709.78, 709.79, 710, -709.78, -710, 745.1, -745.1, 745.2, -745.2, 1000, -1000,
  1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, Number.NaN,
];

/** 10⁵ arguments: Gaussians at ten scales, from below 2⁻⁵⁵ to beyond the overflow of exp. */
function randomArguments(seed: number): number[] {
  const rng = new Rng(seed), xs: number[] = [];
  for (const scale of [1e-20, 1e-9, 1e-3, 0.1, 0.5, 1, 3, 12, 40, 500]) {
    for (let i = 0; i < 10_000; i++) xs.push(rng.gaussian() * scale);
  }
  return xs;
}

const view = new Float64Array(1), word = new BigUint64Array(view.buffer);
/** The bits of a float64 (NaNs all alike: their payloads are not specified across engines). */
function bits(x: number): bigint {
  if (Number.isNaN(x)) return -1n;
  view[0] = x;
  return word[0];
}

/** The first argument where f and g give other bits, or null. */
function firstMismatch(xs: number[], f: (x: number) => number, g: (x: number) => number): string | null {
  for (const x of xs) if (bits(f(x)) !== bits(g(x))) return `x = ${x}: ${f(x)} vs ${g(x)}`;
  return null;
}

/** Index and values of the first element where x and y differ (Object.is: ±0 apart, NaNs alike). */
function firstDifference(x: Floats, y: ArrayLike<number>): string | null {
  if (x.length !== y.length) return `lengths ${x.length} vs ${y.length}`;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `element ${i}: ${x[i]} vs ${y[i]}`;
  return null;
}

const wasmIt = elementaryWasm ? it : it.skip;

describe('expm1, tanh and sigmoid in WebAssembly', () => {
  it('the module loads', () => {
    expect(wasmLoadError).toBeNull();
  });
  const xs = [...EDGES, ...randomArguments(11)];
  wasmIt('expm1 gives @stdlib\'s bits', () => {
    expect(firstMismatch(xs, elementaryWasm!.expm1, stdlibExpm1)).toBeNull();
  });
  wasmIt('tanh and sigmoid give lib/math/elementary.ts\'s bits', () => {
    expect(firstMismatch(xs, elementaryWasm!.tanh, tanh)).toBeNull();
    expect(firstMismatch(xs, elementaryWasm!.sigmoid, sigmoid)).toBeNull();
  });
  wasmIt('can tell a difference (a last-bit change is caught)', () => {
    const off = (x: number) => (x > 1e-3 && x < 700 ? stdlibExpm1(x) * (1 + 2 ** -52) : stdlibExpm1(x));
    expect(firstMismatch(xs, elementaryWasm!.expm1, off)).not.toBeNull();
  });
});

type DT = 'f64' | 'f32';
type Home = 'plain' | 'resident';

function makeArray(dt: DT, home: Home, data: ArrayLike<number>): Floats {
  const len = data.length;
  const resident = home === 'resident' && len > 0 ? (dt === 'f32' ? allocResident32(len) : allocResident(len)) : null;
  const x = resident ?? (dt === 'f32' ? new Float32Array(len) : new Float64Array(len));
  x.set(data);
  return x;
}

/** Lengths around the SIMD widths (the kernels are scalar, but the staging is not), and large. */
const LENGTHS = [0, 1, 2, 3, 5, 7, 17, 64 * 50 + 3];

const backends: (readonly [string, TableKernels])[] = [['js', tableJs], ['wasm', tableWasm ?? tableJs]];

describe('the activation kernels', () => {
  for (const dt of ['f64', 'f32'] as DT[]) {
    const round = dt === 'f32' ? Math.fround : (x: number) => x;
    for (const [name, k] of backends) {
      it(`${name} ${dt}: sigmoid and tanh are the elementary functions rounded once, on edges and 10⁵ random arguments`, () => {
        const xs = [...EDGES, ...randomArguments(dt === 'f32' ? 12 : 13)];
        for (const home of ['plain', 'resident'] as Home[]) {
          const x = makeArray(dt, home, xs), X = x.slice();
          for (const [f, kernel] of [[sigmoid, k.sigmoid], [tanh, k.tanh]] as const) {
            const out = makeArray(dt, home, new Array(xs.length).fill(7));
            kernel(x.length, x, out);
            expect(firstDifference(out, Array.from(X, (v) => round(f(v)))), `${f.name} ${home}`).toBeNull();
            expect(firstDifference(x, X), 'leaves x alone').toBeNull();
          }
        }
      });

      it(`${name} ${dt}: the backward passes compute the layers' float64 formulas, rounded once`, () => {
        const rng = new Rng(dt === 'f32' ? 14 : 15);
        for (const len of [...LENGTHS, 100_000]) {
          for (const home of ['plain', 'resident'] as Home[]) {
            // Outputs in (−1, 1) and (0, 1) with the edges, gradients of all sizes.
            const t = makeArray(dt, home, Array.from({ length: len }, (_, i) => (i < EDGES.length ? tanh(EDGES[i]) : tanh(rng.gaussian() * 2))));
            const s = makeArray(dt, home, Array.from(t, (v) => (v + 1) / 2));
            const d = makeArray(dt, home, Array.from({ length: len }, (_, i) => (i < EDGES.length ? EDGES[i] : rng.gaussian() * 10 ** rng.int(-8, 3))));
            const S = s.slice(), T = t.slice(), D = d.slice();
            const dxs = makeArray(dt, home, new Array(len).fill(7)), dxt = makeArray(dt, home, new Array(len).fill(7));
            k.sigmoidBackward(len, s, d, dxs);
            k.tanhBackward(len, t, d, dxt);
            expect(firstDifference(dxs, Array.from(S, (v, i) => round(D[i] * v * (1 - v)))), `sigmoidBackward len=${len} ${home}`).toBeNull();
            expect(firstDifference(dxt, Array.from(T, (v, i) => round(D[i] * (1 - v * v)))), `tanhBackward len=${len} ${home}`).toBeNull();
            expect(firstDifference(d, D), 'leaves dout alone').toBeNull();
          }
        }
      });

      it(`${name} ${dt}: ragged lengths and in place (out = x, dx = dout)`, () => {
        const rng = new Rng(dt === 'f32' ? 16 : 17);
        for (const len of LENGTHS) {
          for (const home of ['plain', 'resident'] as Home[]) {
            const xs = Array.from({ length: len }, (_, i) => (i % 5 === 0 ? EDGES[rng.int(0, EDGES.length - 1)] : rng.gaussian() * 5));
            for (const [f, kernel] of [[sigmoid, k.sigmoid], [tanh, k.tanh]] as const) {
              const x = makeArray(dt, home, xs), want = Array.from(x, (v) => round(f(v)));
              kernel(len, x, x);
              expect(firstDifference(x, want), `${f.name} in place len=${len} ${home}`).toBeNull();
            }
            const t = makeArray(dt, home, xs.map((v) => tanh(v))), d = makeArray(dt, home, xs);
            const want = Array.from(t, (v, i) => round(d[i] * (1 - v * v)));
            k.tanhBackward(len, t, d, d);
            expect(firstDifference(d, want), `tanhBackward into dout len=${len} ${home}`).toBeNull();
          }
        }
      });
    }
  }

  it('wasm equals the TypeScript reference on a float32 output longer than n (the rest untouched)', () => {
    const x = new Float32Array([0.5, -3, 40, 9]), outJs = new Float32Array(6).fill(7), outWasm = outJs.slice();
    tableJs.tanh(3, x, outJs);
    (tableWasm ?? tableJs).tanh(3, x, outWasm);
    expect(firstDifference(outWasm, outJs)).toBeNull();
    expect(outJs[3]).toBe(7);
  });
});

describe('the activation layers on either backend', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));
  const available = wasmAvailable().ok ? (['js', 'wasm'] as const) : (['js'] as const);

  it('give the same bits as the per-element formulas (64×50, both number types)', () => {
    for (const dtype of ['float64', 'float32'] as DType[]) {
      const rng = new Rng(18);
      const x = Matrix.zeros(64, 50, dtype), dout = Matrix.zeros(64, 50, dtype);
      for (let i = 0; i < x.size; i++) { x.data[i] = rng.gaussian() * 4; dout.data[i] = rng.gaussian(); }
      const round = dtype === 'float32' ? Math.fround : (v: number) => v;
      const sig = Array.from(x.data, (v) => round(sigmoid(v))), th = Array.from(x.data, (v) => round(tanh(v)));
      for (const backend of available) {
        setKernelBackend(backend);
        const [s] = sigmoidForward(x), [t] = tanhForward(x);
        expect(firstDifference(s.data, sig), `sigmoid ${backend} ${dtype}`).toBeNull();
        expect(firstDifference(t.data, th), `tanh ${backend} ${dtype}`).toBeNull();
        expect(firstDifference(sigmoidBackward(dout, s).dx.data, sig.map((v, i) => round(dout.data[i] * v * (1 - v)))), `sigmoidBackward ${backend}`).toBeNull();
        expect(firstDifference(tanhBackward(dout, t).dx.data, th.map((v, i) => round(dout.data[i] * (1 - v * v)))), `tanhBackward ${backend}`).toBeNull();
      }
    }
  });
});
