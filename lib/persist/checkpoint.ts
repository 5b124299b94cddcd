/**
 * Solver checkpoints: the model, the optimiser state, the histories and the best parameters,
 * so that a resumed run continues exactly where the interrupted one stopped. Kept beside the
 * Solver (which only calls its `checkpoint` hook after every epoch), so lib/nn/solver.ts needs no
 * file system.
 *
 *   const solver = new Solver(net, data, { ...options, checkpoint: checkpointTo('run.json') });
 *   // … interrupted after epoch 3 …
 *   resumeSolver('run.json', data, { numEpochs: 6 }).train();  // = an uninterrupted run
 */
import { createHash } from 'node:crypto';
import { Matrix, type DType } from '../nn/matrix.js';
import { toResident } from '../kernels/resident.js';
import { Solver, SolverData, SolverOptions } from '../nn/solver.js';
import type { OptimConfig } from '../nn/optim.js';
import { matrixToJSON, matrixFromJSON, MatrixJSON } from './serialize.js';
import { writeFileAtomic, readJsonFile, checkWritable } from '../util/io.js';
import { modelToJSON, modelFromJSON, checkFiniteModel } from './model_file.js';
import { checkpointSchema, parseRecord } from './schema.js';
import { FullyConnectedNet } from '../nn/fc_net.js';

const CHECKPOINT_FORMAT = 'nnlab.SolverCheckpoint';
const CHECKPOINT_VERSION = 1;

/**
 * Options that make a run what it is: a resumed run must keep them, or it would silently be a
 * different run continuing from the middle of another. (numEpochs, checkpoint, hooks and
 * verbosity may change; augment is a function and must be passed again.)
 */
const RUN_IDENTITY = ['updateRule', 'optimConfig', 'lrDecay', 'lrSchedule', 'batchSize', 'seed', 'numTrainSamples', 'numValSamples', 'metric'] as const;

/** A Solver `checkpoint` hook that writes to `path` after every epoch (atomically). */
export type CheckpointWriter = ((solver: Solver) => void) & { readonly path: string };

/** The Solver trains any model; checkpoints are written for a FullyConnectedNet, whose file format they embed. */
function checkpointedNet(solver: Solver): FullyConnectedNet {
  if (!(solver.model instanceof FullyConnectedNet)) throw new Error('checkpoints are written for a FullyConnectedNet only');
  return solver.model;
}

export function checkpointTo(path: string): CheckpointWriter {
  checkWritable('checkpoint', path, CHECKPOINT_FORMAT); // replaces an earlier checkpoint, never another file
  return Object.assign((solver: Solver) => saveCheckpoint(solver, path), { path });
}

/** The path the solver's checkpoints go to, recorded so that a resumed run keeps writing there. */
function checkpointPath(options: SolverOptions): string | null {
  return (options.checkpoint as Partial<CheckpointWriter> | null)?.path ?? null;
}

export function solverToCheckpoint(solver: Solver): object {
  const { augment, onIteration, onEpoch, checkpoint, ...plainOptions } = solver.options;
  void augment; void onIteration; void onEpoch; void checkpoint;
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    options: { ...plainOptions, checkpoint: checkpointPath(solver.options) },
    data: dataIdentity(solver),
    epoch: solver.epoch,
    model: modelToJSON(checkpointedNet(solver)),
    optimConfigs: Object.fromEntries(Object.entries(solver.optimConfigs).map(([k, c]) => [k, configToJSON(c)])),
    lossHistory: solver.lossHistory,
    trainMetricHistory: solver.trainMetricHistory,
    valMetricHistory: solver.valMetricHistory,
    epochSeconds: solver.epochSeconds,
    bestValMetric: solver.bestValMetric,
    bestEpoch: solver.bestEpoch,
    bestParams: Object.fromEntries(Object.entries(solver.bestParams).map(([k, m]) => [k, matrixToJSON(m)])),
    bestBatchnorm: solver.bestBatchnorm.map((bn) => ({
      runningMean: bn.runningMean && matrixToJSON(bn.runningMean),
      runningVar: bn.runningVar && matrixToJSON(bn.runningVar),
    })),
  };
}

export function saveCheckpoint(solver: Solver, path: string): void {
  checkFiniteModel(checkpointedNet(solver), `saveCheckpoint ${path}`);
  writeFileAtomic(path, JSON.stringify(solverToCheckpoint(solver)));
}

/**
 * A solver that continues the run saved at `path`. `options` may change what is not part of
 * the run's identity: numEpochs (to train further), checkpoint, hooks, verbosity. A changed
 * update rule, optimiser config, batch size, seed, data or data type is refused, naming it.
 */
