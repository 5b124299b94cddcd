/**
 * TensorFlow.js with its WebAssembly backend (XNNPACK, float32, one thread in Node) on the same
 * workload, as the other point of comparison: the same networks, He initialisation,
 * softmax loss + 0.5·reg·ΣW², Adam, minibatches gathered by index, timed by the same protocol.
 *
 * Optional: the packages are dev dependencies, loaded only when the bench asks for them; if
 * they are missing the bench says so and goes on without this column.
 */
import { createRequire } from 'node:module';
import { Rng } from '../nn/random.js';
import { WORKLOAD, type ModelName, type Workload } from './workload.js';
import { benchInfer, benchTrain, type InferTiming, type TrainTiming } from './protocol.js';

export interface TfjsRecord extends TrainTiming, InferTiming {
  system: 'tfjs-wasm';
  model: ModelName;
  batch: number;
}

type Tf = typeof import('@tensorflow/tfjs-core');
type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Variable = import('@tensorflow/tfjs-core').Variable;

export interface TfjsHandle { tf: Tf; version: string }

/**
 * Loads TensorFlow.js core with the WebAssembly backend, or returns why it cannot. Core's Node
 * bundle has no gradients registered: tfjs-layers' bundle registers all of them on load (the
 * umbrella @tensorflow/tfjs would too, with 136 MB of browser bundles and backends we don't use).
 * Loaded through `require` so that the library never imports it unless the bench runs.
 */
export async function loadTfjs(): Promise<TfjsHandle | { problem: string }> {
  try {
    const require = createRequire(import.meta.url);
    const tf = require('@tensorflow/tfjs-core') as Tf;
    require('@tensorflow/tfjs-layers'); // registers the gradients (see above)
    require('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) return { problem: 'the tfjs wasm backend failed to initialise' };
    await tf.ready();
    return { tf, version: tf.version_core };
  } catch (err) {
    return { problem: `TensorFlow.js unavailable (${(err as Error).message.split('\n')[0]})` };
  }
}

/** Times one model at one batch size in TensorFlow.js (float32). */
export function benchTfjsModel({ tf }: TfjsHandle, data: Workload, name: ModelName, batch: number): TfjsRecord {
  const spec = WORKLOAD.models[name];
  const n = data.X.rows, d = data.X.cols, classes = WORKLOAD.numClasses;
  const X = tf.tensor2d(Float32Array.from(data.X.data), [n, d]);
  const y = tf.tensor1d(data.y, 'int32');
  const dims = [d, ...spec.hidden, classes];
  const init = new Rng(0);
  const weights: Variable[] = [], params: Variable[] = [];
  const bn: { gamma: Variable; beta: Variable }[] = [];
  for (let i = 1; i < dims.length; i++) {
    const w = init.gaussianMatrix(dims[i - 1], dims[i], Math.sqrt(2 / dims[i - 1]));
    const W = tf.variable(tf.tensor2d(Float32Array.from(w.data), [w.rows, w.cols]));
    weights.push(W);
    params.push(W, tf.variable(tf.zeros([dims[i]])));
    if (spec.batchnorm && i < dims.length - 1) {
      const layer = { gamma: tf.variable(tf.ones([dims[i]])), beta: tf.variable(tf.zeros([dims[i]])) };
      bn.push(layer);
      params.push(layer.gamma, layer.beta);
    }
  }
  const scores = (x: Tensor, train: boolean): Tensor => {
    let h = x;
    for (let l = 0; l < weights.length; l++) {
      h = tf.add(tf.matMul(h, weights[l]), params[params.indexOf(weights[l]) + 1]);
      if (l === weights.length - 1) break;
      if (spec.batchnorm && train) {
        // Batch statistics, as the reference's train mode (running averages are not needed here).
        const { mean, variance } = tf.moments(h, 0);
        h = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), bn[l].gamma), bn[l].beta);
      }
      h = tf.relu(h);
    }
    return h;
  };
  const optimizer = tf.train.adam(WORKLOAD.adam.learningRate, WORKLOAD.adam.beta1, WORKLOAD.adam.beta2, WORKLOAD.adam.epsilon);
  const lossOf = (xb: Tensor, yb: Tensor) => () => {
    const logits = scores(xb, true);
    const logp = tf.logSoftmax(logits);
    const data = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(yb as import('@tensorflow/tfjs-core').Tensor1D, classes), logp), 1)));
    const l2 = tf.addN(weights.map((w) => tf.sum(tf.square(w))));
    return tf.add(data, tf.mul(0.5 * WORKLOAD.reg, l2)) as import('@tensorflow/tfjs-core').Scalar;
  };

  const runBatches = (epoch: number, k: number): number => {
    const perm = new Rng(1000 + epoch).permutation(n);
    let last: Tensor | null = null;
    for (let b = 0; b < k; b++) {
      const idx = tf.tensor1d(perm.subarray(b * batch, Math.min((b + 1) * batch, n)), 'int32');
      // minimize keeps the cost tensor it returns out of the tidy scope; it is disposed below.
      const cost = tf.tidy(() => optimizer.minimize(lossOf(tf.gather(X, idx), tf.gather(y, idx)), true, params) as Tensor);
      idx.dispose();
      last?.dispose();
      last = cost;
    }
    const loss = last ? (last.dataSync()[0] as number) : Number.NaN;
    last?.dispose();
    return loss;
  };
  const runInfer = (limit: number): void => {
    const ib = WORKLOAD.inferenceBatch;
    for (let s = 0; s < limit; s += ib) {
      tf.tidy(() => scores(tf.slice(X, [s, 0], [Math.min(ib, limit - s), d]), false).dataSync());
    }
  };
  try {
    const train = benchTrain(runBatches, batch);
    const infer = benchInfer(runInfer);
    return { system: 'tfjs-wasm', model: name, batch, ...train, ...infer };
  } finally {
    tf.dispose([X, y, ...params]);
    optimizer.dispose();
  }
}
