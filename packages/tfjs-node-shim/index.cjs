// What danfojs-node uses of "@tensorflow/tfjs-node" (its shared/tensorflowlib.js): tf.tensor,
// tf.scalar, tf.moments, tf.Tensor and tf.data.array. TensorFlow.js core with its CPU backend
// and tf.data give all of them; the real tfjs-node adds a native binding, and the umbrella
// @tensorflow/tfjs another 136 MB of bundles, neither of which danfo needs here.
'use strict';
const core = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu'); // registers the 'cpu' backend with core
const data = require('@tensorflow/tfjs-data');

module.exports = { ...core, data };
