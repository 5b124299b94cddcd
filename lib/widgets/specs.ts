/**
 * What each widget's page script receives, as JSON in the notebook output (written by
 * lib/display/widgets.ts, read by the lib/widgets/*.ts browser entry points).
 */
import type { PackedNet } from '../persist/packed_net.js';
import type { PackedFloats } from '../util/packed_floats.js';
import type { SineOptions } from '../tasks/sine.js';

export interface DrawingPadSpec {
  net: PackedNet;
  /** The training mean image (width·height values) that every input is centred by. */
  mean: PackedFloats;
  classNames: string[];
  width: number;
  height: number;
  /** One line under the pad: which network this is and how it was trained. */
  caption: string;
}

/** The fitting run the page repeats: SineOptions without the callbacks. */
export type SineTrainerSpec = Omit<SineOptions, 'onEpoch' | 'onGridPrediction' | 'snapshotEpochs'> & { caption: string };

/** One tensor of the backprop graph at one training step. */
export interface TensorView {
  rows: number;
  cols: number;
  /** Row-major values, rounded for the page. */
  value: number[];
  /** ∂loss/∂tensor, or null for a tensor no gradient is computed for (the labels). */
  grad: number[] | null;
  /** max |analytic − numerical| / (|analytic| + |numerical|), or null where no check was run. */
  relError: number | null;
}

export interface GraphNode {
  id: string;
  /** What the node computes, e.g. "affine", or "input"/"parameter" for a leaf. */
  op: string;
  /** The tensor's name, e.g. "a1 = x·W1 + b1". */
  label: string;
  /** The nodes whose outputs this one takes (edges run from them to this node). */
  inputs: string[];
}

export interface BackpropGraphSpec {
  nodes: GraphNode[];
  /** Per training step: the loss, and every node's tensor at that step. */
  steps: { step: number; loss: number; tensors: Record<string, TensorView> }[];
  caption: string;
}
