/**
 * Profiles: how much data and training each experiment gets.
 *
 *   quick — small subsets and few epochs, one seed: all four notebooks run in a few minutes (CI).
 *   full  — the report's setting: the full dataset (620 images per class, 20% held out for
 *           validation), training until the loss has converged, each configuration with 3 seeds,
 *           tables showing mean ± std.
 *
 * Chosen by NNLAB_PROFILE (default quick).
 */
import { availableParallelism } from 'node:os';
import type { TrainSettings } from './settings.js';

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
  /** Worker threads for experiments (default: one per core). */
  workers?: number;
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
};

export const PROFILES: Record<ProfileName, Profile> = {
  quick: {
    name: 'quick',
    description: 'quick: 200 images per class, 8 epochs, 1 seed (a smoke run, not the report\'s setting)',
    perClass: 200,
    maxPerClass: 200,
    valFraction: 0.2,
    seeds: [0],
    baseline: { ...BASELINE, numEpochs: 8 },
    sineEpochs: 60,
  },
  full: {
    name: 'full',
    description: 'full: 620 images per class (20% validation), 20 epochs, 3 seeds (mean ± std)',
    perClass: 620,
    maxPerClass: null,
    valFraction: 0.2,
    seeds: [0, 1, 2],
    baseline: BASELINE,
    sineEpochs: 200,
  },
};

/**
 * The default number of worker threads: NNLAB_WORKERS (set by `nnlab report --workers N`, so
 * that it reaches the notebooks' kernels), else one per core.
 */
export function defaultWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.NNLAB_WORKERS;
  if (text === undefined || text.trim() === '') return availableParallelism();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`NNLAB_WORKERS must be a whole number of worker threads (0 = train in the notebook's own thread), got '${text}'`);
  return n;
}

/** The profile named by NNLAB_PROFILE (or `name`), default quick. */
export function getProfile(name: string | undefined = process.env.NNLAB_PROFILE): Profile {
  const n = (name ?? 'quick').trim().toLowerCase() || 'quick';
  if (n !== 'quick' && n !== 'full') throw new Error(`NNLAB_PROFILE must be 'quick' or 'full', got '${name}'`);
  const p = PROFILES[n];
  const workers = process.env.NNLAB_WORKERS?.trim() ? defaultWorkers() : undefined; // checked
  return { ...p, baseline: { ...p.baseline, hiddenDims: [...p.baseline.hiddenDims] }, seeds: [...p.seeds], workers };
}
