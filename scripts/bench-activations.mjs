// Measures the sigmoid and tanh kernels (issue 27). Needs `npm run build`. Prints figures only.
//
//   node scripts/bench-activations.mjs
//       ns per element of the forward passes, TypeScript reference vs WebAssembly, float64 and
//       float32, on 64×50 and 1024×50 ordinary arrays (as the layers pass them) and resident ones.
// For whole grid jobs against another build ('activation sigmoid', 'activation tanh',
// '8-layer sigmoid'), see scripts/ab-builds.mjs.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
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

await kernels();
