/**
 * A course folder through the Redis queue (issue 24 item 3), against a real redis-server: the
 * coordinator publishes the folder's images once under their content hash, each worker fetches
 * them once, checks them and keeps them in its cache, and the grid's cache files are byte for byte
 * a local run's (timings aside). Also: bytes tampered in Redis fail the jobs naming both hashes
 * and are never kept, and so does a job whose fingerprint is not its images' (naming both); a result the coordinator rejects is named and trained again; rediss://
 * (TLS) with a password and a CA trusted through NODE_EXTRA_CA_CERTS, the password never printed.
 *
 * Each test has its own redis-server, so no test collects another's finished jobs.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGrayBmp } from '../lib/data/bmp.js';
import { Rng } from '../lib/nn/random.js';
import { parseQueueUrl } from '../lib/queue/url.js';
import { IN_CI, makeCertificates, opensslProblem, redisProblem, startRedis, type TestRedis } from './redis-server.js';
import { cacheFiles, GRID, NNLAB, ROOT, start, stopWorker, until, worker } from './queue-children.js';

/** A course-like folder: class folders 1..4 of 12 or 13 8-bit greyscale BMPs (grey strokes on noisy paper, one duplicate, 49 in all: odd). */
function writeCourseFolder(dir: string): void {
  const rng = new Rng(7);
  for (let c = 1; c <= 4; c++) {
    mkdirSync(path.join(dir, String(c)), { recursive: true });
    for (let i = 1; i <= (c === 4 ? 13 : 12); i++) {
      const gray = new Uint8Array(28 * 28);
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const stroke = y > 3 && y < 24 && x > 3 && x < 24 && ((x + 3 * c) % 7 < 2 || (y + i) % 9 === 0);
          gray[y * 28 + x] = stroke ? rng.int(20, 120) : rng.int(225, 256);
        }
      }
      const file = path.join(dir, String(c), `${i}.bmp`);
      writeFileSync(file, encodeGrayBmp({ width: 28, height: 28, gray }, { bitsPerPixel: 8 }));
    }
  }
  writeFileSync(path.join(dir, '1', '12.bmp'), readFileSync(path.join(dir, '1', '11.bmp'))); // a duplicate: the split keeps it on one side
}

const UNDER_WINE = process.env.NNLAB_UNDER_WINE === '1';
const problem = UNDER_WINE ? 'under Wine (redis-server is a Linux program; the Linux run has these tests)' : redisProblem();
const MUST_RUN = IN_CI && !UNDER_WINE;
if (problem && !MUST_RUN) console.warn(`queue-course.test.ts: Redis tests skipped: ${problem}`);
const tlsProblem = problem ?? opensslProblem();
if (tlsProblem && !problem && !MUST_RUN) console.warn(`queue-course.test.ts: the TLS test is skipped: ${tlsProblem}`);

const PASSWORD = 'course-pw-51c7';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const files = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);

