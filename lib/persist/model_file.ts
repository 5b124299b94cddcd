/**
 * A network as a JSON file (ConvNetJS-style toJSON/fromJSON, kept beside the network rather
 * than inside it, so that lib/nn/fc_net.ts needs no file system and could run in a browser).
 *
 * Loading checks everything against the stored data before a network is built: an edited
 * config (hiddenDims: [300000]) must not allocate what the file does not hold.
 */
import { Matrix, checkFinite } from '../nn/matrix.js';
import { FullyConnectedNet, NetConfig, NetOptions, Params, parameterShapes, validateConfig } from '../nn/fc_net.js';
import { matrixToJSON, matrixFromJSON, MatrixJSON } from './serialize.js';
import { writeFileAtomic, readJsonFile } from '../util/io.js';
import { netFileSchema, parseRecord } from './schema.js';
import { NUMERICS_VERSION } from '../math/elementary.js';
import { numericsMode, type Numerics } from '../kernels/index.js';

const MODEL_FORMAT = 'nnlab.FullyConnectedNet';
const MODEL_FORMAT_VERSION = 1;

export interface NetJSON {
  format: typeof MODEL_FORMAT;
  version: number;
  config: NetConfig;
  params: Record<string, MatrixJSON>;
  /** Running mean and variance of each batchnorm layer (empty without batchnorm). */
  batchnorm: { runningMean: MatrixJSON; runningVar: MatrixJSON }[];
  /**
   * The numerics the process that wrote the file ran (lib/math/elementary.ts, lib/kernels/index.ts):
   * what retraining it needs to give the same bits. Files from before the modes have none: `exact`.
   */
  numerics?: { version: number; mode: Numerics };
}

export function modelToJSON(net: FullyConnectedNet): NetJSON {
  const params: Record<string, MatrixJSON> = {};
  for (const [k, m] of Object.entries(net.params)) params[k] = matrixToJSON(m);
  const d = net.config.hiddenDims;
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    config: { ...net.config, hiddenDims: [...d] },
    params,
    batchnorm: net.bnParams.map((bn, i) => ({
      runningMean: matrixToJSON(bn.runningMean ?? new Matrix(1, d[i])),
      runningVar: matrixToJSON(bn.runningVar ?? Matrix.filled(1, d[i], 1)),
    })),
    numerics: { version: NUMERICS_VERSION, mode: numericsMode() },
  };
}

/** The network stored in `json`; `source` (e.g. "model file x.json") starts every error. */
export function modelFromJSON(json: unknown, source = 'model'): FullyConnectedNet {
  const j = json as Partial<NetJSON> | null;
  if (j === null || typeof j !== 'object' || j.format !== MODEL_FORMAT) {
    throw new Error(`${source}: not an nnlab model (expected format '${MODEL_FORMAT}')`);
  }
  if (j.version !== MODEL_FORMAT_VERSION) {
    throw new Error(`${source}: model format version ${j.version} is not supported (this nnlab reads version ${MODEL_FORMAT_VERSION})`);
  }
  parseRecord(netFileSchema, j, source); // types, names (no __proto__ among the parameters), matrix forms
  const config = (() => {
    try {
      return validateConfig(j.config as NetOptions);
    } catch (err) {
      throw new Error(`${source}: ${(err as Error).message}`);
    }
  })();
  const params: Params = {};
  for (const [k, rows, cols] of parameterShapes(config)) {
    params[k] = matrixFromJSON(j.params![k], `${source}: parameter ${k}`, [rows, cols]);
  }
  const extra = Object.keys(j.params!).filter((k) => !Object.hasOwn(params, k));
  if (extra.length > 0) throw new Error(`${source}: unexpected parameter(s) ${extra.join(', ')} for a ${config.inputDim}-${config.hiddenDims.join('-')}-${config.outputDim} network`);
  const normalized = config.normalization === 'batchnorm' ? config.hiddenDims : [];
  if (j.batchnorm!.length !== normalized.length) {
    throw new Error(`${source}: has ${j.batchnorm!.length} batchnorm entries, expected ${normalized.length}`);
  }
  const running = j.batchnorm!.map((bn, i) => ({
    runningMean: matrixFromJSON(bn?.runningMean, `${source}: batchnorm ${i + 1} runningMean`, [1, normalized[i]]).astype(config.dtype),
    runningVar: matrixFromJSON(bn?.runningVar, `${source}: batchnorm ${i + 1} runningVar`, [1, normalized[i]]).astype(config.dtype),
  }));
  const net = new FullyConnectedNet(config, params); // the checked parameters: no random ones drawn first
  running.forEach((r, i) => Object.assign(net.bnParams[i], r));
  return net;
}

/**
 * Throws, naming `what` and the parameter, if any parameter or running statistic is NaN or
 * infinite: JSON would write it as null, and the file would fail to load later.
 */
export function checkFiniteModel(net: FullyConnectedNet, what: string): void {
  for (const [k, m] of Object.entries(net.params)) checkFinite(`${what}: parameter ${k}`, m);
  net.bnParams.forEach((bn, i) => {
    if (bn.runningMean) checkFinite(`${what}: batchnorm ${i + 1} runningMean`, bn.runningMean);
    if (bn.runningVar) checkFinite(`${what}: batchnorm ${i + 1} runningVar`, bn.runningVar);
  });
}

/** Writes the model as JSON, atomically: a failed save leaves any previous file intact. */
export function saveModel(net: FullyConnectedNet, path: string): void {
  checkFiniteModel(net, `saveModel ${path}`);
  writeFileAtomic(path, JSON.stringify(modelToJSON(net)));
}

export function loadModel(path: string): FullyConnectedNet {
  return modelFromJSON(readJsonFile(path, 'model file'), `model file ${path}`);
}
