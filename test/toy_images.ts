/** A small, learnable 3-class problem on 4×4 "images", for the experiment runner's tests. */
import { Matrix, Rng } from '../lib/index.js';
import { fingerprintDataset, type RunnerData } from '../lib/experiments/index.js';

export function toyImages(seed: number): RunnerData {
  const rng = new Rng(seed);
  const make = (n: number) => {
    const X = new Matrix(n, 16);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 3;
      for (let j = 0; j < 16; j++) X.data[i * 16 + j] = 0.3 * rng.gaussian() + (j % 3 === y[i] ? 1 : 0);
    }
    return { X, y };
  };
  const tr = make(90), va = make(30);
  const d = { XTrain: tr.X, yTrain: tr.y, XVal: va.X, yVal: va.y, classNames: ['a', 'b', 'c'] };
  return { ...d, mean: new Float64Array(16), width: 4, height: 4, numClasses: 3, fingerprint: fingerprintDataset(d) };
}
