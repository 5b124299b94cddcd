/**
 * The terminal report of `nnlab bench`: its figures (lib/bench/result.ts) as markdown tables,
 * a verdict line per row, and the grid side by side.
 */
import { kernelThreadCount, PROFILE_CATEGORIES, type Numerics } from '../kernels/index.js';
import { DTYPES } from '../nn/matrix.js';
import type { CpuInfo } from './cpu.js';
import { PRODUCT_FORMS } from './gflops.js';
import type { EpochProfile } from './nnlab.js';
import type { ReferenceRecord } from './reference.js';
import type { GridResult } from './grid.js';
import { nnlabVersion, type BenchResult, type BenchRow } from './result.js';

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
    `Threads: the default (${r.env.kernelThreads} threads, each large job shape shared only where measured to pay, see lib/kernels/choose.ts) against one thread (every job on the main thread, as NNLAB_THREADS=1), timed in turn epoch by epoch in the same run:`,
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

/** "2 threads on 40% of large jobs" (or all, or none). */
export function describeChoice(c: { shared: number; alone: number }): string {
  const total = c.shared + c.alone;
  if (total === 0) return 'no job large enough to share';
  if (c.shared === 0) return '1 thread on every large job';
  return `${kernelThreadCount()} threads on ${c.shared === total ? 'every' : `${(100 * c.shared / total).toFixed(0)}% of`} large job${c.shared === total ? '' : 's'}`;
}
