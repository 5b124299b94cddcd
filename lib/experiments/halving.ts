/**
 * Successive halving (Jamieson & Talwalkar 2016; the synchronous form of ASHA, Li et al. 2020):
 * many configurations sampled from a search space train for a few epochs, the best third (by
 * validation accuracy) train again for three times as long, and so on up to the full length.
 * Written here because no npm package does it (searched: npm has no hyperband / successive-
 * halving package; the implementations are Python and R: Ray Tune, Optuna, mlr3hyperband).
 *
 * Every rung is a grid (lib/experiments/runner.ts runGrid): cached, trained on worker threads
 * or through the queue. A configuration that goes on is trained again from the start at the
 * longer length rather than resumed from the earlier rung: its learning-rate schedule (step,
 * cosine, warm-up) follows the planned number of epochs (lib/nn/optim.ts learningRateAt), so
 * the first 11 epochs of a 33-epoch run are not an 11-epoch run; and runGrid's tasks carry
 * settings, not checkpoints. That costs a rung about a third more than resuming would.
 *
 * The budget is in seconds of training on the workers available: the plan (how many
 * configurations, how many rungs, how long the last one) is the largest that the cost model
 * below says fits budget × workers. The plan depends only on those numbers and the data's size,
 * never on how fast this machine happens to be, so the same budget and workers give the same
 * search (and the same cache keys) everywhere.
 */
import { Rng, deriveSeed } from '../nn/random.js';
import { powInt } from '../math/elementary.js';
import type { AugmentSettings, TrainSettings } from '../recipe.js';
import type { GridPoint } from './settings.js';
import { stableStringify } from './settings.js';
import type { GridResult, RunOptions, RunResult } from './runner.js';
import { parameterCount, widthForParameters } from './beyond.js';

/** What the space needs to know of the data to build a network: its input size and number of classes. */
export interface SpaceContext {
  inputDim: number;
  numClasses: number;
}

/** One axis of the search space: its name, the values it can take, and how a value changes the settings. */
export interface SearchAxis<T = unknown> {
  name: string;
  choices: readonly T[];
  apply: (settings: TrainSettings, value: T, context: SpaceContext) => TrainSettings;
  /** A short description of a value, for the tables, saying what it is ('' for none; default String(value)). */
  describe?: (value: T) => string;
  /** The table column it is shown in, beside the other axes of the same group (default its name). */
  group?: string;
}

/** An axis (typed by its choices) as an element of the space. */
function axis<T>(a: SearchAxis<T>): SearchAxis {
  return a as unknown as SearchAxis;
}

/** The augmentation with one more kind set (a fresh one from none); all-zero becomes null when the sample is finished. */
const withAugment = (s: TrainSettings, change: Partial<AugmentSettings>): TrainSettings =>
  ({ ...s, augment: { ...(s.augment ?? { shift: 0, rotate: 0 }), ...change } });

/** A network of `depth` equal hidden layers with about `parameters` trainable values. */
export interface NetworkChoice { parameters: number; depth: number }

const NETWORKS: NetworkChoice[] = [100_000, 250_000, 500_000].flatMap((parameters) => [1, 2, 3].map((depth) => ({ parameters, depth })));

/**
 * The space notebook 05 searches: width and depth at a parameter budget, dropout, batch
 * normalisation, augmentation strength (shift, rotation, elastic distortion), learning-rate schedule with or without warm-up, weight
 * decay and batch size. The number of epochs is not an axis: the rungs set it.
 */
export const SEARCH_SPACE: readonly SearchAxis[] = [
  axis<NetworkChoice>({
    name: 'network', choices: NETWORKS,
    apply: (s, v, c) => ({ ...s, hiddenDims: Array(v.depth).fill(widthForParameters(v.depth, v.parameters, c.inputDim, c.numClasses)) }),
    describe: (v) => `≈${v.parameters / 1000}k`,
  }),
  axis<number>({ name: 'dropout', group: 'regularisation', choices: [0, 0.1, 0.2, 0.3], apply: (s, v) => ({ ...s, dropout: v }), describe: (v) => (v ? `dropout ${v}` : '') }),
  axis<TrainSettings['normalization']>({ name: 'normalization', group: 'regularisation', choices: ['none', 'batchnorm'], apply: (s, v) => ({ ...s, normalization: v }), describe: (v) => (v === 'none' ? '' : v) }),
  axis<number>({ name: 'shift', group: 'augmentation', choices: [0, 1, 2, 3], apply: (s, v) => withAugment(s, { shift: v }), describe: (v) => (v ? `±${v} px` : '') }),
  axis<number>({ name: 'rotation', group: 'augmentation', choices: [0, 5, 10, 15], apply: (s, v) => withAugment(s, { rotate: v }), describe: (v) => (v ? `±${v}°` : '') }),
  // Simard et al.'s elastic distortion at their α = 34 px, σ = 4 px (lib/data/augment.ts), or none.
  axis<number>({ name: 'elastic', group: 'augmentation', choices: [0, 34], apply: (s, v) => (v ? withAugment(s, { elastic: { alpha: v, sigma: 4 } }) : s), describe: (v) => (v ? `elastic α ${v}` : '') }),
  axis<NonNullable<TrainSettings['lrSchedule']>>({ name: 'schedule', group: 'training', choices: ['constant', 'step', 'cosine'], apply: (s, v) => ({ ...s, lrSchedule: v }) }),
  axis<number>({ name: 'warm-up', group: 'training', choices: [0, 3], apply: (s, v) => ({ ...s, lrWarmupEpochs: v }), describe: (v) => (v ? `${v}-epoch warm-up` : '') }),
  axis<number>({ name: 'weight decay', group: 'regularisation', choices: [0, 1e-4, 1e-3], apply: (s, v) => ({ ...s, reg: v }), describe: (v) => (v ? `decay ${v}` : '') }),
  axis<number>({ name: 'batch', group: 'training', choices: [32, 64, 128], apply: (s, v) => ({ ...s, batchSize: v }), describe: (v) => `batch ${v}` }),
];

