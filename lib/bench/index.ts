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
  forceThreadSharing, kernelBackend, kernelThreadCount, setKernelBackend, wasmAvailable, type KernelBackend,
} from '../kernels/index.js';
import { threadSharingStats } from '../kernels/wasm.js';
import { writeFileAtomic } from '../util/io.js';
import { DTYPES, type DType } from '../nn/matrix.js';
import { checkWorkload, makeWorkload, MODEL_NAMES, WORKLOAD, type ModelName, type Workload } from './workload.js';
import { mustBeOneOf, mustBePositiveInteger } from '../util/validate.js';
import { benchModel, profileEpoch, type EpochProfile, type NnlabRecord } from './nnlab.js';
import { EvalWorkspace } from '../fast/eval_workspace.js';
import { fusedUnavailableReason, numericsMode, NUMERICS_MODES, PROFILE_CATEGORIES, setNumerics, type Numerics } from '../kernels/index.js';
import { benchTfjsModel, loadTfjs, type TfjsHandle, type TfjsRecord } from './tfjs.js';
import { benchKernels, numpyKernelScript, PRODUCT_FORMS, KERNEL_SHAPES, MODEL_SHAPES, type KernelRecord } from './gflops.js';
import type { CpuInfo } from './cpu.js';
import {
  DEFAULT_REFERENCE, describeBlas, findPython, runPythonKernels, runReference, type BlasLibrary, type ReferenceRecord, type ReferenceResult,
} from './reference.js';
import { cpuInfo, describeCpu } from './cpu.js';
import { runGridBench, type GridOptions, type GridResult } from './grid.js';

export { DEFAULT_REFERENCE } from './reference.js';

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
   * when the kernels have more than one; null otherwise.
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

