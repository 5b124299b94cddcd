/**
 * Batch normalisation kernels: one table entry each (see lib/kernels/spec.ts). assembly/batchnorm.ts
 * is the WebAssembly version (its header gives the definitions). The loops are those of
 * batchnormForward and batchnormBackward in lib/nn/layers.ts: float64 arithmetic throughout, each
 * value rounded once when it is stored into an array of the data type (a Float32Array store is
 * the rounding). mean, variance, k, sumDxhat and sumDxhatXhat are Float64Arrays of length d
 * whatever the data type. Outputs are overwritten (no need to zero them) and must not be inputs.
 */
import { defineKernel } from './spec.js';

export const BATCHNORM = {
  /**
   * mean[j] = (Σ_i x[i·d+j]) / n, then variance[j] = (Σ_i (x[i·d+j] − mean[j])²) / n: float64
   * sums from 0, rows in order, the variance from the already divided mean. n = 0 gives NaN.
   */
  columnMoments: defineKernel({
    params: ['int', 'int', 'in', 'out64', 'out64'],
    written: (_n, d) => d,
    js: (n, d, X, mean, variance) => {
      mean.fill(0, 0, d);
      variance.fill(0, 0, d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
      for (let j = 0; j < d; j++) mean[j] /= n;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < d; j++) { const c = X[i * d + j] - mean[j]; variance[j] += c * c; }
      }
      for (let j = 0; j < d; j++) variance[j] /= n;
    },
  }),

  /**
   * xhat[i·d+j] = (x[i·d+j] − mean[j]) · invStd[j], then out[i·d+j] = xhat[i·d+j] · gamma[j] +
   * beta[j] from the stored (rounded) xhat; each in float64, rounded once at its store.
   */
  batchnormNormalize: defineKernel({
    params: ['int', 'int', 'in', 'in64', 'in', 'in', 'in', 'out', 'out'],
    written: (n, d) => n * d,
    js: (n, d, X, mean, S, G, B, H, O) => {
      for (let i = 0; i < n; i++) {
        const r = i * d;
        for (let j = 0; j < d; j++) {
          H[r + j] = (X[r + j] - mean[j]) * S[j];
          O[r + j] = H[r + j] * G[j] + B[j]; // from x̂ as stored (float32: rounded)
        }
      }
    },
  }),

  /** c[j] = Σ_i a[i·d+j]·b[i·d+j] as `c[j] += a·b` from 0, rows in order: each step rounded to the type. */
  columnDot: defineKernel({
    params: ['int', 'int', 'in', 'in', 'out'],
    written: (_n, d) => d,
    js: (n, d, A, B, C) => {
      C.fill(0, 0, d);
      for (let i = 0; i < n; i++) {
        const r = i * d;
        for (let j = 0; j < d; j++) C[j] += A[r + j] * B[r + j]; // float64 product and sum, rounded at the store
      }
    },
  }),

  /**
   * The train-mode batchnorm input gradient: dx[i·d+j] = k[j] · (((n · dout[i·d+j]) · gamma[j] −
   * sumDxhat[j]) − xhat[i·d+j] · sumDxhatXhat[j]), float64, rounded once at the store.
   */
  batchnormInputGrad: defineKernel({
    params: ['int', 'int', 'in', 'in', 'in', 'in64', 'in64', 'in64', 'out'],
    written: (n, d) => n * d,
    js: (n, d, D, H, G, k, s1, s2, DX) => {
      for (let i = 0; i < n; i++) {
        const r = i * d;
        for (let j = 0; j < d; j++) DX[r + j] = k[j] * (n * D[r + j] * G[j] - s1[j] - H[r + j] * s2[j]);
      }
    },
  }),
};
