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
import { liveProgress, type ProgressRow } from '../display/progress.js';
import { RunCache, runKey } from './cache.js';
import { defaultWorkers } from './profile.js';
import { resolvePoint, type GridPoint, type TrainSettings } from './settings.js';
import { toShared } from './shared.js';
import { emitProgress } from './events.js';
import { trainRun, type Progress, type RunRecord, type TrainData } from './train.js';
import type { WorkerTask } from './worker.js';

/** Data to train on, with the fingerprint that goes into cache keys. */
export interface RunnerData extends TrainData {
  fingerprint: string;
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
}

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
  paramCount: number;
  /** How many of the runs diverged (their accuracies are left out of the statistics). */
  diverged: number;
}

export interface GridResult {
  /** One row per grid point: label, the point's columns, params, valAcc(±Std), trainAcc(±Std), loss, seconds(±Std), bestEpoch, seeds. */
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
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
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
  const seeds = options.seeds ?? [0];
  const cache = options.cache === false ? null : options.cache ?? new RunCache();
  const tasks: Task[] = [];
  const groupMeta: Array<{ label: string; columns: Task['columns'] }> = [];
  points.forEach((point, g) => {
    const { settings, columns, label } = resolvePoint(base, point);
    groupMeta.push({ label, columns });
    const pointSeeds = point.seed !== undefined ? [settings.seed] : seeds;
    for (const seed of pointSeeds) {
      const s = { ...settings, seed };
      tasks.push({ index: tasks.length, label, seed, settings: s, columns, key: runKey(s, data.fingerprint), group: g });
    }
  });

  const results: Array<RunResult | undefined> = new Array(tasks.length);
  const rows: ProgressRow[] = tasks.map((t) => ({ label: seeds.length > 1 ? `${t.label} · seed ${t.seed}` : t.label, fraction: 0, state: 'queued' }));
  let cachedCount = 0;
  const toTrain: Task[] = [];
  // The same settings can appear twice in a grid (e.g. the baseline): train them once.
  const firstByKey = new Map<string, Task>();
  const duplicates: Array<[Task, Task]> = [];
  for (const t of tasks) {
    const hit = !options.force && cache ? cache.get(t.key) : null;
    if (hit) {
      results[t.index] = { ...hit, label: t.label, seed: t.seed, settings: t.settings, columns: t.columns, key: t.key, cached: true };
      rows[t.index] = { ...rows[t.index], fraction: 1, state: 'cached', detail: `val ${(hit.bestValAcc * 100).toFixed(1)}%` };
      cachedCount++;
    } else if (firstByKey.has(t.key)) {
      duplicates.push([t, firstByKey.get(t.key)!]);
    } else {
      firstByKey.set(t.key, t);
      toTrain.push(t);
    }
  }
  toTrain.sort((a, b) => cost(b.settings, data.XTrain.rows, data.XTrain.cols) - cost(a.settings, data.XTrain.rows, data.XTrain.cols));

  const title = options.title ?? 'Training';
  const notebook = options.notebook ?? '';
  const totalCost = toTrain.reduce((a, t) => a + cost(t.settings, data.XTrain.rows, data.XTrain.cols), 0);
  let doneCost = 0, finished = cachedCount;
  emitProgress({ type: 'grid-start', notebook, title, runs: tasks.length, cached: cachedCount });
  /** Seconds left, assuming the rest trains at the pace (cost per second) seen so far. */
  const eta = (): number | null => {
    const elapsed = (performance.now() - started) / 1000;
    return doneCost > 0 ? ((totalCost - doneCost) * elapsed) / doneCost : null;
  };
  const board = options.progress === false ? null : liveProgress(title);
  const footer = () => {
    const done = rows.filter((r) => r.state === 'done' || r.state === 'cached').length;
    const s = (performance.now() - started) / 1000;
    return `${done}/${rows.length} runs finished (${cachedCount} from cache) · ${s.toFixed(0)} s`;
  };
  const visibleRows = () => (rows.length <= 30 ? rows : rows.filter((r) => r.state === 'running').concat([]));
  const refresh = (final = false) => {
    if (!board) return;
    if (final) board.done(visibleRows(), footer());
    else board.update(visibleRows(), footer());
  };
  refresh(true);

