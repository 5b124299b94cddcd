/**
 * The timing protocol of the NumPy reference (../shared/bench/workload.py), ported line for
 * line so that both sides are measured the same way: untimed probe minibatches, one warm-up
 * epoch, the median of 3 timed epochs; and, for a system too slow to finish an epoch within
 * a time cap, the first k minibatches of each epoch, extrapolated by sample count.
 */
import { performance } from 'node:perf_hooks';
import { WORKLOAD } from './workload.js';

/** Time budget for one measured run (warm-up or timed epoch), as BENCH_CAP_S in workload.py. */
function capSeconds(): number {
  const v = Number(process.env.BENCH_CAP_S ?? '3.0');
  return Number.isFinite(v) && v > 0 ? v : 3.0;
}

const MIN_BATCHES = 8;
const INFER_REPS = 5;

export interface TrainTiming {
  epochS: number;
  samplesPerS: number;
  epochSRuns: number[];
  extrapolated: boolean;
  measuredBatches: number;
  totalBatches: number;
  lastLoss: number;
}

export interface InferTiming {
  inferS: number;
  inferSamplesPerS: number;
  inferExtrapolated: boolean;
  inferMeasuredSamples: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/**
 * runBatches(epoch, k) runs the first k minibatches of a freshly shuffled epoch and returns
 * the last loss.
 */
export function benchTrain(runBatches: (epoch: number, k: number) => number, batch: number): TrainTiming {
  return benchTrainInTurn(runBatches, batch, [() => {}])[0];
}

/**
 * benchTrain for several settings of one system (say: kernel jobs shared between threads or
 * not), timed in turn: each setting's warm-up epoch, then the timed epochs setting by setting,
 * so that a drift in the machine's speed (other tenants, clocks) weighs on every setting alike
 * instead of on whichever ran last. `settings[i]()` switches to setting i; one timing comes
 * back per setting, in that order. The probe runs under the first setting.
 */
export function benchTrainInTurn(runBatches: (epoch: number, k: number) => number, batch: number, settings: Array<() => void>): TrainTiming[] {
  const n = WORKLOAD.nSamples;
  const cap = capSeconds();
  const nb = Math.ceil(n / batch);
  // Probe: a few batches after an untimed first call that absorbs one-time costs (JIT
  // compilation here, BLAS thread start-up there), to decide whether a full epoch fits the cap.
  const pb = Math.min(MIN_BATCHES, nb);
  settings[0]();
  runBatches(-2, pb);
  let t0 = performance.now();
  runBatches(-1, pb);
  const probe = seconds(t0) / pb;
  const k = probe * nb <= 1.5 * cap ? nb : Math.max(MIN_BATCHES, Math.floor(cap / probe));
  for (const use of settings) { use(); runBatches(0, k); } // warm-up epochs
  const times: number[][] = settings.map(() => []);
  const losses = settings.map(() => Number.NaN);
  for (let e = 0; e < WORKLOAD.timedEpochs; e++) {
    settings.forEach((use, i) => {
      use();
      t0 = performance.now();
      losses[i] = runBatches(e + 1, k);
      times[i].push(seconds(t0));
    });
  }
  const samples = k === nb ? n : k * batch;
  const scale = n / samples;
  return times.map((runs, i) => {
    const med = median(runs) * scale;
    return {
      epochS: med,
      samplesPerS: n / med,
      epochSRuns: runs.map((t) => t * scale),
      extrapolated: k < nb,
      measuredBatches: k,
      totalBatches: nb,
      lastLoss: losses[i],
    };
  });
}

/** runInfer(limit) forwards the first `limit` samples in batches of 1024. */
export function benchInfer(runInfer: (limit: number) => void): InferTiming {
  return benchInferInTurn(runInfer, [() => {}])[0];
}

/** benchInfer for several settings timed in turn, as benchTrainInTurn. */
export function benchInferInTurn(runInfer: (limit: number) => void, settings: Array<() => void>): InferTiming[] {
  const n = WORKLOAD.nSamples, ib = WORKLOAD.inferenceBatch;
  const cap = capSeconds();
  const probeN = Math.min(n, ib);
  settings[0]();
  runInfer(probeN);
  let t0 = performance.now();
  runInfer(probeN);
  const perSample = seconds(t0) / probeN;
  const limit = perSample * n <= 1.5 * cap ? n : Math.max(ib, Math.floor(cap / perSample / ib) * ib);
  for (const use of settings) { use(); runInfer(limit); }
  const times: number[][] = settings.map(() => []);
  for (let r = 0; r < INFER_REPS; r++) {
    settings.forEach((use, i) => {
      use();
      t0 = performance.now();
      runInfer(limit);
      times[i].push(seconds(t0));
    });
  }
  return times.map((runs) => {
    const med = (median(runs) * n) / limit;
    return { inferS: med, inferSamplesPerS: n / med, inferExtrapolated: limit < n, inferMeasuredSamples: limit };
  });
}