function nnlabVersion(): string {
  return process.env.npm_package_version ?? 'dev';
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
  const before = threadSharingStats();
  const counts = before && { shared: before.shared, alone: before.alone };
  const r = benchModel(data, model, batch, dtype, evaluation);
  const after = threadSharingStats();
  const threadChoice = counts && after ? { shared: after.shared - counts.shared, alone: after.alone - counts.alone } : null;
  log(`[nnlab] ${what}: epoch ${r.epochS.toFixed(3)}s (${r.samplesPerS.toFixed(0)} samples/s${r.extrapolated ? ', extrapolated' : ''}), ` +
    `infer ${r.inferSamplesPerS.toFixed(0)} samples/s, loss ${r.lastLoss.toFixed(3)}${threadChoice ? `; ${describeChoice(threadChoice)}` : ''}`);
  const one = kernelThreadCount() > 1 ? await benchOneThread(data, model, batch, dtype, evaluation) : null;
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

/** The row again with every large job kept on the main thread (the helper idle, as NNLAB_THREADS=1 has none). */
async function benchOneThread(data: Workload, model: ModelName, batch: number, dtype: DType, evaluation: EvalWorkspace | undefined): Promise<NnlabRecord> {
  await settleMemory();
  forceThreadSharing(false);
  try {
    return benchModel(data, model, batch, dtype, evaluation);
  } finally {
    forceThreadSharing(null);
  }
}

/** "2 threads on 40% of large jobs" (or all, or none). */
function describeChoice(c: { shared: number; alone: number }): string {
  const total = c.shared + c.alone;
  if (total === 0) return 'no job large enough to share';
  if (c.shared === 0) return '1 thread on every large job';
  return `${kernelThreadCount()} threads on ${c.shared === total ? 'every' : `${(100 * c.shared / total).toFixed(0)}% of`} large job${c.shared === total ? '' : 's'}`;
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

// ---------------------------------------------------------------------------------------------
// The terminal report: markdown tables.
// ---------------------------------------------------------------------------------------------

/** A markdown table: the first `textCols` columns left-aligned, the numbers right-aligned. */
function table(header: string[], rows: string[][], textCols = 2): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i < textCols ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i < textCols ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|') + '|';
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const fixed = (x: number, d: number) => x.toFixed(d);
const count = (x: number) => Math.round(x).toLocaleString('en-US');

/** The result as markdown: the training table, then the kernel table. */
export function formatBench(r: BenchResult): string {
  const star = (e: boolean) => (e ? '*' : '');
  const ratio = (x: number | null) => (x !== null ? fixed(x, 2) : '–');
  const seconds = (x: ReferenceRecord | null) => (x ? fixed(x.epoch_s, 3) + star(x.extrapolated) : '–');
  const train = table(
    ['model', 'batch', 'dtype', 'numerics', 'nnlab s/epoch', 'NumPy s/epoch', 'ratio', 'NumPy f64 s/epoch', 'ratio to f64', 'tfjs s/epoch', 'tfjs / nnlab', 'nnlab infer/s', 'NumPy infer/s', 'infer ratio'],
    r.rows.map((row) => [
      row.model, String(row.batch), row.dtype, numericsOf(row),
      fixed(row.nnlab.epochS, 3) + star(row.nnlab.extrapolated),
      seconds(row.numpy), ratio(row.trainRatio),
      seconds(row.numpyF64), ratio(row.trainRatioF64),
      row.tfjs ? fixed(row.tfjs.epochS, 3) + star(row.tfjs.extrapolated) : '–',
      row.tfjsSpeedup !== null ? fixed(row.tfjsSpeedup, 1) + '×' : '–',
      count(row.nnlab.inferSamplesPerS),
      row.numpy ? count(row.numpy.infer_samples_per_s) : '–',
      ratio(row.inferRatio),
    ]),
    4,
  );
  // One kernel table per number type, with the 128-bit FMA ceiling of this CPU beside it.
  const cpu = r.env.cpu as CpuInfo | undefined;
  const kernels = DTYPES.filter((d) => r.kernels.some((k) => (k.dtype ?? 'float64') === d)).map((dtype) => {
    const ofType = r.kernels.filter((k) => (k.dtype ?? 'float64') === dtype);
    const systems = [...new Set(ofType.map((k) => k.system))];
    const ceiling = cpu?.ceiling?.[dtype] ?? null;
    // The share of the 1-core ceiling, for each system on one thread (each numerics mode).
    const oneThreadSystems = systems.filter((s) => s.endsWith(' 1 thread'));
    if (oneThreadSystems.length === 0) oneThreadSystems.push(systems[0]);
    const shapes = [...new Map(ofType.map((k) => [k.shape.join('×'), k.shape])).values()];
    const kernelRows: string[][] = [];
    for (const [N, D, M] of shapes) {
      for (const form of PRODUCT_FORMS) {
        const find = (s: string) => ofType.find((x) => x.system === s && x.form === form && x.shape.join() === [N, D, M].join());
        const cells = systems.map((s) => (find(s) ? fixed(find(s)!.gflops, 1) : '–'));
        const shareOfCeiling = (s: string) => { const mine = find(s); return mine ? fixed(100 * mine.gflops / ceiling!, 0) : '–'; };
        kernelRows.push([`${N}×${D}×${M}`, form, ...cells, ...(ceiling !== null ? oneThreadSystems.map(shareOfCeiling) : [])]);
      }
    }
    const ceilingLine = ceiling !== null
      ? `Ceiling of 128-bit SIMD with FMA on this CPU, ${dtype}: ${fixed(ceiling, 1)} GFLOP/s per core, ${fixed(ceiling * (cpu!.cores), 1)} on its ${cpu!.cores} cores (${cpu!.ceiling.derivation}). ` +
        `NumPy's BLAS is not bound by it: its ${cpu!.avx512 ? '512-bit (AVX-512) kernels have up to 4×' : '256-bit (AVX2) kernels have 2×'} it.`
      : `Ceiling of 128-bit SIMD with FMA on this CPU: ${cpu?.ceiling?.derivation ?? 'unknown'}.`;
    return `${dtype} products:\n\n` + table(['N×D×M', 'product', ...systems.map((s) => `${s} GFLOP/s`), ...(ceiling !== null ? oneThreadSystems.map((s) => `${s} % of 1-core ceiling`) : [])], kernelRows) + '\n\n' + ceilingLine;
  }).join('\n\n');
  const profile = table(
    ['model', 'batch', 'dtype', 'numerics', 'epoch ms', ...PROFILE_CATEGORIES.map((c) => `${c} %`), 'other %'],
    r.rows.map((row) => [
      row.model, String(row.batch), row.dtype, numericsOf(row), fixed(row.profile.epochMs, 1),
      ...[...PROFILE_CATEGORIES, 'other' as const].map((c) => fixed(100 * row.profile.share[c], 1)),
    ]),
    4,
  );
  const oneThreadRows = r.rows.filter((row) => row.nnlabOneThread !== null);
  const threads = oneThreadRows.length === 0 ? [] : [
    `Threads: the default (${r.env.kernelThreads} threads, each large job shape shared only where measured to pay, see lib/kernels/choose.ts) against one thread (every job on the main thread, as NNLAB_THREADS=1), same run:`,
    '',
    table(
      ['model', 'batch', 'dtype', 'numerics', 'default s/epoch', '1 thread s/epoch', 'default ÷ 1 thread', 'default infer/s', '1 thread infer/s', 'infer default ÷ 1 thread', 'the default chose'],
      oneThreadRows.map((row) => [
        row.model, String(row.batch), row.dtype, numericsOf(row),
        fixed(row.nnlab.epochS, 3) + star(row.nnlab.extrapolated), fixed(row.nnlabOneThread!.epochS, 3) + star(row.nnlabOneThread!.extrapolated),
        ratio(row.threadRatio), count(row.nnlab.inferSamplesPerS), count(row.nnlabOneThread!.inferSamplesPerS), ratio(row.inferThreadRatio),
        row.threadChoice ? describeChoice(row.threadChoice) : '–',
      ]),
      4,
    ),
    '',
    'default ÷ 1 thread above 1.00: that row ran slower with the default than on one thread.',
    '',
  ];
  const header = `nnlab bench — ${r.env.node}, kernels ${r.env.kernels} (${r.env.kernelThreads ?? 1} thread(s), numerics ${r.env.numerics ?? 'exact'}), CPU: ${r.env.cpuLine ?? `${r.env.cpus} CPUs (${r.env.cpuModel})`}; load average ${[r.env.loadavgAtStart, r.env.loadavgAtEnd].map((l) => (l as number[] | undefined)?.[0]?.toFixed(2) ?? '?').join(' → ')}; numerics of the rows: ${r.numericsStatus ?? r.env.numerics ?? 'exact'}; NumPy reference: ${r.referenceStatus}; TensorFlow.js: ${r.tfjsStatus ?? 'not run'}`;
  const perModel = r.rows.length === 0 ? [] : [
    train,
    '',
    'ratio = nnlab time / NumPy time in the same dtype; ratio to f64 = nnlab time / NumPy float64 time (below 1.00: nnlab faster); tfjs / nnlab = TensorFlow.js (wasm, float32) time / nnlab time; infer ratio = nnlab time / NumPy time for inference at batch 1024 (scores of the whole workload), same dtype; all in the same run. * = extrapolated from part of an epoch (time cap BENCH_CAP_S).',
    '',
    r.rows.map(verdict).join('\n'),
    '',
    ...threads,
    `Where one epoch goes (${r.rows[0]?.profile.setup ?? 'no rows'}), from the kernels' own timers; evaluation = the accuracy checks, other = JavaScript between the kernels:`,
    '',
    profile,
    '',
  ];
  const kernelPart = r.kernels.length === 0 ? [] : [
    kernels,
    '',
    'forward = x·W (N×D)·(D×M); weightGrad = xᵀ·dout; inputGrad = dout·Wᵀ; 2·N·D·M flops each.',
  ];
  return [header, '', ...perModel, ...kernelPart, ...(r.grid ? ['', formatGrid(r.grid)] : [])].join('\n');
}

/** A row's numerics mode (`exact` for a JSON file from before the modes). */
function numericsOf(row: BenchRow): Numerics {
  return row.numerics ?? 'exact';
}

/** The grid side by side: wall times and ratios, then the time per kind of configuration. */
export function formatGrid(g: GridResult): string {
  const engines = g.references.map((ref) => ref.engine);
  const name = (e: string) => (e === 'numpy' ? 'NumPy' : e === 'torch' ? 'PyTorch' : e);
  const walls = table(
    ['system', 'version', 'wall s', 'nnlab ÷ it'],
    [['nnlab', `nnlab ${nnlabVersion()}, ${g.dtype}, ${g.numerics ?? 'exact'}`, fixed(g.nnlab_wall_s, 1), '–'],
      ...g.references.map((ref) => [name(ref.engine), `${ref.version}, ${g.dtype}`, fixed(ref.wall_s, 1), fixed(ref.ratio, 2)])],
  );
  const kinds = table(
    ['kind', 'configs', 'nnlab s', ...engines.flatMap((e) => [`${name(e)} s`, `nnlab ÷ ${name(e)}`])],
    g.per_kind.map((k) => [k.kind, String(k.configs), fixed(k.nnlab_s, 2),
      ...engines.flatMap((e) => [fixed(k.references[e], 2), fixed(k.nnlab_s / k.references[e], 2)])]),
  );
  const statuses = Object.entries(g.referenceStatus).map(([e, s]) => `${name(e)}: ${s}`).join('; ');
  return [
    `The report's grid: ${g.runs} runs (${g.configs} configurations × ${g.seeds} seeds, ${g.epochs} epochs, ${g.dtype}) on ${g.workers} worker(s) of one thread each; references: ${statuses}${g.diverged ? `; ${g.diverged} nnlab run(s) diverged and stopped early` : ''}`,
    '',
    walls,
    '',
    'Time per kind of configuration (the sum over its configurations of the mean run time over the seeds, training and accuracy checks, without start-up):',
    '',
    kinds,
  ].join('\n');
}

/** The profile of one epoch in one line: each category's share in percent. */
export function formatShares(p: EpochProfile): string {
  return [...PROFILE_CATEGORIES, 'other' as const].map((c) => `${c} ${(100 * p.share[c]).toFixed(1)}%`).join(', ') + ` of ${p.epochMs.toFixed(1)} ms`;
}

/**
 * One line per row: how nnlab's training compares with NumPy's in the same number type, and
 * its inference; a row slower than NumPy says what share of its epoch the products take (the
 * part two-lane SIMD bounds, see assembly/gemm.ts) against the rest.
 */
export function verdict(row: BenchRow): string {
  const head = `${row.model} b${row.batch} ${row.dtype} ${numericsOf(row)}:`;
  const word = (ratio: number) => (ratio <= 1 ? 'faster' : 'slower');
  if (row.trainRatio === null) return `${head} no NumPy figure (reference not run)`;
  let line = `${head} ${row.trainRatio.toFixed(2)}× NumPy ${row.dtype} — ${word(row.trainRatio)}`;
  if (row.trainRatio > 1) {
    const s = row.profile.share;
    line += ` (products ${(100 * s.products).toFixed(0)}% of the epoch, the rest outside them ${(100 * (1 - s.products - s.evaluation)).toFixed(0)}%)`;
  }
  if (row.inferRatio !== null) line += `; inference ${row.inferRatio.toFixed(2)}× — ${word(row.inferRatio)}`;
  return line;
}
