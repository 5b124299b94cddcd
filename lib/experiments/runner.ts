/**
 * The experiment runner: takes a grid of configurations, trains each (for each seed of the
 * profile) in worker threads — one per core by default — or takes it from the cache, and returns
 * a danfo DataFrame of results (mean and std over seeds) plus every run's histories.
 *
 * Results do not depend on the number of workers: a run's randomness comes only from its seed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import * as dfd from 'danfojs-node';
import { clockTime, liveProgress, type ProgressRow, type ProgressSummary } from '../display/progress.js';
import { RunCache, runKey } from './cache.js';
import { defaultWorkers } from './profile.js';
import { resolvePoint, type GridPoint, type TrainSettings } from './settings.js';
import { toShared } from './shared.js';
import { emitProgress } from './events.js';
import { trainRun, type Progress, type RunRecord, type TrainData } from './train.js';
import type { WorkerTask } from './worker.js';
import type { SyntheticSpec, UnsplitImages } from './data.js';

/** Data to train on, with the fingerprint that goes into cache keys. */
export interface RunnerData extends TrainData {
  fingerprint: string;
  /** How a queue worker makes this data again (the built-in data has one: LabData.spec). */
  spec?: SyntheticSpec;
  /** A course folder's images before the split (LabData.unsplit): the queue publishes them for its workers. */
  unsplit?: UnsplitImages;
}

export interface RunOptions {
  /** Title of the progress board. */
  title?: string;
  /** Seeds for points that do not set one (default [0]). */
  seeds?: number[];
  /** Worker threads: default $NNLAB_WORKERS, else one per core; 0 trains in this thread. */
  workers?: number;
  /** Retrain even when cached (and overwrite the cache). */
  force?: boolean;
  /** The cache; false for none. Default: .nnlab-cache of the project. */
  cache?: RunCache | false;
  /** Show live progress (default true). */
  progress?: boolean;
  /** The notebook running the grid, for the report builder's progress line. */
  notebook?: string;
  /** Heap limit of each worker thread in MB (default: Node's); a run that needs more fails, naming itself. */
  workerHeapMb?: number;
  /**
   * Train on the workers of a Redis queue (`nnlab worker`) instead of this machine's threads:
   * redis://[:password@]host:port[/db] or rediss://… (default: $NNLAB_QUEUE; '' for none). See lib/queue/.
   */
  queue?: string;
}

/**
 * The smallest worker heap accepted. Measured: with 2 MB, Node 22, 24 and 26 (Linux, and Windows
 * Node 22) abort the whole process ("Fatal JavaScript out of memory: GC during deserialization")
 * before the worker runs, instead of failing the worker; with 4 MB every line fails it cleanly.
 */
const MIN_WORKER_HEAP_MB = 4;

export interface RunResult extends RunRecord {
  label: string;
  seed: number;
  settings: TrainSettings;
  columns: Record<string, string | number | boolean>;
  key: string;
  cached: boolean;
}

export interface Stat { mean: number; std: number }

export interface GroupResult {
  label: string;
  columns: Record<string, string | number | boolean>;
  /** Settings of the first seed. */
  settings: TrainSettings;
  runs: RunResult[];
  bestValAcc: Stat;
  trainAccAtBest: Stat;
  finalTrainAcc: Stat;
  finalLoss: Stat;
  seconds: Stat;
  bestEpoch: Stat;
  /** Test accuracy at the chosen epoch over the seeds; null when the data has no test set. */
  testAcc: Stat | null;
  paramCount: number;
  /** How many of the runs diverged (their accuracies are left out of the statistics). */
  diverged: number;
}

export interface GridResult {
  /** One row per grid point: label, the point's columns, params, valAcc(±Std), trainAcc(±Std), loss, seconds(±Std), bestEpoch, testAcc(±Std) with a test set, seeds. */
  table: dfd.DataFrame;
  groups: GroupResult[];
  runs: RunResult[];
  trained: number;
  cached: number;
  seconds: number;
}

