/**
 * Elementwise kernels of the training step: one table entry each (see lib/kernels/spec.ts).
 * assembly/elementwise.ts is the WebAssembly version (its header gives the definitions and the
 * measurements); the references below compute every value with the operations of the
 * WebAssembly kernel in its order: on Float32Arrays, a double add of two float32 values stored
 * to the array is the float32 add, and addL2Gradient's `G[k] + reg * W[k]` is float64
 * arithmetic rounded once at the store, as the kernel's promote, f64x2 mul/add, demote.
 */
import { sigmoid, tanh } from '../math/elementary.js';
import { defineKernel } from './spec.js';

export const ELEMENTWISE = {
  /** out[k] = x[k] > 0 ? x[k] : 0 for k < n (NaN and −0 give +0); out may be x. */
  relu: defineKernel({
    params: ['int', 'in', 'out'],
    written: (n) => n,
    js: (n, x, out) => { for (let k = 0; k < n; k++) { const v = x[k]; out[k] = v > 0 ? v : 0; } },
  }),

  /** dx[k] = x[k] > 0 ? dout[k] : 0 for k < n; dx may be x or dout. */
  reluBackward: defineKernel({
    params: ['int', 'in', 'in', 'out'],
    written: (n) => n,
    js: (n, x, dout, dx) => { for (let k = 0; k < n; k++) dx[k] = x[k] > 0 ? dout[k] : 0; },
  }),

  /**
   * out[k] = sigmoid(x[k]) for k < n: lib/math/elementary.ts's, in float64, rounded once to the
   * array type at the store; out may be x.
   */
  sigmoid: defineKernel({
    params: ['int', 'in', 'out'],
    written: (n) => n,
    js: (n, x, out) => { for (let k = 0; k < n; k++) out[k] = sigmoid(x[k]); },
    callsImported: true,
  }),

  /** out[k] = tanh(x[k]) for k < n, as sigmoid (lib/math/elementary.ts's tanh); out may be x. */
  tanh: defineKernel({
    params: ['int', 'in', 'out'],
    written: (n) => n,
    js: (n, x, out) => { for (let k = 0; k < n; k++) out[k] = tanh(x[k]); },
    callsImported: true,
  }),

  /**
   * dx[k] = (dout[k]·s[k])·(1 − s[k]) for k < n, s the sigmoid's output: float64 arithmetic,
   * rounded once at the store; dx may be s or dout.
   */
  sigmoidBackward: defineKernel({
    params: ['int', 'in', 'in', 'out'],
    written: (n) => n,
    js: (n, s, dout, dx) => { for (let k = 0; k < n; k++) dx[k] = dout[k] * s[k] * (1 - s[k]); },
  }),

  /** dx[k] = dout[k]·(1 − t[k]·t[k]) for k < n, t tanh's output, as sigmoidBackward. */
  tanhBackward: defineKernel({
    params: ['int', 'in', 'in', 'out'],
    written: (n) => n,
    js: (n, t, dout, dx) => { for (let k = 0; k < n; k++) dx[k] = dout[k] * (1 - t[k] * t[k]); },
  }),

  /** c[i·m + j] = a[i·m + j] + v[j] for an n×m row-major a; c may be a. */
  addRowVector: defineKernel({
    params: ['int', 'int', 'in', 'in', 'out'],
    written: (n, m) => n * m,
    js: (n, m, a, v, c) => {
      for (let i = 0, r = 0; i < n; i++, r += m) for (let j = 0; j < m; j++) c[r + j] = a[r + j] + v[j];
    },
  }),

  /** c[j] = Σ_i a[i·m + j], from 0, i = 0, 1, … in order (each partial sum of the element type). */
  colSums: defineKernel({
    params: ['int', 'int', 'in', 'out'],
    written: (_n, m) => m,
    js: (n, m, a, c) => {
      c.fill(0, 0, m);
      for (let i = 0, r = 0; i < n; i++, r += m) for (let j = 0; j < m; j++) c[j] += a[r + j]; // float32: rounded at every store
    },
  }),

  /**
   * dw[k] = dw[k] + reg·w[k] in place for k < n (float64 arithmetic, one rounding to the array
   * type), and returns Σ w[k]² in float64: four partial sums s_r of the k ≡ r (mod 4), each in
   * increasing k, combined as ((s0 + s1) + s2) + s3.
   */
  addL2Gradient: defineKernel({
    params: ['int', 'inout', 'in', 'number'],
    written: (n) => n,
    js: (n, G, W, reg) => {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, k = 0;
      for (; k + 3 < n; k += 4) {
        const x0 = W[k], x1 = W[k + 1], x2 = W[k + 2], x3 = W[k + 3];
        s0 += x0 * x0; s1 += x1 * x1; s2 += x2 * x2; s3 += x3 * x3;
        G[k] += reg * x0; G[k + 1] += reg * x1; G[k + 2] += reg * x2; G[k + 3] += reg * x3;
      }
      if (k < n) { const x = W[k]; s0 += x * x; G[k] += reg * x; k++; }
      if (k < n) { const x = W[k]; s1 += x * x; G[k] += reg * x; k++; }
      if (k < n) { const x = W[k]; s2 += x * x; G[k] += reg * x; }
      return ((s0 + s1) + s2) + s3;
    },
  }),

  /** out[k] = 0 for k < n (the arena's zeroing: one memory.fill in WebAssembly). */
  zeros: defineKernel({
    params: ['int', 'out'],
    written: (n) => n,
    js: (n, out) => { out.fill(0, 0, n); },
  }),

  /**
   * 1 if x[0..n) are all finite, else 0. x·0 is 0 for a finite x and NaN for NaN or ±Infinity,
   * and a sum with a NaN in it is NaN; four running sums, so that the additions do not wait
   * for each other (about twice as fast as testing the values one by one).
   */
  allFinite: defineKernel({
    params: ['int', 'in'],
    written: () => 0,
    js: (n, x) => {
      let z0 = 0, z1 = 0, z2 = 0, z3 = 0, k = 0;
      for (; k + 3 < n; k += 4) {
        z0 += x[k] * 0;
        z1 += x[k + 1] * 0;
        z2 += x[k + 2] * 0;
        z3 += x[k + 3] * 0;
      }
      for (; k < n; k++) z0 += x[k] * 0;
      return z0 + z1 + z2 + z3 === 0 ? 1 : 0;
    },
  }),
};