/** A sampled configuration: its number, the value of every axis, and the settings they make. */
export interface Configuration {
  id: number;
  values: Record<string, string>;
  settings: TrainSettings;
}

/** Settings after every axis: no augmentation rather than an all-zero one, no warm-up key rather than 0. */
function finished(s: TrainSettings): TrainSettings {
  const a = s.augment;
  const augment = a && (a.elastic !== undefined || Object.values(a).some((v) => typeof v === 'number' && v > 0)) ? a : null;
  const { lrWarmupEpochs, ...rest } = s;
  return { ...rest, augment, ...(lrWarmupEpochs ? { lrWarmupEpochs } : {}) };
}

/**
 * `count` different configurations drawn uniformly from `space` over `base`, from `seed` alone
 * (a draw equal to an earlier one is drawn again; fewer than `count` if the space has fewer).
 */
export function sampleConfigurations(space: readonly SearchAxis[], count: number, seed: number, base: TrainSettings, context: SpaceContext): Configuration[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`sampleConfigurations: count must be a positive integer, got ${count}`);
  const size = space.reduce((n, a) => n * a.choices.length, 1);
  const rng = new Rng(deriveSeed(seed, 'search-space'));
  const seen = new Set<string>();
  const out: Configuration[] = [];
  while (out.length < Math.min(count, size)) {
    let settings: TrainSettings = { ...base, hiddenDims: [...base.hiddenDims] };
    const values: Record<string, string> = {};
    for (const a of space) {
      const v = a.choices[rng.int(0, a.choices.length - 1)];
      settings = a.apply(settings, v, context);
      values[a.name] = a.describe ? a.describe(v) : String(v);
    }
    settings = finished(settings);
    const key = stableStringify(settings);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ id: out.length + 1, values, settings });
  }
  return out;
}

/**
 * The cost model of the plan, in seconds per epoch on one core: per training image, a fixed part
 * (minibatch gathering, shift and rotation, bookkeeping) and a part per trainable parameter, both
 * scaled for the batch size as the runner's cost estimate is, plus the elastic distortion's own
 * cost per image when it is on. Measured on the project's 2-core machine (CPU time of
 * single-thread runs, float32, built-in data, 2026-12): 0.35 s per epoch of 4,836 augmented
 * images plus 1.06 µs per parameter; an elastic field drawn, smoothed and applied, 0.25 ms per
 * 28×28 image (lib/data/augment.ts, timed alone). Without that last term notebook 05's search
 * took 9.0 minutes where its plan said 4. Only the plan's size depends on these numbers.
 */
export const COST_MODEL = { secondsPerImage: 7.2e-5, secondsPerParameterImage: 2.2e-10, secondsPerElasticImage: 2.5e-4 } as const;

/** Estimated seconds of one epoch of `settings` on `trainImages` images, on one core. */
export function epochSeconds(settings: TrainSettings, trainImages: number, context: SpaceContext): number {
  const params = parameterCount(settings.hiddenDims, context.inputDim, context.numClasses);
  const batchFactor = (1 + 16 / settings.batchSize) / (1 + 16 / 64);
  const augmentFactor = settings.augment ? 1 : 0.4;
  const elastic = settings.augment?.elastic && settings.augment.elastic.alpha > 0 ? COST_MODEL.secondsPerElasticImage : 0;
  return trainImages * (batchFactor * (COST_MODEL.secondsPerImage * augmentFactor + COST_MODEL.secondsPerParameterImage * params) + elastic);
}

export interface Rung {
  /** Epochs of every run of this rung, and how many configurations train at it. */
  epochs: number;
  configurations: number;
}

