// Runs notebook 02's first grid (depth 2..4 × width 10/50/100 over the quick profile's baseline,
// on the quick profile's built-in data, or a course folder with --data) through runGrid, locally or through a Redis queue:
// what the queue's tests and benchmark compare. Prints one JSON line: { trained, cached, seconds, table }.
//
// Usage: node scripts/queue-grid.mjs --cache DIR [--data DIR] [--queue URL] [--workers N] [--epochs N] [--small] [--wrong-spec]
//   --data DIR     a course folder (class folders 1..12 of BMPs): its images are published in Redis for the workers
//   --small        depth 2..3 × width 10/50 (4 runs) instead of 9
//   --wrong-spec   (tests) jobs carry a generator seed that does not make this data: every job fails
import { parseArgs } from 'node:util';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    cache: { type: 'string' }, data: { type: 'string' }, queue: { type: 'string' }, workers: { type: 'string' }, epochs: { type: 'string' }, small: { type: 'boolean' }, 'wrong-spec': { type: 'boolean' },
  },
});
if (!values.cache) {
  console.error('usage: node scripts/queue-grid.mjs --cache DIR [--queue URL] [--workers N] [--epochs N] [--small]');
  process.exit(2);
}
const ex = await import(pathToFileURL(path.join(ROOT, 'dist', 'experiments', 'index.js')).href);
const profile = ex.PROFILES.quick;
const data = ex.loadLabData(profile, { dir: values.data ? path.resolve(values.data) : null });
if (values['wrong-spec']) data.spec = { ...data.spec, seed: data.spec.seed + 1 };
const baseline = { ...profile.baseline, ...(values.epochs ? { numEpochs: Number(values.epochs) } : {}) };
const axes = values.small ? { depth: [2, 3], width: [10, 50] } : { depth: [2, 3, 4], width: [10, 50, 100] };
const points = ex.grid(axes).map((p) => ({ ...p, hiddenDims: ex.layers(p.depth, p.width) }));
try {
  const result = await ex.runGrid(points, { ...data, numClasses: data.classNames.length }, baseline, {
    seeds: profile.seeds, cache: new ex.RunCache(path.resolve(values.cache)), progress: false,
    queue: values.queue ?? '', ...(values.workers ? { workers: Number(values.workers) } : {}),
  });
  const table = result.groups.map((g) => [g.label, g.bestValAcc.mean, g.finalLoss.mean]);
  console.log(JSON.stringify({ trained: result.trained, cached: result.cached, seconds: result.seconds, table }));
  process.exit(0);
} catch (err) {
  console.error(`queue-grid: ${err.message}`);
  process.exit(1);
}
