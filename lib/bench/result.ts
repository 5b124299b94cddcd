/**
 * What `nnlab bench` measures, as its JSON file holds it: one row per model, batch size, number
 * type and numerics mode, the products' GFLOP/s, the references' runs and the grid. Shared by
 * the runner (lib/bench/index.ts) and the tables (lib/bench/format.ts).
 */
import type { DType } from '../nn/matrix.js';
import type { Numerics } from '../kernels/index.js';
import type { makeWorkload, ModelName } from './workload.js';
import type { EpochProfile, NnlabRecord } from './nnlab.js';
import type { TfjsRecord } from './tfjs.js';
import type { KernelRecord } from './gflops.js';
import type { ReferenceRecord, ReferenceResult } from './reference.js';
import type { GridResult } from './grid.js';

/** nnlab's version as the bench reports it (npm's, when run through an npm script). */
export function nnlabVersion(): string {
  return process.env.npm_package_version ?? 'dev';
}

export interface BenchRow {
  model: ModelName;
  batch: number;
  dtype: DType;
  /** How nnlab's products rounded in this row (see lib/kernels/index.ts); NumPy's are its own. */
  numerics: Numerics;
  nnlab: NnlabRecord;
  /** The NumPy reference in the same number type (like for like); null without the reference. */
  numpy: ReferenceRecord | null;
  /** The NumPy reference in float64: the report's original stack, which the targets are set against. */
  numpyF64: ReferenceRecord | null;
  /** nnlab epoch time / NumPy epoch time, same number type (below 1: nnlab faster). */
  trainRatio: number | null;
  /** nnlab epoch time / NumPy float64 epoch time. */
  trainRatioF64: number | null;
  /** nnlab inference time / NumPy inference time, same number type. */
  inferRatio: number | null;
  /** TensorFlow.js (wasm backend, float32) on the same model and batch size. */
  tfjs: TfjsRecord | null;
  /** TensorFlow.js epoch time / nnlab epoch time: how many times faster nnlab trains. */
  tfjsSpeedup: number | null;
  /** Where the time of one Solver epoch (accuracy checks included) goes, from the kernels' timers. */
  profile: EpochProfile;
  /**
   * The same row on one thread (every large job kept on the main thread, as NNLAB_THREADS=1),
   * timed in turn with the default, epoch by epoch (see benchThreadSettings in index.ts), when
   * the kernels have more than one; null otherwise.
   */
  nnlabOneThread: NnlabRecord | null;
  /** nnlab default epoch time / one-thread epoch time (above 1: the default lost), and the same for inference. */
  threadRatio: number | null;
  inferThreadRatio: number | null;
  /** What the default chose during the row: large jobs shared between threads and kept on one. */
  threadChoice: { shared: number; alone: number } | null;
}

export interface BenchResult {
  system: 'nnlab';
  env: Record<string, unknown>;
  dataCheck: ReturnType<typeof makeWorkload>['check'];
  referenceStatus: string;
  tfjsStatus: string;
  /** Which numerics modes the rows ran in, and why a mode asked for did not run. */
  numericsStatus: string;
  rows: BenchRow[];
  kernels: KernelRecord[];
  reference: ReferenceResult[];
  /** The whole grid side by side (--grid), or null. */
  grid: GridResult | null;
}
