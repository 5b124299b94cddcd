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

export type Activation = 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'sigmoid', 'tanh', 'leakyRelu'];

type ActivationCache = Matrix | LeakyReluCache;

/** The activations by name, each a forward/backward pair with an opaque cache. */
export const activationLayers: Record<Activation, {
  forward: (x: Matrix) => [Matrix, ActivationCache];
  backward: (dout: Matrix, cache: ActivationCache) => { dx: Matrix };
}> = {
  relu: { forward: reluForward, backward: (d, c) => reluBackward(d, c as Matrix) },
  sigmoid: { forward: sigmoidForward, backward: (d, c) => sigmoidBackward(d, c as Matrix) },
  tanh: { forward: tanhForward, backward: (d, c) => tanhBackward(d, c as Matrix) },
  leakyRelu: { forward: (x) => leakyReluForward(x), backward: (d, c) => leakyReluBackward(d, c as LeakyReluCache) },
};

export function checkActivation(what: string, name: string): Activation {
  if (!(ACTIVATIONS as readonly string[]).includes(name)) {
    throw new Error(`${what}: unknown activation '${name}', expected one of ${ACTIVATIONS.join(', ')}`);
  }
  return name as Activation;
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
  activation: ActivationCache;
  activationName: Activation;
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
  let [h, activation] = activationLayers[p.activation].forward(z);
  let dropout: DropoutCache | null = null;
  if (p.dropout) [h, dropout] = dropoutForward(h, p.dropout);
  return [h, { affine, batchnorm, activation, activationName: p.activation, dropout }];
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
  d = activationLayers[cache.activationName].backward(d, cache.activation).dx;
  const affine = (g: Matrix) => (inputGrad ? affineBackward(g, cache.affine) : affineBackwardParams(g, cache.affine));
  if (cache.batchnorm) {
    const bn = batchnormBackward(d, cache.batchnorm);
    return { ...affine(bn.dx), dgamma: bn.dgamma, dbeta: bn.dbeta };
  }
  return affine(d);
}
