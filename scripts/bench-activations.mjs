// Measures the sigmoid and tanh kernels (issue 27). Needs `npm run build`. Prints figures only.
//
//   node scripts/bench-activations.mjs kernels
//       ns per element of the forward passes, TypeScript reference vs WebAssembly, float64 and
//       float32, on 64×50 and 1024×50 ordinary arrays (as the layers pass them) and resident ones.
//   node scripts/bench-activations.mjs grid --dist OTHER/dist [--rounds 3]
//       seconds of three grid jobs (activation sigmoid, activation tanh, 8-layer sigmoid; float32,
//       20 epochs, 5952/1488 images, NNLAB_THREADS=1), each in a fresh process, alternating this
//       checkout's dist/ with OTHER's, `rounds` times each: all values and the medians.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { dist: { type: 'string' }, rounds: { type: 'string', default: '3' } },
});
const mode = positionals[0];
const load = (dist, file) => import(pathToFileURL(path.join(dist, file)).href);

/** The best of `repeats` timings of `calls` calls of f, in ns per element. */
function nsPerElement(f, elements, calls, repeats = 7) {
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    for (let c = 0; c < calls; c++) f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / (calls * elements));
  }
  return best;
}

async function kernels() {
  const { tableJs } = await load(path.join(ROOT, 'dist'), 'kernels/table.js');
  const { tableWasm, allocResident, allocResident32 } = await load(path.join(ROOT, 'dist'), 'kernels/wasm.js');
  if (!tableWasm) throw new Error('bench-activations: the WebAssembly module did not load');
  console.log('| kernel | type | shape | js ns/el | wasm plain ns/el | wasm resident ns/el | js / wasm plain |');
  console.log('|---|---|---|---|---|---|---|');
  for (const name of ['sigmoid', 'tanh']) {
    for (const [type, Arr, alloc] of [['float64', Float64Array, allocResident], ['float32', Float32Array, allocResident32]]) {
      for (const rows of [64, 1024]) {
        const n = rows * 50;
        const x = new Arr(n), out = new Arr(n);
        let seed = 1;
        for (let i = 0; i < n; i++) { seed = (seed * 16807) % 2147483647; x[i] = (seed / 2147483647 - 0.5) * 8; }
        const rx = alloc(n), rout = alloc(n);
        rx.set(x);
        const calls = Math.max(3, Math.round(2e6 / n));
        const js = nsPerElement(() => tableJs[name](n, x, out), n, calls);
        const plain = nsPerElement(() => tableWasm[name](n, x, out), n, calls);
        const resident = nsPerElement(() => tableWasm[name](n, rx, rout), n, calls);
        console.log(`| ${name} | ${type} | ${rows}×50 | ${js.toFixed(1)} | ${plain.toFixed(1)} | ${resident.toFixed(1)} | ${(js / plain).toFixed(1)}× |`);
      }
    }
  }
}

const CONFIGS = ['activation sigmoid', 'activation tanh', '8-layer sigmoid'];
const CHILD = `
const { runGridJob } = await import(process.env.BENCH_GRID_JOB);
const r = runGridJob(JSON.parse(process.env.BENCH_JOB));
console.log(JSON.stringify(r));`;

function runJob(dist, job) {
  const env = { ...process.env, NNLAB_THREADS: '1', NNLAB_NODE_WARNING: '0',
    BENCH_GRID_JOB: pathToFileURL(path.join(dist, 'bench', 'grid_job.js')).href, BENCH_JOB: JSON.stringify(job) };
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench-activations: the job failed in ${dist}:\n${r.stderr}`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  if (result.diverged) throw new Error(`bench-activations: ${job.config.name} diverged in ${dist}`);
  return result.seconds;
}

async function grid() {
  if (!values.dist) throw new Error('bench-activations grid: --dist OTHER/dist is required');
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bench-activations: --rounds must be a positive integer, got ${values.rounds}`);
  const dists = { this: path.join(ROOT, 'dist'), other: path.resolve(values.dist) };
  const { loadGrid } = await load(dists.this, 'bench/grid.js');
  const spec = loadGrid();
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(`other = ${dists.other}`);
  console.log('| config | this dist (s) | other dist (s) | median this | median other | other / this |');
  console.log('|---|---|---|---|---|---|');
  for (const name of CONFIGS) {
    const config = spec.configs.find((c) => c.name === name);
    if (!config) throw new Error(`bench-activations: no config "${name}" in the grid`);
    const job = { config, seed: 0, dtype: 'float32', epochs: 20, nTrain: 5952, nVal: 1488 };
    const times = { this: [], other: [] };
    for (let r = 0; r < rounds; r++) {
      for (const which of r % 2 === 0 ? ['other', 'this'] : ['this', 'other']) times[which].push(runJob(dists[which], job));
    }
    const mThis = median(times.this), mOther = median(times.other);
    console.log(`| ${name} | ${times.this.map((t) => t.toFixed(2)).join(', ')} | ${times.other.map((t) => t.toFixed(2)).join(', ')} | ${mThis.toFixed(2)} | ${mOther.toFixed(2)} | ${(mOther / mThis).toFixed(2)}× |`);
  }
}

if (mode === 'kernels') await kernels();
else if (mode === 'grid') await grid();
else throw new Error(`bench-activations: the mode must be "kernels" or "grid", got ${mode}`);