  const onProgress = (t: Task, p: Progress) => {
    const within = p.iteration === 0 ? 1 : p.iteration / Math.max(1, p.iterationsPerEpoch);
    const fraction = Math.min(0.999, (p.epoch - 1 + within) / p.numEpochs);
    const acc = p.valAcc !== undefined ? ` · val ${(p.valAcc * 100).toFixed(1)}%` : '';
    rows[t.index] = { ...rows[t.index], fraction, state: 'running', detail: `epoch ${p.epoch}/${p.numEpochs} · loss ${p.loss.toFixed(3)}${acc}` };
    refresh();
  };
  const finish = (t: Task, record: RunRecord) => {
    cache?.set(t.key, t.settings, data.fingerprint, record);
    doneCost += cost(t.settings, data.XTrain.rows, data.XTrain.cols);
    emitProgress({
      type: 'run-done', notebook, title, index: ++finished, total: tasks.length, label: t.label, seed: t.seed,
      bestValAcc: record.diverged ? null : record.bestValAcc, seconds: record.seconds, cached: false, etaSeconds: eta(),
    });
    results[t.index] = { ...record, label: t.label, seed: t.seed, settings: t.settings, columns: t.columns, key: t.key, cached: false };
    rows[t.index] = { ...rows[t.index], fraction: 1, state: record.diverged ? 'failed' : 'done', detail: `val ${(record.bestValAcc * 100).toFixed(1)}% · ${record.seconds.toFixed(1)} s${record.diverged ? ' · diverged' : ''}` };
    refresh();
  };

  const workers = Math.max(0, Math.min(options.workers ?? defaultWorkers(), toTrain.length));
  if (toTrain.length > 0 && workers === 0) {
    for (const t of toTrain) {
      rows[t.index] = { ...rows[t.index], state: 'running' };
      finish(t, trainRun(t.settings, data, (p) => onProgress(t, p)));
    }
  } else if (toTrain.length > 0) {
    const pool = new Piscina({ filename: pathToFileURL(workerFile()).href, minThreads: workers, maxThreads: workers, idleTimeout: 1000 });
    const shared = toShared(data);
    try {
      await Promise.all(
        toTrain.map(async (t) => {
          const { port1, port2 } = new MessageChannel();
          port1.on('message', (p: Progress) => onProgress(t, p));
          try {
            const task: WorkerTask = { settings: t.settings, data: shared, port: port2 };
            const record = (await pool.run(task, { transferList: [port2] })) as RunRecord;
            finish(t, record);
          } catch (err) {
            rows[t.index] = { ...rows[t.index], state: 'failed', detail: (err as Error).message.slice(0, 120) };
            throw err;
          } finally {
            port1.close();
          }
        }),
      );
    } finally {
      refresh(true);
      await pool.destroy();
    }
  }
  for (const [dup, original] of duplicates) {
    const r = results[original.index]!;
    results[dup.index] = { ...r, label: dup.label, columns: dup.columns, cached: true };
    rows[dup.index] = { ...rows[dup.index], fraction: 1, state: 'cached', detail: `same as “${original.label}”` };
  }
  refresh(true);
  emitProgress({ type: 'grid-done', notebook, title, runs: tasks.length, seconds: (performance.now() - started) / 1000 });

  const runs = results as RunResult[];
  const groups: GroupResult[] = groupMeta.map((meta, g) => {
    const rs = runs.filter((_, i) => tasks[i].group === g);
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
      paramCount: rs[0].paramCount,
      diverged: rs.length - ok.length,
    };
  });
  return {
    table: resultsTable(groups),
    groups,
    runs,
    trained: toTrain.length,
    cached: cachedCount + duplicates.length,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The results DataFrame: one row per group. */
export function resultsTable(groups: GroupResult[]): dfd.DataFrame {
  // danfo takes its columns from the first record: give every record every point column.
  const columnNames = [...new Set(groups.flatMap((g) => Object.keys(g.columns)))];
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
    seeds: g.runs.length,
    diverged: g.diverged,
  }));
  return new dfd.DataFrame(records);
}
