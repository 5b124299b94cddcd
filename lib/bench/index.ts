/**
 * `nnlab bench`: nnlab against the NumPy reference on the report workload, in one run.
 *
 * For each model the reference runs first (a Python subprocess, both batch sizes), then nnlab;
 * interleaving by model keeps the two sides close in time, because timings on a shared
 * 2-core machine drift from minute to minute. Ratios are nnlab time / NumPy time: below 1.0
 * nnlab is faster.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import {
  forceThreadSharing, kernelBackend, kernelThreadCount, setKernelBackend, wasmAvailable, type KernelBackend,
} from '../kernels/index.js';
import { checkWorkload, makeWorkload, MODEL_NAMES, WORKLOAD, type ModelName } from './workload.js';
import { benchModel, type NnlabRecord } from './nnlab.js';
import { benchKernels, numpyKernelScript, PRODUCT_FORMS, KERNEL_SHAPES, type KernelRecord } from './gflops.js';
import {
  DEFAULT_REFERENCE, findPython, runPythonKernels, runReference, type ReferenceRecord, type ReferenceResult,
} from './reference.js';

export { DEFAULT_REFERENCE } from './reference.js';

export interface BenchOptions {
  models: ModelName[];
  batches: number[];
  /** Path of numpy_mlp.py, or null to run nnlab alone. */
  reference: string | null;
  /** Where to write every figure as JSON. */
  json?: string;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

export interface BenchRow {
  model: ModelName;
  batch: number;
  nnlab: NnlabRecord;
  numpy: ReferenceRecord | null;
  /** nnlab epoch time / NumPy epoch time (below 1: nnlab faster); null without the reference. */
  trainRatio: number | null;
  /** nnlab inference time / NumPy inference time. */
  inferRatio: number | null;
}

export interface BenchResult {
  system: 'nnlab';
  env: Record<string, unknown>;
  dataCheck: ReturnType<typeof makeWorkload>['check'];
  referenceStatus: string;
  rows: BenchRow[];
  kernels: KernelRecord[];
  reference: ReferenceResult[];
}

function nnlabVersion(): string {
  return process.env.npm_package_version ?? 'dev';
}