export function resumeSolver(path: string, data: SolverData, options: Partial<SolverOptions> = {}): Solver {
  let ck: any;
  try {
    ck = readJsonFile(path, 'checkpoint');
  } catch (err) {
    throw new Error(`cannot resume: ${(err as Error).message}`);
  }
  if (ck?.format !== CHECKPOINT_FORMAT || ck.version !== CHECKPOINT_VERSION) {
    throw new Error(`${path}: not an nnlab solver checkpoint (format ${CHECKPOINT_FORMAT} version ${CHECKPOINT_VERSION})`);
  }
  const what = `checkpoint ${path}`;
  parseRecord(checkpointSchema, ck, what);
  for (const key of RUN_IDENTITY) {
    if (key in options && JSON.stringify(options[key]) !== JSON.stringify(ck.options?.[key])) {
      throw new Error(`cannot resume from ${path}: ${key} was ${JSON.stringify(ck.options?.[key])} in the run, ${JSON.stringify(options[key])} now; start a new run to change it`);
    }
  }
  const model = modelFromJSON(ck.model, what);
  const recordedPath: unknown = ck.options?.checkpoint;
  const checkpoint = typeof recordedPath === 'string' ? checkpointTo(recordedPath) : null;
  const solver = new Solver(model, data, { ...ck.options, checkpoint, ...options });
  checkSameData(solver, ck.data, path);
  const dtype = model.config.dtype;
  // Every stored matrix has its parameter's shape and the model's number type (a checkpoint
  // from before dtypes were recorded holds float32 values as plain numbers: converted exactly).
  const asParam = (m: unknown, k: string, label: string) => {
    const param = model.params[k];
    if (param === undefined) throw new Error(`${what}: ${label} belongs to no parameter of the model`);
    const matrix = matrixFromJSON(m, `${what}: ${label}`, [param.rows, param.cols]);
    if ((m as MatrixJSON).dtype !== undefined && matrix.dtype !== dtype) {
      throw new Error(`${what}: ${label} is ${matrix.dtype}, but the model is ${dtype}`);
    }
    return matrix.astype(dtype);
  };
  solver.epoch = ck.epoch;
  solver.optimConfigs = Object.fromEntries(Object.keys(model.params).map((k) => {
    if (!ck.optimConfigs?.[k]) throw new Error(`${what}: no optimiser state for parameter ${k}`);
    return [k, configFromJSON(ck.optimConfigs[k], (m, name) => toResident(asParam(m, k, `${name} of ${k}`)))];
  }));
  solver.lossHistory = ck.lossHistory;
  solver.trainMetricHistory = ck.trainMetricHistory;
  solver.valMetricHistory = ck.valMetricHistory;
  solver.epochSeconds = ck.epochSeconds;
  solver.bestValMetric = ck.bestValMetric ?? solver.bestValMetric;
  solver.bestEpoch = ck.bestEpoch;
  solver.bestParams = Object.fromEntries(Object.entries(ck.bestParams).map(([k, m]) => [k, asParam(m, k, `best ${k}`)]));
  solver.bestBatchnorm = (ck.bestBatchnorm as { runningMean?: MatrixJSON; runningVar?: MatrixJSON }[]).map((bn) => ({
    runningMean: bn.runningMean && matrixFromJSON(bn.runningMean, `${what}: best runningMean`).astype(dtype),
    runningVar: bn.runningVar && matrixFromJSON(bn.runningVar, `${what}: best runningVar`).astype(dtype),
  }));
  return solver;
}

/** Data fingerprints by solver: hashed once per solver, at its first checkpoint. */
const fingerprints = new WeakMap<Solver, string>();

/** What a checkpoint records of the data: its number type and a hash of every value. */
function dataIdentity(solver: Solver): { dtype: DType; fingerprint: string } {
  let fingerprint = fingerprints.get(solver);
  if (fingerprint === undefined) fingerprints.set(solver, fingerprint = fingerprintData(solver.data));
  return { dtype: solver.data.XTrain.dtype, fingerprint };
}

/** Throws unless `recorded` (from a checkpoint) describes the solver's data. */
function checkSameData(solver: Solver, recorded: { dtype?: DType; fingerprint?: string } | undefined, path: string): void {
  if (recorded === undefined) return; // a checkpoint from before the data was recorded
  const now = dataIdentity(solver);
  if (recorded.dtype !== now.dtype) {
    throw new Error(`cannot resume from ${path}: the training data was ${recorded.dtype} in the run, ${now.dtype} now`);
  }
  if (recorded.fingerprint !== now.fingerprint) {
    throw new Error(`cannot resume from ${path}: the data differs from the run's (fingerprint ${String(recorded.fingerprint).slice(0, 12)}…, now ${now.fingerprint.slice(0, 12)}…); resume with the same data`);
  }
}

/** A hash of the training and validation data: every value and label, in order. */
function fingerprintData(d: SolverData): string {
  const h = createHash('sha256');
  for (const part of [d.XTrain, d.yTrain, d.XVal, d.yVal]) {
    const values = part instanceof Matrix ? part.data : Float64Array.from(part);
    h.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return h.digest('hex');
}

/** Optimiser configs hold numbers and state matrices; JSON keeps both exactly. */
function configToJSON(c: OptimConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v instanceof Matrix ? { matrix: matrixToJSON(v) } : v]));
}

/** `stateMatrix(json, name)` reads each state matrix (velocity, cache, m, v) of the config. */
function configFromJSON(j: object, stateMatrix: (m: unknown, name: string) => Matrix): OptimConfig {
  return Object.fromEntries(Object.entries(j).map(([k, v]) => [k, v && typeof v === 'object' && 'matrix' in v ? stateMatrix(v.matrix, k) : v])) as OptimConfig;
}
