// Measures a change against the build it started from: grid jobs (lib/bench/grid_job.ts's
// runGridJob) and epoch profiles (lib/bench/nnlab.ts's profileEpoch) on two builds of nnlab
// (two dist/ directories), alternated run by run in separate processes, so that a slow period
// of a shared, noisy machine falls on both. Prints every value and the medians. A measurement,
// not a test.
//
//   node scripts/ab-builds.mjs --a DIST_A --b DIST_B [--runs 3] [--epochs 20]
//       [--what grid|profile|both] [--configs 'NAME;NAME…'] [--models M1,M2] [--batches 32,128]
//
// --configs names configurations of lib/bench/grid.json (default: the deep narrow ReLU nets
// 15×[10], 15×[30], 7×[50] and the 2×[50] of table 1; e.g. 'activation sigmoid;activation tanh').
// A grid job reports its wall time, the child's CPU time, and the shares of the kernel
// categories and of the JavaScript between them ("other") from a second, profiled run.
// The children run with NNLAB_THREADS=1 unless NNLAB_THREADS is set.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_CONFIGS = ['depth-width depth16 width10', 'depth-width depth16 width30', 'depth-width depth8 width50', 'table1 depth3 width50'];

const { values } = parseArgs({
  options: {
    a: { type: 'string' }, b: { type: 'string' }, runs: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '20' }, what: { type: 'string', default: 'both' },
    configs: { type: 'string', default: DEFAULT_CONFIGS.join(';') },
    models: { type: 'string', default: 'M1,M2' }, batches: { type: 'string', default: '32,128' },
  },
});
const fail = (message) => { console.error(`ab-builds: ${message}`); process.exit(2); };
if (!values.a || !values.b) fail('--a and --b (two dist/ directories) are required');
const positive = (name) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got ${values[name]}`);
  return n;
};
const runs = positive('runs'), epochs = positive('epochs');
if (!['grid', 'profile', 'both'].includes(values.what)) fail(`--what must be grid, profile or both, got ${values.what}`);
const grid = JSON.parse(readFileSync(path.join(ROOT, 'lib', 'bench', 'grid.json'), 'utf8'));
const configs = values.configs.split(';').map((name) => grid.configs.find((c) => c.name === name.trim()) ?? fail(`--configs: no configuration '${name}' in lib/bench/grid.json`));
const profiles = values.models.split(',').flatMap((model) => values.batches.split(',').map((batch) => ({ model, batch: Number(batch) })));

/** The child's program: one grid job or one profile on the build at `dist`; prints JSON. */
function childScript(dist, job) {
  const url = (p) => JSON.stringify(pathToFileURL(path.join(path.resolve(dist), ...p.split('/'))).href);
  return `(async () => {
    const job = ${JSON.stringify(job)};
    if (job.kind === 'grid') {
      const { runGridJob } = await import(${url('bench/grid_job.js')});
      const { KernelProfile, profileKernels, PROFILE_CATEGORIES } = await import(${url('kernels/index.js')});
      const run = { config: job.config, seed: 0, dtype: 'float32', epochs: job.epochs, nTrain: ${grid.n_train}, nVal: ${grid.n_val} };
      const c0 = process.cpuUsage();
      const plain = runGridJob(run);
      const c = process.cpuUsage(c0);
      const profile = new KernelProfile();
      profileKernels(profile);
      let profiled;
      try { profiled = runGridJob(run); } finally { profileKernels(null); }
      const ms = profiled.seconds * 1000, share = {};
      for (const k of PROFILE_CATEGORIES) share[k] = profile.ms[k] / ms;
      share.other = 1 - PROFILE_CATEGORIES.reduce((s, k) => s + share[k], 0);
      console.log(JSON.stringify({ seconds: plain.seconds, cpu: (c.user + c.system) / 1e6, share }));
    } else {
      const { makeWorkload } = await import(${url('bench/workload.js')});
      const { profileEpoch } = await import(${url('bench/nnlab.js')});
      const p = profileEpoch(makeWorkload(), job.model, job.batch, 'float32');
      console.log(JSON.stringify({ epochMs: p.epochMs, share: p.share }));
    }
  })();`;
}

function runChild(dist, job) {
  const env = { ...process.env, NNLAB_THREADS: process.env.NNLAB_THREADS ?? '1', NNLAB_NODE_WARNING: '0' };
  const r = spawnSync(process.execPath, ['-e', childScript(dist, job)], { encoding: 'utf8', env });
  if (r.status !== 0) fail(`a child failed (${dist}, ${JSON.stringify(job)}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** `runs` results of `job` on each build, a and b alternated (ab, ba, ab, …). */
function alternated(job) {
  const out = { a: [], b: [] };
  for (let i = 0; i < runs; i++) {
    for (const side of i % 2 === 0 ? ['a', 'b'] : ['b', 'a']) out[side].push(runChild(values[side], job));
  }
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const f = (x, d = 2) => x.toFixed(d);
const shares = (results) => Object.keys(results[0].share).map((c) => `${c} ${f(100 * median(results.map((r) => r.share[c])), 1)}%`).join(', ');

console.log(`node ${process.version}, NNLAB_THREADS=${process.env.NNLAB_THREADS ?? '1'}, a = ${values.a}, b = ${values.b}, ${runs} runs each, alternated`);
if (values.what !== 'profile') {
  console.log(`\ngrid jobs (float32, ${epochs} epochs, ${grid.n_train} train / ${grid.n_val} val rows): seconds of wall time (runGridJob's) and of the child's CPU time; median shares of a profiled run`);
  for (const config of configs) {
    const t = alternated({ kind: 'grid', config, epochs });
    for (const key of ['seconds', 'cpu']) {
      const xa = t.a.map((r) => r[key]), xb = t.b.map((r) => r[key]), ma = median(xa), mb = median(xb);
      console.log(`  ${config.name}: ${key === 'seconds' ? 'wall' : 'cpu '} a ${xa.map((x) => f(x)).join(' ')} (median ${f(ma)})   b ${xb.map((x) => f(x)).join(' ')} (median ${f(mb)})   b/a ${f(mb / ma)}`);
    }
    for (const side of ['a', 'b']) console.log(`  ${config.name}: shares ${side}: ${shares(t[side])}`);
  }
}
if (values.what !== 'grid') {
  console.log('\nepoch profile (float32): the epoch in ms per run, and the median share of each category');
  for (const job of profiles) {
    const p = alternated({ kind: 'profile', ...job });
    for (const side of ['a', 'b']) {
      console.log(`  ${job.model} b${job.batch} ${side}: epoch ${p[side].map((r) => f(r.epochMs, 0)).join(' ')} ms; ${shares(p[side])}`);
    }
  }
}
