/**
 * Kernel figures: GFLOP/s of the three matrix products as an affine layer uses them, for a
 * batch of N samples, D inputs and M outputs:
 *
 *     forward        x·W      (N×D)·(D×M)      matmul
 *     weight grad    xᵀ·dout  (D×N)·(N×M)      matmulTN
 *     input grad     dout·Wᵀ  (N×M)·(M×D)      matmulNT
 *
 * each 2·N·D·M floating-point operations. Timed through lib/nn/ops.ts with preallocated
 * outputs and every operand resident (lib/kernels/resident.ts), as a training step's and an
 * evaluation's are (lib/fast/): the figure is the product's with the call's checks, and no copy
 * into WebAssembly memory, which a layer does not pay either. (Earlier versions of this bench
 * timed ordinary arrays, copied in on every call; the README's speed section says which of its
 * figures were taken that way.)
 */
import { performance } from 'node:perf_hooks';
import { type DType } from '../nn/matrix.js';
import { residentMatrix, toResident } from '../kernels/resident.js';
import { matmul, matmulNT, matmulTN } from '../nn/ops.js';
import { Rng } from '../nn/random.js';

export type ProductForm = 'forward' | 'weightGrad' | 'inputGrad';
export const PRODUCT_FORMS: readonly ProductForm[] = ['forward', 'weightGrad', 'inputGrad'];

/** N×D×M: the kernel shapes the issue asks for. */
export const KERNEL_SHAPES: readonly [number, number, number][] = [[32, 784, 100], [128, 784, 100], [512, 512, 512]];

/**
 * The other products the bench's models make (M1's 784×50 and 50×50 layers, M2's 100×100, at
 * batch 32 and 128; inference at batch 1024), timed for the WebAssembly kernels and NumPy.
 */
export const MODEL_SHAPES: readonly [number, number, number][] = [
  [32, 784, 50], [128, 784, 50], [32, 50, 50], [128, 50, 50], [32, 100, 100], [128, 100, 100], [1024, 784, 100],
];

export interface KernelRecord {
  system: string;
  dtype: DType;
  shape: [number, number, number];
  form: ProductForm;
  gflops: number;
  seconds: number;
}

/** Median seconds of one call, over repetitions filling about `budget` seconds. */
function timeCall(f: () => void, budget: number): number {
  f(); // compile and warm the caches
  const t0 = performance.now();
  f();
  const once = Math.max((performance.now() - t0) / 1000, 1e-7);
  const reps = Math.max(3, Math.min(2000, Math.round(budget / once / 5)));
  const samples: number[] = [];
  for (let s = 0; s < 5; s++) {
    const t1 = performance.now();
    for (let r = 0; r < reps; r++) f();
    samples.push((performance.now() - t1) / 1000 / reps);
  }
  samples.sort((a, b) => a - b);
  return samples[2];
}

/** GFLOP/s of nnlab's products in `dtype` with the kernel backend currently selected. */
export function benchKernels(system: string, dtype: DType = 'float64', shapes = KERNEL_SHAPES, budget = 0.3): KernelRecord[] {
  const rng = new Rng(5);
  const records: KernelRecord[] = [];
  for (const [N, D, M] of shapes) {
    const [x, w, dout] = [rng.gaussianMatrix(N, D), rng.gaussianMatrix(D, M), rng.gaussianMatrix(N, M)].map((m) => toResident(m, dtype));
    const out = { forward: residentMatrix(N, M, dtype), weightGrad: residentMatrix(D, M, dtype), inputGrad: residentMatrix(N, D, dtype) };
    const calls: Record<ProductForm, () => void> = {
      forward: () => matmul(x, w, out.forward),
      weightGrad: () => matmulTN(x, dout, out.weightGrad),
      inputGrad: () => matmulNT(dout, w, out.inputGrad),
    };
    for (const form of PRODUCT_FORMS) {
      const seconds = timeCall(calls[form], budget);
      records.push({ system, dtype, shape: [N, D, M], form, seconds, gflops: (2 * N * D * M) / seconds / 1e9 });
    }
  }
  return records;
}

/**
 * The same measurement for NumPy, as a Python program printing one JSON line: the products
 * are x @ w, x.T @ dout and dout @ w.T on C-ordered arrays of each dtype, as numpy_mlp.py
 * computes them.
 */
export function numpyKernelScript(dtypes: readonly DType[] = ['float64'], shapes = KERNEL_SHAPES, budget = 0.3): string {
  return `
import json, time
import numpy as np
rng = np.random.default_rng(5)
def time_call(f, budget=${budget}):
    f()
    t0 = time.perf_counter(); f(); once = max(time.perf_counter() - t0, 1e-7)
    reps = max(3, min(2000, round(budget / once / 5)))
    samples = []
    for _ in range(5):
        t1 = time.perf_counter()
        for _ in range(reps): f()
        samples.append((time.perf_counter() - t1) / reps)
    return sorted(samples)[2]
records = []
for dtype in ${JSON.stringify(dtypes)}:
    for N, D, M in ${JSON.stringify(shapes)}:
        x, w, dout = (rng.standard_normal(s).astype(dtype) for s in ((N, D), (D, M), (N, M)))
        calls = {"forward": lambda: x @ w, "weightGrad": lambda: x.T @ dout, "inputGrad": lambda: dout @ w.T}
        for form, f in calls.items():
            s = time_call(f)
            records.append({"system": "numpy", "dtype": dtype, "shape": [N, D, M], "form": form, "seconds": s, "gflops": 2 * N * D * M / s / 1e9})
print(json.dumps(records))
`;
}
