/**
 * `nnlab bench`: nnlab against the NumPy reference on the report workload, in one run.
 *
 * For each model the reference runs first (a Python subprocess, both batch sizes), then nnlab;
 * interleaving by model keeps the two sides close in time, because timings on a shared
 * 2-core machine drift from minute to minute. Ratios are nnlab time / NumPy time: below 1.0
 * nnlab is faster.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import {
  forceThreadSharing, fusedUnavailableReason, kernelBackend, kernelThreadCount, numericsMode, NUMERICS_MODES, setKernelBackend, setNumerics,
  wasmAvailable, type KernelBackend, type Numerics,
} from '../kernels/index.js';
import { subnormalPath, threadSharingStats } from '../kernels/wasm.js';
import { describeSubnormalPath } from '../kernels/subnormal.js';
import { writeFileAtomic } from '../util/io.js';
import { DTYPES, type DType } from '../nn/matrix.js';
import { checkWorkload, makeWorkload, MODEL_NAMES, WORKLOAD, type ModelName, type Workload } from './workload.js';
import { mustBeOneOf, mustBePositiveInteger } from '../util/validate.js';
import { benchModel, benchModelInTurn, profileEpoch, type NnlabRecord } from './nnlab.js';
import { EvalWorkspace } from '../fast/eval_workspace.js';
import { benchTfjsModel, loadTfjs, type TfjsHandle, type TfjsRecord } from './tfjs.js';
import { benchKernels, numpyKernelScript, KERNEL_SHAPES, MODEL_SHAPES, type KernelRecord } from './gflops.js';
import {
  DEFAULT_REFERENCE, describeBlas, findPython, runPythonKernels, runReference, type BlasLibrary, type ReferenceResult,
} from './reference.js';
import { cpuInfo, describeCpu } from './cpu.js';
import { runGridBench, type GridOptions } from './grid.js';
import { nnlabVersion, type BenchResult, type BenchRow } from './result.js';
import { describeChoice, formatShares } from './format.js';

export { DEFAULT_REFERENCE } from './reference.js';
export type { BenchResult, BenchRow } from './result.js';
export { formatBench, formatGrid, formatShares, verdict } from './format.js';

export interface BenchOptions {
  models: ModelName[];
  batches: number[];
  /** Number types nnlab trains in (default float64 and float32); NumPy runs in each as well. */
  dtypes?: DType[];
  /** Path of numpy_mlp.py, or null to run nnlab alone. */
  reference: string | null;
  /** Also time TensorFlow.js's WebAssembly backend (default true; skipped if not installed). */
  tfjs?: boolean;
  /** Where to write every figure as JSON. */
  json?: string;
  /** Also time the report's whole grid in nnlab and the references (lib/bench/grid.ts); absent: not. */
  grid?: Omit<GridOptions, 'log'>;
  /** Time the products' GFLOP/s (default true). */
  kernels?: boolean;
  /**
   * Numerics modes the per-model rows and the products run in (default both, `exact` then
   * `fused`); a mode this machine cannot run is left out and `numericsStatus` says why.
   */
  numerics?: Numerics[];
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}


/** Runs the whole benchmark; returns every figure (also written to options.json). */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const dtypes = options.dtypes ?? [...DTYPES];
  checkBenchOptions(options, dtypes);
  const loadAtStart = loadavg();
  const data = checkedWorkload(log);
  const reference = findReference(options.reference);
  log(`[nnlab] NumPy reference: ${reference.status}`);
  const tfjs = await findTfjs(options.tfjs !== false);
  log(`[nnlab] TensorFlow.js: ${tfjs.status}`);
  log(`[nnlab] kernels: ${kernelBackend()}, ${kernelThreadCount()} thread(s)${wasmAvailable().ok ? '' : ` (WebAssembly unavailable: ${wasmAvailable().reason})`}`);

  log(`[nnlab] float32 values near underflow: ${describeSubnormalPath(subnormalPath())}`);
  const modes = runnableModes(options.numerics ?? [...NUMERICS_MODES]);
  log(`[nnlab] numerics: ${modes.status}`);
  const rows: BenchRow[] = [];
  const referenceRuns: ReferenceResult[] = [];
  // One evaluation workspace per number type for the whole run: each copies the workload into
  // the kernels' memory once, and every model's inference reads that copy.
  const evaluations = new Map(dtypes.map((d) => [d, new EvalWorkspace()]));
  for (const model of options.models) {
    const refs = runReferenceFor(model, dtypes, reference, data);
    referenceRuns.push(...refs.values());
    rows.push(...await benchModelRows(model, options.batches, dtypes, modes.run, data, refs, tfjs.handle, evaluations, log));
  }
  let kernels: KernelRecord[] = [];
  if (options.kernels !== false) {
    log('[nnlab] kernel GFLOP/s…');
    kernels = benchAllKernels(dtypes, modes.run, reference.python);
  }
  const grid = options.grid ? await runGridBench({ ...options.grid, log }) : null;

  const result: BenchResult = {
    system: 'nnlab',
    env: benchEnvironment(loadAtStart, reference, tfjs.handle),
    dataCheck: data.check,
    referenceStatus: reference.status,
    tfjsStatus: tfjs.status,
    numericsStatus: modes.status,
    rows,
    kernels,
    reference: referenceRuns,
    grid,
  };
  if (options.json) {
    mkdirSync(dirname(resolve(options.json)), { recursive: true });
    writeFileAtomic(options.json, JSON.stringify(result, null, 1) + '\n');
    log(`[nnlab] wrote ${options.json}`);
  }
  return result;
}