export interface HalvingPlan {
  rungs: Rung[];
  /** Kept from one rung to the next: 1/eta of the configurations, each trained eta times as long. */
  eta: number;
  /** What the plan was made for: seconds on each of `workers` workers. */
  budgetSeconds: number;
  workers: number;
  /** The cost model's estimate of the plan's training, in seconds on one core. */
  estimatedSeconds: number;
}

export interface PlanOptions {
  budgetSeconds: number;
  workers: number;
  /** Mean estimated seconds of one epoch of one configuration (epochSeconds over the space). */
  secondsPerEpoch: number;
  /** The longest run (the last rung's length) and the shortest first rung. */
  maxEpochs: number;
  minEpochs: number;
  /** Default 3: the best third go on, for three times as long. */
  eta?: number;
  /** Configurations the last rung must compare (default 2). */
  finalists?: number;
}

/** Configurations at each rung when `first` start: each rung keeps floor(1/eta) of the one before, at least 1. */
export function rungSizes(first: number, rungs: number, eta: number): number[] {
  const sizes = [first];
  for (let i = 1; i < rungs; i++) sizes.push(Math.max(1, Math.floor(sizes[i - 1] / eta)));
  return sizes;
}

/** Epochs of each of `rungs` rungs ending at `maxEpochs`, each eta times the one before (rounded, at least 1). */
export function rungLengths(maxEpochs: number, rungs: number, eta: number): number[] {
  return Array.from({ length: rungs }, (_, i) => Math.max(1, Math.round(maxEpochs / powInt(eta, rungs - 1 - i))));
}

/** Rungs a plan should have when the lengths allow: fewer is a plain grid (1) or a single cut (2). */
export const HALVING_RUNGS = 3;

/**
 * The plan for a budget. First choice: the longest last rung (maxEpochs, or half, a quarter … of
 * it) at which a real search fits, one of HALVING_RUNGS rungs or more (fewer where maxEpochs and
 * minEpochs leave no room for that many). A budget too small for that at any length gets the
 * longest last rung that fits at all, with as many rungs as fit. Either way, then as many
 * configurations as fit budgetSeconds × workers with at least `finalists` in the last rung. A
 * bigger budget or more workers buys more configurations, longer runs and, once there are
 * enough, more rungs.
 *
 * Why the first choice: with the elastic distortion priced, 240 s on 2 workers pays for three
 * configurations of 100 epochs and nothing else, a plain grid of three; the same budget at 50
 * epochs compares 24 configurations in 3 rungs.
 */
export function planHalving(o: PlanOptions): HalvingPlan {
  const eta = o.eta ?? 3, finalists = o.finalists ?? 2;
  if (!(o.budgetSeconds > 0) || !Number.isFinite(o.budgetSeconds)) throw new Error(`planHalving: budgetSeconds must be a positive number of seconds, got ${o.budgetSeconds}`);
  if (!Number.isInteger(o.workers) || o.workers < 1) throw new Error(`planHalving: workers must be a positive integer, got ${o.workers}`);
  if (!(o.secondsPerEpoch > 0)) throw new Error(`planHalving: secondsPerEpoch must be positive, got ${o.secondsPerEpoch}`);
  if (!Number.isInteger(o.minEpochs) || o.minEpochs < 1 || !Number.isInteger(o.maxEpochs) || o.maxEpochs < o.minEpochs) {
    throw new Error(`planHalving: need integers 1 ≤ minEpochs ≤ maxEpochs, got ${o.minEpochs} and ${o.maxEpochs}`);
  }
  if (!Number.isInteger(eta) || eta < 2) throw new Error(`planHalving: eta must be an integer ≥ 2, got ${eta}`);
  const available = o.budgetSeconds * o.workers;
  const cost = (sizes: number[], lengths: number[]) => sizes.reduce((a, n, i) => a + n * lengths[i], 0) * o.secondsPerEpoch;
  /** The most rungs ending at `last` whose first is at least minEpochs long. */
  const mostRungs = (last: number) => {
    let most = 1;
    while (last / powInt(eta, most) >= o.minEpochs) most++;
    return most;
  };
  /** The plan of `k` rungs ending at `last` with the most configurations that fit, or null. */
  const fit = (last: number, k: number): HalvingPlan | null => {
    const lengths = rungLengths(last, k, eta);
    let first = finalists * powInt(eta, k - 1);
    if (cost(rungSizes(first, k, eta), lengths) > available) return null;
    while (cost(rungSizes(first + 1, k, eta), lengths) <= available) first++;
    const sizes = rungSizes(first, k, eta);
    return {
      rungs: sizes.map((configurations, i) => ({ epochs: lengths[i], configurations })),
      eta, budgetSeconds: o.budgetSeconds, workers: o.workers, estimatedSeconds: cost(sizes, lengths),
    };
  };
  /** The first plan that fits, from the longest last rung down and the most rungs down to `fewest`. */
  const firstFit = (fewest: number): HalvingPlan | null => {
    for (let last = o.maxEpochs; last >= o.minEpochs; last = Math.floor(last / 2)) {
      for (let k = mostRungs(last); k >= fewest; k--) {
        const p = fit(last, k);
        if (p) return p;
      }
    }
    return null;
  };
  const plan = firstFit(Math.min(HALVING_RUNGS, mostRungs(o.maxEpochs))) ?? firstFit(1);
  if (plan) return plan;
  const least = finalists * o.minEpochs * o.secondsPerEpoch / o.workers;
  throw new Error(`planHalving: a budget of ${o.budgetSeconds} s on ${o.workers} worker(s) is too small for ${finalists} configurations of ${o.minEpochs} epochs; give at least ${Math.ceil(least)} s (--budget)`);
}

