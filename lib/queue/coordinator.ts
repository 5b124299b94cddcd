/**
 * The coordinator side of a queued grid: runGrid (with `queue`, or NNLAB_QUEUE) hands the runs
 * the cache does not hold to trainOnQueue, which puts each on the Redis queue as a job whose id
 * is its cache key, follows the workers' progress, and takes each result only after checking it
 * like a cache file read back (checkCacheFile: types, ranges, and settings, data and version
 * equal to the job's, since the key is recomputed from them). A result that fails the check is
 * named, dropped and trained again. Finished jobs stay in Redis for a day, so a coordinator
 * killed and started again collects them instead of training them twice. A course folder goes
 * into Redis first, once, under its content hash (lib/queue/dataset.ts); its jobs name the hash.
 *
 * If Redis stops answering the grid stops with an error naming the URL (never its password);
 * what finished is in the cache, and a rerun once Redis is back trains only the rest.
 */
import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { checkCacheFile, RUN_RECORDS } from '../experiments/cache.js';
import type { TrainSettings } from '../experiments/settings.js';
import type { Progress, RunRecord } from '../experiments/train.js';
import type { SyntheticSpec, UnsplitImages } from '../experiments/data.js';
import { probeRedis } from './connection.js';
import { publishImages, type PublishedImages } from './dataset.js';
import { queueName, type RunJob } from './jobs.js';
import { parseQueueUrl, type QueueAddress } from './url.js';
import type { JobProgress } from './worker.js';

/** A run as the runner plans it (its Task). */
export interface QueuedRun {
  key: string;
  label: string;
  seed: number;
  settings: TrainSettings;
}

/** What the runner does as runs start, progress, fail and finish (its board and its cache). */
export interface QueueHooks<T extends QueuedRun> {
  running(t: T): void;
  epoch(t: T, p: Progress): void;
  failed(t: T, err: Error): void;
  /** A checked result: stored in the cache as a local run's would be. */
  finish(t: T, record: RunRecord): void;
}

export interface QueueGridOptions {
  /** Where errors and rejected results are told (default: stderr). */
  log?: (line: string) => void;
  /** Where the status line goes (default: log). */
  status?: (line: string) => void;
  /** Seconds of silence from Redis before the grid stops (default 5). */
  redisTimeoutSeconds?: number;
}

/** Times a run's result may be rejected (and trained again) before the run counts as failed. */
const MAX_REJECTED = 2;
/** Attempts of a job that throws (BullMQ retries it, on any worker). */
const ATTEMPTS = 2;
const KEEP_FINISHED = { age: 24 * 3600 };

const runName = (t: QueuedRun) => `'${t.label}' (seed ${t.seed})`;

/**
 * Trains `runs` through the queue at `url` on data the workers can make again: the built-in
 * data from its spec, a course folder from its images published in Redis (`data.unsplit`).
 */