/** Refuses unknown models and dtypes and batch sizes below 1 before anything is timed. */
function checkBenchOptions(options: BenchOptions, dtypes: readonly DType[]): void {
  options.models.forEach((m, i) => mustBeOneOf(`runBench: models[${i}]`, m, MODEL_NAMES));
  options.batches.forEach((b, i) => mustBePositiveInteger(`runBench: batches[${i}]`, b));
  dtypes.forEach((d, i) => mustBeOneOf(`runBench: dtypes[${i}]`, d, DTYPES));
}

/** The shared workload, refused unless it matches its published check values (so every system trains on the same numbers). */
function checkedWorkload(log: (line: string) => void): Workload {
  const data = makeWorkload();
  const problems = checkWorkload(data.check);
  if (problems.length > 0) throw new Error(`the workload data do not match their published check values: ${problems.join('; ')}`);
  log(`[nnlab] workload ${WORKLOAD.nSamples}x${WORKLOAD.inputDim}: check values match (sum X = ${data.check.xSum.toFixed(6)})`);
  return data;
}

/**
 * The modes asked for that can run here (`fused` needs the WebAssembly kernels and a fused
 * relaxed-SIMD madd, lib/kernels/fused.ts), and a line saying which ran and why any did not.
 */
function runnableModes(asked: readonly Numerics[]): { run: Numerics[]; status: string } {
  asked.forEach((m, i) => mustBeOneOf(`runBench: numerics[${i}]`, m, NUMERICS_MODES));
  const why = fusedUnavailableReason();
  const run = [...new Set(asked)].filter((m) => m === 'exact' || why === null);
  const left = asked.includes('fused') && why !== null ? `; fused not run: ${why}` : '';
  return { run, status: `${run.join(' and ')}${left}` };
}

/** Whether the NumPy reference can run, and if not, why not. */
interface ReferenceChoice {
  /** The reference script, or null when it will not run. */
  script: string | null;
  python: string | null;
  numpyVersion: string | null;
  blas: BlasLibrary[] | null;
  status: string;
}

function findReference(reference: string | null): ReferenceChoice {
  const none = (status: string): ReferenceChoice => ({ script: null, python: null, numpyVersion: null, blas: null, status });
  if (reference === null) return none('disabled (--no-reference)');
  const script = resolve(reference);
  if (!existsSync(script)) return none(`skipped: ${script} not found (use --reference PATH)`);
  const py = findPython();
  if (py.problem) return none(`skipped: ${py.problem}`);
  return {
    script, python: py.python, numpyVersion: py.numpy, blas: py.blas,
    status: `${script} with ${py.python} (NumPy ${py.numpy}, ${describeBlas(py.blas)}; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for it)`,
  };
}

/** TensorFlow.js when asked for and installed, and a line saying which. */
async function findTfjs(wanted: boolean): Promise<{ handle: TfjsHandle | null; status: string }> {
  if (!wanted) return { handle: null, status: 'disabled (--no-tfjs)' };
  const loaded = await loadTfjs();
  if ('problem' in loaded) return { handle: null, status: `skipped: ${loaded.problem}` };
  return { handle: loaded, status: `@tensorflow/tfjs-core ${loaded.version}, wasm backend` };
}

/**
 * The NumPy reference on one model, in float64 always (the targets are set against it) and in
 * every other dtype asked for; empty when the reference does not run.
 */
function runReferenceFor(model: ModelName, dtypes: readonly DType[], reference: ReferenceChoice, data: Workload): Map<DType, ReferenceResult> {
  const refs = new Map<DType, ReferenceResult>();
  if (reference.python === null || reference.script === null) return refs;
  for (const dtype of new Set<DType>(['float64', ...dtypes])) {
    const ref = runReference(reference.python, reference.script, [model], dtype);
    if (ref.data_check.x00 !== data.check.x00 || ref.data_check.y_hist.join() !== data.check.yHist.join()) {
      throw new Error('the NumPy reference generated different data from nnlab: the comparison would not be like for like');
    }
    refs.set(dtype, ref);
  }
  return refs;
}

