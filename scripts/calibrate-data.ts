// Measures the built-in data against the course's real data on the three reference points of
// issue 25, and prints (or writes) the calibration table:
//
//   baseline          the report's 2×50 network as notebook 04 trains it (the full profile's
//                     baseline: Adam 1e-3, batch 64, float32, until converged, at most 20 epochs),
//                     20% validation, no test set: best validation accuracy, mean over seeds;
//   + augmentation    the same with shift ±2 px, rotation ±10° (notebook 04's row);
//   fixed recipe      512-512, dropout 0.2, augmentation ±2 px ±10°, 60 epochs (all of them),
//                     batch 64, float32, on notebook 05's three-way split (20% validation, 15%
//                     test): test accuracy of the best-validation epoch, mean over seeds.
//
// The course's values are those measured on its 7,440 BMPs (issue 25). The data is the full
// profile's (620 per class, data seed 0), made by the generator version asked for, split by the
// same duplicate-aware split as the notebooks.
//
// Usage: node --import tsx scripts/calibrate-data.ts [--generator N] [--difficulty D]
//          [--points baseline,augmentation,recipe] [--seeds 0,1,2] [--recipe-seeds 0,1,2]
//          [--elastic ALPHA,SIGMA] [--elastic-seeds 0] [--tune JSON] [--workers N] [--no-cache] [--out FILE.md]
//   --tune JSON     perturbation strengths over the generator's (exploring a new version), e.g. '{"translation":1.6}'
//   --elastic A,S   also train the fixed recipe with elastic distortion (alpha A, sigma S) and print what it adds
//   --elastic-seeds seeds of those runs (default: --recipe-seeds)
//   --no-cache      retrain everything; by default runs come from and go to the project's run cache
//                   (.nnlab-cache, keyed by settings and data fingerprint, as the notebooks'), so the
//                   points can be trained in separate invocations and the table made from all of them
//   --out FILE.md   also write the table as markdown (temp file, then rename)
// Needs the built worker (npm run build): training runs in worker threads.
import { parseArgs } from 'node:util';
import { writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import { GENERATORS, DEFAULT_GENERATOR, checkGeneratorVersion, synthesizeWith, type Generator } from '../lib/data/synth.js';
import { splitDataset } from '../lib/data/split.js';
import { fingerprintDataset } from '../lib/experiments/data.js';
import { PROFILES } from '../lib/experiments/profile.js';
import { runGrid, type GroupResult } from '../lib/experiments/runner.js';
import { RunCache } from '../lib/experiments/cache.js';
import type { TrainSettings } from '../lib/recipe.js';

/** The course data's values (issue 25: measured on the real folder of 7,440 BMPs, 620 per class). */
const COURSE = { baseline: 0.875, augmentation: 0.95, recipe: 0.979 } as const;
type PointName = keyof typeof COURSE;
const TOLERANCE = 0.015;

const { values } = parseArgs({
  options: {
    generator: { type: 'string' }, difficulty: { type: 'string' }, points: { type: 'string' },
    seeds: { type: 'string' }, 'recipe-seeds': { type: 'string' }, elastic: { type: 'string' },
    tune: { type: 'string' }, workers: { type: 'string' }, out: { type: 'string' },
    'elastic-seeds': { type: 'string' }, 'no-cache': { type: 'boolean' },
  },
});
const numberList = (name: string, text: string) => text.split(',').map((t) => {
  const n = Number(t.trim());
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected whole numbers ≥ 0 separated by commas, got '${text}'`);
  return n;
});
const version = checkGeneratorVersion('--generator', values.generator === undefined ? DEFAULT_GENERATOR : Number(values.generator));
const tune = values.tune ? JSON.parse(values.tune) as Partial<Generator['perturbation']> & Partial<Omit<Generator, 'perturbation'>> : {};
const base = GENERATORS[version];
const { glyphSize, penWidth, defaultDifficulty, ...perturbationTune } = tune as Record<string, number>;
for (const [k, v] of Object.entries(perturbationTune)) {
  if (!(k in base.perturbation) || !Number.isFinite(v)) throw new Error(`--tune: '${k}' is not a perturbation of the generator (${Object.keys(base.perturbation).join(', ')}) or not a number`);
}
const generator: Generator = {
  perturbation: { ...base.perturbation, ...perturbationTune },
  glyphSize: glyphSize ?? base.glyphSize, penWidth: penWidth ?? base.penWidth, defaultDifficulty: defaultDifficulty ?? base.defaultDifficulty,
};
const difficulty = values.difficulty === undefined ? generator.defaultDifficulty : Number(values.difficulty);
const points = (values.points ?? 'baseline,augmentation,recipe').split(',').map((p) => p.trim()) as PointName[];
for (const p of points) if (!(p in COURSE)) throw new Error(`--points: expected some of ${Object.keys(COURSE).join(', ')}, got '${p}'`);
const seeds = numberList('seeds', values.seeds ?? '0,1,2');
const recipeSeeds = numberList('recipe-seeds', values['recipe-seeds'] ?? '0');
const elasticSeeds = values['elastic-seeds'] ? numberList('elastic-seeds', values['elastic-seeds']) : recipeSeeds;
const workers = values.workers ? Number(values.workers) : Math.min(2, os.availableParallelism());
const elastic = values.elastic ? (() => {
  const [alpha, sigma] = values.elastic!.split(',').map(Number);
  return { alpha, sigma };
})() : null;

const profile = PROFILES.full;
const t0 = Date.now();
const images = synthesizeWith(generator, { perClass: profile.perClass, seed: 0, difficulty });
const dataFor = (testFraction: number) => {
  const split = splitDataset(images, { valFraction: profile.valFraction, testFraction, seed: 0 });
  return { ...split, width: images.width, height: images.height, numClasses: images.classNames.length, fingerprint: fingerprintDataset(split) };
};
const baseline: TrainSettings = { ...profile.baseline, hiddenDims: [...profile.baseline.hiddenDims] };
const augmentation = { shift: 2, rotate: 10 };
const recipe: TrainSettings = { ...baseline, hiddenDims: [512, 512], dropout: 0.2, augment: augmentation, numEpochs: 60, patience: null };

type Row = { point: string; course: number | null; ours: GroupResult; measure: 'val' | 'test' };
const rows: Row[] = [];
const options = { workers, cache: values['no-cache'] ? (false as const) : new RunCache(), progress: false };
// The three grids train at once (each with its own worker threads), the long runs starting first.
const cheap = points.filter((p) => p !== 'recipe');
const [cheapGrid, recipeGrid, elasticGrid] = await Promise.all([
  cheap.length > 0 ? runGrid(cheap.map((p) => (p === 'baseline' ? { label: p } : { label: p, augment: augmentation })), dataFor(0), baseline, { ...options, seeds }) : null,
  points.includes('recipe') ? runGrid([{ label: 'recipe' }], dataFor(0.15), recipe, { ...options, seeds: recipeSeeds }) : null,
  elastic ? runGrid([{ label: `recipe + elastic α=${elastic.alpha} σ=${elastic.sigma}`, augment: { ...augmentation, elastic } }], dataFor(0.15), recipe, { ...options, seeds: elasticSeeds }) : null,
]);
cheapGrid?.groups.forEach((g, i) => rows.push({ point: cheap[i], course: COURSE[cheap[i]], ours: g, measure: 'val' }));
recipeGrid?.groups.forEach((g) => rows.push({ point: 'recipe', course: COURSE.recipe, ours: g, measure: 'test' }));
elasticGrid?.groups.forEach((g) => rows.push({ point: g.label, course: null, ours: g, measure: 'test' }));

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const testOf = (g: GroupResult) => {
  const t = g.runs.map((r) => r.testAcc ?? NaN);
  const mean = t.reduce((a, b) => a + b, 0) / t.length;
  return { mean, std: Math.sqrt(t.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, t.length - 1)) };
};
const NAMES: Record<string, string> = {
  baseline: 'baseline (2×50, best validation)',
  augmentation: '+ augmentation ±2 px ±10° (best validation)',
  recipe: 'fixed recipe 512-512, dropout 0.2, aug, 60 epochs (test)',
};
const lines = [
  `| reference point | course | built-in (generator ${version}${values.tune ? ' tuned' : ''}, difficulty ${difficulty}) | difference | within ±${100 * TOLERANCE} |`,
  '|---|---|---|---|---|',
  ...rows.map(({ point, course, ours, measure }) => {
    const s = measure === 'val' ? ours.bestValAcc : testOf(ours);
    const spread = ours.runs.length > 1 ? ` ± ${(100 * s.std).toFixed(1)}` : '';
    const diff = course === null ? '' : `${s.mean - course >= 0 ? '+' : '−'}${(100 * Math.abs(s.mean - course)).toFixed(1)} points`;
    const ok = course === null ? '' : Math.abs(s.mean - course) <= TOLERANCE ? 'yes' : 'no';
    return `| ${NAMES[point] ?? `${point} (test)`} | ${course === null ? '–' : pct(course)} | ${pct(s.mean)}${spread} (${ours.runs.length} seed${ours.runs.length > 1 ? 's' : ''}: ${ours.runs.map((r) => r.seed).join(', ')}) | ${diff} | ${ok} |`;
  }),
];
const grids = [cheapGrid, recipeGrid, elasticGrid].filter((g) => g !== null);
const trainedNow = grids.reduce((a, g) => a + g.trained, 0), fromCache = grids.reduce((a, g) => a + g.cached, 0);
const note = `Measured by \`node --import tsx scripts/calibrate-data.ts${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}\` ` +
  `on Node ${process.versions.node}, ${workers} worker thread(s), in ${Math.round((Date.now() - t0) / 1000)} s ` +
  `(${trainedNow} run(s) trained by this invocation, ${fromCache} read from the run cache, trained by earlier invocations with the same settings and data).`;
console.log(lines.join('\n'));
console.log(note);
for (const r of rows) {
  console.log(`${r.point}: best val ${r.ours.runs.map((x) => pct(x.bestValAcc)).join(' ')}; test ${r.ours.runs.map((x) => (x.testAcc === null ? '–' : pct(x.testAcc))).join(' ')}; best epochs ${r.ours.runs.map((x) => x.bestEpoch).join(' ')}; ${r.ours.runs.map((x) => Math.round(x.seconds)).join(' ')} s`);
}
if (values.out) {
  const runLines = rows.map((r) => `- ${NAMES[r.point] ?? `${r.point} (test)`}: best validation ${r.ours.runs.map((x) => pct(x.bestValAcc)).join(', ')}; ` +
    `test ${r.ours.runs.map((x) => (x.testAcc === null ? '–' : pct(x.testAcc))).join(', ')}; best epochs ${r.ours.runs.map((x) => x.bestEpoch).join(', ')}`);
  const elasticRow = rows.find((r) => r.point.startsWith('recipe + elastic')), recipeRow = rows.find((r) => r.point === 'recipe');
  // Elastic against the recipe on the seeds both have, run for run (the same split, the same seeds).
  const shared = elasticRow && recipeRow ? elasticRow.ours.runs.map((e) => [recipeRow.ours.runs.find((r) => r.seed === e.seed), e] as const).filter(([r]) => r) : [];
  const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const elasticLine = elasticRow && shared.length > 0 ? (() => {
    const before = meanOf(shared.map(([r]) => r!.testAcc ?? NaN)), after = meanOf(shared.map(([, e]) => e.testAcc ?? NaN));
    return [`Elastic distortion on top of the fixed recipe (${elasticRow.point.replace('recipe + ', '')}), on seed${shared.length > 1 ? 's' : ''} ${shared.map(([, e]) => e.seed).join(', ')}: ` +
      `test accuracy ${pct(before)} → ${pct(after)} (${after - before >= 0 ? '+' : '−'}${(100 * Math.abs(after - before)).toFixed(1)} points; ` +
      `per seed ${shared.map(([r, e]) => `${pct(r!.testAcc ?? NaN)} → ${pct(e.testAcc ?? NaN)}`).join(', ')}).`, ''];
  })() : [];
  const doc = [
    '# The built-in data, calibrated to the course data',
    '',
    'Written by `scripts/calibrate-data.ts` (do not edit by hand: rerun it). The course values were measured on the',
    'course\'s real folder of 7,440 BMPs (issue 25). The built-in data: 620 images per class, data seed 0, the',
    'notebooks\' duplicate-aware split. Reference points:',
    '',
    '- baseline: the full profile\'s 2×50 network as notebook 04 trains it (Adam 1e-3, batch 64, float32, until',
    '  converged or 20 epochs), 20% validation, no test set; best validation accuracy, mean ± std over seeds;',
    '- + augmentation: the same with shift ±2 px and rotation ±10° (notebook 04\'s row);',
    '- fixed recipe: 512-512, dropout 0.2, shift ±2 px, rotation ±10°, all 60 epochs, batch 64, float32, on',
    '  notebook 05\'s split (20% validation, 15% test); test accuracy of the best-validation epoch.',
    '',
    ...lines,
    '',
    note,
    '',
    ...elasticLine,
    'Every run:',
    '',
    ...runLines,
    '',
  ].join('\n');
  const tmp = `${values.out}.tmp-${process.pid}`;
  writeFileSync(tmp, doc);
  renameSync(tmp, values.out);
}
