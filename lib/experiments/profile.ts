/**
 * Profiles: how much data and training each experiment gets.
 *
 *   full  — the report's setting, and the default: the full dataset (620 images per class, 20%
 *           held out for validation), each configuration trained until converged as the report
 *           did (training accuracy 99%+ and no better validation accuracy for 2 epochs; at most
 *           20 epochs) with 3 seeds, tables showing mean ± std.
 *   quick — small subsets and few epochs, one seed: a smoke run for the tests and CI, marked as
 *           such on every table and chart.
 *
 * Chosen by NNLAB_PROFILE (default full). The experiment grids train in float32 (NNLAB_DTYPE
 * overrides): it is about 1.5× faster than float64 and keeps the full report within its time
 * budget on two cores; the gradient checks and the backprop walk-through stay float64.
 */
import { availableParallelism } from 'node:os';
import type { TrainSettings } from './settings.js';
import type { DType } from '../nn/matrix.js';
import { workersFromEnv } from '../util/limits.js';

export type ProfileName = 'quick' | 'full';

export interface Profile {
  name: ProfileName;
  description: string;
  /** Images per class of the built-in synthetic data. */
  perClass: number;
  /** With the course data (NNLAB_DATA): keep at most this many images per class (null: all). */
  maxPerClass: number | null;
  valFraction: number;
  seeds: number[];
  /** The report's baseline network and training: 3 layers, 50 neurons, ReLU. */
  baseline: TrainSettings;
  /** Epochs for the fitting task (sin x). */
  sineEpochs: number;
  /** Shown beside every caption of this profile's tables and charts (null: none). */
  mark: string | null;
  /** Worker threads for experiments (default: one per core). */
  workers?: number;
  /** Notebook 05's budget (see BeyondBudget). */
  beyond: BeyondBudget;
}

/**
 * Notebook 05 ("Beyond the report"): a successive-halving search (lib/experiments/halving.ts)
 * planned for `budgetSeconds` of training on each worker, its winner trained on training +
 * validation with `finalSeeds` (their ensemble is scored too), and the protocol variants of
 * "why the report's numbers are higher" (lib/experiments/protocol.ts).
 */
export interface BeyondBudget {
  /** Seconds of training the search may take on each worker (NNLAB_BUDGET, `nnlab report --budget`, overrides). */
  budgetSeconds: number;
  /** The search's longest and shortest runs (the last rung, and the least a first rung may be). */
  maxEpochs: number;
  minEpochs: number;
  /** The seed the configurations are drawn from, and the seed of every search run. */
  searchSeed: number;
  /** Seeds of the final model (the ensemble's members). */
  finalSeeds: number[];
  /** The protocol variants' smaller validation fraction and fixed number of epochs. */
  smallValidation: number;
  fixedEpochs: number;
}

const BASELINE: TrainSettings = {
  hiddenDims: [50, 50],
  activation: 'relu',
  normalization: 'none',
  dropout: 0,
  reg: 0,
  weightInit: 'he',
  loss: 'softmax',
  updateRule: 'adam',
  learningRate: 1e-3,
  lrDecay: 1,
  batchSize: 64,
  numEpochs: 20,
  augment: null,
  seed: 0,
  dtype: 'float32',
  patience: 2,
};

export const PROFILES: Record<ProfileName, Profile> = {
  quick: {
    name: 'quick',
    description: 'quick: 200 images per class, up to 8 epochs, 1 seed (a smoke run, not the report\'s setting)',
    mark: 'quick smoke run — not comparable with the report',
    perClass: 200,
    maxPerClass: 200,
    valFraction: 0.2,
    seeds: [0],
    baseline: { ...BASELINE, numEpochs: 8 },
    sineEpochs: 60,
    beyond: { budgetSeconds: 4, maxEpochs: 6, minEpochs: 2, searchSeed: 0, finalSeeds: [0, 1], smallValidation: 0.1, fixedEpochs: 12 },
  },
  full: {
    name: 'full',
    description: 'full: 620 images per class (20% validation), trained until converged (at most 20 epochs), 3 seeds (mean ± std)',
    mark: null,
    perClass: 620,
    maxPerClass: null,
    valFraction: 0.2,
    seeds: [0, 1, 2],
    baseline: BASELINE,
    sineEpochs: 200,
    beyond: { budgetSeconds: 240, maxEpochs: 100, minEpochs: 3, searchSeed: 0, finalSeeds: [0, 1, 2], smallValidation: 0.1, fixedEpochs: 50 },
  },
};

/**
 * The default number of worker threads: NNLAB_WORKERS (set by `nnlab report --workers N`, so
 * that it reaches the notebooks' kernels), else one per core.
 */
export function defaultWorkers(env: NodeJS.ProcessEnv = process.env): number {
  return workersFromEnv(env) ?? availableParallelism();
}

/** The number type of the experiment grids: NNLAB_DTYPE, else the profile's (float32). */
export function experimentDtype(env: NodeJS.ProcessEnv = process.env, fallback: DType = 'float32'): DType {
  const text = env.NNLAB_DTYPE?.trim();
  if (!text) return fallback;
  if (text !== 'float32' && text !== 'float64') throw new Error(`NNLAB_DTYPE must be 'float32' or 'float64', got '${text}'`);
  return text;
}

/**
 * Notebook 05's search budget in seconds per worker: NNLAB_BUDGET (set by `nnlab report
 * --budget SECONDS`), else `fallback` (the profile's).
 */
export function budgetFromEnv(env: NodeJS.ProcessEnv = process.env, fallback: number): number {
  const text = env.NNLAB_BUDGET?.trim();
  if (!text) return fallback;
  const v = Number(text);
  if (!Number.isFinite(v) || !(v > 0)) throw new Error(`NNLAB_BUDGET must be a positive number of seconds (the search's training time per worker), got '${env.NNLAB_BUDGET}'`);
  return v;
}

/** The profile named by NNLAB_PROFILE (or `name`), default full. */
export function getProfile(name: string | undefined = process.env.NNLAB_PROFILE): Profile {
  const n = (name ?? 'full').trim().toLowerCase() || 'full';
  if (n !== 'quick' && n !== 'full') throw new Error(`NNLAB_PROFILE must be 'quick' or 'full', got '${name}'`);
  const p = PROFILES[n];
  const workers = process.env.NNLAB_WORKERS?.trim() ? defaultWorkers() : undefined; // checked
  const dtype = experimentDtype(process.env, p.baseline.dtype);
  const beyond = { ...p.beyond, finalSeeds: [...p.beyond.finalSeeds], budgetSeconds: budgetFromEnv(process.env, p.beyond.budgetSeconds) };
  return { ...p, baseline: { ...p.baseline, hiddenDims: [...p.baseline.hiddenDims], dtype }, seeds: [...p.seeds], workers, beyond };
}