/** nnlab (every dtype and numerics mode) and TensorFlow.js on one model at each batch size, beside the reference's figures. */
async function benchModelRows(
  model: ModelName, batches: readonly number[], dtypes: readonly DType[], modes: readonly Numerics[], data: Workload,
  refs: Map<DType, ReferenceResult>, tfjs: TfjsHandle | null, evaluations: Map<DType, EvalWorkspace>, log: (line: string) => void,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const batch of batches) {
    const tf = tfjs ? benchTfjsModel(tfjs, data, model, batch) : null;
    if (tf) log(`[tfjs-wasm] ${model} b=${batch}: epoch ${tf.epochS.toFixed(3)}s${tf.extrapolated ? ' (extrapolated)' : ''}, infer ${tf.inferSamplesPerS.toFixed(0)} samples/s, loss ${tf.lastLoss.toFixed(3)}`);
    for (const dtype of dtypes) {
      for (const numerics of modes) {
        const before = numericsMode();
        setNumerics(numerics);
        try {
          rows.push(await benchModelRow(model, batch, dtype, data, refs, tf, evaluations.get(dtype), log));
        } finally {
          setNumerics(before);
        }
      }
    }
  }
  return rows;
}

/** One row: nnlab on one model, batch size and dtype in the numerics mode that is set, by default and on one thread, and its epoch's profile. */
async function benchModelRow(
  model: ModelName, batch: number, dtype: DType, data: Workload, refs: Map<DType, ReferenceResult>, tf: TfjsRecord | null,
  evaluation: EvalWorkspace | undefined, log: (line: string) => void,
): Promise<BenchRow> {
  const numerics = numericsMode();
  const what = `${model} b=${batch} ${dtype} ${numerics}`;
  const find = (type: DType) => refs.get(type)?.records.find((x) => x.model === model && x.batch === batch) ?? null;
  await settleMemory();
  const { byDefault: r, oneThread: one, threadChoice } = benchThreadSettings(data, model, batch, dtype, evaluation);
  log(`[nnlab] ${what}: epoch ${r.epochS.toFixed(3)}s (${r.samplesPerS.toFixed(0)} samples/s${r.extrapolated ? ', extrapolated' : ''}), ` +
    `infer ${r.inferSamplesPerS.toFixed(0)} samples/s, loss ${r.lastLoss.toFixed(3)}${threadChoice ? `; ${describeChoice(threadChoice)}` : ''}`);
  if (one) log(`[nnlab] ${what} on one thread: epoch ${one.epochS.toFixed(3)}s, infer ${one.inferSamplesPerS.toFixed(0)} samples/s`);
  await settleMemory();
  const profile = profileEpoch(data, model, batch, dtype);
  log(`[nnlab] ${what} profile: ${formatShares(profile)}`);
  const np = find(dtype), np64 = find('float64');
  return {
    model, batch, dtype, numerics, nnlab: r, numpy: np, numpyF64: np64,
    trainRatio: np ? r.epochS / np.epoch_s : null,
    trainRatioF64: np64 ? r.epochS / np64.epoch_s : null,
    inferRatio: np ? r.inferS / np.infer_s : null,
    tfjs: tf,
    tfjsSpeedup: tf ? tf.epochS / r.epochS : null,
    profile,
    nnlabOneThread: one,
    threadRatio: one ? r.epochS / one.epochS : null,
    inferThreadRatio: one ? r.inferS / one.inferS : null,
    threadChoice,
  };
}

/**
 * One model timed by default and with every large job kept on the main thread (the helper
 * idle, as NNLAB_THREADS=1 has none), epoch by epoch in turn (benchModelInTurn). Two runs one
 * after the other measured the machine's drift as much as the threads: on a shared virtual
 * machine, M1 at batch 32 (float32) gave default ÷ one thread = 1.75 that way, and from 0.87
 * to 1.10 in ten runs timed in turn. threadChoice counts the default's jobs
 * only: shared, and kept alone by the per-shape choice. With one thread there is no second
 * setting.
 */
