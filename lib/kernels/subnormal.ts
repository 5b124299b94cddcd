/**
 * Whether this CPU makes float32 arithmetic on subnormal numbers slow, measured once at load.
 *
 * Why: the `exact` float32 kernels can form the products and quotients that may meet a
 * subnormal in float64 instead, with the same bits (assembly/tiny.ts). That detour pays where a
 * subnormal operand or result costs a microcode assist: on an Intel Sapphire Rapids f32x4.mul
 * took about 9 ns per element with subnormals against 0.12 without (75 times). Where it costs
 * little the detour is a loss: on an AMD Zen 4 (EPYC, family 25 model 17) this probe's ratio
 * was 0.8–2.1 in ten processes, and with the detour forced on, `nnlab bench` inferred with the
 * batch-32 float32 models (whose dead units' weights L2 had decayed) 2.7 (M2) and 2.9 (M3)
 * times slower: 64,638 samples/s against 174,530, and 21,102 against 60,669. So the kernels take
 * it only where this probe finds the assist.
 *
 * The probe times assembly/tiny.ts's subnormalCost32 (a throughput-bound loop of f32x4.mul)
 * on normal and on subnormal values in turn, best of five runs each after a warm-up: well
 * under a millisecond in all without the assist, a few with it. Only the speed depends on its answer, never the bits.
 */
import { performance } from 'node:perf_hooks';

/** The probe's result: the detour is taken when the subnormal loop is at least this many times slower. */
export const SUBNORMAL_COST_THRESHOLD = 8;

export interface SubnormalProbe {
  /** Time of the subnormal loop ÷ that of the normal one (best of RUNS each). */
  costRatio: number;
  /** costRatio ≥ SUBNORMAL_COST_THRESHOLD. */
  slow: boolean;
}

/** What the probe needs: the kernel and 16 KB of scratch memory it may overwrite. */
export interface SubnormalProbeTarget {
  subnormalCost32(at: number, vectors: number, reps: number, factor: number): number;
  /** A float32 view of the module's memory, and the byte offset of the scratch in it. */
  heap32: Float32Array;
  scratch: number;
}

const VECTORS = 1024, REPS = 16, RUNS = 5, WARM_UPS = 3;

/** Times the loop on normal and on subnormal values, in turn (see the header). */
export function probeSubnormalCost({ subnormalCost32, heap32, scratch }: SubnormalProbeTarget): SubnormalProbe {
  const values = heap32.subarray(scratch / 4, scratch / 4 + VECTORS * 4);
  // 1.5·0.5 is normal; 1e-40 is subnormal, and so is its product with 0.5.
  const time = (value: number): number => {
    values.fill(value);
    const start = performance.now();
    subnormalCost32(scratch, VECTORS, REPS, 0.5);
    return performance.now() - start;
  };
  for (let run = 0; run < WARM_UPS; run++) time(1.5); // let V8 compile the loop's optimised code
  let normal = Infinity, subnormal = Infinity;
  for (let run = 0; run < RUNS; run++) {
    normal = Math.min(normal, time(1.5));
    subnormal = Math.min(subnormal, time(1e-40));
  }
  const costRatio = subnormal / Math.max(normal, 1e-6);
  return { costRatio, slow: costRatio >= SUBNORMAL_COST_THRESHOLD };
}

/** One line for the bench's header: whether the detour is taken, and why. */
export function describeSubnormalPath(path: { on: boolean; costRatio: number | null; forced: boolean }): string {
  const taken = path.on ? 'detoured through float64 (assembly/tiny.ts)' : 'no detour';
  const measured = path.costRatio === null ? 'not measured' : `a subnormal f32x4.mul took ${path.costRatio.toFixed(1)}× a normal one here`;
  const why = path.forced ? 'forced (NNLAB_SUBNORMAL_PATH or setSubnormalPath)' : `threshold ${SUBNORMAL_COST_THRESHOLD}×`;
  return `${taken}; ${measured}; ${why}`;
}
