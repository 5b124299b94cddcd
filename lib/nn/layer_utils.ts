/**
 * Sandwich layers: the block a fully connected network repeats,
 *   affine → [batchnorm] → activation → [dropout],
 * as one forward/backward pair (CS231n's layer_utils.py).
 */
import { Matrix } from './matrix.js';
import {
  affineForward, affineBackward, affineBackwardParams, AffineCache,
  batchnormForward, batchnormBackward, BatchnormCache, BatchnormParam,
  reluForward, reluBackward, sigmoidForward, sigmoidBackward, tanhForward, tanhBackward,
  leakyReluForward, leakyReluBackward, LeakyReluCache,
  dropoutForward, dropoutBackward, DropoutCache, DropoutParam,
} from './layers.js';

/** An activation as a forward/backward pair; its cache is read by its own backward pass only. */
interface ActivationLayer<Cache> {
  forward(x: Matrix): [Matrix, Cache];
  backward(dout: Matrix, cache: Cache): { dx: Matrix };
}

/** The activations by name (a network's `activation`). */
const activationLayers = {
  relu: { forward: reluForward, backward: reluBackward },
  sigmoid: { forward: sigmoidForward, backward: sigmoidBackward },
  tanh: { forward: tanhForward, backward: tanhBackward },
  leakyRelu: { forward: (x: Matrix) => leakyReluForward(x), backward: leakyReluBackward },
} satisfies Record<string, ActivationLayer<unknown>>;
export type Activation = keyof typeof activationLayers;

function isActivation(name: string): name is Activation {
  return Object.hasOwn(activationLayers, name);
}

/** `name` if it names an activation; else throws, naming the argument as `what`. */
export function checkActivation(what: string, name: string): Activation {
  if (!isActivation(name)) throw new Error(`${what}: unknown activation '${name}', expected one of ${Object.keys(activationLayers).join(', ')}`);
  return name;
}

/**
 * Runs `layer` forward on x, and returns its output with its backward pass bound to the cache it
 * needs (as micrograd's _backward), so the block's cache holds no cache of a union type.
 */
function activate<Cache>(layer: ActivationLayer<Cache>, x: Matrix): [Matrix, (dout: Matrix) => Matrix] {
  const [out, cache] = layer.forward(x);
  return [out, (dout) => layer.backward(dout, cache).dx];
}

export interface HiddenLayerParams {
  w: Matrix;
  b: Matrix;
  activation: Activation;
  /** Present when the block normalises: scale, shift and the running statistics. */
  batchnorm?: { gamma: Matrix; beta: Matrix; param: BatchnormParam };
  /** Present when the block drops units. */
  dropout?: DropoutParam;
}

export interface HiddenLayerCache {
  affine: AffineCache;
  batchnorm: BatchnormCache | null;
  /** The activation's backward pass, bound to its cache. */
  activationBackward: (dout: Matrix) => Matrix;
  dropout: DropoutCache | null;
}

export interface HiddenLayerGrads { dx: Matrix; dw: Matrix; db: Matrix; dgamma?: Matrix; dbeta?: Matrix }
/** The gradients of the block's parameters only (see hiddenLayerBackward's inputGrad). */
export type HiddenLayerParamGrads = Omit<HiddenLayerGrads, 'dx'>;

/** x: N×D, w: D×M → out: N×M through affine → [batchnorm] → activation → [dropout]. */
export function hiddenLayerForward(x: Matrix, p: HiddenLayerParams): [Matrix, HiddenLayerCache] {
  const [a, affine] = affineForward(x, p.w, p.b);
  let z = a;
  let batchnorm: BatchnormCache | null = null;
  if (p.batchnorm) [z, batchnorm] = batchnormForward(a, p.batchnorm.gamma, p.batchnorm.beta, p.batchnorm.param);
  let [h, activationBackward] = activate<Matrix | LeakyReluCache>(activationLayers[p.activation], z);
  let dropout: DropoutCache | null = null;
  if (p.dropout) [h, dropout] = dropoutForward(h, p.dropout);
  return [h, { affine, batchnorm, activationBackward, dropout }];
}

/** What hiddenLayerBackward computes besides the parameter gradients. */
export interface BackwardOptions {
  /**
   * Whether to compute dx (default true). False for the first layer of a network, whose dx is
   * the gradient with respect to the data, which training never uses (see affineBackwardParams).
   */
  inputGrad?: boolean;
}

/** The same block backwards: dropout → activation → [batchnorm] → affine. */
export function hiddenLayerBackward(dout: Matrix, cache: HiddenLayerCache, options?: { inputGrad?: true }): HiddenLayerGrads;
/** With { inputGrad: false }: the parameter gradients only, without dx. */
export function hiddenLayerBackward(dout: Matrix, cache: HiddenLayerCache, options: BackwardOptions): HiddenLayerParamGrads;
export function hiddenLayerBackward(dout: Matrix, cache: HiddenLayerCache, { inputGrad = true }: BackwardOptions = {}): HiddenLayerGrads | HiddenLayerParamGrads {
  let d = dout;
  if (cache.dropout) d = dropoutBackward(d, cache.dropout).dx;
  d = cache.activationBackward(d);
  const affine = (g: Matrix) => (inputGrad ? affineBackward(g, cache.affine) : affineBackwardParams(g, cache.affine));
  if (cache.batchnorm) {
    const bn = batchnormBackward(d, cache.batchnorm);
    return { ...affine(bn.dx), dgamma: bn.dgamma, dbeta: bn.dbeta };
  }
  return affine(d);
}

/**
 * A hidden block's backward pass bound to what its forward pass kept (as `activate` binds an
 * activation's): with dx, or the parameter gradients only (a network's first layer). A network
 * keeps these rather than caches, so that a block computed elsewhere (an engine's, see
 * Engine.hiddenLayer in lib/nn/engine.ts) brings a backward pass that reads its own cache.
 */
export interface HiddenLayerBackwardPass {
  withInputGrad(dout: Matrix): HiddenLayerGrads;
  paramsOnly(dout: Matrix): HiddenLayerParamGrads;
}

/** hiddenLayerBackward bound to `cache`. */
export function bindHiddenLayerBackward(cache: HiddenLayerCache): HiddenLayerBackwardPass {
  return {
    withInputGrad: (dout) => hiddenLayerBackward(dout, cache),
    paramsOnly: (dout) => hiddenLayerBackward(dout, cache, { inputGrad: false }),
  };
}

/**
 * A hidden block's forward pass computed elsewhere (an engine's): the block's output and its
 * backward pass, the same bits as hiddenLayerForward and hiddenLayerBackward; or null where it
 * cannot compute this block, and hiddenLayerForward runs.
 */
export type HiddenLayerOn = (x: Matrix, p: HiddenLayerParams) => [Matrix, HiddenLayerBackwardPass] | null;