/** Mean and sample standard deviation (NaN for a single value). */
export function stat(values: number[]): Stat {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return { mean: NaN, std: NaN };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return { mean, std: NaN };
  const variance = v.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (v.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** The compiled worker: next to this file in dist/, or dist/experiments/worker.js when running from lib/ (tests). */
export function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = path.dirname(here);
  if (here.endsWith('.js')) return path.join(dir, 'worker.js');
  const built = path.resolve(dir, '..', '..', 'dist', 'experiments', 'worker.js');
  if (!existsSync(built)) throw new Error(`experiment worker not built (${built}): run \`npm run build\``);
  return built;
}

/** Rough cost of a run, to start the longest first. */
function cost(s: TrainSettings, n: number, inputDim: number): number {
  const dims = [inputDim, ...s.hiddenDims, 10];
  let p = 0;
  for (let i = 1; i < dims.length; i++) p += dims[i - 1] * dims[i];
  return p * n * s.numEpochs * (1 + 16 / s.batchSize);
}

interface Task {
  index: number;
  label: string;
  seed: number;
  settings: TrainSettings;
  columns: Record<string, string | number | boolean>;
  key: string;
  group: number;
}

/** Trains (or loads) every point of the grid for every seed. */
export async function runGrid(points: GridPoint[], data: RunnerData, base: TrainSettings, options: RunOptions = {}): Promise<GridResult> {
  const started = performance.now();
  if (options.workerHeapMb !== undefined && !(Number.isInteger(options.workerHeapMb) && options.workerHeapMb >= MIN_WORKER_HEAP_MB)) {
    throw new Error(`runGrid: workerHeapMb must be a whole number of MB, at least ${MIN_WORKER_HEAP_MB} (below that Node 22 and later abort the whole process while a worker starts), got ${options.workerHeapMb}`);
  }
  const seeds = options.seeds ?? [0];
  const cache = options.cache === false ? null : options.cache ?? new RunCache();
  const { tasks, groupMeta } = planTasks(points, base, seeds, data.fingerprint);
  const results: Array<RunResult | undefined> = new Array(tasks.length);
  const rows: ProgressRow[] = tasks.map((t) => ({ label: seeds.length > 1 ? `${t.label} · seed ${t.seed}` : t.label, fraction: 0, state: 'queued' }));
  const { toTrain, duplicates, cachedCount } = takeFromCache(tasks, options.force ? null : cache, results, rows);
  const runCost = (t: Task) => cost(t.settings, data.XTrain.rows, data.XTrain.cols);
  toTrain.sort((a, b) => runCost(b) - runCost(a));

  const progress = new GridProgress(options, seeds.length, tasks.length, cachedCount, rows, started, toTrain.reduce((a, t) => a + runCost(t), 0));
  if ((data.spec ?? data.unsplit)?.trainOn === 'train+validation') progress.validation = 'in training';
  const finish = (t: Task, record: RunRecord) => {
    cache?.set(t.key, t.settings, data.fingerprint, record);
    progress.runDone(t, record, runCost(t));
    results[t.index] = { ...record, label: t.label, seed: t.seed, settings: t.settings, columns: t.columns, key: t.key, cached: false };
  };
  const workers = Math.max(0, Math.min(options.workers ?? defaultWorkers(), toTrain.length));
  const queue = options.queue ?? process.env.NNLAB_QUEUE ?? '';
  if (toTrain.length > 0 && queue) {
    const { trainOnQueue } = await import('../queue/coordinator.js'); // BullMQ loads only for a queued grid
    try {
      const hooks = { running: (t: Task) => progress.running(t), epoch: (t: Task, p: Progress) => progress.epoch(t, p), failed: (t: Task, e: Error) => progress.failed(t, e), finish };
      await trainOnQueue(toTrain, data, queue, hooks, options.progress === false ? {} : { status: (line) => progress.note(line) });
    } finally {
      progress.refresh(true);
    }
  } else if (toTrain.length > 0 && workers === 0) trainInThisThread(toTrain, data, progress, finish);
  else if (toTrain.length > 0) await trainInWorkers(toTrain, data, { workers, heapMb: options.workerHeapMb }, progress, finish);
  for (const [dup, original] of duplicates) {
    results[dup.index] = { ...results[original.index]!, label: dup.label, columns: dup.columns, cached: true };
    rows[dup.index] = { ...rows[dup.index], fraction: 1, state: 'cached', detail: `same as “${original.label}”` };
  }
  const runs = results as RunResult[];
  progress.gridDone(duplicates.length, runs);

  const groups = groupMeta.map((meta, g) => groupResult(meta, runs.filter((_, i) => tasks[i].group === g)));
  return {
    table: resultsTable(groups),
    groups,
    runs,
    trained: toTrain.length,
    cached: cachedCount + duplicates.length,
    seconds: (performance.now() - started) / 1000,
  };
}

/** One task per grid point and seed (a point that sets its own seed runs once), in grid order. */
function planTasks(points: GridPoint[], base: TrainSettings, seeds: number[], fingerprint: string) {
  const tasks: Task[] = [];
  const groupMeta: GroupMeta[] = [];
  points.forEach((point, g) => {
    const { settings, columns, label } = resolvePoint(base, point);
    groupMeta.push({ label, columns });
    const pointSeeds = point.seed !== undefined ? [settings.seed] : seeds;
    for (const seed of pointSeeds) {
      const s = { ...settings, seed };
      tasks.push({ index: tasks.length, label, seed, settings: s, columns, key: runKey(s, fingerprint), group: g });
    }
  });
  return { tasks, groupMeta };
}

interface GroupMeta { label: string; columns: Task['columns'] }

/**
 * Fills in the results the cache holds (`cache` null: none, as with `force`) and sets aside the
 * tasks whose settings an earlier task of the grid already has (e.g. the baseline twice): what
 * is left is what must train.
 */
function takeFromCache(tasks: Task[], cache: RunCache | null, results: Array<RunResult | undefined>, rows: ProgressRow[]) {
  let cachedCount = 0;
  const toTrain: Task[] = [];
  const firstByKey = new Map<string, Task>();
  const duplicates: Array<[Task, Task]> = [];
  for (const t of tasks) {
    const hit = cache ? cache.get(t.key) : null;
    if (hit) {
      // A record cached before records had test results reads as having none (not undefined).
      const record: RunRecord = { ...hit, testAcc: hit.testAcc ?? null, valProbabilities: hit.valProbabilities ?? null, testProbabilities: hit.testProbabilities ?? null };
      results[t.index] = { ...record, label: t.label, seed: t.seed, settings: t.settings, columns: t.columns, key: t.key, cached: true };
      rows[t.index] = { ...rows[t.index], fraction: 1, state: 'cached', detail: `val ${(hit.bestValAcc * 100).toFixed(1)}%` };
      cachedCount++;
    } else if (firstByKey.has(t.key)) {
      duplicates.push([t, firstByKey.get(t.key)!]);
    } else {
      firstByKey.set(t.key, t);
      toTrain.push(t);
    }
  }
  return { toTrain, duplicates, cachedCount };
}

/**
 * What a running grid shows and tells: the live board in the notebook (one row per run) and the
 * progress events the report builder follows (grid-start, run-done with an estimate of the time
 * left, grid-done).
 */
class GridProgress {
  private readonly title: string;
  private readonly notebook: string;
  private readonly board: ReturnType<typeof liveProgress> | null;
  private doneCost = 0;
  private finished: number;
  /** The queue's status line (runs done, running, waiting, workers), under the board when a grid runs on a queue. */
  private queueLine = '';
  /** RunDoneEvent.validation: set when the grid's data trains on its validation images. */
  validation: 'in training' | undefined;

  constructor(
    options: RunOptions, private readonly seeds: number, private readonly total: number, private readonly cachedCount: number,
    private readonly rows: ProgressRow[], private readonly started: number, private readonly totalCost: number,
  ) {
    this.title = options.title ?? 'Training';
    this.notebook = options.notebook ?? '';
    this.finished = cachedCount;
    emitProgress({ type: 'grid-start', notebook: this.notebook, title: this.title, runs: total, cached: cachedCount });
    this.board = options.progress === false ? null : liveProgress(this.title);
    this.refresh(true);
  }

  /** Seconds left, assuming the rest trains at the pace (cost per second) seen so far. */
  private eta(): number | null {
    const elapsed = (performance.now() - this.started) / 1000;
    return this.doneCost > 0 ? ((this.totalCost - this.doneCost) * elapsed) / this.doneCost : null;
  }

  private footer(): string {
    const done = this.rows.filter((r) => r.state === 'done' || r.state === 'cached').length;
    const s = (performance.now() - this.started) / 1000;
    return `${done}/${this.rows.length} runs finished (${this.cachedCount} from cache) · ${s.toFixed(0)} s${this.queueLine ? ` · ${this.queueLine}` : ''}`;
  }

  note(queueLine: string): void {
    this.queueLine = queueLine;
    this.refresh();
  }

  refresh(final = false, summary?: ProgressSummary): void {
    if (!this.board) return;
    const visible = this.rows.length <= 30 ? this.rows : this.rows.filter((r) => r.state === 'running').concat([]);
    if (final) this.board.done(visible, this.footer(), summary);
    else this.board.update(visible, this.footer());
  }

  /**
   * The finished grid in one line, "39 runs, 3 seeds, 02:41, all cached", and a warning per run
   * that diverged or failed: what the exported page keeps of the board.
   */
  summary(seconds: number, duplicates: number, runs: RunResult[]): ProgressSummary {
    const fromCache = this.cachedCount + duplicates;
    const trained = this.total - fromCache;
    const source = trained === 0 ? 'all cached' : fromCache === 0 ? `${plural(trained, 'run')} trained` : `${trained} trained, ${fromCache} from the cache`;
    // From the records, not the board: a run that diverged when it was trained still did when it comes from the cache.
    const warnings = runs
      .filter((r) => r.diverged !== null)
      .map((r) => `${this.seeds > 1 ? `${r.label} · seed ${r.seed}` : r.label} diverged${r.cached ? ' (cached run)' : ''}: ${r.diverged}; left out of the means`);
    return { line: `${plural(this.total, 'run')}, ${plural(this.seeds, 'seed')}, ${clockTime(seconds)}, ${source}`, warnings };
  }

  running(t: Task): void {
    this.rows[t.index] = { ...this.rows[t.index], state: 'running' };
  }

  epoch(t: Task, p: Progress): void {
    const within = p.iteration === 0 ? 1 : p.iteration / Math.max(1, p.iterationsPerEpoch);
    const fraction = Math.min(0.999, (p.epoch - 1 + within) / p.numEpochs);
    const acc = p.valAcc !== undefined ? ` · val ${(p.valAcc * 100).toFixed(1)}%` : '';
    this.rows[t.index] = { ...this.rows[t.index], fraction, state: 'running', detail: `epoch ${p.epoch}/${p.numEpochs} · loss ${p.loss.toFixed(3)}${acc}` };
    this.refresh();
  }

  /** A run trained (diverged runs included: they count as done but show as failed, without an accuracy). */
  runDone(t: Task, record: RunRecord, runCost: number): void {
    this.doneCost += runCost;
    emitProgress({
      type: 'run-done', notebook: this.notebook, title: this.title, index: ++this.finished, total: this.total, label: t.label, seed: t.seed,
      bestValAcc: record.diverged ? null : record.bestValAcc, seconds: record.seconds, cached: false, etaSeconds: this.eta(),
      ...(this.validation ? { validation: this.validation } : {}),
    });
    this.rows[t.index] = { ...this.rows[t.index], fraction: 1, state: record.diverged ? 'failed' : 'done', detail: `val ${(record.bestValAcc * 100).toFixed(1)}% · ${record.seconds.toFixed(1)} s${record.diverged ? ' · diverged' : ''}` };
    this.refresh();
  }

  failed(t: Task, err: Error): void {
    this.rows[t.index] = { ...this.rows[t.index], state: 'failed', detail: err.message.slice(0, 120) };
  }

  gridDone(duplicates: number, runs: RunResult[]): void {
    const seconds = (performance.now() - this.started) / 1000;
    this.refresh(true, this.summary(seconds, duplicates, runs));
    emitProgress({ type: 'grid-done', notebook: this.notebook, title: this.title, runs: this.total, seconds });
  }
}

/** Trains the runs one after the other in this thread (workers: 0). */
function trainInThisThread(toTrain: Task[], data: RunnerData, progress: GridProgress, finish: (t: Task, r: RunRecord) => void): void {
  for (const t of toTrain) {
    progress.running(t);
    finish(t, trainRun(t.settings, data, (p) => progress.epoch(t, p)));
  }
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The name of a run in messages: its label, and its seed when the grid has several. */
const runName = (t: Task) => `'${t.label}' (seed ${t.seed})`;

/**
 * Trains the runs in a pool of worker threads sharing the data; epochs report back through a
 * message port per run. A worker that dies (out of memory, crashed) fails the grid at once,
 * naming the run: its task is rejected, and an error the pool reports outside any task (in a
 * kernel that would otherwise be an uncaught exception, with the grid's promise never settled)
 * rejects the grid too.
 */
async function trainInWorkers(
  toTrain: Task[], data: RunnerData, pool_: { workers: number; heapMb?: number }, progress: GridProgress, finish: (t: Task, r: RunRecord) => void,
): Promise<void> {
  const pool = new Piscina({
    filename: pathToFileURL(workerFile()).href, minThreads: pool_.workers, maxThreads: pool_.workers, idleTimeout: 1000,
    ...(pool_.heapMb ? { resourceLimits: { maxOldGenerationSizeMb: pool_.heapMb } } : {}),
  });
  const running = new Set<Task>();
  let poolFailed!: (err: Error) => void;
  const failure = new Promise<never>((_, reject) => { poolFailed = reject; });
  failure.catch(() => undefined); // handled by the race below
  pool.on('error', (err: Error) => {
    const runs = [...running].map(runName).join(', ') || 'no run';
    poolFailed(new Error(`runGrid: a worker thread failed while training ${runs}: ${err.message}`));
  });
  const shared = toShared(data);
  try {
    await Promise.race([failure, Promise.all(
      toTrain.map(async (t) => {
        const { port1, port2 } = new MessageChannel();
        port1.on('message', (p: Progress) => progress.epoch(t, p));
        try {
          const task: WorkerTask = { settings: t.settings, data: shared, port: port2 };
          running.add(t);
          const record = (await pool.run(task, { transferList: [port2] })) as RunRecord;
          finish(t, record);
        } catch (err) {
          progress.failed(t, err as Error);
          const code = (err as NodeJS.ErrnoException).code;
          throw new Error(`runGrid: run ${runName(t)} failed${code === 'ERR_WORKER_OUT_OF_MEMORY' ? ' (its worker ran out of memory)' : ''}: ${(err as Error).message}`, { cause: err });
        } finally {
          running.delete(t);
          port1.close();
        }
      }),
    )]);
  } finally {
    progress.refresh(true);
    await pool.destroy();
  }
}

/** A grid point's statistics over its seeds; diverged runs are left out of the accuracies and the loss. */
function groupResult(meta: GroupMeta, rs: RunResult[]): GroupResult {
  const ok = rs.filter((r) => !r.diverged);
  return {
    label: meta.label,
    columns: meta.columns,
    settings: rs[0].settings,
    runs: rs,
    bestValAcc: stat(ok.map((r) => r.bestValAcc)),
    trainAccAtBest: stat(ok.map((r) => r.trainAccAtBest)),
    finalTrainAcc: stat(ok.map((r) => r.finalTrainAcc)),
    finalLoss: stat(ok.map((r) => r.finalLoss)),
    seconds: stat(rs.map((r) => r.seconds)),
    bestEpoch: stat(rs.map((r) => r.bestEpoch)),
    testAcc: ok.some((r) => r.testAcc !== null) ? stat(ok.flatMap((r) => (r.testAcc === null ? [] : [r.testAcc]))) : null,
    paramCount: rs[0].paramCount,
    diverged: rs.length - ok.length,
  };
}

/** The results DataFrame: one row per group. */
export function resultsTable(groups: GroupResult[]): dfd.DataFrame {
  // danfo takes its columns from the first record: give every record every point column.
  const columnNames = [...new Set(groups.flatMap((g) => Object.keys(g.columns)))];
  // Test accuracy only with a test set (the report's grids have none).
  const withTest = groups.some((g) => g.testAcc !== null);
  const records = groups.map((g) => ({
    setting: g.label,
    ...Object.fromEntries(columnNames.map((c) => [c, g.columns[c] ?? ''])),
    params: g.paramCount,
    valAcc: g.bestValAcc.mean,
    valAccStd: g.bestValAcc.std,
    trainAcc: g.trainAccAtBest.mean,
    trainAccStd: g.trainAccAtBest.std,
    finalLoss: g.finalLoss.mean,
    seconds: g.seconds.mean,
    secondsStd: g.seconds.std,
    bestEpoch: g.bestEpoch.mean,
    ...(withTest ? { testAcc: g.testAcc?.mean ?? NaN, testAccStd: g.testAcc?.std ?? NaN } : {}),
    seeds: g.runs.length,
    diverged: g.diverged,
  }));
  return new dfd.DataFrame(records);
}