describe.skipIf(problem !== null && !MUST_RUN)('a course folder through a real Redis', () => {
  let tmp: string;
  let folder: string;
  let localCache: string;
  const grid = (cache: string, url: string, env: NodeJS.ProcessEnv = {}) => start([GRID, '--cache', cache, '--data', folder, '--small', '--epochs', '2', '--queue', url], env);

  beforeAll(async () => {
    expect(problem, problem ?? '').toBeNull();
    expect(existsSync(path.join(ROOT, 'dist', 'queue', 'dataset.js')), 'run `npm run build` first').toBe(true);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'nnlab-queue-course-'));
    folder = path.join(tmp, 'chars');
    writeCourseFolder(folder);
    localCache = path.join(tmp, 'local');
    const local = start([GRID, '--cache', localCache, '--data', folder, '--small', '--epochs', '2', '--workers', '0']);
    expect(await local.exit, local.out()).toBe(0);
    expect(cacheFiles(localCache).size).toBe(4);
  }, 120_000);
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('publishes the folder once; two workers fetch it once each, check it, keep it; the cache files are a local run\'s', async () => {
    const redis = await startRedis({ password: PASSWORD });
    const caches = [path.join(tmp, 'w1'), path.join(tmp, 'w2')];
    const workers = caches.map((dir) => worker(redis.url, [], { NNLAB_CACHE_DIR: dir }));
    try {
      const cache = path.join(tmp, 'queued');
      const coordinator = grid(cache, redis.url);
      expect(await coordinator.exit, coordinator.out()).toBe(0);
      const queued = cacheFiles(cache);
      expect(queued.size).toBe(4);
      for (const [file, text] of cacheFiles(localCache)) expect(queued.get(file), file).toBe(text);

      // What Redis holds: one dataset, under the hash of its bytes.
      const { Redis } = await import('ioredis');
      const client = new Redis(parseQueueUrl(redis.url).redis);
      const keys = await client.keys('nnlab-data:*');
      expect(keys).toHaveLength(1);
      const hash = keys[0].slice('nnlab-data:'.length);
      expect(sha256((await client.getBuffer(keys[0]))!)).toBe(hash);
      client.disconnect();

      // Each worker that trained fetched the data once and kept exactly those bytes.
      const busy = workers.map((w, i) => ({ w, dir: path.join(caches[i], 'datasets') })).filter(({ w }) => /done /.test(w.out()));
      expect(busy.length).toBeGreaterThan(0);
      for (const { w, dir } of busy) {
        expect(w.out().match(/fetched from Redis/g), w.out()).toHaveLength(1);
        expect(files(dir)).toEqual([`${hash}.bin`]);
        expect(sha256(readFileSync(path.join(dir, `${hash}.bin`)))).toBe(hash);
      }
      for (const w of [coordinator, ...workers]) expect(w.out()).not.toContain(PASSWORD);
    } finally {
      await Promise.all(workers.map(stopWorker));
    }

    // A worker started again takes the data from its cache, not from Redis (another grid: 3 epochs).
    const busyDir = caches.find((dir) => existsSync(path.join(dir, 'datasets')))!;
    const again = worker(redis.url, [], { NNLAB_CACHE_DIR: busyDir });
    try {
      const coordinator = start([GRID, '--cache', path.join(tmp, 'queued-3'), '--data', folder, '--small', '--epochs', '3', '--queue', redis.url]);
      expect(await coordinator.exit, coordinator.out()).toBe(0);
      expect(again.out()).toMatch(/data [0-9a-f]{12}: from the local cache /);
      expect(again.out()).not.toMatch(/fetched from Redis/);
    } finally {
      await stopWorker(again);
      await redis.stop();
    }
  }, 240_000);

  it('bytes tampered in Redis: the jobs fail naming both hashes, nothing is kept or cached', async () => {
    const redis = await startRedis();
    const workerCache = path.join(tmp, 'w-tampered');
    const cache = path.join(tmp, 'tampered');
    const coordinator = grid(cache, redis.url); // no worker yet: the jobs wait
    const { Redis } = await import('ioredis');
    const client = new Redis(parseQueueUrl(redis.url).redis);
    let w: ReturnType<typeof worker> | undefined;
    try {
      await until('the jobs to be queued', () => /0\/4 done/.test(coordinator.out()));
      const [key] = await client.keys('nnlab-data:*');
      const published = key.slice('nnlab-data:'.length);
      await client.setrange(key, 40, 'tampered'); // same length, other bytes
      w = worker(redis.url, [], { NNLAB_CACHE_DIR: workerCache });
      expect(await coordinator.exit, coordinator.out()).toBe(1);
      const out = coordinator.out();
      expect(out).toMatch(/runGrid: 4 of 4 run\(s\) failed on the queue/);
      const named = out.match(/published data mismatch: the job's data has content hash ([0-9a-f]{64}), the bytes in Redis hash to ([0-9a-f]{64})/);
      expect(named, out).not.toBeNull();
      expect(named![1]).toBe(published);
      expect(named![2]).toBe(sha256((await client.getBuffer(key))!));
      expect(files(path.join(workerCache, 'datasets'))).toEqual([]);
      expect(files(path.join(cache, 'runs'))).toEqual([]);
    } finally {
      client.disconnect();
      if (w) await stopWorker(w);
      if (coordinator.proc.exitCode === null) coordinator.proc.kill('SIGKILL');
      await redis.stop();
    }
  }, 120_000);

  it('a job whose fingerprint is not its published images\' fails naming both fingerprints, nothing kept', async () => {
    const redis = await startRedis();
    const jobs = await import(pathToFileURL(path.join(ROOT, 'dist', 'queue', 'jobs.js')).href) as typeof import('../lib/queue/jobs.js');
    const cacheJs = await import(pathToFileURL(path.join(ROOT, 'dist', 'experiments', 'cache.js')).href) as typeof import('../lib/experiments/cache.js');
    const { Queue, QueueEvents } = await import('bullmq');
    const connection = parseQueueUrl(redis.url).redis;
    const queue = new Queue(jobs.queueName(), { connection });
    const events = new QueueEvents(jobs.queueName(), { connection });
    const coordinator = grid(path.join(tmp, 'fingerprint'), redis.url); // publishes the images, then its jobs wait
    const workerCache = path.join(tmp, 'w-fingerprint');
    let w: ReturnType<typeof worker> | undefined;
    try {
      await until('the jobs to be queued', () => /0\/4 done/.test(coordinator.out()));
      coordinator.proc.kill('SIGKILL');
      await coordinator.exit;
      const [first] = await queue.getWaiting(0, 0);
      await queue.drain(); // only the job below is left
      const fingerprint = 'f'.repeat(24);
      const key = cacheJs.runKey(first.data.settings, fingerprint);
      const job = await queue.add('run', { ...first.data, fingerprint, key }, { jobId: key, attempts: 1 });
      await events.waitUntilReady();
      w = worker(redis.url, [], { NNLAB_CACHE_DIR: workerCache });
      await expect(job.waitUntilFinished(events, 60_000)).rejects.toThrow(`data fingerprint mismatch: the job's data has fingerprint ${fingerprint}, its published images make ${first.data.fingerprint} here`);
      expect(files(path.join(workerCache, 'datasets'))).toEqual([]);
    } finally {
      await events.close();
      await queue.close();
      if (w) await stopWorker(w);
      if (coordinator.proc.exitCode === null) coordinator.proc.kill('SIGKILL');
      await redis.stop();
    }
  }, 120_000);

  it('a result that fails the coordinator\'s check (another run\'s record under this key) is named, trained again, and the cache holds the right record', async () => {
    const redis = await startRedis();
    const dist = await import(pathToFileURL(path.join(ROOT, 'dist', 'queue', 'jobs.js')).href) as typeof import('../lib/queue/jobs.js');
    const { Worker } = await import('bullmq');
    const cache = path.join(tmp, 'rejected');
    const coordinator = grid(cache, redis.url);
    // A fake worker takes one job and completes it with another run's cache file, its key changed.
    const fake = new Worker(dist.queueName(), null, { connection: parseQueueUrl(redis.url).redis, autorun: false });
    let real: ReturnType<typeof worker> | undefined;
    try {
      let job = await fake.getNextJob('fake-token');
      while (!job) job = await fake.getNextJob('fake-token');
      const key = job.id!;
      const other = readdirSync(path.join(localCache, 'runs')).find((f) => f.endsWith('.json') && !f.startsWith(key))!;
      const wrong = { ...JSON.parse(readFileSync(path.join(localCache, 'runs', other), 'utf8')), key };
      await job.moveToCompleted(wrong, 'fake-token', false);
      await fake.close();
      real = worker(redis.url, [], { NNLAB_CACHE_DIR: path.join(tmp, 'w-rejected') });
      expect(await coordinator.exit, coordinator.out()).toBe(0);
      const label = (job.data as { label: string }).label.replace(/ · seed 0$/, '');
      expect(coordinator.out()).toContain(`queue: rejected the result of run '${label}' (seed 0) (job ${key}): settings: the stored settings, data and version are not those of this key`);
      expect(coordinator.out()).toContain(`queue: training '${label}' (seed 0) again`);
      const queued = cacheFiles(cache);
      expect(queued.size).toBe(4);
      for (const [file, text] of cacheFiles(localCache)) expect(queued.get(file), file).toBe(text);
    } finally {
      await fake.close();
      if (real) await stopWorker(real);
      if (coordinator.proc.exitCode === null) coordinator.proc.kill('SIGKILL');
      await redis.stop();
    }
  }, 120_000);

  it.skipIf(tlsProblem !== null && !MUST_RUN)('rediss:// with a password: a worker without the CA says why; with NODE_EXTRA_CA_CERTS the grid equals a local run\'s, the password never printed', async () => {
    const certs = makeCertificates();
    const redis = await startRedis({ password: PASSWORD, tls: certs });
    expect(redis.url).toMatch(/^rediss:\/\//);
    const trusted = { NODE_EXTRA_CA_CERTS: certs.ca };
    const untrusted = start([NNLAB, 'worker', '--queue', redis.url]);
    const workers = [0, 1].map((i) => worker(redis.url, [], { ...trusted, NNLAB_CACHE_DIR: path.join(tmp, `w-tls-${i}`) }));
    try {
      expect(await untrusted.exit).toBe(1);
      expect(untrusted.out().trim()).toMatch(new RegExp(`^nnlab: cannot reach Redis at rediss://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}: self[- ]signed certificate in certificate chain$`));
      const cache = path.join(tmp, 'tls');
      const coordinator = grid(cache, redis.url, trusted);
      expect(await coordinator.exit, coordinator.out()).toBe(0);
      const queued = cacheFiles(cache);
      expect(queued.size).toBe(4);
      for (const [file, text] of cacheFiles(localCache)) expect(queued.get(file), file).toBe(text);
      for (const w of [untrusted, coordinator, ...workers]) expect(w.out()).not.toContain(PASSWORD);
    } finally {
      await Promise.all(workers.map(stopWorker));
      await redis.stop();
      rmSync(certs.dir, { recursive: true, force: true });
    }
  }, 180_000);
});
