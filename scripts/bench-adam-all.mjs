/**
 * Times Adam's update alone: optim.ts's adam per parameter against lib/fast/adam_all.ts's one
 * call (assembly/adam.ts's adamAll), on the 32 resident float32 parameters of a net of 15 hidden
 * layers of 10 (the fast engine's case), µs per step, best of 7 rounds of 300 steps.
 *
 *   node scripts/bench-adam-all.mjs            (after npm run build)
 *
 * For its effect on whole grid jobs and epoch profiles against another build, see
 * scripts/ab-builds.mjs.
 */
import { performance } from 'node:perf_hooks';
import { Matrix } from '../dist/nn/matrix.js';
import { adam } from '../dist/nn/optim.js';
import { adamAll } from '../dist/fast/adam_all.js';
import { kernels } from '../dist/kernels/index.js';

const resident = { take: (f32, n) => (f32 ? kernels.alloc32(n) : kernels.alloc(n)) };
const widths = [784, ...Array(15).fill(10), 12];
const P = {}, G = {}, perParameter = {}, oneCall = {};
const matrix = (r, c) => {
  const m = new Matrix(r, c, kernels.alloc32(r * c), resident);
  for (let i = 0; i < m.data.length; i++) m.data[i] = ((i * 7919) % 2003) / 2003 - 0.5;
  return m;
};
widths.slice(1).forEach((o, i) => { P[`W${i + 1}`] = matrix(widths[i], o); P[`b${i + 1}`] = matrix(1, o); });
// A first step each, through adam: it creates the moments (the one call takes over from step 2).
for (const k of Object.keys(P)) {
  G[k] = matrix(P[k].rows, P[k].cols);
  adam(P[k], G[k], (perParameter[k] = {}));
  adam(P[k], G[k], (oneCall[k] = {}));
}
const best = { perParameter: Infinity, oneCall: Infinity };
for (let round = 0; round < 7; round++) {
  let t0 = performance.now();
  for (let i = 0; i < 300; i++) for (const k of Object.keys(P)) adam(P[k], G[k], perParameter[k]);
  best.perParameter = Math.min(best.perParameter, (performance.now() - t0) / 300 * 1000);
  t0 = performance.now();
  for (let i = 0; i < 300; i++) if (!adamAll(P, G, oneCall)) throw new Error('bench-adam-all: adamAll declined');
  best.oneCall = Math.min(best.oneCall, (performance.now() - t0) / 300 * 1000);
}
console.log(`Node ${process.version}, NNLAB_THREADS=${process.env.NNLAB_THREADS ?? '(default)'}: Adam's update of 32 float32 parameters (15×[10] net), µs per step, best of 7: ` +
  `per parameter ${best.perParameter.toFixed(1)}, one call ${best.oneCall.toFixed(1)}`);
