/**
 * The reproducibility digest: a fixed set of small runs, each summed up as a SHA-256 of its final
 * parameters and its loss history. Two machines that print the same digest train the same bits,
 * whatever their Node version, kernel backend (js or wasm) or thread count. `nnlab digest` prints
 * it; test/digest.test.ts recomputes it under each backend and thread count and compares it with
 * the committed test/fixtures/digest.json; CI does the same under every supported Node line.
 *
 * The runs cover every place where a number is made: the sine fit (tanh, sigmoid, Adam's β^t,
 * lrDecay^epoch, SGD with momentum), the synthetic characters (exp, sin, cos in the generator; the
 * split), classification with batchnorm, dropout, augmentation by shift and rotation and Adam on a
 * cosine schedule in both number types, an MSE-trained tanh network on the step schedule, and
 * the softmax average of a 3-seed ensemble.
 *
 * When a digest changes on purpose (a new algorithm, a fixed bug), bump NUMERICS_VERSION in
 * lib/math/elementary.ts and record the new digest: `nnlab digest --write`.
 *
 * Each numerics mode (lib/kernels/index.ts) has its own digest: `exact` in
 * test/fixtures/digest.json, `fused` in test/fixtures/digest-fused.json (`nnlab --numerics fused
 * digest --check`), the same on every machine that runs that mode.
 */
import { createHash, type Hash } from 'node:crypto';
import { fitSine } from '../tasks/sine.js';
import { synthesizeCharacters } from '../data/synth.js';
import { splitDataset, type Dataset } from '../data/split.js';
import { trainClassifier, type TrainData, type TrainSettings } from '../recipe.js';
import { averageProbabilities, classProbabilities } from '../data/ensemble.js';
import { NUMERICS_VERSION } from '../math/elementary.js';
import { numericsMode, type Numerics } from '../kernels/index.js';
import type { FullyConnectedNet } from '../nn/fc_net.js';
import type { Solver } from '../nn/solver.js';

/** One run of the digest: its name and the SHA-256 (hex) of what it produced. */
export interface DigestLine {
  run: string;
  sha256: string;
}

/** The digest as printed and committed: the numerics version it was made under, and its lines. */
export interface Digest {
  numerics: number;
  /** The numerics mode it was made in (absent in the exact digest recorded before the modes: `exact`). */
  mode?: Numerics;
  lines: DigestLine[];
}

/** Adds an array's values to the hash as float64 bytes (float32 values widen exactly). */
function hashValues(h: Hash, label: string, values: ArrayLike<number>): void {
  h.update(`${label}:${values.length};`);
  const f64 = Float64Array.from(values);
  h.update(new Uint8Array(f64.buffer));
}

/** Final parameters (in name order) and the loss and metric histories of a trained network. */
function hashTraining(net: FullyConnectedNet, solver: Solver, extra: Record<string, ArrayLike<number>> = {}): string {
  const h = createHash('sha256');
  for (const name of Object.keys(net.params).sort()) hashValues(h, name, net.params[name].data);
  hashValues(h, 'loss', solver.lossHistory);
  hashValues(h, 'valMetric', solver.valMetricHistory);
  for (const [label, values] of Object.entries(extra)) hashValues(h, label, values);
  return h.digest('hex');
}

/**
 * The digest's character data: 12 × 10 synthetic images, a quarter held out for validation.
 * Generator 1, pinned: the digest checks the numerics of training, which any fixed images do,
 * so a new default generator does not change the recorded digest.
 */
function digestCharacters(): { split: Dataset; data: TrainData } {
  const synth = synthesizeCharacters({ perClass: 10, seed: 7, generator: 1 });
  const split = splitDataset(synth, { valFraction: 0.25, seed: 7 });
  const data: TrainData = {
    XTrain: split.XTrain, yTrain: split.yTrain, XVal: split.XVal, yVal: split.yVal, mean: split.mean,
    width: synth.width, height: synth.height, numClasses: synth.classNames.length,
  };
  return { split, data };
}

const CLASSIFIER: TrainSettings = {
  hiddenDims: [24, 16], activation: 'relu', normalization: 'batchnorm', dropout: 0.2, reg: 1e-4, weightInit: 'he',
  loss: 'softmax', updateRule: 'adam', learningRate: 3e-3, lrDecay: 1, lrSchedule: 'cosine', batchSize: 16, numEpochs: 3,
  augment: { shift: 2, rotate: 10 }, seed: 11, dtype: 'float64',
};

