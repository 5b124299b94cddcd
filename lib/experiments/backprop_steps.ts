/**
 * A few real training steps of 04's small network (affine → batchnorm → ReLU → affine →
 * softmax loss), each recorded whole for the drawn graph (lib/widgets/backprop_graph.ts): every
 * tensor's value and gradient, from the layers' own forward caches and backward passes, and
 * beside each gradient the relative error of its numerical check (centred differences of the
 * loss as a function of that tensor, everything upstream held fixed). Between steps the
 * parameters take a plain SGD step, so the slider shows the gradients change as the loss falls.
 */
import { Matrix } from '../nn/matrix.js';
import { affineForward, affineBackward, batchnormForward, batchnormBackward, reluForward, reluBackward, softmaxLoss } from '../nn/layers.js';
import { evalNumericalGradient, relError } from '../nn/gradient_check.js';
import type { BackpropGraphSpec, GraphNode, TensorView } from '../widgets/specs.js';

export interface SandwichParams { W1: Matrix; b1: Matrix; gamma: Matrix; beta: Matrix; W2: Matrix; b2: Matrix }

export interface BackpropStepsOptions {
  /** Training steps to record (default 5). */
  steps?: number;
  /** SGD step size between the recorded steps (default 0.5). */
  learningRate?: number;
}

/** The graph: leaves (input, labels, parameters) and the operations, in forward order. */
const NODES: GraphNode[] = [
  { id: 'x', op: 'input', label: 'x', inputs: [] },
  { id: 'W1', op: 'parameter', label: 'W1', inputs: [] },
  { id: 'b1', op: 'parameter', label: 'b1', inputs: [] },
  { id: 'a1', op: 'affine', label: 'a1 = x·W1 + b1', inputs: ['x', 'W1', 'b1'] },
  { id: 'gamma', op: 'parameter', label: 'γ', inputs: [] },
  { id: 'beta', op: 'parameter', label: 'β', inputs: [] },
  { id: 'z1', op: 'batchnorm', label: 'z1 = γ·x̂ + β', inputs: ['a1', 'gamma', 'beta'] },
  { id: 'h1', op: 'ReLU', label: 'h1 = max(0, z1)', inputs: ['z1'] },
  { id: 'W2', op: 'parameter', label: 'W2', inputs: [] },
  { id: 'b2', op: 'parameter', label: 'b2', inputs: [] },
  { id: 'scores', op: 'affine', label: 'scores = h1·W2 + b2', inputs: ['h1', 'W2', 'b2'] },
  { id: 'y', op: 'labels', label: 'y', inputs: [] },
  { id: 'loss', op: 'softmax loss', label: 'loss', inputs: ['scores', 'y'] },
];

const round = (m: Matrix) => Array.from(m.data, (v) => Number(v.toPrecision(6)));

function view(value: Matrix, grad: Matrix | null, numeric: Matrix | null): TensorView {
  return { rows: value.rows, cols: value.cols, value: round(value), grad: grad && round(grad), relError: grad && numeric ? relError(grad, numeric) : null };
}

