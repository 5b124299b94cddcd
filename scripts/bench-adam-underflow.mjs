/**
 * Times Adam's float32 update (lib/nn/optim.ts's adam on resident arrays, assembly/adam.ts) on
 * a 784×100 weight whose first columns belong to units that stopped firing: their gradients are
 * zero and their m is the smallest subnormal, where it stays (β1 times it rounds back to it).
 * That is the state of most first-layer units of the report's grid nets after a few epochs on
 * the bench's workload. Prints µs per step, best of 5 rounds of 200 steps, for 0% to 100% of
 * such columns. A measurement, not a test; on a CPU whose float multiply takes a microcode
 * assist for subnormals (Intel), the kernel's float64 path for them (nearUnderflow32) is what
 * keeps the later rows near the first.
 *
 *   node scripts/bench-adam-underflow.mjs      (after npm run build; NNLAB_THREADS=1 for one thread)
 */
import { performance } from 'node:perf_hooks';
import { Matrix } from '../dist/nn/matrix.js';
import { adam } from '../dist/nn/optim.js';
import { kernels } from '../dist/kernels/index.js';

const rows = 784, cols = 100, n = rows * cols;
const resident = { take: (f32, k) => (f32 ? kernels.alloc32(k) : kernels.alloc(k)) };
const matrix = () => new Matrix(rows, cols, kernels.alloc32(n), resident);
console.log(`Node ${process.version}, NNLAB_THREADS=${process.env.NNLAB_THREADS ?? '(default)'}: Adam's float32 update of a ${rows}×${cols} weight, µs per step, best of 5 rounds of 200 steps`);
for (const deadShare of [0, 0.01, 0.1, 0.3, 1]) {
  const W = matrix(), G = matrix();
  for (let i = 0; i < n; i++) W.data[i] = Math.sin(i) * 0.05;
  const config = {};
  adam(W, G, config); // creates the moments (resident, as the Solver's)
  const deadColumns = Math.round(deadShare * cols);
  for (let i = 0; i < n; i++) {
    const dead = i % cols < deadColumns;
    G.data[i] = dead ? 0 : Math.cos(i) * 1e-3;
    config.m.data[i] = dead ? 2 ** -149 : 1e-4;
    config.v.data[i] = dead ? 1e-12 : 1e-7;
  }
  config.t = 1000;
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let s = 0; s < 200; s++) adam(W, G, config);
    best = Math.min(best, (performance.now() - t0) / 200);
  }
  console.log(`  ${String(deadColumns).padStart(3)} of ${cols} columns dead: ${(best * 1000).toFixed(1)} µs per step`);
}
