// Measures the Redis queue (lib/queue, issue 24) on this machine, against a private redis-server
// (127.0.0.1, free port, no persistence, stopped by its PID):
//   1. overhead per job: runs with an almost empty training (1 epoch, 1 hidden unit, 60 images),
//      locally in this thread vs through the queue to one worker (concurrency 1), one grid of
//      many runs (pipelined) and grids of one run each (submit -> result in the cache);
//   2. notebook 02's first grid (quick profile, 9 runs): locally on 2 threads vs through the
//      queue with 2 local workers of 1 thread each (started once, warmed up): wall time and ratio;
//   3. a plan on paper for N machines, from the measured per-run times and overhead.
// Needs `npm run build` and redis-server on PATH. Prints a Markdown table; numbers only as measured.
//
// Usage: node scripts/bench-queue.mjs [--repeat N] [--data DIR]
//   --repeat N   timed rounds of part 2 (default 2)
//   --data DIR   part 2 on a course folder (capped as the quick profile caps it): the workers fetch
//                its images from Redis once (in the warm-up), as published by the coordinator
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { repeat: { type: 'string', default: '2' }, data: { type: 'string' } } });
const repeat = Number(values.repeat);
if (spawnSync('redis-server', ['--version']).status !== 0) {
  console.error('bench-queue: no redis-server on PATH (Debian/Ubuntu: sudo apt-get install redis-server)');
  process.exit(1);
}
const ex = await import(pathToFileURL(path.join(ROOT, 'dist', 'experiments', 'index.js')).href);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'nnlab-bench-queue-'));
const env = { ...process.env, NNLAB_NODE_WARNING: '0' };
delete env.NNLAB_QUEUE;

