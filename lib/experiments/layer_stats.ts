/**
 * Per-layer statistics of a network on a batch: how activations and gradients look as they pass
 * through the layers. With a deep sigmoid network they saturate and the gradient of the first
 * layers all but vanishes; batch normalisation keeps every layer in its sensitive range.
 */
import { Matrix } from '../nn/matrix.js';
import { sumOfSquares } from '../nn/ops.js';
import type { FullyConnectedNet } from '../nn/fc_net.js';
import { hiddenLayerForward } from '../nn/layer_utils.js';

export interface LayerStats {
  layer: number;
  /** Mean and standard deviation of the layer's output (after the activation). */
  activationMean: number;
  activationStd: number;
  /** Fraction of units in a flat part of the activation: sigmoid/tanh saturated (|slope| < 5% of its max), ReLU at 0. */
  saturated: number;
  /** ‖∂L/∂W‖ (Frobenius) of the layer's weights, and relative to ‖W‖. */
  gradNorm: number;
  gradRatio: number;
}

function meanStd(m: Matrix): [number, number] {
  let s = 0;
  for (const v of m.data) s += v;
  const mean = s / m.data.length;
  let q = 0;
  for (const v of m.data) q += (v - mean) * (v - mean);
  return [mean, Math.sqrt(q / m.data.length)];
}

/** Statistics of every hidden layer (and the gradient of the output layer) on (X, y), in train mode. */
export function layerStatistics(net: FullyConnectedNet, X: Matrix, y: ArrayLike<number>): LayerStats[] {
  const { activation, normalization } = net.config;
  const stats: LayerStats[] = [];
  let h = X;
  for (let i = 1; i < net.numLayers; i++) {
    const bn = normalization === 'batchnorm' ? net.bnParams[i - 1] : undefined;
    // A copy of the batchnorm parameter: measuring must not move the running statistics.
    const param = bn ? { ...bn, mode: 'train' as const } : undefined;
    [h] = hiddenLayerForward(h, {
      w: net.params[`W${i}`], b: net.params[`b${i}`], activation,
      batchnorm: param ? { gamma: net.params[`gamma${i}`], beta: net.params[`beta${i}`], param } : undefined,
    });
    const [mean, std] = meanStd(h);
    let flat = 0;
    for (const v of h.data) {
      if (activation === 'sigmoid') flat += v * (1 - v) < 0.05 * 0.25 ? 1 : 0;
      else if (activation === 'tanh') flat += 1 - v * v < 0.05 ? 1 : 0;
      else flat += v <= 0 ? 1 : 0;
    }
    stats.push({ layer: i, activationMean: mean, activationStd: std, saturated: flat / h.data.length, gradNorm: NaN, gradRatio: NaN });
  }
  stats.push({ layer: net.numLayers, activationMean: NaN, activationStd: NaN, saturated: NaN, gradNorm: NaN, gradRatio: NaN });
  const saved = net.bnParams.map((bn) => ({ ...bn }));
  const { grads } = net.loss(X, y);
  net.bnParams.forEach((bn, i) => Object.assign(bn, saved[i]));
  for (const s of stats) {
    const g = Math.sqrt(sumOfSquares(grads[`W${s.layer}`]));
    s.gradNorm = g;
    s.gradRatio = g / Math.max(1e-12, Math.sqrt(sumOfSquares(net.params[`W${s.layer}`])));
  }
  return stats;
}
