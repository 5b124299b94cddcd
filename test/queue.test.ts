/**
 * Grids through a Redis queue (lib/queue, issue 24): URLs that never show their password, job
 * payloads checked before anything is allocated, and, against a real redis-server started here:
 * the same grid locally and through a coordinator with two single-thread workers gives the same
 * cache files byte for byte (timings aside), a worker killed mid-job has its job finished by
 * another, Redis unreachable or stopped mid-grid stops the coordinator with a clear error.
 *
 * The coordinator and the workers are child processes running the built library (dist/), as a
 * user runs them; runs are keyed by the code's hash, which differs between lib/*.ts and dist/.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQueueUrl } from '../lib/queue/url.js';
import { checkRunJob, queueName } from '../lib/queue/jobs.js';
import { runKey } from '../lib/experiments/cache.js';
import { PROFILES } from '../lib/experiments/profile.js';
import { runNnlab } from './cli-helpers.js';
import { closedPort, IN_CI, redisProblem, startRedis, type TestRedis } from './redis-server.js';
import { cacheFiles, exitWithin, GRID, NNLAB, ROOT, start, stopWorker, until, worker, type Child } from './queue-children.js';


describe('queue URLs', () => {
  it('parses redis:// and rediss:// into connection options, and prints them without the password', () => {
    const a = parseQueueUrl('redis://:s3cret-pw@example.org:6380/2');
    expect(a.redis).toEqual({ host: 'example.org', port: 6380, db: 2, password: 's3cret-pw' });
    expect(a.redacted).toBe('redis://:***@example.org:6380/2');
    expect(a.scrub('connect to redis://:s3cret-pw@example.org:6380/2 failed, AUTH s3cret-pw')).toBe('connect to redis://:***@example.org:6380/2 failed, AUTH ***');
    const tls = parseQueueUrl('rediss://user:p%40ss@10.0.0.5:6390');
    expect(tls.redis).toEqual({ host: '10.0.0.5', port: 6390, db: 0, username: 'user', password: 'p@ss', tls: {} }); // no SNI for an address
    expect(parseQueueUrl('rediss://redis.example.org').redis.tls).toEqual({ servername: 'redis.example.org' });
    expect(tls.redacted).not.toContain('p%40ss');
  });

  it('refuses what is not a Redis URL, naming the option and never the password', () => {
    for (const bad of ['http://:hunter22@h:1', 'redis://:hunter22@h:1/99', 'redis://:hunter22@h:1/0?x=1', ':hunter22@nowhere']) {
      let message = '';
      try { parseQueueUrl(bad, 'NNLAB_QUEUE'); } catch (err) { message = (err as Error).message; }
      expect(message).toMatch(/^NNLAB_QUEUE: /);
      expect(message).not.toContain('hunter22');
    }
  });
});

describe('the commands\' queue options', () => {
  it('worker needs a queue URL; report and worker refuse a bad one or an unreachable Redis before doing anything, without the password', async () => {
    const saved = process.env.NNLAB_QUEUE;
    delete process.env.NNLAB_QUEUE;
    try {
      await expect(runNnlab('worker')).rejects.toThrow(/^worker: --queue: give the queue's URL/);
      await expect(runNnlab('worker', '--queue', 'http://:pw-x1@h:1')).rejects.toThrow(/^--queue: http:\/\/:\*\*\*@h:1: expected redis:\/\//);
      await expect(runNnlab('worker', '--queue', 'redis://h:1', '--concurrency', '0')).rejects.toThrow(/--concurrency/);
      const port = await closedPort();
      const err = await runNnlab('report', '--notebook', '01', '--out', path.join(os.tmpdir(), 'never-written'), '--queue', `redis://:pw-x1@127.0.0.1:${port}`).catch((e: Error) => e);
      expect((err as Error).message).toBe(`cannot reach Redis at redis://:***@127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
      expect(existsSync(path.join(os.tmpdir(), 'never-written'))).toBe(false);
    } finally {
      if (saved !== undefined) process.env.NNLAB_QUEUE = saved;
    }
  });
});

describe('job payloads', () => {
  const settings = { ...PROFILES.quick.baseline, numEpochs: 2 };
  const fingerprint = 'ab'.repeat(12);
  const spec = { kind: 'synthetic', generator: 2, perClass: 200, valFraction: 0.2, testFraction: 0, seed: 0 };
  const good = { key: runKey(settings, fingerprint), settings, fingerprint, data: spec, label: 'baseline' };

  it('accepts a job whose key is that of its settings and data', () => {
    expect(checkRunJob(good, good.key).settings).toEqual(settings);
    expect(queueName()).toMatch(/^nnlab-runs-\d+\.\d+\.\d+_[0-9a-f]{12}-numerics-\d+$/);
  });

  it('rejects a wrong schema, huge sizes and a key that is not its settings\', naming the field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...good, settings: { ...settings, hiddenDims: [1e9, 1e9] } }, /settings\.hiddenDims\.0: expected ≤ 16384/],
      [{ ...good, settings: { ...settings, hiddenDims: Array(1e6).fill(10) } }, /hiddenDims: expected at most 64 layers/],
      [{ ...good, data: { ...spec, perClass: 1e12 } }, /data\.perClass: expected ≤ 14266/],
      [{ ...good, settings: { ...settings, hiddenDims: Array(64).fill(16384) } }, /hiddenDims: \d+ parameters, more than the library's limit/],
      [{ ...good, settings: { ...settings, numEpochs: 1e9 } }, /numEpochs: expected ≤ 100000/],
      [{ ...good, data: { ...spec, kind: 'folder', path: '/etc' } }, /data\.kind/],
      [{ ...good, data: { ...spec, generator: 9 } }, /data\.generator: expected a generator version \(1, 2\)/],
      [{ ...good, code: 'process.exit()' }, /code/],
      [{ ...good, settings: { ...settings, learningRate: -1 } }, /learningRate/],
      [{ ...good, settings: { ...settings, seed: 1 } }, /not the key of its settings/],
      ['{"key": 1}', /malformed job payload/],
    ];
    for (const [payload, problem] of cases) expect(() => checkRunJob(payload, good.key)).toThrow(problem);
    expect(() => checkRunJob(good, 'f'.repeat(32))).toThrow(/not the key/);
  });

  it('a published course folder: accepted when bounded; huge or odd sizes rejected before anything is fetched, naming the field', () => {
    const images = { kind: 'images', hash: 'cd'.repeat(32), bytes: 1_500_000, images: 7440, width: 28, height: 28, classNames: ['a', 'b', 'c'], valFraction: 0.2, testFraction: 0, seed: 0 };
    const course = { ...good, data: images };
    expect(checkRunJob(course, good.key).data).toEqual(images);
    const cases: Array<[object, RegExp]> = [
      [{ ...images, bytes: 2 ** 40 }, /data\.bytes: expected ≤ 67108864/],
      [{ ...images, hash: 'CD'.repeat(32) }, /data\.hash: expected 64 hexadecimal digits/],
      [{ ...images, images: 2 ** 27, width: 28, height: 28 }, /data: 134217728 images of 784 pixels, more than the library's largest matrix/],
      [{ ...images, width: 16384, height: 16384 }, /data: images of 268435456 pixels, more inputs than the library's limit 16384/],
      [{ ...images, classNames: Array(5000).fill('x') }, /data\.classNames: expected at most 1000 classes/],
      [{ ...images, classNames: ['only one'] }, /data\.classNames: expected at least 2 classes/],
      [{ ...images, path: '/etc/passwd' }, /data\.path/],
      [{ ...images, kind: 'folder' }, /data\.kind/],
    ];
    for (const [data, problem] of cases) expect(() => checkRunJob({ ...course, data }, good.key)).toThrow(problem);
  });
});

// Under Wine (.ci/wine: Windows Node) a Linux redis-server cannot be started: the Linux run of CI covers these tests.
const UNDER_WINE = process.env.NNLAB_UNDER_WINE === '1';
const problem = UNDER_WINE ? 'under Wine (redis-server is a Linux program; the Linux run has these tests)' : redisProblem();
const MUST_RUN = IN_CI && !UNDER_WINE;
if (problem && !MUST_RUN) console.warn(`queue.test.ts: Redis tests skipped: ${problem}`);

describe.skipIf(problem !== null && !MUST_RUN)('a grid through a real Redis', () => {
  let redis: TestRedis;
  let tmp: string;
  let localCache: string;
  beforeAll(async () => {
    expect(problem, problem ?? '').toBeNull();
    expect(existsSync(path.join(ROOT, 'dist', 'queue', 'worker.js')), 'run `npm run build` first').toBe(true);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'nnlab-queue-'));
    redis = await startRedis({ password: 'test-pw-9d2f' });
    // The reference: the same grid trained here, in one thread.
    localCache = path.join(tmp, 'local');
    const local = start([GRID, '--cache', localCache, '--small', '--epochs', '2', '--workers', '0']);
    expect(await local.exit, local.out()).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await redis?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('trains the grid on two single-thread workers into a cache identical to a local run\'s (timings aside), never printing the password', async () => {
    const workers = [worker(redis.url), worker(redis.url)];
    try {
      const cache = path.join(tmp, 'queued');
      const coordinator = start([GRID, '--cache', cache, '--small', '--epochs', '2', '--queue', redis.url]);
      expect(await coordinator.exit, coordinator.out()).toBe(0);
      const summary = JSON.parse(coordinator.out().trim().split('\n').pop()!);
      expect(summary.trained).toBe(4);
      expect(coordinator.out()).toMatch(/4\/4 done · 0 running · 0 waiting · workers: \d connected, [12] seen/);
      const queued = cacheFiles(cache);
      expect([...queued.keys()]).toEqual([...cacheFiles(localCache).keys()]);
      expect(queued.size).toBe(4);
      for (const [file, text] of cacheFiles(localCache)) expect(queued.get(file), file).toBe(text);
      await until('both workers to say what they did', () => workers.every((w) => /done /.test(w.out())) || workers.map((w) => (w.out().match(/done /g) ?? []).length).reduce((a, b) => a + b) === 4);
      for (const w of [coordinator, ...workers]) expect(w.out()).not.toContain('test-pw-9d2f');
    } finally {
      await Promise.all(workers.map(stopWorker));
    }
    for (const w of workers) expect(w.out()).toMatch(/SIGTERM: finishing 0 running run\(s\)[\s\S]*stopped/);
  }, 180_000);

  it('a coordinator started again collects the finished jobs from Redis, training nothing twice (here with no worker at all)', async () => {
    const cache = path.join(tmp, 'again');
    const coordinator = start([GRID, '--cache', cache, '--small', '--epochs', '2', '--queue', redis.url]);
    expect(await coordinator.exit, coordinator.out()).toBe(0);
    expect(coordinator.out()).toMatch(/4\/4 done .* workers: 0 connected, 0 seen/);
    for (const [file, text] of cacheFiles(localCache)) expect(cacheFiles(cache).get(file), file).toBe(text);
  }, 60_000);

  it('a worker killed mid-job: the stalled job is finished by another worker, with the same bits as a local run', async () => {
    const dist = await import(pathToFileURL(path.join(ROOT, 'dist', 'queue', 'jobs.js')).href) as typeof import('../lib/queue/jobs.js');
    const { Queue } = await import('bullmq');
    const first = worker(redis.url, ['--lock-seconds', '2']);
    const cache = path.join(tmp, 'stalled');
    const coordinator = start([GRID, '--cache', cache, '--small', '--epochs', '6', '--queue', redis.url]);
    let second: Child | undefined;
    try {
      await until('the first worker to start a run', () => /start /.test(first.out()));
      process.kill(first.proc.pid!, 'SIGKILL');
      await first.exit;
      const killedJob = first.out().match(/\(job ([0-9a-f]{8})/)![1];
      second = worker(redis.url, ['--lock-seconds', '2']);
      expect(await coordinator.exit, coordinator.out()).toBe(0);
      const reference = path.join(tmp, 'stalled-local');
      const local = start([GRID, '--cache', reference, '--small', '--epochs', '6', '--workers', '0']);
      expect(await local.exit, local.out()).toBe(0);
      const queued = cacheFiles(cache);
      expect(queued.size).toBe(4);
      for (const [file, text] of cacheFiles(reference)) expect(queued.get(file), file).toBe(text);
      const queue = new Queue(dist.queueName(), { connection: parseQueueUrl(redis.url).redis });
      try {
        const jobId = [...queued.keys()].map((f) => f.replace('.json', '')).find((k) => k.startsWith(killedJob))!;
        const job = await queue.getJob(jobId);
        expect(job?.stalledCounter).toBe(1);
        expect(await job?.getState()).toBe('completed');
      } finally {
        await queue.close();
      }
      expect(second.out()).toContain(`(job ${killedJob}`);
    } finally {
      if (second) await stopWorker(second);
      if (coordinator.proc.exitCode === null) coordinator.proc.kill('SIGKILL');
    }
  }, 180_000);

  it('a malformed payload is rejected by the worker before anything is allocated, and not retried', async () => {
    const dist = await import(pathToFileURL(path.join(ROOT, 'dist', 'queue', 'jobs.js')).href) as typeof import('../lib/queue/jobs.js');
    const { Queue, QueueEvents } = await import('bullmq');
    const w = worker(redis.url);
    const connection = parseQueueUrl(redis.url).redis;
    const queue = new Queue(dist.queueName(), { connection });
    const events = new QueueEvents(dist.queueName(), { connection });
    try {
      await until('the worker to listen', () => /waiting for runs/.test(w.out()));
      const job = await queue.add('run', { key: 'f'.repeat(32), settings: { hiddenDims: [1e9, 1e9], numEpochs: 1e9, batchSize: 1 }, fingerprint: 'a'.repeat(24), data: { kind: 'synthetic', generator: 2, perClass: 1e12, valFraction: 0.2, testFraction: 0, seed: 0 } }, { jobId: 'f'.repeat(32), attempts: 3 });
      await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(/malformed job payload: (data\.perClass: expected ≤ 14266|settings\.hiddenDims\.0: expected ≤ 16384)/);
      const after = await queue.getJob(job.id!);
      expect(after?.attemptsMade).toBe(1);
      expect(w.out()).toMatch(/rejected job f{32}: malformed job payload/);
    } finally {
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await stopWorker(w);
    }
  }, 60_000);

  it('Redis stopped mid-grid: the coordinator says so and exits non-zero, the cache holds only complete results, a rerun completes the grid', async () => {
    const own = await startRedis();
    const cache = path.join(tmp, 'lost');
    const coordinator = start([GRID, '--cache', cache, '--small', '--epochs', '2', '--queue', own.url]); // no worker: the jobs wait
    await until('the jobs to be queued', () => /0\/4 done/.test(coordinator.out()));
    const port = own.port;
    await own.stop('SIGKILL');
    const started = Date.now();
    expect(await coordinator.exit).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(coordinator.out()).toMatch(new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port} stopped answering .*4 run\\(s\\) unfinished`));
    expect(coordinator.out()).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(path.join(cache, 'runs')) ? readdirSync(path.join(cache, 'runs')) : []).toEqual([]);
    const again = await startRedis({ port });
    const w = worker(again.url);
    try {
      const rerun = start([GRID, '--cache', cache, '--small', '--epochs', '2', '--queue', again.url]);
      expect(await rerun.exit, rerun.out()).toBe(0);
      for (const [file, text] of cacheFiles(localCache)) expect(cacheFiles(cache).get(file), file).toBe(text);
    } finally {
      await stopWorker(w);
      await again.stop();
    }
  }, 120_000);

  it('jobs that throw (data whose spec does not make its fingerprint) fail after their attempts; the coordinator names the runs and both fingerprints, and exits non-zero', async () => {
    const w = worker(redis.url);
    try {
      const cache = path.join(tmp, 'throwing');
      const coordinator = start([GRID, '--cache', cache, '--small', '--epochs', '3', '--queue', redis.url, '--wrong-spec']); // 3 epochs: keys no other test has queued
      expect(await coordinator.exit).toBe(1);
      const out = coordinator.out();
      expect(out).toMatch(/runGrid: 4 of 4 run\(s\) failed on the queue/);
      expect(out).toMatch(/'baseline' \(seed 0\): data fingerprint mismatch: the job's data has fingerprint [0-9a-f]{24}, its spec makes [0-9a-f]{24} here/);
      expect(w.out()).toMatch(/attempt 2\)/);
      expect(existsSync(path.join(cache, 'runs')) ? readdirSync(path.join(cache, 'runs')) : []).toEqual([]);
    } finally {
      await stopWorker(w);
    }
  }, 120_000);

  it('Redis not reachable at start: a clear error within 10 s naming the URL without its password, nothing written', async () => {
    const port = await closedPort();
    const cache = path.join(tmp, 'unreachable');
    const started = Date.now();
    const coordinator = start([GRID, '--cache', cache, '--small', '--epochs', '2', '--queue', `redis://:pw-unseen-77@127.0.0.1:${port}`]);
    expect(await exitWithin(coordinator, 25_000)).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000); // the script makes its data first; the probe itself gives up after 8 s
    expect(coordinator.out()).toContain(`cannot reach Redis at redis://:***@127.0.0.1:${port}`);
    expect(coordinator.out()).not.toContain('pw-unseen-77');
    expect(coordinator.out()).not.toMatch(/\n\s+at /);
    expect(existsSync(cache)).toBe(false);
    const workerStarted = Date.now();
    const w = start([NNLAB, 'worker', '--queue', `redis://:pw-unseen-77@127.0.0.1:${port}`]);
    expect(await exitWithin(w, 25_000)).toBe(1);
    expect(Date.now() - workerStarted).toBeLessThan(10_000);
    expect(w.out().trim()).toBe(`nnlab: cannot reach Redis at redis://:***@127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
  }, 60_000);
});