export async function trainOnQueue<T extends QueuedRun>(
  runs: T[], data: { fingerprint: string; spec?: SyntheticSpec; unsplit?: UnsplitImages }, url: string, hooks: QueueHooks<T>, options: QueueGridOptions = {},
): Promise<void> {
  const address = parseQueueUrl(url, 'queue');
  if (!data.spec && !data.unsplit) {
    throw new Error('runGrid: queue: this data has neither a generator spec (the built-in data) nor its images before the split (a course folder): make it with loadLabData to train it on the queue');
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const tell = options.status ?? log;
  await probeRedis(address);
  const jobData = data.spec ?? await publish(address, data.unsplit!);

  const connection = { ...address.redis, maxRetriesPerRequest: null };
  const name = queueName();
  const queue = new Queue(name, { connection });
  queue.setMaxListeners(runs.length + 10); // waitUntilFinished listens on the queue once per job
  const events = new QueueEvents(name, { connection });
  const health = new Redis({ ...address.redis, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 2000 });
  let lastError: Error | null = null;
  const heard = (err: Error) => { lastError = err; };
  queue.on('error', heard);
  events.on('error', heard);
  health.on('error', heard);

  const byKey = new Map(runs.map((t) => [t.key, t]));
  const running = new Set<string>();
  const workersSeen = new Set<string>();
  let done = 0;
  const failures: string[] = [];
  const started = Date.now();
  let connected = 0;

  const status = () => {
    const left = runs.length - done - failures.length;
    const eta = done > 0 ? ` · ETA ${Math.round(((Date.now() - started) / 1000 / done) * left)} s` : '';
    return `queue ${address.redacted}: ${done}/${runs.length} done · ${running.size} running · ${left - running.size} waiting${failures.length ? ` · ${failures.length} failed` : ''} · workers: ${connected} connected, ${workersSeen.size} seen${eta}`;
  };
  let lastLine = '';
  let lastAt = 0;
  const show = (force = false) => {
    const line = status();
    const now = Date.now();
    if (line === lastLine || (!force && now - lastAt < 2000)) return;
    lastLine = line;
    lastAt = now;
    tell(line);
  };

  events.on('active', ({ jobId }) => {
    const t = byKey.get(jobId);
    if (t && !running.has(jobId)) { running.add(jobId); hooks.running(t); }
  });
  events.on('progress', ({ jobId, data: p }) => {
    const t = byKey.get(jobId);
    if (!t || typeof p !== 'object' || p === null) return;
    const progress = p as JobProgress;
    if (typeof progress.worker === 'string') workersSeen.add(progress.worker.slice(0, 100));
    running.add(jobId);
    if ([progress.epoch, progress.numEpochs, progress.iteration, progress.iterationsPerEpoch, progress.loss].every((x) => typeof x === 'number')) hooks.epoch(t, progress);
  });

  const jobOf = (t: T): { name: string; data: RunJob; opts: object } => ({
    name: 'run',
    data: { key: t.key, label: `${t.label} · seed ${t.seed}`, settings: t.settings, fingerprint: data.fingerprint, data: jobData },
    opts: { jobId: t.key, attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED },
  });

  /** Waits for one run's job (submitting it again after a rejected result), then records it. */
  const follow = async (t: T, first: Job): Promise<void> => {
    let job = first;
    for (let rejected = 0; ; rejected++) {
      let result: unknown;
      try {
        result = await job.waitUntilFinished(events);
      } catch (err) {
        running.delete(t.key);
        const reason = address.scrub((err as Error).message);
        failures.push(`${runName(t)}: ${reason}`);
        hooks.failed(t, new Error(reason));
        log(`queue: run ${runName(t)} failed on the workers: ${reason}`);
        return;
      }
      const checked = checkResult(result, t);
      if ('record' in checked) {
        running.delete(t.key);
        done++;
        hooks.finish(t, checked.record);
        show();
        return;
      }
      log(`queue: rejected the result of run ${runName(t)} (job ${t.key}): ${checked.problem}`);
      await job.remove();
      running.delete(t.key);
      if (rejected + 1 >= MAX_REJECTED) {
        failures.push(`${runName(t)}: its result was rejected ${MAX_REJECTED} times (${checked.problem})`);
        hooks.failed(t, new Error(checked.problem));
        return;
      }
      log(`queue: training ${runName(t)} again`);
      const j = jobOf(t);
      job = await queue.add(j.name, j.data, j.opts);
    }
  };

  let stopped: (err: Error) => void = () => undefined;
  const redisLost = new Promise<never>((_, reject) => { stopped = reject; });
  redisLost.catch(() => undefined);
  const timeoutMs = (options.redisTimeoutSeconds ?? 5) * 1000;
  let lastAnswer = Date.now();
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    health.ping().then(() => { lastAnswer = Date.now(); }, () => undefined);
    if (ticks % 3 === 1) queue.getWorkersCount().then((n) => { connected = n; }, () => undefined);
    if (Date.now() - lastAnswer > timeoutMs) {
      const why = lastError ? `: ${address.scrub(lastError.message)}` : '';
      stopped(new Error(`runGrid: Redis at ${address.redacted} stopped answering (${Math.round(timeoutMs / 1000)} s without a reply${why}) with ${runs.length - done - failures.length} run(s) unfinished; the ${done} finished are in the cache, run again once Redis is back to train the rest`));
    }
    show();
  }, 1000);

  try {
    await Promise.race([redisLost, (async () => {
      await events.waitUntilReady();
      const jobs = await queue.addBulk(runs.map(jobOf));
      // A run whose job failed in an earlier grid (and is still kept) is tried again.
      for (const job of jobs) if ((await job.getState()) === 'failed') await job.retry('failed');
      show(true);
      await Promise.all(runs.map((t, i) => follow(t, jobs[i])));
    })()]);
  } finally {
    clearInterval(timer);
    show(true);
    await closeQuietly([events, queue], health);
  }
  if (failures.length > 0) {
    throw new Error(`runGrid: ${failures.length} of ${runs.length} run(s) failed on the queue (the others are in the cache): ${failures.join('; ')}`);
  }
}

/** Publishes a course folder's images in Redis (once per content hash) for the workers to fetch. */
async function publish(address: QueueAddress, unsplit: UnsplitImages): Promise<PublishedImages> {
  const client = new Redis({ ...address.redis, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined); // the command's rejection says what failed
  try {
    return await publishImages(client, unsplit);
  } catch (err) {
    throw new Error(`runGrid: queue: could not publish the course data at ${address.redacted}: ${address.scrub((err as Error).message)}`);
  } finally {
    client.disconnect();
  }
}

/** A worker's result checked as the cache checks a file read back; fields the schema does not know are refused too. */
function checkResult(result: unknown, t: QueuedRun): { record: RunRecord } | { problem: string } {
  const checked = checkCacheFile(result, t.key, RUN_RECORDS);
  if ('problem' in checked) return checked;
  const raw = (result as { record: Record<string, unknown> }).record;
  const extra = Object.keys(raw).filter((k) => !Object.hasOwn(checked.record, k));
  if (extra.length > 0) return { problem: `record: unexpected field ${extra.slice(0, 3).join(', ')}` };
  // The record as the worker's trainRun wrote it (key order included), now checked: the cache file is then byte for byte a local run's.
  return { record: raw as unknown as RunRecord };
}

/** Closes BullMQ's connections, or drops them when Redis is gone (close and disconnect would wait for it): at most 3 s. */
async function closeQuietly(parts: Array<Queue | QueueEvents>, health: Redis): Promise<void> {
  health.disconnect();
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const closed = Promise.all(parts.map((p) => p.close().catch(() => undefined)));
  if (await Promise.race([closed.then(() => true), sleep(2000).then(() => false)])) return;
  await Promise.race([Promise.all(parts.map((p) => p.disconnect().catch(() => undefined))), sleep(1000)]);
}
