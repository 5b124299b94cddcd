/**
 * Training data in SharedArrayBuffers: sent to every worker thread without a copy (structured
 * clone shares the memory), read there as Matrix views.
 */
import { Matrix } from '../nn/matrix.js';
import type { TrainData } from './train.js';

export interface SharedMatrix { rows: number; cols: number; buffer: SharedArrayBuffer }
export interface SharedTrainData {
  XTrain: SharedMatrix;
  yTrain: SharedArrayBuffer;
  XVal: SharedMatrix;
  yVal: SharedArrayBuffer;
  /** The held-out test set, when the data has one. */
  XTest?: SharedMatrix;
  yTest?: SharedArrayBuffer;
  mean: SharedArrayBuffer;
  width: number;
  height: number;
  numClasses: number;
}

/** A float64 copy of `a` in shared memory (a float32 matrix is widened: the workers read float64). */
function shareFloat64(a: ArrayLike<number>): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(a.length * 8);
  new Float64Array(buf).set(a);
  return buf;
}

function shareInt32(a: Int32Array): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(a.byteLength);
  new Int32Array(buf).set(a);
  return buf;
}

const cache = new WeakMap<object, SharedTrainData>();

/** Copies the data into shared memory once per data object. */
export function toShared(d: TrainData): SharedTrainData {
  const hit = cache.get(d);
  if (hit) return hit;
  const shared: SharedTrainData = {
    XTrain: { rows: d.XTrain.rows, cols: d.XTrain.cols, buffer: shareFloat64(d.XTrain.data) },
    yTrain: shareInt32(d.yTrain),
    XVal: { rows: d.XVal.rows, cols: d.XVal.cols, buffer: shareFloat64(d.XVal.data) },
    yVal: shareInt32(d.yVal),
    ...(d.XTest && d.yTest ? { XTest: { rows: d.XTest.rows, cols: d.XTest.cols, buffer: shareFloat64(d.XTest.data) }, yTest: shareInt32(d.yTest) } : {}),
    mean: shareFloat64(d.mean),
    width: d.width,
    height: d.height,
    numClasses: d.numClasses,
  };
  cache.set(d, shared);
  return shared;
}

/** Views shared data as TrainData (no copy). */
export function fromShared(s: SharedTrainData): TrainData {
  return {
    XTrain: new Matrix(s.XTrain.rows, s.XTrain.cols, new Float64Array(s.XTrain.buffer)),
    yTrain: new Int32Array(s.yTrain),
    XVal: new Matrix(s.XVal.rows, s.XVal.cols, new Float64Array(s.XVal.buffer)),
    yVal: new Int32Array(s.yVal),
    ...(s.XTest && s.yTest ? { XTest: new Matrix(s.XTest.rows, s.XTest.cols, new Float64Array(s.XTest.buffer)), yTest: new Int32Array(s.yTest) } : {}),
    mean: new Float64Array(s.mean),
    width: s.width,
    height: s.height,
    numClasses: s.numClasses,
  };
}
