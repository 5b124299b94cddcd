/**
 * Measures what Adam over all parameters in one call (lib/fast/adam_all.ts) changes: the
 * shares of an epoch spent in Adam and outside the kernels ("other"), and the wall time of
 * grid jobs, for two builds (dist/ directories) alternated in separate processes.
 *
 *   node scripts/bench-adam-all.mjs --base ../other/dist --mine dist [--runs 3]
 *
 * Each process measures, on one build: profileEpoch (lib/bench/nnlab.ts) for M1–M4, float32,
 * batch 32; and runGridJob (lib/bench/grid_job.ts) for two of the report grid's deepest nets
 * (relu, 15 hidden layers of 10 and of 50, batch 64, float32, 20 epochs, 5,952 training and
 * 1,488 validation rows): once plain (its wall time), once under the kernel profile (its
 * shares); and, on a build that has it, optim.ts's adam per parameter against the one call
 * alone. Prints every value and the medians. Run it with NNLAB_THREADS set as wanted: the
 * children inherit the environment.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resolve, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { base: { type: 'string' }, mine: { type: 'string' }, runs: { type: 'string', default: '3' }, one: { type: 'string' } } });

const GRID = [10, 50].map((width) => ({
  name: `15x[${width}]`, hidden: Array(15).fill(width), act: 'relu', batchnorm: false, lr: 0.001, reg: 0, batch: 64,
}));

/** One process's measurements on the build in `dist`. */
async function measureOne(dist) {
  const load = (f) => import(pathToFileURL(join(dist, f)).href);
  const { profileEpoch } = await load('bench/nnlab.js');
  const { makeWorkload } = await load('bench/workload.js');
  const { runGridJob } = await load('bench/grid_job.js');
  const { profileKernels, KernelProfile, PROFILE_CATEGORIES } = await load('kernels/index.js');
  const out = {};
  const data = makeWorkload();
  for (const model of ['M1', 'M2', 'M3', 'M4']) {
    const p = profileEpoch(data, model, 32, 'float32');
    out[`${model} b32 epoch`] = { ms: p.epochMs, adam: p.share.adam, other: p.share.other };
  }
  for (const config of GRID) {
    const job = { config, seed: 0, dtype: 'float32', epochs: 20, nTrain: 5952, nVal: 1488 };
    const plain = runGridJob(job);
    const profile = new KernelProfile();
    profileKernels(profile);
    let profiled;
    try { profiled = runGridJob(job); } finally { profileKernels(null); }
    const totalMs = profiled.seconds * 1000;
    const kernelMs = PROFILE_CATEGORIES.reduce((s, c) => s + profile.ms[c], 0);
    out[`grid ${config.name}`] = { ms: plain.seconds * 1000, adam: profile.ms.adam / totalMs, other: 1 - kernelMs / totalMs };
  }
  // The update alone, where the build has the one call: optim.ts's adam per parameter against
  // lib/fast/adam_all.ts's adamAll, on the resident float32 parameters of a 15×[10] net (the
  // fast engine's case), µs per step, best of 7 rounds of 300 steps.
  if (existsSync(join(dist, 'fast', 'adam_all.js'))) {
    const { Matrix } = await load('nn/matrix.js');
    const { adam } = await load('nn/optim.js');
    const { adamAll } = await load('fast/adam_all.js');
    const { kernels } = await load('kernels/index.js');
    const resident = { take: (f32, n) => (f32 ? kernels.alloc32(n) : kernels.alloc(n)) };
    const widths = [784, ...Array(15).fill(10), 12];
    const P = {}, G = {}, perParameter = {}, oneCall = {};
    const matrix = (r, c) => {
      const m = new Matrix(r, c, kernels.alloc32(r * c), resident);
      for (let i = 0; i < m.data.length; i++) m.data[i] = ((i * 7919) % 2003) / 2003 - 0.5;
      return m;
    };
    widths.slice(1).forEach((o, i) => { P[`W${i + 1}`] = matrix(widths[i], o); P[`b${i + 1}`] = matrix(1, o); });
    for (const k of Object.keys(P)) {
      G[k] = matrix(P[k].rows, P[k].cols);
      adam(P[k], G[k], (perParameter[k] = {}));
      adam(P[k], G[k], (oneCall[k] = {}));
    }
    const best = { perParameter: Infinity, oneCall: Infinity };
    for (let round = 0; round < 7; round++) {
      let t0 = performance.now();
      for (let i = 0; i < 300; i++) for (const k of Object.keys(P)) adam(P[k], G[k], perParameter[k]);
      best.perParameter = Math.min(best.perParameter, (performance.now() - t0) / 300 * 1000);
      t0 = performance.now();
      for (let i = 0; i < 300; i++) if (!adamAll(P, G, oneCall)) throw new Error('bench-adam-all: adamAll declined');
      best.oneCall = Math.min(best.oneCall, (performance.now() - t0) / 300 * 1000);
    }
    out['update 15x[10] µs'] = best;
  }
  return out;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b), h = s.length >> 1; return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2; };

if (values.one !== undefined) {
  process.stdout.write(JSON.stringify(await measureOne(resolve(values.one))) + '\n');
} else {
  if (!values.base || !values.mine) throw new Error('bench-adam-all: give --base DIST and --mine DIST');
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`bench-adam-all: --runs must be a positive integer, got ${values.runs}`);
  const builds = { base: resolve(values.base), mine: resolve(values.mine) };
  const results = { base: [], mine: [] };
  for (let r = 0; r < runs; r++) {
    // Alternated, so that a slow period of the machine falls on both.
    for (const name of r % 2 === 0 ? ['base', 'mine'] : ['mine', 'base']) {
      const child = spawnSync(process.execPath, [process.argv[1], '--one', builds[name]], { encoding: 'utf8', env: process.env });
      if (child.status !== 0) throw new Error(`bench-adam-all: the ${name} run failed:\n${child.stderr}`);
      results[name].push(JSON.parse(child.stdout.trim().split('\n').pop()));
      console.error(`run ${r + 1}/${runs} ${name} done`);
    }
  }
  console.log(`NNLAB_THREADS=${process.env.NNLAB_THREADS ?? '(default)'}, Node ${process.version}, ${runs} runs each; ms, adam share %, other share %; median [all values]`);
  const fmt = (xs, scale, digits) => `${(median(xs) * scale).toFixed(digits)} [${xs.map((x) => (x * scale).toFixed(digits)).join(', ')}]`;
  const update = results.mine.map((x) => x['update 15x[10] µs']).filter((x) => x !== undefined);
  if (update.length > 0) {
    console.log(`Adam update alone, 15x[10] net, 32 float32 parameters, µs per step (best of 7), mine: per parameter ${fmt(update.map((x) => x.perParameter), 1, 1)}, one call ${fmt(update.map((x) => x.oneCall), 1, 1)}`);
  }
  for (const row of Object.keys(results.base[0])) {
    for (const name of ['base', 'mine']) {
      const rs = results[name].map((x) => x[row]);
      console.log(`${row.padEnd(16)} ${name.padEnd(4)}  ms ${fmt(rs.map((x) => x.ms), 1, 0)}  adam ${fmt(rs.map((x) => x.adam), 100, 1)}  other ${fmt(rs.map((x) => x.other), 100, 1)}`);
    }
  }
  console.log(JSON.stringify(results));
}