/** One configuration's run at one rung. */
export interface Trial {
  configuration: Configuration;
  rung: number;
  epochs: number;
  run: RunResult;
  /** Its validation accuracy (best over epochs; -Infinity if the run diverged): what ranks it. */
  valAcc: number;
  /** Whether it went on to the next rung. */
  promoted: boolean;
}

/** The `keep` best trials by validation accuracy, ties broken by configuration number (so the choice never depends on sort stability). */
export function promote(trials: readonly Trial[], keep: number): Trial[] {
  return [...trials].sort((a, b) => b.valAcc - a.valAcc || a.configuration.id - b.configuration.id).slice(0, keep);
}

export interface HalvingResult {
  plan: HalvingPlan;
  configurations: Configuration[];
  trials: Trial[];
  /** Every rung's grid (for the cost of the search). */
  grids: GridResult[];
  /** The best of the last rung on validation, and its trials at every rung it ran. */
  winner: Configuration;
  winnerTrials: Trial[];
  /** The length the winner is trained at in the end: of its rungs, the one with the best validation accuracy. */
  chosenEpochs: number;
}

/** A grid runner: lab.run, or anything with its signature (the tests pass one that trains nothing). */
export type GridRunner = (points: GridPoint[], options: RunOptions) => Promise<GridResult>;

/**
 * Runs the plan: samples plan.rungs[0].configurations configurations from `space` (by `seed`),
 * trains every rung as one grid with seed `runSeed`, and promotes the best of each rung on
 * validation. Test accuracy is recorded by the runs but never read here.
 */
export async function successiveHalving(
  run: GridRunner, plan: HalvingPlan, options: { space: readonly SearchAxis[]; seed: number; runSeed: number; base: TrainSettings; context: SpaceContext },
): Promise<HalvingResult> {
  const configurations = sampleConfigurations(options.space, plan.rungs[0].configurations, options.seed, options.base, options.context);
  const trials: Trial[] = [];
  const grids: GridResult[] = [];
  let alive = configurations;
  for (let r = 0; r < plan.rungs.length; r++) {
    const { epochs } = plan.rungs[r];
    const points: GridPoint[] = alive.map((c) => ({ ...c.settings, numEpochs: epochs, seed: options.runSeed, label: `#${c.id}` }));
    const grid = await run(points, { title: `Rung ${r + 1} of ${plan.rungs.length}: ${alive.length} configurations × ${epochs} epochs`, seeds: [options.runSeed] });
    if (grid.runs.length !== alive.length) throw new Error(`successiveHalving: rung ${r + 1} returned ${grid.runs.length} runs for ${alive.length} configurations`);
    grids.push(grid);
    const rung = alive.map((configuration, i) => {
      const result = grid.runs[i];
      return { configuration, rung: r, epochs, run: result, valAcc: result.diverged ? -Infinity : result.bestValAcc, promoted: false };
    });
    trials.push(...rung);
    const next = r + 1 < plan.rungs.length ? plan.rungs[r + 1].configurations : 1;
    const kept = promote(rung, Math.min(next, rung.length));
    for (const t of kept) t.promoted = r + 1 < plan.rungs.length;
    alive = kept.map((t) => t.configuration);
  }
  const winner = alive[0];
  const winnerTrials = trials.filter((t) => t.configuration === winner);
  const best = winnerTrials.reduce((a, b) => (b.valAcc > a.valAcc ? b : a));
  return { plan, configurations, trials, grids, winner, winnerTrials, chosenEpochs: best.epochs };
}

/** The plan for a lab's space and data: epochSeconds averaged over `sample` configurations of the space. */
export function meanEpochSeconds(space: readonly SearchAxis[], base: TrainSettings, context: SpaceContext, trainImages: number, sample = 64): number {
  const configs = sampleConfigurations(space, sample, 0, base, context);
  return configs.reduce((a, c) => a + epochSeconds(c.settings, trainImages, context), 0) / configs.length;
}
