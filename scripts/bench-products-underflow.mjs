/**
 * Times float32 products (lib/nn/ops.ts's matmul on resident matrices, assembly/gemm.ts's
 * gemm32) x·W whose W has columns decayed into the subnormals, as L2 leaves the weights of
 * units that stopped firing (the bench's workload trains with L2 1e-3; the grid's 'reg 0.1'
 * leaves 70% of W1 subnormal). Prints ms per product, best of 7 rounds, for 0% to 100% of such
 * columns, at inference's batch (1024×784×100) and a training batch (64×784×50). A measurement,
 * not a test; on a CPU whose float multiply takes a microcode assist for subnormals (Intel),
 * gemm32's float64 products for such blocks (tileTiny32) are what keep the later rows near the
 * first.
 *
 *   node scripts/bench-products-underflow.mjs      (after npm run build; NNLAB_THREADS=1 for one thread)
 */
import { performance } from 'node:perf_hooks';
import { Matrix } from '../dist/nn/matrix.js';
import { matmul } from '../dist/nn/ops.js';
import { kernels } from '../dist/kernels/index.js';

const resident = { take: (f32, k) => (f32 ? kernels.alloc32(k) : kernels.alloc(k)) };
const matrix = (rows, cols, value) => {
  const m = new Matrix(rows, cols, kernels.alloc32(rows * cols), resident);
  for (let i = 0; i < m.data.length; i++) m.data[i] = value(i);
  return m;
};
console.log(`Node ${process.version}, NNLAB_THREADS=${process.env.NNLAB_THREADS ?? '(default)'}: float32 x·W, ms per product, best of 7 rounds`);
for (const [n, d, m] of [[1024, 784, 100], [64, 784, 50]]) {
  const x = matrix(n, d, (i) => ((i * 7919) % 1009) / 1009);
  const out = matrix(n, m, () => 0);
  for (const decayedShare of [0, 0.03, 0.3, 1]) {
    const decayed = Math.round(decayedShare * m);
    // Column j < decayed: a weight of a dead unit, decayed below 2⁻¹²⁶ (subnormal); others ~±0.05.
    const W = matrix(d, m, (i) => (Math.sin(i) * 0.05) * (i % m < decayed ? 2 ** -130 : 1));
    const reps = Math.max(3, Math.round(2e8 / (2 * n * d * m)));
    let best = Infinity;
    for (let round = 0; round < 7; round++) {
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) matmul(x, W, out);
      best = Math.min(best, (performance.now() - t0) / reps);
    }
    console.log(`  ${n}×${d}×${m}, ${String(decayed).padStart(3)} of ${m} columns subnormal: ${best.toFixed(3)} ms`);
  }
}