function benchThreadSettings(data: Workload, model: ModelName, batch: number, dtype: DType, evaluation: EvalWorkspace | undefined): {
  byDefault: NnlabRecord; oneThread: NnlabRecord | null; threadChoice: { shared: number; alone: number } | null;
} {
  const workspace = evaluation ?? new EvalWorkspace();
  if (kernelThreadCount() <= 1) return { byDefault: benchModel(data, model, batch, dtype, workspace), oneThread: null, threadChoice: null };
  const threadChoice = { shared: 0, alone: 0 };
  let since: { shared: number; alone: number } | null = null;
  const stopCounting = () => {
    const now = threadSharingStats();
    if (since && now) { threadChoice.shared += now.shared - since.shared; threadChoice.alone += now.alone - since.alone; }
    since = null;
  };
  const byDefault = () => { stopCounting(); forceThreadSharing(null); const now = threadSharingStats(); since = now && { shared: now.shared, alone: now.alone }; };
  const oneThread = () => { stopCounting(); forceThreadSharing(false); };
  try {
    const [r, one] = benchModelInTurn(data, model, batch, dtype, workspace, [byDefault, oneThread]);
    return { byDefault: r, oneThread: one, threadChoice };
  } finally {
    stopCounting();
    forceThreadSharing(null);
  }
}


/**
 * Collects garbage and lets the finalizers run before a row, so that the resident blocks of the
 * rows before (parameters, optimiser state, workspaces: views of the WebAssembly memory, which V8
 * does not know hold megabytes, see freeResident in lib/kernels/wasm.ts) are free again and every
 * row starts from the same memory, as NumPy's reference counting frees its arrays at once.
 * Without it the resident area was full from M3 on (192 MB used after the M2 rows, measured), and
 * the later rows fell back to copying every operand in and out of the kernels.
 */
async function settleMemory(): Promise<void> {
  collectGarbage ??= exposeGc();
  collectGarbage();
  await new Promise((done) => setTimeout(done, 0));
  await new Promise((done) => setImmediate(done));
}
let collectGarbage: (() => void) | undefined;
/** V8's gc(), which node exposes only with --expose-gc: switched on here, for the bench alone. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * The products' GFLOP/s: nnlab's backend (one thread and all of them, in each numerics mode),
 * the TypeScript fallback, NumPy.
 */
function benchAllKernels(dtypes: readonly DType[], modes: readonly Numerics[], python: string | null): KernelRecord[] {
  const kernels: KernelRecord[] = [];
  const backend = kernelBackend();
  const threads = kernelThreadCount();
  const shapes = backend === 'wasm' ? [...KERNEL_SHAPES, ...MODEL_SHAPES] : KERNEL_SHAPES;
  const before = numericsMode();
  for (const dtype of dtypes) {
    for (const mode of modes) {
      // `exact` keeps the names of the bench's earlier output; `fused` says so in the system.
      const system = (threadCount: number) => `nnlab-${backend}${mode === 'exact' ? '' : ` ${mode}`} ${threadCount === 1 ? '1 thread' : `${threadCount} threads`}`;
      try {
        setNumerics(mode);
        if (threads > 1) {
          // One thread and all of them, each forced (training lets the kernels choose per shape).
          forceThreadSharing(false);
          kernels.push(...benchKernels(system(1), dtype, shapes));
          forceThreadSharing(true);
          kernels.push(...benchKernels(system(threads), dtype, shapes));
        } else {
          kernels.push(...benchKernels(system(1), dtype, shapes));
        }
      } finally {
        forceThreadSharing(null);
        setNumerics(before);
      }
    }
    // The fallback too, so the table shows what the WebAssembly kernels buy.
    if (backend === 'wasm') {
      setKernelBackend('js');
      try {
        kernels.push(...benchKernels('nnlab-js', dtype));
      } finally {
        setKernelBackend(backend as KernelBackend);
      }
    }
  }
  if (python !== null) kernels.push(...runPythonKernels(python, numpyKernelScript(dtypes, [...KERNEL_SHAPES, ...MODEL_SHAPES])));
  return kernels;
}

/** What the figures depend on: versions, backend, threads, the machine and its load. */
function benchEnvironment(loadAtStart: number[], reference: ReferenceChoice, tfjs: TfjsHandle | null): Record<string, unknown> {
  const cpu = cpuInfo();
  return {
    nnlab: nnlabVersion(),
    node: process.version,
    kernels: kernelBackend(),
    kernelThreads: kernelThreadCount(),
    /** The numerics mode that ran ('fused': products by relaxed-SIMD fused multiply-add). */
    numerics: numericsMode(),
    /** Whether the float32 kernels detoured values near underflow through float64, and the probe's cost ratio. */
    subnormalPath: subnormalPath(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpu,
    cpuLine: describeCpu(cpu),
    loadavgAtStart: loadAtStart,
    loadavgAtEnd: loadavg(),
    numpy: reference.numpyVersion,
    blas: reference.blas,
    blasKernel: reference.python !== null ? describeBlas(reference.blas) : null,
    /** The pinning variables as nnlab saw them; the reference ran without them (see reference.ts). */
    pinnedInOurEnv: { OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null, OPENBLAS_L2_SIZE: process.env.OPENBLAS_L2_SIZE ?? null },
    tfjs: tfjs?.version ?? null,
    capS: process.env.BENCH_CAP_S ?? '3.0',
  };
}
