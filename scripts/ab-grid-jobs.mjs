// Times a few grid jobs (lib/bench/grid_job.ts's runGridJob) and the epoch profile
// (lib/bench/nnlab.ts's profileEpoch) on two builds of nnlab, alternated run by run in separate
// processes, so that a change can be measured against the build it started from on a shared,
// noisy machine. Prints every value and the medians. A measurement, not a test.
//
//   node scripts/ab-grid-jobs.mjs --a DIST_A --b DIST_B [--runs 3] [--epochs 20] [--what grid|profile|both] [--only 15x[10]]
//
// The children run with NNLAB_THREADS=1 unless NNLAB_THREADS is set.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    a: { type: 'string' }, b: { type: 'string' }, runs: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '20' }, what: { type: 'string', default: 'both' },
    only: { type: 'string' },
  },
});
if (!values.a || !values.b) throw new Error('ab-grid-jobs: --a and --b (two dist/ directories) are required');
const runs = Number(values.runs), epochs = Number(values.epochs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`ab-grid-jobs: --runs must be a positive integer, got ${values.runs}`);
if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`ab-grid-jobs: --epochs must be a positive integer, got ${values.epochs}`);
if (!['grid', 'profile', 'both'].includes(values.what)) throw new Error(`ab-grid-jobs: --what must be grid, profile or both, got ${values.what}`);

const GRID = [
  { name: '15x[10]', hidden: Array(15).fill(10) },
  { name: '15x[30]', hidden: Array(15).fill(30) },
  { name: '7x[50]', hidden: Array(7).fill(50) },
  { name: '[50,50]', hidden: [50, 50] },
];
const PROFILES = [['M1', 32], ['M1', 128], ['M2', 32], ['M2', 128]];

/** The child's program: one grid job or one profile, on the dist at `dist`; prints JSON. */
function childScript(dist, job) {
  const url = (p) => JSON.stringify(pathToFileURL(path.join(path.resolve(dist), ...p.split('/'))).href);
  return `(async () => {
    const job = ${JSON.stringify(job)};
    if (job.kind === 'grid') {
      const { runGridJob } = await import(${url('bench/grid_job.js')});
      const config = { name: job.name, hidden: job.hidden, act: 'relu', batchnorm: false, lr: 0.001, reg: 0, batch: 64 };
      const c0 = process.cpuUsage();
      const r = runGridJob({ config, seed: 0, dtype: 'float32', epochs: job.epochs, nTrain: 5952, nVal: 1488 });
      const c = process.cpuUsage(c0);
      console.log(JSON.stringify({ seconds: r.seconds, cpu: (c.user + c.system) / 1e6 }));
    } else {
      const { makeWorkload } = await import(${url('bench/workload.js')});
      const { profileEpoch } = await import(${url('bench/nnlab.js')});
      const p = profileEpoch(makeWorkload(), job.model, job.batch, 'float32');
      console.log(JSON.stringify({ epochMs: p.epochMs, share: p.share }));
    }
  })();`;
}

function runChild(dist, job) {
  const env = { ...process.env, NNLAB_THREADS: process.env.NNLAB_THREADS ?? '1' };
  const r = spawnSync(process.execPath, ['-e', childScript(dist, job)], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`ab-grid-jobs: child failed (${dist}, ${JSON.stringify(job)}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const f = (x, d = 2) => x.toFixed(d);

console.log(`node ${process.version}, NNLAB_THREADS=${process.env.NNLAB_THREADS ?? '1'}, a = ${values.a}, b = ${values.b}, ${runs} runs each, alternated`);
if (values.what !== 'profile') {
  console.log(`\ngrid jobs (relu, batch 64, float32, ${epochs} epochs, 5952 train / 1488 val rows), seconds of wall time (runGridJob's) and of the child's CPU time:`);
  for (const g of GRID.filter((c) => values.only === undefined || c.name === values.only)) {
    const t = { a: [], b: [] };
    for (let i = 0; i < runs; i++) {
      for (const side of i % 2 === 0 ? ['a', 'b'] : ['b', 'a']) t[side].push(runChild(values[side], { kind: 'grid', ...g, epochs }));
    }
    for (const key of ['seconds', 'cpu']) {
      const xa = t.a.map((r) => r[key]), xb = t.b.map((r) => r[key]), ma = median(xa), mb = median(xb);
      const label = key === 'seconds' ? 'wall' : 'cpu ';
      console.log(`  ${g.name.padEnd(8)} ${label} a: ${xa.map((x) => f(x)).join(' ')} (median ${f(ma)})   b: ${xb.map((x) => f(x)).join(' ')} (median ${f(mb)})   b/a ${f(mb / ma)}`);
    }
  }
}
if (values.what !== 'grid') {
  console.log('\nepoch profile (float32), share of the epoch per category, medians over the runs:');
  for (const [model, batch] of PROFILES) {
    const p = { a: [], b: [] };
    for (let i = 0; i < runs; i++) {
      for (const side of i % 2 === 0 ? ['a', 'b'] : ['b', 'a']) p[side].push(runChild(values[side], { kind: 'profile', model, batch }));
    }
    for (const side of ['a', 'b']) {
      const cats = Object.keys(p[side][0].share);
      const shares = cats.map((c) => `${c} ${f(100 * median(p[side].map((r) => r.share[c])), 0)}%`).join(', ');
      console.log(`  ${model} b${batch} ${side}: epoch ${p[side].map((r) => f(r.epochMs, 0)).join(' ')} ms; ${shares}; other per run ${p[side].map((r) => f(100 * r.share.other, 0) + '%').join(' ')}`);
    }
  }
}
