/**
 * Prints the tables and target counts of the README's speed section from one `nnlab bench
 * --grid --json FILE` run, so that every figure there comes from the bench's own output:
 *
 *   node scripts/readme-speed-tables.mjs FILE
 *
 * The per-model, threads, profile, grid and GFLOP/s tables (some of the bench's columns left
 * out), then one line per target of the speed issue with the figures it rests on.
 */
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) { console.error('usage: node scripts/readme-speed-tables.mjs BENCH_JSON'); process.exit(2); }
const bench = JSON.parse(readFileSync(file, 'utf8'));
const { rows, kernels, grid, env } = bench;
const f = (x, d) => (x === null || x === undefined ? '–' : x.toFixed(d));
const n0 = (x) => Math.round(x).toLocaleString('en-US');
const pct = (x) => (100 * x).toFixed(1);
const table = (head, lines) => [`| ${head.join(' | ')} |`, `| ${head.map((h, i) => (i < 4 ? '---' : '---:')).join(' | ')} |`, ...lines.map((l) => `| ${l.join(' | ')} |`)].join('\n');
const key = (r) => [r.model, r.batch, r.dtype, r.numerics];
const star = (rec) => (rec.extrapolated ? '*' : '');

console.log(`CPU: ${env.cpuLine}; NumPy ${env.numpy}, ${env.blasKernel}; Node ${env.node}; load ${env.loadavgAtStart[0]} → ${env.loadavgAtEnd[0]}\n`);
console.log(table(['model', 'batch', 'dtype', 'numerics', 'nnlab s/epoch', 'NumPy s/epoch', 'nnlab ÷ NumPy', 'TF.js ÷ nnlab', 'inference nnlab ÷ NumPy'],
  rows.map((r) => [...key(r), f(r.nnlab.epochS, 3) + star(r.nnlab), r.numpy ? f(r.numpy.epoch_s, 3) : '–', f(r.trainRatio, 2), r.tfjsSpeedup ? `${f(r.tfjsSpeedup, 1)}×` : '–', f(r.inferRatio, 2)])));
console.log();
console.log(table(['model', 'batch', 'dtype', 'numerics', 'default s/epoch', '1 thread s/epoch', 'default ÷ 1 thread', 'inference default ÷ 1 thread', 'large jobs the default shared'],
  rows.map((r) => {
    const c = r.threadChoice, total = c ? c.shared + c.alone : 0;
    return [...key(r), f(r.nnlab.epochS, 3), r.nnlabOneThread ? f(r.nnlabOneThread.epochS, 3) : '–', f(r.threadRatio, 2), f(r.inferThreadRatio, 2), c ? `${Math.round((100 * c.shared) / total)}% of ${n0(total)}` : '–'];
  })));
console.log();
console.log(table(['model', 'batch', 'dtype', 'numerics', 'epoch ms', 'products %', 'adam %', 'elementwise %', 'evaluation %', 'other %'],
  rows.map((r) => [...key(r), f(r.profile.epochMs, 1), ...['products', 'adam', 'elementwise', 'evaluation', 'other'].map((c) => pct(r.profile.share[c]))])));
console.log();
if (grid) {
  console.log(`grid: ${grid.configs} configurations × ${grid.seeds} seed(s), ${grid.epochs} epochs, ${grid.dtype}, ${grid.numerics}, ${grid.workers} workers\n`);
  console.log(table(['system', 'version', 'wall s', 'nnlab ÷ it'].map((h) => h), [['nnlab', `nnlab ${env.nnlab}, ${grid.dtype}, ${grid.numerics}`, f(grid.nnlab_wall_s, 1), '–'],
    ...grid.references.map((ref) => [ref.engine === 'numpy' ? 'NumPy' : 'PyTorch', `${ref.version}, ${grid.dtype}`, f(ref.wall_s, 1), f(ref.ratio, 2)])]));
  console.log();
  console.log(table(['kind', 'configs', 'nnlab s', 'NumPy s', 'nnlab ÷ NumPy', 'PyTorch s', 'nnlab ÷ PyTorch'],
    grid.per_kind.map((k) => [k.kind, String(k.configs), f(k.nnlab_s, 2), f(k.references.numpy, 2), f(k.nnlab_s / k.references.numpy, 2),
      f(k.references.torch, 2), k.references.torch ? f(k.nnlab_s / k.references.torch, 2) : '–'])));
  console.log();
}
const gflops = (system, dtype, shape) => kernels.find((k) => k.system === system && k.dtype === dtype && k.form === 'forward' && k.shape.join('×') === shape)?.gflops;
const shapes = [...new Set(kernels.filter((k) => k.form === 'forward' && k.system === 'numpy').map((k) => k.shape.join('×')))];
console.log(table(['N×D×M (forward, x·W)', 'f32 exact 1 thread', 'f32 exact 2 threads', 'f32 fused 1 thread', 'f32 fused 2 threads', 'NumPy f32', 'f64 exact 1 thread', 'f64 fused 1 thread', 'NumPy f64'],
  shapes.map((s) => [s, ...['nnlab-wasm 1 thread', 'nnlab-wasm 2 threads', 'nnlab-wasm fused 1 thread', 'nnlab-wasm fused 2 threads', 'numpy'].map((sys) => f(gflops(sys, 'float32', s), 1)),
    ...['nnlab-wasm 1 thread', 'nnlab-wasm fused 1 thread', 'numpy'].map((sys) => f(gflops(sys, 'float64', s), 1))])));