/** Runs the whole benchmark; returns every figure (also written to options.json). */
export function runBench(options: BenchOptions): BenchResult {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  for (const m of options.models) if (!MODEL_NAMES.includes(m)) throw new Error(`unknown model '${m}', expected some of ${MODEL_NAMES.join(',')}`);
  for (const b of options.batches) if (!Number.isInteger(b) || b < 1) throw new Error(`batch sizes must be positive integers, got ${b}`);

  const loadAtStart = loadavg();
  const data = makeWorkload();
  const problems = checkWorkload(data.check);
  if (problems.length > 0) throw new Error(`the workload data do not match their published check values: ${problems.join('; ')}`);
  log(`[nnlab] workload ${WORKLOAD.nSamples}x${WORKLOAD.inputDim}: check values match (sum X = ${data.check.xSum.toFixed(6)})`);

  // Decide whether the reference can run; say why not when it cannot.
  let python: string | null = null;
  let referenceStatus = 'disabled (--no-reference)';
  let numpyVersion: string | null = null;
  if (options.reference !== null) {
    const script = resolve(options.reference);
    if (!existsSync(script)) {
      referenceStatus = `skipped: ${script} not found (use --reference PATH)`;
    } else {
      const py = findPython();
      if (py.problem) referenceStatus = `skipped: ${py.problem}`;
      else {
        python = py.python;
        numpyVersion = py.numpy;
        referenceStatus = `${script} with ${py.python} (NumPy ${py.numpy})`;
      }
    }
  }
  log(`[nnlab] NumPy reference: ${referenceStatus}`);
  log(`[nnlab] kernels: ${kernelBackend()}, ${kernelThreadCount()} thread(s)${wasmAvailable().ok ? '' : ` (WebAssembly unavailable: ${wasmAvailable().reason})`}`);

  const rows: BenchRow[] = [];
  const referenceRuns: ReferenceResult[] = [];
  for (const model of options.models) {
    let ref: ReferenceResult | null = null;
    if (python !== null) {
      ref = runReference(python, resolve(options.reference!), [model]);
      referenceRuns.push(ref);
      if (ref.data_check.x00 !== data.check.x00 || ref.data_check.y_hist.join() !== data.check.yHist.join()) {
        throw new Error('the NumPy reference generated different data from nnlab: the comparison would not be like for like');
      }
    }
    for (const batch of options.batches) {
      const r = benchModel(data, model, batch);
      log(`[nnlab] ${model} b=${batch}: epoch ${r.epochS.toFixed(3)}s (${r.samplesPerS.toFixed(0)} samples/s${r.extrapolated ? ', extrapolated' : ''}), ` +
        `infer ${r.inferSamplesPerS.toFixed(0)} samples/s, loss ${r.lastLoss.toFixed(3)}`);
      const np = ref?.records.find((x) => x.model === model && x.batch === batch) ?? null;
      rows.push({
        model, batch, nnlab: r, numpy: np,
        trainRatio: np ? r.epochS / np.epoch_s : null,
        inferRatio: np ? r.inferS / np.infer_s : null,
      });
    }
  }

  log('[nnlab] kernel GFLOP/s…');
  const kernels: KernelRecord[] = [];
  const backend = kernelBackend();
  const threads = kernelThreadCount();
  if (threads > 1) {
    // One thread and all of them, each forced (training lets the kernels choose by the load).
    try {
      forceThreadSharing(false);
      kernels.push(...benchKernels(`nnlab-${backend} 1 thread`));
      forceThreadSharing(true);
      kernels.push(...benchKernels(`nnlab-${backend} ${threads} threads`));
    } finally {
      forceThreadSharing(null);
    }
  } else {
    kernels.push(...benchKernels(`nnlab-${backend}`));
  }
  // The fallback too, so the table shows what the WebAssembly kernels buy.
  if (backend === 'wasm') {
    setKernelBackend('js');
    try {
      kernels.push(...benchKernels('nnlab-js'));
    } finally {
      setKernelBackend(backend as KernelBackend);
    }
  }
  if (python !== null) kernels.push(...runPythonKernels(python, numpyKernelScript()));

  const result: BenchResult = {
    system: 'nnlab',
    env: {
      nnlab: nnlabVersion(),
      node: process.version,
      kernels: backend,
      kernelThreads: kernelThreadCount(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadavgAtStart: loadAtStart,
      loadavgAtEnd: loadavg(),
      numpy: numpyVersion,
      capS: process.env.BENCH_CAP_S ?? '3.0',
    },
    dataCheck: data.check,
    referenceStatus,
    rows,
    kernels,
    reference: referenceRuns,
  };
  if (options.json) {
    mkdirSync(dirname(resolve(options.json)), { recursive: true });
    writeFileSync(options.json, JSON.stringify(result, null, 1) + '\n');
    log(`[nnlab] wrote ${options.json}`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// The terminal report: markdown tables.
// ---------------------------------------------------------------------------------------------

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i < 2 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|') + '|';
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const fixed = (x: number, d: number) => x.toFixed(d);
const count = (x: number) => Math.round(x).toLocaleString('en-US');

/** The result as markdown: the training table, then the kernel table. */
export function formatBench(r: BenchResult): string {
  const star = (e: boolean) => (e ? '*' : '');
  const train = table(
    ['model', 'batch', 'nnlab s/epoch', 'NumPy s/epoch', 'ratio', 'nnlab samples/s', 'nnlab infer/s', 'NumPy infer/s', 'infer ratio'],
    r.rows.map((row) => [
      row.model, String(row.batch),
      fixed(row.nnlab.epochS, 3) + star(row.nnlab.extrapolated),
      row.numpy ? fixed(row.numpy.epoch_s, 3) + star(row.numpy.extrapolated) : '–',
      row.trainRatio !== null ? fixed(row.trainRatio, 2) : '–',
      count(row.nnlab.samplesPerS),
      count(row.nnlab.inferSamplesPerS),
      row.numpy ? count(row.numpy.infer_samples_per_s) : '–',
      row.inferRatio !== null ? fixed(row.inferRatio, 2) : '–',
    ]),
  );
  const systems = [...new Set(r.kernels.map((k) => k.system))];
  const kernelRows: string[][] = [];
  for (const [N, D, M] of KERNEL_SHAPES) {
    for (const form of PRODUCT_FORMS) {
      const cells = systems.map((s) => {
        const k = r.kernels.find((x) => x.system === s && x.form === form && x.shape.join() === [N, D, M].join());
        return k ? fixed(k.gflops, 1) : '–';
      });
      kernelRows.push([`${N}×${D}×${M}`, form, ...cells]);
    }
  }
  const kernels = table(['N×D×M', 'product', ...systems.map((s) => `${s} GFLOP/s`)], kernelRows);
  return [
    `nnlab bench — ${r.env.node}, kernels ${r.env.kernels} (${r.env.kernelThreads ?? 1} thread(s)), ${r.env.cpus} CPUs (${r.env.cpuModel}); load average ${[r.env.loadavgAtStart, r.env.loadavgAtEnd].map((l) => (l as number[] | undefined)?.[0]?.toFixed(2) ?? '?').join(' → ')}; NumPy reference: ${r.referenceStatus}`,
    '',
    train,
    '',
    'ratio = nnlab time / NumPy time (below 1.00: nnlab faster), same run. * = extrapolated from part of an epoch (time cap BENCH_CAP_S).',
    '',
    kernels,
    '',
    'forward = x·W (N×D)·(D×M); weightGrad = xᵀ·dout; inputGrad = dout·Wᵀ; 2·N·D·M flops each.',
  ].join('\n');
}