/** The runs, in the order printed. Each returns its SHA-256. */
const RUNS: ReadonlyArray<{ run: string; make: () => string }> = [
  {
    run: 'sine fit: 1-16-16-1 tanh, Adam, lrDecay 0.9',
    make: () => {
      const r = fitSine({ hiddenDims: [16, 16], numTrain: 200, numVal: 50, epochs: 6, batchSize: 20, lrDecay: 0.9, seed: 3 });
      return hashTraining(r.net, r.solver, { grid: r.gridPred });
    },
  },
  {
    run: 'sine fit: 1-16-1 sigmoid, SGD with momentum',
    make: () => {
      const r = fitSine({ hiddenDims: [16], activation: 'sigmoid', updateRule: 'sgdMomentum', learningRate: 0.05, numTrain: 200, numVal: 50, epochs: 6, batchSize: 20, seed: 4 });
      return hashTraining(r.net, r.solver, { grid: r.gridPred });
    },
  },
  {
    run: 'synthetic characters: 120 images and their split',
    make: () => {
      const { split } = digestCharacters();
      const h = createHash('sha256');
      hashValues(h, 'XTrain', split.XTrain.data);
      hashValues(h, 'trainIndices', split.trainIndices);
      hashValues(h, 'valIndices', split.valIndices);
      return h.digest('hex');
    },
  },
  ...(['float64', 'float32'] as const).map((dtype) => ({
    run: `characters ${dtype}: batchnorm, dropout, shift+rotation, Adam on a cosine schedule`,
    make: () => {
      const { data } = digestCharacters();
      const { net, solver } = trainClassifier({ ...CLASSIFIER, dtype }, data);
      return hashTraining(net, solver);
    },
  })),
  {
    run: 'characters float64: tanh, MSE loss, RMSprop on the step schedule',
    make: () => {
      const { data } = digestCharacters();
      const { net, solver } = trainClassifier({
        ...CLASSIFIER, activation: 'tanh', normalization: 'none', dropout: 0, loss: 'mse', updateRule: 'rmsprop',
        learningRate: 1e-3, lrSchedule: 'step', lrDecay: 0.95, augment: null, numEpochs: 4, seed: 12,
      }, data);
      return hashTraining(net, solver);
    },
  },
  {
    run: 'ensemble float32: softmax average of 3 seeds',
    make: () => {
      const { data } = digestCharacters();
      const members = [21, 22, 23].map((seed) => {
        const { net } = trainClassifier({ ...CLASSIFIER, normalization: 'none', augment: null, dtype: 'float32', seed }, data);
        return classProbabilities(net, data.XVal, data.numClasses);
      });
      const h = createHash('sha256');
      hashValues(h, 'probabilities', averageProbabilities(members));
      return h.digest('hex');
    },
  },
];

/** Computes the digest (a few seconds: every run is small). */
export function computeDigest(): Digest {
  const mode = numericsMode();
  return { numerics: NUMERICS_VERSION, ...(mode === 'exact' ? {} : { mode }), lines: RUNS.map(({ run, make }) => ({ run, sha256: make() })) };
}

/** The lines of `expected` that `actual` does not reproduce, as readable sentences (empty: identical). */
export function digestDifferences(expected: Digest, actual: Digest): string[] {
  const out: string[] = [];
  if (expected.numerics !== actual.numerics) out.push(`numerics version: expected ${expected.numerics}, got ${actual.numerics}`);
  const want = expected.mode ?? 'exact', got = actual.mode ?? 'exact';
  if (want !== got) out.push(`numerics mode: expected ${want}, got ${got}`);
  const byRun = new Map(actual.lines.map((l) => [l.run, l.sha256]));
  for (const { run, sha256 } of expected.lines) {
    const got = byRun.get(run);
    if (got === undefined) out.push(`${run}: missing`);
    else if (got !== sha256) out.push(`${run}: expected ${sha256.slice(0, 16)}…, got ${got.slice(0, 16)}…`);
  }
  for (const { run } of actual.lines) if (!expected.lines.some((l) => l.run === run)) out.push(`${run}: not in the recorded digest`);
  return out;
}