const port = await new Promise((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); }); });
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}`;
const children = [];
const stopAll = () => { for (const c of [...children, redis]) if (c.exitCode === null) process.kill(c.pid, 'SIGTERM'); };
process.on('exit', stopAll);
await new Promise((r) => setTimeout(r, 300));

function startWorker(concurrency) {
  const w = spawn(process.execPath, [path.join(ROOT, 'bin', 'nnlab.js'), 'worker', '--queue', url, '--concurrency', String(concurrency)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(w);
  return new Promise((resolve) => { let t = ''; w.stdout.on('data', (d) => { t += d; if (t.includes('waiting for runs')) resolve(w); }); });
}
async function stopWorker(w) { process.kill(w.pid, 'SIGTERM'); await new Promise((r) => w.once('exit', r)); }

const ms = (t0) => performance.now() - t0;
const quiet = { progress: false };

// 1. Overhead per job ------------------------------------------------------------------------
const tiny = ex.loadLabData({ ...ex.PROFILES.quick, perClass: 5, maxPerClass: null }, { dir: null });
const tinyData = { ...tiny, numClasses: tiny.classNames.length };
const emptyRun = { ...ex.PROFILES.quick.baseline, hiddenDims: [1], numEpochs: 1, batchSize: 64 };
const seeds = (from, n) => Array.from({ length: n }, (_, i) => from + i);
const grid = (s) => s.map((seed) => ({ seed, label: `seed ${seed}` }));
const JOBS = 60;

let t0 = performance.now();
await ex.runGrid(grid(seeds(0, JOBS)), tinyData, emptyRun, { ...quiet, cache: new ex.RunCache(path.join(tmp, 'l1')), workers: 0 });
const localPerRun = ms(t0) / JOBS;

const w1 = await startWorker(1);
await ex.runGrid(grid(seeds(10_000, 5)), tinyData, emptyRun, { ...quiet, cache: new ex.RunCache(path.join(tmp, 'warm')), queue: url }); // warm-up
t0 = performance.now();
await ex.runGrid(grid(seeds(1000, JOBS)), tinyData, emptyRun, { ...quiet, cache: new ex.RunCache(path.join(tmp, 'q1')), queue: url });
const queuedPerRun = ms(t0) / JOBS;
const SINGLE = 15;
t0 = performance.now();
for (let i = 0; i < SINGLE; i++) await ex.runGrid(grid([2000 + i]), tinyData, emptyRun, { ...quiet, cache: new ex.RunCache(path.join(tmp, 'q2')), queue: url });
const singlePerGrid = ms(t0) / SINGLE;
await stopWorker(w1);

// 2. Notebook 02's first grid ----------------------------------------------------------------
const profile = ex.PROFILES.quick;
const data = ex.loadLabData(profile, { dir: values.data ? path.resolve(values.data) : null });
const runnerData = { ...data, numClasses: data.classNames.length };
const points = ex.grid({ depth: [2, 3, 4], width: [10, 50, 100] }).map((p) => ({ ...p, hiddenDims: ex.layers(p.depth, p.width) }));
// Two workers of one thread, started once and warmed up on this data (each makes it once, from
// its spec or from the images published in Redis).
const workers = await Promise.all([startWorker(1), startWorker(1)]);
t0 = performance.now();
await ex.runGrid(points.slice(0, 2), runnerData, { ...profile.baseline, numEpochs: 1 }, { ...quiet, seeds: [99], cache: new ex.RunCache(path.join(tmp, 'g-warm')), queue: url });
const warmUpS = ms(t0) / 1000;
let publishedBytes = null;
if (values.data) {
  const { Redis } = await import('ioredis');
  const client = new Redis({ host: '127.0.0.1', port });
  const [key] = await client.keys('nnlab-data:*');
  publishedBytes = await client.strlen(key);
  client.disconnect();
}
const rounds = [];
for (let r = 0; r < repeat; r++) {
  // A different seed per round: nothing comes from the cache or from an earlier round's jobs.
  const opts = { ...quiet, seeds: [100 + r] };
  t0 = performance.now();
  const local = await ex.runGrid(points, runnerData, profile.baseline, { ...opts, cache: new ex.RunCache(path.join(tmp, `g-local-${r}`)), workers: 2 });
  const localS = ms(t0) / 1000;
  t0 = performance.now();
  await ex.runGrid(points, runnerData, profile.baseline, { ...opts, cache: new ex.RunCache(path.join(tmp, `g-queue-${r}`)), queue: url });
  const queueS = ms(t0) / 1000;
  const runSeconds = local.runs.map((x) => x.seconds);
  rounds.push({ localS, queueS, sumRunS: runSeconds.reduce((a, b) => a + b, 0), longestS: Math.max(...runSeconds), runs: runSeconds.length });
}
await Promise.all(workers.map(stopWorker));

const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const f = (x, d = 1) => x.toFixed(d);
console.log(`\nnnlab queue benchmark · ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}) · Node ${process.versions.node} · load average after: ${load}\n`);
console.log('| measure | value |');
console.log('|---|---|');
console.log(`| empty run, locally in this thread | ${f(localPerRun)} ms per run (${JOBS} runs) |`);
console.log(`| empty run through the queue, 1 worker, one grid of ${JOBS} runs | ${f(queuedPerRun)} ms per run → overhead ${f(queuedPerRun - localPerRun)} ms per job |`);
console.log(`| empty run through the queue, grids of 1 run (connect, submit, wait, check, cache) | ${f(singlePerGrid)} ms per grid → ${f(singlePerGrid - localPerRun)} ms over local |`);
const gridData = values.data ? `${data.XTrain.rows + data.XVal.rows} images of ${values.data}` : 'built-in data';
if (publishedBytes !== null) console.log(`| course data published in Redis (deflated) | ${f(publishedBytes / 2 ** 20, 2)} MB for ${data.XTrain.rows + data.XVal.rows} images |`);
console.log(`| warm-up grid (2 runs of 1 epoch${values.data ? ', each worker fetching and checking the data' : ''}) | ${f(warmUpS, 2)} s |`);
for (const [i, r] of rounds.entries()) {
  console.log(`| notebook 02 grid (9 runs, quick, ${gridData}), round ${i + 1}: local 2 threads / queue 2 workers × 1 | ${f(r.localS, 2)} s / ${f(r.queueS, 2)} s · queue/local ${f(r.queueS / r.localS, 2)} |`);
}
// 3. A plan on paper: N machines of 2 cores, each run as long as measured here, plus the one-run-grid
// latency over local as the (conservative) overhead of every job; never less than the longest run.
const last = rounds[rounds.length - 1];
const overheadS = Math.max(0, singlePerGrid - localPerRun) / 1000;
console.log(`\nplan on paper (computed, not measured): round ${rounds.length}'s ${last.runs} runs trained ${f(last.sumRunS, 1)} s in all, the longest ${f(last.longestS, 1)} s; N machines of 2 cores: max(longest, (sum + runs × ${f(overheadS * 1000)} ms) / 2N)`);
console.log('| machines (2 cores each) | estimated wall time |');
console.log('|---|---|');
for (const n of [1, 2, 4, 8]) console.log(`| ${n} | ${f(Math.max(last.longestS, (last.sumRunS + last.runs * overheadS) / (2 * n)), 2)} s |`);
stopAll();
rmSync(tmp, { recursive: true, force: true });
process.exit(0);
