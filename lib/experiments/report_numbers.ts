/**
 * The numbers of the lab report (../shared/lab-report.md, "Lab1 Part1"), to show beside ours.
 * Accuracies are best validation accuracies as fractions; the report's own values, unchanged.
 */
import type { Activation } from '../nn/layer_utils.js';

export interface ReportNumbers {
  sineMeanError: number;
  depthWidth: Array<{ depth: number; width: number; valAcc: number }>;
  depthWidthGrid: { depths: number[]; widths: number[]; valAcc: number[][] };
  learningRate: Array<{ learningRate: number; valAcc: number }>;
  reg: Array<{ reg: number; valAcc: number }>;
  batchSize: Array<{ batchSize: number; valAcc: number; seconds: number }>;
  activation: Array<{ activation: Activation; valAcc: number }>;
  batchnorm: { without: number; with: number };
  augmentation: { with: number };
}

export const REPORT: ReportNumbers = {
  /** Fitting sin x: the signed mean error on the step-0.01 grid. */
  sineMeanError: -0.00019,
  /** First architecture table: "N-layer network + W neurons". */
  depthWidth: [
    { depth: 2, width: 10, valAcc: 0.81 },
    { depth: 2, width: 50, valAcc: 0.901 },
    { depth: 2, width: 100, valAcc: 0.924 },
    { depth: 3, width: 10, valAcc: 0.82 },
    { depth: 3, width: 50, valAcc: 0.91 },
    { depth: 3, width: 100, valAcc: 0.927 },
    { depth: 4, width: 10, valAcc: 0.832 },
    { depth: 4, width: 50, valAcc: 0.912 },
    { depth: 4, width: 100, valAcc: 0.922 },
  ],
  /** Second architecture table: depth 2/4/8/16 × width 10/20/30/50/100. */
  depthWidthGrid: {
    depths: [2, 4, 8, 16],
    widths: [10, 20, 30, 50, 100],
    valAcc: [
      [0.81, 0.846, 0.876, 0.901, 0.924],
      [0.832, 0.864, 0.89, 0.907, 0.927],
      [0.832, 0.886, 0.888, 0.905, 0.968],
      [0.9, 0.942, 0.953, 0.96, 0.963],
    ],
  },
  learningRate: [
    { learningRate: 3e-2, valAcc: 0.89 },
    { learningRate: 1e-2, valAcc: 0.901 },
    { learningRate: 3e-3, valAcc: 0.9 },
    { learningRate: 1e-3, valAcc: 0.864 },
    { learningRate: 6e-3, valAcc: 0.915 },
    { learningRate: 1e-1, valAcc: 0.705 },
  ],
  reg: [
    { reg: 1e-1, valAcc: 0.909 },
    { reg: 1e-2, valAcc: 0.9 },
    { reg: 1e-3, valAcc: 0.866 },
    { reg: 0, valAcc: 0.867 },
  ],
  batchSize: [
    { batchSize: 16, valAcc: 0.897, seconds: 125 },
    { batchSize: 32, valAcc: 0.911, seconds: 180 },
    { batchSize: 64, valAcc: 0.909, seconds: 113 },
    { batchSize: 128, valAcc: 0.892, seconds: 88 },
    { batchSize: 256, valAcc: 0.866, seconds: 119 },
  ],
  activation: [
    { activation: 'sigmoid', valAcc: 0.866 },
    { activation: 'relu', valAcc: 0.91 },
    { activation: 'tanh', valAcc: 0.884 },
  ],
  batchnorm: { without: 0.284, with: 0.906 },
  augmentation: { with: 0.97 },
};