const ceil = env.cpu?.ceiling;
if (ceil) console.log(`\nceiling: float32 ${ceil.float32} per core, ${f(2 * ceil.float32, 1)} on 2; float64 ${ceil.float64}, ${f(2 * ceil.float64, 1)} (${ceil.derivation})`);

// The targets, counted.
const pick = (pred) => rows.filter(pred);
const range = (xs) => (xs.length ? `${f(Math.min(...xs), 2)}–${f(Math.max(...xs), 2)}` : '–');
console.log('\ntargets:');
for (const batch of [32, 128]) {
  const rs = pick((r) => r.dtype === 'float32' && r.batch === batch);
  for (const numerics of ['exact', 'fused']) {
    const xs = rs.filter((r) => r.numerics === numerics);
    console.log(`  training float32 b${batch} ${numerics}: ${xs.map((r) => `${r.model} ${f(r.trainRatio, 2)}`).join(', ')} (target ≤ ${batch === 32 ? '1.0' : '1.2'}: ${xs.filter((r) => r.trainRatio <= (batch === 32 ? 1.0 : 1.2)).length} of ${xs.length})`);
  }
}
for (const numerics of ['exact', 'fused']) {
  const xs = pick((r) => r.numerics === numerics);
  console.log(`  inference ${numerics}: ${range(xs.map((r) => r.inferRatio))}, ≤ 2.0 on ${xs.filter((r) => r.inferRatio <= 2).length} of ${xs.length}; float32: ${xs.filter((r) => r.dtype === 'float32').map((r) => `${r.model} b${r.batch} ${f(r.inferRatio, 2)}`).join(', ')}`);
}
if (grid) console.log(`  grid: nnlab ${f(grid.nnlab_wall_s, 1)} s; ${grid.references.map((ref) => `${ref.engine} ${f(ref.wall_s, 1)} s (ratio ${f(ref.ratio, 2)})`).join('; ')}`);
const slower = pick((r) => r.threadRatio > 1);
console.log(`  threads: default slower than 1 thread on ${slower.length} of ${rows.length} rows${slower.length ? ` (${slower.map((r) => `${key(r).join(' ')} ${f(r.threadRatio, 2)}`).join('; ')})` : ''}; others ${range(pick((r) => r.threadRatio <= 1).map((r) => r.threadRatio))}`);
const other = rows.map((r) => r.profile.share.other);
console.log(`  other ≤ 8%: ${other.filter((x) => x <= 0.08).length} of ${rows.length} rows; max ${pct(Math.max(...other))}% (${key(rows[other.indexOf(Math.max(...other))]).join(' ')}); batch 32 rows above: ${pick((r) => r.batch === 32 && r.profile.share.other > 0.08).length} of ${pick((r) => r.batch === 32).length}; fused rows above: ${pick((r) => r.numerics === 'fused' && r.profile.share.other > 0.08).length} of ${pick((r) => r.numerics === 'fused').length}`);
const pairs = pick((r) => r.numerics === 'exact').map((e) => [e, rows.find((r) => r.numerics === 'fused' && r.model === e.model && r.batch === e.batch && r.dtype === e.dtype)]).filter(([, x]) => x);
const faster = pairs.filter(([e, x]) => x.nnlab.epochS < e.nnlab.epochS);
console.log(`  fused faster than exact on ${faster.length} of ${pairs.length} pairs (exact ÷ fused ${range(faster.map(([e, x]) => e.nnlab.epochS / x.nnlab.epochS))})`);
