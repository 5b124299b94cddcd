/**
 * `nnlab worker`'s engine: takes run jobs from the queue and trains each in a pool of worker
 * threads with the very code a local grid uses (the piscina task of lib/experiments/worker.ts,
 * which calls trainRun): the same settings on the same data give the same bits here and there.
 *
 * A job is checked before anything is allocated for it (checkRunJob); its data is made again,
 * once per process, from its spec or from the course images its coordinator published (fetched
 * and checked by lib/queue/dataset.ts, split by a local run's code), and must have the job's
 * fingerprint. The result is the
 * content of a cache file: the coordinator checks it like one. On close (SIGINT, SIGTERM) the
 * running jobs finish before the worker leaves; closed with `force`, they are left to BullMQ's
 * stalled-job check, which hands them to another worker.
 */
import { hostname, availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Piscina } from 'piscina';
import path from 'node:path';
import { Redis } from 'ioredis';
import { CACHE_FORMAT, defaultCacheDir, libraryVersion } from '../experiments/cache.js';
import { labDataFromSpec, splitLabImages } from '../experiments/data.js';
import type { Dataset } from '../data/split.js';
import { fetchImages } from './dataset.js';
import { workerFile, type RunnerData } from '../experiments/runner.js';
import { toShared } from '../experiments/shared.js';
import type { Progress, RunRecord } from '../experiments/train.js';
import type { WorkerTask } from '../experiments/worker.js';
import { checkRunJob, queueName, type RunJob } from './jobs.js';
import type { QueueAddress } from './url.js';

/** What a worker reports with a job's progress (the coordinator's board and its count of workers). */
export interface JobProgress extends Progress {
  worker: string;
}

/** The result of a job: a cache file's content (RunCache's format). */
export interface JobResult {
  format: number;
  key: string;
  settings: RunJob['settings'];
  data: string;
  version: string;
  created: string;
  record: RunRecord;
}

export interface QueueWorkerOptions {
  /** Runs trained at once (default: one per core). */
  concurrency?: number;
  /** Milliseconds a job stays locked without a renewal before it counts as stalled (BullMQ lockDuration, default 30000). */
  lockMs?: number;
  /** Where published course data is kept (in datasets/): default the project's cache folder (NNLAB_CACHE_DIR). */
  cacheDir?: string;
  /** Where the status lines go (one per job started, done or failed). */
  log?: (line: string) => void;
}

export interface QueueWorker {
  /** This worker's name in the coordinator's count: host:pid. */
  name: string;
  /** Stops taking jobs; the running ones finish first (force: they are handed back through the stalled check). */
  close(force?: boolean): Promise<void>;
  /** Jobs running now. */
  running(): number;
}

/** Starts taking jobs from the queue of this build at `address`. */
export async function startQueueWorker(address: QueueAddress, options: QueueWorkerOptions = {}): Promise<QueueWorker> {
  const concurrency = options.concurrency ?? availableParallelism();
  const log = options.log ?? ((line: string) => console.log(line));
  const name = `${hostname()}:${process.pid}`;
  const lockMs = options.lockMs ?? 30_000;
  const pool = new Piscina({ filename: pathToFileURL(workerFile()).href, minThreads: 1, maxThreads: concurrency, idleTimeout: 60_000 });
  const datasets = new Map<string, Promise<RunnerData>>();
  // Published course data comes through its own connection, made only when a job needs it.
  const dataClient = new Redis({ ...address.redis, lazyConnect: true, maxRetriesPerRequest: 1 });
  dataClient.on('error', () => undefined); // a failed command says why, and fails its job
  const dataDir = path.join(options.cacheDir ?? defaultCacheDir(), 'datasets');
  let active = 0;

  /** The job's data, made once per fingerprint (by one job, the others wait for it); a different fingerprint fails the job, naming both. */
  const dataFor = (job: RunJob): Promise<RunnerData> => {
    const known = datasets.get(job.fingerprint);
    if (known) return known;
    const making = (async () => {
      let made: Dataset & { fingerprint: string; width: number; height: number };
      let keep = (): void => undefined;
      if (job.data.kind === 'synthetic') {
        made = labDataFromSpec(job.data);
      } else {
        const fetched = await fetchImages(dataClient, job.data, dataDir, (line) => log(`worker ${name}: ${address.scrub(line)}`));
        const { split, fingerprint } = splitLabImages(fetched.images); // a local run's split of them
        made = { ...split, fingerprint, width: fetched.images.width, height: fetched.images.height };
        keep = fetched.keep;
      }
      if (made.fingerprint !== job.fingerprint) {
        const from = job.data.kind === 'synthetic' ? 'its spec makes' : 'its published images make';
        throw new Error(`data fingerprint mismatch: the job's data has fingerprint ${job.fingerprint}, ${from} ${made.fingerprint} here`);
      }
      keep();
      return { ...made, numClasses: made.classNames.length };
    })();
    datasets.set(job.fingerprint, making);
    making.catch(() => datasets.delete(job.fingerprint)); // the next job tries again
    return making;
  };

  const processor = async (job: Job): Promise<JobResult> => {
    let run: RunJob;
    try {
      run = checkRunJob(job.data, job.id); // before any allocation
    } catch (err) {
      log(`worker ${name}: rejected job ${String(job.id).slice(0, 40)}: ${(err as Error).message}`);
      throw new UnrecoverableError((err as Error).message); // no retry: the payload will not get better
    }
    const title = run.label ?? run.key;
    active++;
    const started = Date.now();
    log(`worker ${name}: start ${title} (job ${run.key.slice(0, 8)}, attempt ${job.attemptsMade + 1})`);
    const { port1, port2 } = new MessageChannel();
    let lastSent = 0;
    port1.on('message', (p: Progress) => {
      const now = Date.now();
      if (p.iteration !== 0 && now - lastSent < 500) return;
      lastSent = now;
      job.updateProgress({ ...p, worker: name } satisfies JobProgress).catch(() => undefined); // progress is best effort
    });
    try {
      const data = await dataFor(run);
      const task: WorkerTask = { settings: run.settings, data: toShared(data), port: port2 };
      const record = (await pool.run(task, { transferList: [port2] })) as RunRecord;
      const acc = record.diverged ? 'diverged' : `val ${(record.bestValAcc * 100).toFixed(1)}%`;
      log(`worker ${name}: done  ${title} · ${acc} · ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return { format: CACHE_FORMAT, key: run.key, settings: run.settings, data: run.fingerprint, version: libraryVersion(), created: new Date().toISOString(), record };
    } catch (err) {
      log(`worker ${name}: failed ${title}: ${(err as Error).message}`);
      throw err;
    } finally {
      active--;
      port1.close();
    }
  };

  const worker = new Worker(queueName(), processor, {
    connection: { ...address.redis, maxRetriesPerRequest: null },
    concurrency,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.round(lockMs / 2)),
    maxStalledCount: 1,
  });
  worker.on('error', (err) => log(`worker ${name}: ${address.scrub(err.message)}`));
  await worker.waitUntilReady();
  return {
    name,
    running: () => active,
    async close(force = false) {
      await worker.close(force);
      await pool.destroy();
      dataClient.disconnect();
    },
  };
}