/** One step: forward with caches, backward, a numerical check for every gradient. */
function recordStep(x: Matrix, y: Int32Array, p: SandwichParams): { loss: number; tensors: Record<string, TensorView>; grads: SandwichParams } {
  const train = { mode: 'train' as const };
  const [a1, affine1] = affineForward(x, p.W1, p.b1);
  const [z1, bn] = batchnormForward(a1, p.gamma, p.beta, train);
  const [h1, relu] = reluForward(z1);
  const [scores, affine2] = affineForward(h1, p.W2, p.b2);
  const { loss, dscores } = softmaxLoss(scores, y);

  const g2 = affineBackward(dscores, affine2);
  const dz1 = reluBackward(g2.dx, relu).dx;
  const gbn = batchnormBackward(dz1, bn);
  const g1 = affineBackward(gbn.dx, affine1);

  // The loss as a function of each tensor, everything upstream of it held at this step's values.
  const fromScores = (s: Matrix) => softmaxLoss(s, y).loss;
  const fromH1 = (h: Matrix) => fromScores(affineForward(h, p.W2, p.b2)[0]);
  const fromZ1 = (z: Matrix) => fromH1(reluForward(z)[0]);
  const fromA1 = (a: Matrix) => fromZ1(batchnormForward(a, p.gamma, p.beta, train)[0]);
  const fromX = (v: Matrix) => fromA1(affineForward(v, p.W1, p.b1)[0]);
  const numeric = (f: (m: Matrix) => number, m: Matrix) => evalNumericalGradient(f, m.clone());
  const tensors: Record<string, TensorView> = {
    x: view(x, g1.dx, numeric(fromX, x)),
    W1: view(p.W1, g1.dw, numeric((w) => fromA1(affineForward(x, w, p.b1)[0]), p.W1)),
    b1: view(p.b1, g1.db, numeric((b) => fromA1(affineForward(x, p.W1, b)[0]), p.b1)),
    a1: view(a1, gbn.dx, numeric(fromA1, a1)),
    gamma: view(p.gamma, gbn.dgamma, numeric((g) => fromZ1(batchnormForward(a1, g, p.beta, train)[0]), p.gamma)),
    beta: view(p.beta, gbn.dbeta, numeric((b) => fromZ1(batchnormForward(a1, p.gamma, b, train)[0]), p.beta)),
    z1: view(z1, dz1, numeric(fromZ1, z1)),
    h1: view(h1, g2.dx, numeric(fromH1, h1)),
    W2: view(p.W2, g2.dw, numeric((w) => fromScores(affineForward(h1, w, p.b2)[0]), p.W2)),
    b2: view(p.b2, g2.db, numeric((b) => fromScores(affineForward(h1, p.W2, b)[0]), p.b2)),
    scores: view(scores, dscores, numeric(fromScores, scores)),
    y: { rows: 1, cols: y.length, value: Array.from(y), grad: null, relError: null },
    loss: { rows: 1, cols: 1, value: [loss], grad: [1], relError: null },
  };
  return { loss, tensors, grads: { W1: g1.dw, b1: g1.db, gamma: gbn.dgamma, beta: gbn.dbeta, W2: g2.dw, b2: g2.db } };
}

/** `steps` recorded training steps from the given parameters (which are copied, not changed). */
export function backpropSteps(x: Matrix, y: Int32Array, params: SandwichParams, options: BackpropStepsOptions = {}): BackpropGraphSpec {
  const steps = options.steps ?? 5, learningRate = options.learningRate ?? 0.5;
  if (!Number.isInteger(steps) || steps < 1 || steps > 50) throw new Error(`backpropSteps: steps must be an integer from 1 to 50, got ${steps}`);
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new Error(`backpropSteps: learningRate must be a positive number, got ${learningRate}`);
  const p = Object.fromEntries(Object.entries(params).map(([k, m]) => [k, (m as Matrix).clone()])) as unknown as SandwichParams;
  const recorded: BackpropGraphSpec['steps'] = [];
  for (let step = 1; step <= steps; step++) {
    const { loss, tensors, grads } = recordStep(x, y, p);
    recorded.push({ step, loss, tensors });
    for (const k of Object.keys(p) as (keyof SandwichParams)[]) {
      const w = p[k].data, g = grads[k].data;
      for (let i = 0; i < w.length; i++) w[i] -= learningRate * g[i];
    }
  }
  const first = recorded[0].loss, last = recorded[recorded.length - 1].loss;
  const { grad: db1, value: b1 } = recorded[0].tensors.b1;
  const largest = (v: number[]) => Math.max(...v.map(Math.abs));
  // A bias just before batchnorm cannot change the loss (the batch mean takes it out): say so when the numbers show it.
  const biasNote = largest(db1!) < 1e-9 * Math.max(1, largest(b1)) ? ` The gradient of b1 is zero up to rounding (largest ${largest(db1!).toExponential(1)}): batchnorm subtracts the batch mean, which takes out any bias added before it.` : '';
  return {
    nodes: NODES,
    steps: recorded,
    caption: `${x.rows} samples, ${x.cols} inputs, ${params.W1.cols} hidden units, ${params.W2.cols} classes; ${steps} steps of SGD (learning rate ${learningRate}): ` +
      `the loss goes from ${first.toFixed(4)} to ${last.toFixed(4)}. Each gradient is checked by centred differences; the relative error is beside it.${biasNote}`,
  };
}
