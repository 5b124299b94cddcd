/**
 * A FullyConnectedNet as compact JSON for a web page: its config, and every parameter and
 * batchnorm running statistic packed bit for bit as base64 (lib/util/packed_floats.ts). The
 * drawing pad (lib/widgets/drawing_pad.ts) rebuilds the same network from it in the browser,
 * through the constructor's `params` hook, so the page's forward pass is the library's.
 */
import { Matrix } from '../nn/matrix.js';
import { FullyConnectedNet, parameterShapes, type NetConfig, type Params } from '../nn/fc_net.js';
import { packFloats, unpackFloats, type PackedFloats } from '../util/packed_floats.js';

export interface PackedMatrix { rows: number; cols: number; values: PackedFloats }

export interface PackedNet {
  config: NetConfig;
  params: Record<string, PackedMatrix>;
  /** Per hidden layer when the net normalises: the running statistics test mode uses. */
  batchnorm: { runningMean: PackedMatrix; runningVar: PackedMatrix }[];
}

const packMatrix = (m: Matrix): PackedMatrix => ({ rows: m.rows, cols: m.cols, values: packFloats(m.data) });

function unpackMatrix(p: PackedMatrix, what: string): Matrix {
  const data = unpackFloats(p.values);
  if (data.length !== p.rows * p.cols) throw new Error(`unpackNet: ${what} has ${data.length} values for ${p.rows}x${p.cols}`);
  return new Matrix(p.rows, p.cols, data);
}

export function packNet(net: FullyConnectedNet): PackedNet {
  const params = Object.fromEntries(Object.entries(net.params).map(([k, m]) => [k, packMatrix(m)]));
  const width = (i: number) => net.config.hiddenDims[i];
  const batchnorm = net.bnParams.map((bn, i) => ({
    runningMean: packMatrix(bn.runningMean ?? Matrix.zeros(1, width(i), net.config.dtype)),
    runningVar: packMatrix(bn.runningVar ?? Matrix.filled(1, width(i), 1, net.config.dtype)),
  }));
  return { config: { ...net.config, hiddenDims: [...net.config.hiddenDims] }, params, batchnorm };
}

/** The network `packNet` packed, in test mode, with the same parameter bits. */
export function unpackNet(packed: PackedNet): FullyConnectedNet {
  const params: Params = {};
  for (const [k, rows, cols] of parameterShapes(packed.config)) {
    const p = packed.params[k];
    if (!p || p.rows !== rows || p.cols !== cols) throw new Error(`unpackNet: parameter ${k} must be ${rows}x${cols}`);
    params[k] = unpackMatrix(p, k);
  }
  const net = new FullyConnectedNet(packed.config, params);
  packed.batchnorm.forEach((bn, i) => Object.assign(net.bnParams[i], {
    mode: 'test', runningMean: unpackMatrix(bn.runningMean, `runningMean${i + 1}`), runningVar: unpackMatrix(bn.runningVar, `runningVar${i + 1}`),
  }));
  return net;
}
